/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-run directory <root>/vessel-run.XXXXXX (0700) holding the overlay's upper/, work/
 * and merged/. Its "owner" file holds our pid and an flock for as long as we run: the lock is
 * what marks a dir as live (it works across pid namespaces and survives pid reuse), so a run
 * that was killed leaves a dir whose lock anyone can take, and the next start removes it.
 */
#ifndef VSL_RUNTIME_RUNDIR_H
#define VSL_RUNTIME_RUNDIR_H

#include "error.h"

#define VSL_RUNDIR_PREFIX "vessel-run."

struct vsl_rundir {
	char *path;   /* <root>/vessel-run.XXXXXX */
	char *upper;  /* overlay upper (the container's writes) */
	char *work;   /* overlay work dir */
	char *merged; /* the container's root */
	int lock_fd;  /* the flock'd owner file, O_CLOEXEC, -1 when released */
};

/* The root for run dirs: $VESSEL_TMPDIR, else $XDG_RUNTIME_DIR, else /tmp. */
const char *vsl_rundir_root(void);

/* Best-effort: remove our own stale run dirs under root, logging each with vsl_debug. */
void vsl_rundir_reap(const char *root);

int vsl_rundir_create(const char *root, struct vsl_rundir *rd, struct vsl_error *err);

/* Remove the tree (never following symlinks), then drop the lock and free *rd. Call after
 * everything mounted under it is unmounted. */
int vsl_rundir_remove(struct vsl_rundir *rd, struct vsl_error *err);

/* Free *rd and drop the lock without removing anything. */
void vsl_rundir_release(struct vsl_rundir *rd);

#endif
