/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a subordinate id range into our own new user namespace with newuidmap/newgidmap
 * (Debian package uidmap). They are setuid root, and the kernel ignores the setuid bit of a
 * file whose owner is not mapped in the caller's namespace, so they must run from outside it.
 * As runc's nsexec does (its SYNC_USERMAP_PLS/ACK), the stub forks a helper *before* it
 * unshares, and the two talk over a socketpair; no sleep, no polling:
 *
 *   stub                                        helper (still in the old namespaces)
 *     vsl_usermap_start: socketpair, fork ----> waits for one message (EOF: exit quietly)
 *     unshare(CLONE_NEWUSER | CLONE_NEWNS)
 *     vsl_usermap_finish:
 *       VSL_USERMAP_PLS ----------------------> newuidmap STUB-PID 0 UID 1 1 START COUNT ...
 *                                               newgidmap STUB-PID 0 GID 1 1 START COUNT ...
 *       <-------------------------------------- VSL_USERMAP_ACK {errnum, text}, then exit
 *       waitpid(helper)
 *
 * newgidmap leaves /proc/PID/setgroups "allow" when the map comes from /etc/subgid, so the
 * container may set its own supplementary groups.
 */
#ifndef VSL_RUNTIME_USERMAP_H
#define VSL_RUNTIME_USERMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

/* The messages, each one struct vsl_usermap_msg in one write. */
enum vsl_usermap_sync {
	VSL_USERMAP_PLS = 0x56534c01, /* stub -> helper: my user namespace exists; map it */
	VSL_USERMAP_ACK = 0x56534c02, /* helper -> stub: done; errnum 0 = both maps written */
};

struct vsl_usermap_msg {
	int32_t msg;	/* enum vsl_usermap_sync */
	int32_t errnum; /* ACK: 0, or the failure (text has the tool's own words) */
	char text[400];
};

/* The stub's end of a started helper. */
struct vsl_usermap {
	pid_t pid; /* the helper, 0 when none */
	int fd;	   /* our end of the socketpair, -1 when none */
};

/* Fork the helper that will map uids and gids (newuidmap/newgidmap argument order) onto our
 * pid. Call before unshare(CLONE_NEWUSER), from a single-threaded process. */
int vsl_usermap_start(const struct vsl_idmap *uids, const struct vsl_idmap *gids,
		      struct vsl_usermap *h, struct vsl_error *err);

/* After the unshare: ask the helper to write the maps, wait for its answer, reap it. -1 with
 * err when a map could not be written (the other may have been). */
int vsl_usermap_finish(struct vsl_usermap *h, struct vsl_error *err);

/* The unshare failed: let the helper go (it sees EOF) and reap it. */
void vsl_usermap_abort(struct vsl_usermap *h);

#endif
