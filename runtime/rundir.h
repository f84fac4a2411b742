/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-run directory holding the overlay's upper/, work/ and merged/. Two kinds:
 *
 * - By default a private tmpfs, mounted inside our own mount namespace on a mount point in the
 *   cache (<cache>/run, an empty dir that stays). Nothing of it exists outside the namespace:
 *   no directory to create or remove on disk, nothing to reap, and when we exit, however we
 *   exit, the kernel drops it with the namespace. It is also the fast choice: on disk every
 *   run creates and removes a handful of directories (the overlay adds its own in work/), and
 *   removing them cost 30 ms per run on ext4 with online discard. The price is that the
 *   container's writes live in RAM (swappable), capped at half of it as any tmpfs. That suits
 *   what these writes are: scratch that is thrown away when the run ends (docker and podman
 *   keep them on disk because their containers outlive a run). Set VESSEL_TMPDIR to a
 *   directory on disk to have them there instead.
 * - In $VESSEL_TMPDIR, or when the private tmpfs cannot be used (the mount is refused, or, in a
 *   user namespace before Linux 6.6, tmpfs has no user.* xattrs, which overlay's userxattr
 *   needs: it would lose whiteouts of directories), a directory <root>/vessel-run.XXXXXX
 *   (0700). Its "owner" file holds our pid and an flock for as long as we run: the lock is what
 *   marks a dir as live (it works across pid namespaces and survives pid reuse), so a run that
 *   was killed leaves a dir whose lock anyone can take, and the next start removes it.
 */
#ifndef VSL_RUNTIME_RUNDIR_H
#define VSL_RUNTIME_RUNDIR_H

#include <stdbool.h>

#include "error.h"

#define VSL_RUNDIR_PREFIX "vessel-run."

struct vsl_rundir {
	char *path;   /* <root>/vessel-run.XXXXXX, or the private tmpfs's mount point */
	char *upper;  /* overlay upper (the container's writes) */
	char *work;   /* overlay work dir */
	char *merged; /* the container's root */
	int lock_fd;  /* the flock'd owner file, O_CLOEXEC, -1 when released or private */
	bool private_tmpfs; /* path is a tmpfs in our own mount namespace: nothing on disk */
};

/* $VESSEL_TMPDIR when set (a run dir there), else NULL (the private tmpfs). */
const char *vsl_rundir_root(void);

/* Where run dirs go when the private tmpfs cannot be used: /var/tmp (on disk, so it has user
 * xattrs), else /tmp. */
const char *vsl_rundir_fallback_root(void);

/*
 * Mount the private tmpfs on mountpoint (made, 0700, when missing) in the current mount
 * namespace, which must be ours alone, and make upper/, work/ and merged/ in it. user_xattrs:
 * the overlay will need user.* xattrs on it (a user namespace); checked here so the caller can
 * fall back to a run dir on disk. On failure nothing stays mounted.
 */
int vsl_rundir_create_private(const char *mountpoint, bool user_xattrs, struct vsl_rundir *rd,
			      struct vsl_error *err);

/* Best-effort: remove our own stale run dirs under root, logging each with vsl_debug. */
void vsl_rundir_reap(const char *root);

int vsl_rundir_create(const char *root, struct vsl_rundir *rd, struct vsl_error *err);

/* Remove the tree (never following symlinks), then drop the lock and free *rd. Call after
 * everything mounted under it is unmounted. A private tmpfs is left to go away with our mount
 * namespace: unmounting it would only cost an RCU grace period. */
int vsl_rundir_remove(struct vsl_rundir *rd, struct vsl_error *err);

/* Free *rd and drop the lock without removing anything. */
void vsl_rundir_release(struct vsl_rundir *rd);

#endif
