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

#include "error.h"
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

/* Detach whatever vsl_overlay_setup mounted on merged (lazy: a straggler cannot block us). */
int vsl_overlay_teardown(const char *merged, struct vsl_error *err);

/* Escape a path for an overlay mount option (',' ':' and '\' get a backslash). Pure. */
char *vsl_overlay_escape(const char *path);

#endif
