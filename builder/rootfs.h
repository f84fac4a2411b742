/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image's root file system as the builder assembles it: OCI layers applied in order into a
 * staging directory, by an unprivileged user.
 *
 * What a non-root builder cannot put on disk (ownership, setuid bits and exact modes, xattrs,
 * device nodes, fifos) lives in an in-memory table keyed by path; the disk holds the names and
 * file contents, with modes relaxed to u+rw (dirs u+rwx) so the builder can always read them
 * back. Devices and fifos are empty placeholder files on disk. Writers (tar.zst, the squashfs
 * pseudo file) walk the result with vsl_rootfs_foreach in a deterministic order and take the
 * metadata from there, never from stat().
 */
#ifndef VSL_ROOTFS_H
#define VSL_ROOTFS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tar.h"

struct vsl_rootfs;

/*
 * Start a root file system in staging_dir, which is created (mkdir -p, 0700) if missing and must be
 * empty. The caller owns the directory: vsl_rootfs_free leaves it on disk (remove it with
 * vsl_fs_rmtree from common/fsutil.h).
 */
struct vsl_rootfs *vsl_rootfs_new(const char *staging_dir, struct vsl_error *err);
/*
 * Apply one layer read from blob_fd (read sequentially from its current offset; a pipe is
 * fine). Compression is detected by magic: gzip, zstd, else plain tar. Whiteouts (.wh.NAME) and
 * opaque markers (.wh..wh..opq) remove what lower layers put there. blob_name (e.g. the digest)
 * names the layer in errors, along with the offending entry. Refused: ".." components, writes
 * through a symlink, hardlinks to missing or outside targets, sparse files.
 */
int vsl_rootfs_apply_layer(struct vsl_rootfs *r, int blob_fd, const char *blob_name,
			   struct vsl_error *err);
void vsl_rootfs_free(struct vsl_rootfs *r);

const char *vsl_rootfs_dir(const struct vsl_rootfs *r);
/* O_DIRECTORY fd of the staging root, borrowed. */
int vsl_rootfs_dirfd(const struct vsl_rootfs *r);
/* Number of paths in the tree, the root included. */
size_t vsl_rootfs_count(const struct vsl_rootfs *r);

struct vsl_rootfs_entry {
	const char *path;       /* clean relative path; "" for the root, which comes first */
	/* VSL_TAR_HARDLINK for every member of a hardlink group but the first in path order. */
	enum vsl_tar_type type;
	/* The symlink target; for VSL_TAR_HARDLINK the path of the group's first member. */
	const char *linkname;
	uint32_t mode;          /* 07777 bits, as in the image */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;          /* regular files (and hardlinks to them): content length */
	uint32_t devmajor, devminor;
	size_t nxattrs;
	const struct vsl_tar_xattr *xattrs;
	/* 0 when the inode has one path; otherwise an id shared by all paths of the inode,
	 * numbered 1, 2, ... in path order of the groups' first members. */
	uint64_t link_group;
	uint32_t nlink;         /* paths of this inode in the tree */
	/* Real type of the inode (== type, except VSL_TAR_HARDLINK gives the target's type). */
	enum vsl_tar_type inode_type;
};

/*
 * The order of vsl_rootfs_foreach: bytewise, except that '/' sorts before every other byte, so
 * a directory is directly followed by all of its contents ("a", "a/z", "a-b"), as with GNU
 * tar --sort=name. Extractors that set a directory's mtime once they leave it rely on that.
 */
int vsl_rootfs_path_cmp(const char *a, const char *b);

typedef int (*vsl_rootfs_visit_fn)(void *ctx, const struct vsl_rootfs_entry *e,
				   struct vsl_error *err);
/*
 * Visit every path in vsl_rootfs_path_cmp order, the root first. Stops at, and returns, the
 * first -1 from fn. The entry is valid during the call only.
 */
int vsl_rootfs_foreach(struct vsl_rootfs *r, vsl_rootfs_visit_fn fn, void *ctx,
		       struct vsl_error *err);
/* Look one path up (clean path, "" is the root). 0, or -1 (errno ENOENT) with err set. */
int vsl_rootfs_lookup(struct vsl_rootfs *r, const char *path, struct vsl_rootfs_entry *out,
		      struct vsl_error *err);
/* Open a regular file of the tree for reading without following symlinks anywhere. */
int vsl_rootfs_open(struct vsl_rootfs *r, const char *path, struct vsl_error *err);

#endif
