/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build runs in a worker process watched by a guard (the process the user started), so that
 * an interrupted build leaves nothing behind: no staging dir, no skopeo copy, no half-written
 * output, no mksquashfs or skopeo still running.
 *
 * The guard makes one private dir under $TMPDIR and runs the worker with TMPDIR pointing there,
 * so every temp file of the build, skopeo's own included, is inside it. The worker gets its own
 * process group (and the terminal's foreground, when the guard had it, so ^C reaches it
 * directly); SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the guard are passed on to that group.
 * When the worker ends, whatever is left of its group is killed and reaped (the guard is a child
 * subreaper, so orphaned helpers come back to it), the private dir is removed, and after a
 * signal so are the output's temp files (".NAME.vessel-XXXXXX" next to it) that appeared during
 * the build. The guard then ends the way the worker did: same exit code, or the same signal.
 * ^Z, fg and bg work as for any job.
 * A SIGKILL of the guard itself cannot be cleaned up after.
 */
#ifndef VSL_BUILDER_GUARD_H
#define VSL_BUILDER_GUARD_H

#include "error.h"

/*
 * Run fn(ctx) in the worker and return its exit code (fn's return value is the worker's exit
 * code). Re-raises the signal that killed the worker. -1 with err set when the guard could not
 * start it (no temp dir, no fork).
 */
int vsl_guard_run(const char *output, int (*fn)(void *ctx), void *ctx, struct vsl_error *err);

#endif
