/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view, built by the direct runner's child in its own mount
 * namespace: pivot_root into the prepared root, then /proc, /dev (a tmpfs with device nodes
 * bind-mounted from the host, since mknod is impossible in a user namespace), /dev/pts,
 * /dev/shm, /sys, a tmpfs on /tmp when the root is read-only, the -v volumes and --tmpfs
 * mounts, and the host's resolv.conf and hosts. Container paths are resolved after
 * pivot_root, so a symlink in the image can never point a mount at the host.
 */
#ifndef VSL_RUNTIME_MOUNTS_H
#define VSL_RUNTIME_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "launch.h"

/* Where the old root sits between pivot_root and its detach. */
#define VSL_OLDROOT "/.vessel-oldroot"

/* Make spec->rootfs our "/" and mount everything in it; on return cwd is "/". Only in a child
 * that has its own mount namespace: it changes the root of every process in the namespace. */
int vsl_mounts_setup(const struct vsl_launch_spec *spec, struct vsl_error *err);

/* A container path vsl_mounts_setup mounts something on (or, for the old root and the
 * workdir, needs to exist): a directory, or a file for a single-file bind. */
struct vsl_mountpoint {
	const char *path; /* absolute, cleaned; points into spec or static storage */
	bool dir;
};

/*
 * Every path vsl_mounts_setup needs in the root for spec, in a heap array (*out, free it):
 * a read-only root cannot create them, so overlay.c puts them in a skeleton layer under the
 * image (docker's "init layer"). Paths into spec stay valid as long as spec does.
 */
int vsl_mounts_points(const struct vsl_launch_spec *spec, struct vsl_mountpoint **out, size_t *n,
		      struct vsl_error *err);

/* Remount a bind mount read-only, keeping the flags the kernel locks in a user namespace. */
int vsl_mounts_remount_ro(const char *path, struct vsl_error *err);

#endif
