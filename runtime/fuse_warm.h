/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Warm the FUSE server's data cache with the container's command and its ELF interpreter
 * (see fuse_warm.c). Over the SquashFS core only: no system calls of its own.
 */
#ifndef VSL_RUNTIME_FUSE_WARM_H
#define VSL_RUNTIME_FUSE_WARM_H

#include <stddef.h>
#include <stdint.h>

#include "sqfs/sqfs.h"

/*
 * Resolve cmd as execvp would (absolute, or each absolute dir of path_env, default
 * /usr/bin:/bin; symlinks followed inside the image) and decompress up to `blocks` data blocks
 * of it and of its ELF interpreter into the cache. Best effort, silent.
 */
void vsl_fuse_warm(struct vsl_sqfs *fs, const char *cmd, const char *path_env, unsigned blocks);

/* Resolve an absolute path inside the image following every symlink (at most 40): 0, -ENOENT,
 * -ELOOP, -ENAMETOOLONG or -EIO. */
int vsl_fuse_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out);
/* The PT_INTERP path of a little-endian ELF image's first n bytes into out, else "". Pure. */
void vsl_fuse_elf_interp(const uint8_t *b, size_t n, char *out, size_t size);

#endif
