/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writable container root over a read-only lower tree (the extract cache, later the FUSE
 * mount): a kernel overlay with the run dir's upper/ and work/, mounted on merged/. Where the
 * kernel refuses (no overlay in a user namespace before 5.11, or a lower on a file system that
 * cannot be one), the fallback is a private copy of the lower in upper/, bind-mounted on
 * merged/. Either way the container's writes never reach the lower tree.
 * VESSEL_OVERLAY=0 forces the copy (for tests and for kernels whose overlay misbehaves).
 */
#ifndef VSL_RUNTIME_OVERLAY_H
#define VSL_RUNTIME_OVERLAY_H

#include <stdbool.h>

#include <stddef.h>

#include "error.h"
#include "mounts.h"
#include "rundir.h"

enum vsl_overlay_result {
	VSL_OVERLAY_FAILED = -1, /* neither worked: err says why */
	VSL_OVERLAY_MOUNTED = 0, /* kernel overlay on merged/ */
	VSL_OVERLAY_COPIED,	 /* private copy in upper/, bind-mounted on merged/ */
};

/*
 * Make rd->merged the container's root over lower. userns is true when we run in a user
 * namespace we do not own the ids of (then overlay needs "userxattr"; real root tries plain
 * trusted.* xattrs first).
 */
enum vsl_overlay_result vsl_overlay_setup(const char *lower, const struct vsl_rundir *rd,
					  bool userns, struct vsl_error *err);

/*
 * --read-only: no writable layer at all. merged/ becomes a read-only overlay of lower over a
 * "skeleton" layer made in the run dir, which holds (only) the mount points mp the runner needs
 * (vsl_mounts_points), so that a root nobody can write still has a /proc, a /tmp, the old-root
 * dir of pivot_root and the targets of -v and --tmpfs even where the image lacks them; the
 * image's own entries win over the skeleton's. (The kernel wants two lower layers for an
 * overlay without an upper one; the skeleton is the second.) Where no overlay can be mounted,
 * the fallback is the per-run copy, which the runner remounts read-only once its mounts are in.
 */
enum vsl_overlay_result vsl_overlay_setup_readonly(const char *lower, const struct vsl_rundir *rd,
						   const struct vsl_mountpoint *mp, size_t n,
						   bool userns, struct vsl_error *err);

/* Detach whatever vsl_overlay_setup mounted on merged (lazy: a straggler cannot block us). */
int vsl_overlay_teardown(const char *merged, struct vsl_error *err);

/* Escape a path for an overlay mount option (',' ':' and '\' get a backslash). Pure. */
char *vsl_overlay_escape(const char *path);

#endif
