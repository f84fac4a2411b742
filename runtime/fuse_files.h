/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE server's open squashfs files, by inode number, shared by its worker threads.
 *
 * The server answers OPEN with "no open needed" where the kernel supports it (zero-message
 * opens, FUSE_CAP_NO_OPEN_SUPPORT, Linux 4.20+): then the kernel sends no OPEN and no RELEASE
 * at all, which halves the round trips of reading a small file, and each READ names only the
 * inode. A READ needs the file's block index (vsl_sqfs_file_open walks the block list once), so
 * the indexes of the files read most recently are kept here: a fixed table of slots, LRU among
 * the unused ones; when every slot is in use a READ opens a private handle. Entries are never
 * stale, because the image never changes.
 */
#ifndef VSL_RUNTIME_FUSE_FILES_H
#define VSL_RUNTIME_FUSE_FILES_H

#include <stdint.h>

#include "error.h"
#include "sqfs/sqfs.h"

struct vsl_fuse_files;

/* A file in use: put it back with vsl_fuse_files_put. */
struct vsl_fuse_file_ref {
	struct vsl_sqfs_file *file;
	void *slot; /* NULL: a private handle, closed by put */
};

/* slots: how many indexes to keep (0: 64). NULL when out of memory. */
struct vsl_fuse_files *vsl_fuse_files_new(struct vsl_sqfs *fs, unsigned slots);
void vsl_fuse_files_free(struct vsl_fuse_files *c);

/* The open file for squashfs inode ino: 0, or the -errno of vsl_sqfs_inode_get/file_open. */
int vsl_fuse_files_get(struct vsl_fuse_files *c, uint64_t ino, struct vsl_fuse_file_ref *ref,
		       struct vsl_error *err);
void vsl_fuse_files_put(struct vsl_fuse_files *c, struct vsl_fuse_file_ref *ref);

#endif
