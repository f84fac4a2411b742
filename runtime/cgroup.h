/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What libcrun needs of /sys/fs/cgroup. vessel runs rootless, so it asks libcrun for no cgroup
 * at all (its "disabled" manager), but libcrun still looks at the layout: on a hybrid host (v1
 * hierarchies on a tmpfs, plus cgroup2 on /sys/fs/cgroup/unified with a controller in it) it
 * refuses to start ("cgroups in hybrid mode not supported"), and where nothing it knows is
 * mounted it cannot tell the mode at all. In those cases a private tmpfs is mounted over
 * /sys/fs/cgroup in a mount namespace of ours: libcrun then sees a plain v1 layout with no
 * controllers, which its disabled manager accepts. Unified (v2-only) and pure v1 hosts are
 * left alone. The layout is read from /proc/self/mountinfo by a pure parser.
 */
#ifndef VSL_RUNTIME_CGROUP_H
#define VSL_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define VSL_CGROUP_ROOT "/sys/fs/cgroup"

enum vsl_cgroup_layout {
	VSL_CGROUP_NONE = 0, /* nothing is mounted on /sys/fs/cgroup */
	VSL_CGROUP_V2,	     /* cgroup2 on /sys/fs/cgroup (unified) */
	VSL_CGROUP_V1,	     /* a tmpfs of v1 hierarchies, no cgroup2 in it (legacy) */
	VSL_CGROUP_HYBRID,   /* a tmpfs of v1 hierarchies and cgroup2 on .../unified */
	VSL_CGROUP_OTHER,    /* some other file system on /sys/fs/cgroup */
};

/* The layout that a /proc/self/mountinfo buffer (need not be NUL-terminated) shows. Pure. */
enum vsl_cgroup_layout vsl_cgroup_layout_parse(const char *mountinfo, size_t len);
const char *vsl_cgroup_layout_name(enum vsl_cgroup_layout l);

/* Whether libcrun needs a private tmpfs over /sys/fs/cgroup with this layout. Pure. */
bool vsl_cgroup_needs_cover(enum vsl_cgroup_layout l);

/*
 * Read our mountinfo and, when the layout needs it, mount the tmpfs over /sys/fs/cgroup in the
 * current mount namespace, which must be one of our own. *layout gets what was found and
 * *covered whether the tmpfs was mounted.
 */
int vsl_cgroup_prepare(enum vsl_cgroup_layout *layout, bool *covered, struct vsl_error *err);

#endif
