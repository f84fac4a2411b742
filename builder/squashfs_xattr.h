/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Getting the image's xattrs (file capabilities above all) into the squashfs. mksquashfs 4.5.1
 * cannot take them from a pseudo file, only from the files it reads, so they are put on the
 * staging files just before it starts, in the child that then execs mksquashfs:
 *
 * - As root, lsetxattr as is.
 * - Unprivileged, the child first enters a user namespace where it is root (0 -> our uid, the
 *   owner of every staging file), which allows security.capability. The kernel stores such
 *   capabilities as v3 with our uid as their root and hands them back as plain v2 to a reader
 *   in a namespace that maps that uid to 0: mksquashfs runs in the same namespace, so it
 *   stores the same bytes a root build does.
 *
 * When this cannot work the squashfs goes without xattrs, and the build says why: a staging
 * file already has an xattr of the host's (an SELinux label: mksquashfs would copy it into the
 * image), the namespace cannot be made (qemu-user, a host without user namespaces), or a value
 * cannot be set (trusted.* unprivileged, user.* on a file system without them). The tar.zst
 * keeps the xattrs in every case.
 */
#ifndef VSL_BUILDER_SQUASHFS_XATTR_H
#define VSL_BUILDER_SQUASHFS_XATTR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rootfs.h"

struct vsl_sqx_item {
	char *path; /* absolute path of the staging file */
	const char *name;
	const uint8_t *value; /* borrowed from the rootfs table */
	size_t len;
};

struct vsl_sqx {
	size_t n;
	struct vsl_sqx_item *items;
	char *skip; /* why the xattrs cannot go in (malloc'd), or NULL */
};

/*
 * Collect the xattrs of r, one item per inode (hard links share them), and check that no
 * staging file carries an xattr of its own. Sets x->skip instead of failing when a foreign
 * xattr is found. -1 only on no memory.
 */
int vsl_sqx_collect(struct vsl_rootfs *r, struct vsl_sqx *x, struct vsl_error *err);
void vsl_sqx_free(struct vsl_sqx *x);

/*
 * In the child, after fork and before exec (only syscalls, no allocation): enter a user
 * namespace unless root, then set every item. NULL on success, else a static reason.
 */
const char *vsl_sqx_apply(const struct vsl_sqx *x);

#endif
