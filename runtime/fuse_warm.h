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

#include <sys/types.h>

/*
 * Resolve cmd as execvp would (absolute, or each absolute dir of path_env, default
 * /usr/bin:/bin; symlinks followed inside the image) and decompress up to `blocks` data blocks
 * of it, of its ELF interpreter and of the shared libraries it needs (DT_NEEDED, breadth first,
 * found in the default directories of glibc's multiarch layout and of musl) into the cache.
 * After each file, t->fn (when t is not NULL) gets its path inside the image, with every
 * symlink resolved, and how many bytes from its start were decompressed (all of it unless the
 * budget ran out; files past the budget are not handed on): the FUSE server has the kernel
 * read those ahead through the mount. Best effort, silent.
 */
struct vsl_fuse_warm_touch {
	void (*fn)(void *ctx, const char *path, uint64_t size);
	void *ctx;
};
void vsl_fuse_warm(struct vsl_sqfs *fs, const char *cmd, const char *path_env, unsigned blocks,
		   const struct vsl_fuse_warm_touch *t);

/* Resolve an absolute path inside the image following every symlink (at most 40): 0, -ENOENT,
 * -ELOOP, -ENAMETOOLONG or -EIO. */
int vsl_fuse_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out);
/* The same, and the path it arrived at (absolute, no symlinks; "" for the root) to resolved. */
int vsl_fuse_resolve_path(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out,
			  char *resolved, size_t rsize);
#define VSL_FUSE_NEEDED_MAX 16
#define VSL_FUSE_NEEDED_NAME 256
/* Read up to len bytes at off of the file being parsed: the count, or < 0. */
typedef ssize_t (*vsl_fuse_elf_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);
/*
 * The DT_NEEDED names (bare file names; any with a '/' is skipped) of the little-endian ELF
 * file whose first n bytes are b, read further through `read`: up to max of them into names,
 * returns how many. Pure: no system calls but what `read` makes.
 */
int vsl_fuse_elf_needed(const uint8_t *b, size_t n, vsl_fuse_elf_read_fn read, void *ctx,
			char (*names)[VSL_FUSE_NEEDED_NAME], int max);
/* The PT_INTERP path of a little-endian ELF image's first n bytes into out, else "". Pure. */
void vsl_fuse_elf_interp(const uint8_t *b, size_t n, char *out, size_t size);

#endif
