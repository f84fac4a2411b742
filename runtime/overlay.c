/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Overlay or copy: see overlay.h. Every failed attempt is logged with its errno, because
 * overlay's refusals (EINVAL for most of them) are only explained in the kernel log.
 */
#define _GNU_SOURCE
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "copytree.h"
#include "fsutil.h"
#include "log.h"

char *vsl_overlay_escape(const char *path)
{
	char *out = malloc(2 * strlen(path) + 1), *o = out;

	if (!out)
		return NULL;
	for (const char *p = path; *p; p++) {
		if (*p == ',' || *p == ':' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* Overlay option sets to try, best first. "volatile" (Linux >= 5.10) skips syncing the upper
 * layer, which this throwaway upper never needs: it saved 3-14 ms per unmount on ext4. */
enum { OPT_USERXATTR = 1, OPT_VOLATILE = 2 };

/* Only real root may use trusted.* xattrs; in a user namespace overlay needs userxattr
 * (Linux >= 5.11), so a user namespace starts at the third entry. */
static const unsigned overlay_tries[] = { OPT_VOLATILE, 0, OPT_USERXATTR | OPT_VOLATILE,
					  OPT_USERXATTR };

/* skel: NULL for the usual writable overlay; else a read-only one of lower over skel. */
static int try_overlay(const char *lower, const char *skel, const struct vsl_rundir *rd,
		       unsigned opt, struct vsl_error *err)
{
	cleanup_free char *l = vsl_overlay_escape(lower), *u = vsl_overlay_escape(rd->upper);
	cleanup_free char *w = vsl_overlay_escape(rd->work), *opts = NULL;
	cleanup_free char *sk = skel ? vsl_overlay_escape(skel) : NULL;
	int r;

	if (!l || !u || !w || (skel && !sk))
		return vsl_error_set(err, ENOMEM, "overlay options");
	if (skel)
		r = asprintf(&opts, "lowerdir=%s:%s%s", l, sk,
			     opt & OPT_USERXATTR ? ",userxattr" : "");
	else
		r = asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s%s%s", l, u, w,
			     opt & OPT_USERXATTR ? ",userxattr" : "",
			     opt & OPT_VOLATILE ? ",volatile" : "");
	if (r < 0) {
		opts = NULL;
		return vsl_error_set(err, ENOMEM, "overlay options");
	}
	if (mount("overlay", rd->merged, "overlay", 0, opts) < 0) {
		vsl_error_set(err, errno, "mount overlay (%s) on %s", opts, rd->merged);
		vsl_debug("overlay: %s", err->msg);
		return -1;
	}
	vsl_debug("overlay: mounted on %s (%s)", rd->merged, opts);
	return 0;
}

static enum vsl_overlay_result copy_fallback(const char *lower, const struct vsl_rundir *rd,
					     struct vsl_error *err)
{
	if (vsl_copytree(lower, rd->upper, err) < 0) {
		vsl_error_wrap(err, "copy the rootfs for this run");
		return VSL_OVERLAY_FAILED;
	}
	/* pivot_root needs a mount point. */
	if (mount(rd->upper, rd->merged, NULL, MS_BIND | MS_REC, NULL) < 0) {
		vsl_error_set(err, errno, "bind-mount %s on %s", rd->upper, rd->merged);
		return VSL_OVERLAY_FAILED;
	}
	vsl_debug("overlay: private copy of %s in %s", lower, rd->upper);
	return VSL_OVERLAY_COPIED;
}

enum vsl_overlay_result vsl_overlay_setup(const char *lower, const struct vsl_rundir *rd,
					  bool userns, struct vsl_error *err)
{
	const char *force = getenv("VESSEL_OVERLAY");
	struct vsl_error oerr = { 0 };

	if (force && strcmp(force, "0") == 0) {
		vsl_debug("overlay: VESSEL_OVERLAY=0; copying the rootfs");
		return copy_fallback(lower, rd, err);
	}
	for (size_t i = userns ? 2 : 0; i < sizeof overlay_tries / sizeof overlay_tries[0]; i++) {
		/* tmpfs has nothing to sync: volatile would only add its marker dirs */
		if (rd->private_tmpfs && (overlay_tries[i] & OPT_VOLATILE))
			continue;
		vsl_error_release(&oerr);
		if (try_overlay(lower, NULL, rd, overlay_tries[i], &oerr) == 0)
			return VSL_OVERLAY_MOUNTED;
	}
	vsl_debug("overlay: unavailable (%s); falling back to a per-run copy", oerr.msg);
	vsl_error_release(&oerr);
	return copy_fallback(lower, rd, err);
}

/* Every mount point of mp under skel: dirs, and empty files for single-file binds. */
static int make_skeleton(const char *skel, const struct vsl_mountpoint *mp, size_t n,
			 struct vsl_error *err)
{
	if (mkdir(skel, 0755) < 0)
		return vsl_error_set(err, errno, "mkdir %s", skel);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = NULL;
		char *slash;
		int fd;

		/* mp[i].path is absolute and clean (no ".."): it stays under skel. */
		if (asprintf(&path, "%s%s", skel, mp[i].path) < 0) {
			path = NULL;
			return vsl_error_set(err, ENOMEM, "skeleton");
		}
		if (mp[i].dir) {
			if (vsl_fs_mkdir_p(path, 0755, err) < 0)
				return vsl_error_wrap(err, "--read-only: mount point %s",
						      mp[i].path);
			continue;
		}
		slash = strrchr(path, '/');
		*slash = '\0';
		if (vsl_fs_mkdir_p(path, 0755, err) < 0)
			return vsl_error_wrap(err, "--read-only: mount point %s", mp[i].path);
		*slash = '/';
		fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return vsl_error_set(err, errno, "--read-only: mount point %s", mp[i].path);
		close(fd);
	}
	return 0;
}

enum vsl_overlay_result vsl_overlay_setup_readonly(const char *lower, const struct vsl_rundir *rd,
						   const struct vsl_mountpoint *mp, size_t n,
						   bool userns, struct vsl_error *err)
{
	const char *force = getenv("VESSEL_OVERLAY");
	struct vsl_error oerr = { 0 };
	cleanup_free char *skel = NULL;

	if (asprintf(&skel, "%s/skel", rd->path) < 0) {
		skel = NULL;
		vsl_error_set(err, ENOMEM, "skeleton");
		return VSL_OVERLAY_FAILED;
	}
	if (force && strcmp(force, "0") == 0) {
		vsl_debug("overlay: VESSEL_OVERLAY=0; copying the rootfs (made read-only later)");
		return copy_fallback(lower, rd, err);
	}
	if (make_skeleton(skel, mp, n, err) < 0)
		return VSL_OVERLAY_FAILED;
	for (size_t i = userns ? 1 : 0; i < 2; i++) {
		vsl_error_release(&oerr);
		if (try_overlay(lower, skel, rd, i ? OPT_USERXATTR : 0, &oerr) == 0)
			return VSL_OVERLAY_MOUNTED;
	}
	vsl_debug("overlay: no read-only overlay (%s); a per-run copy, made read-only later",
		  oerr.msg);
	vsl_error_release(&oerr);
	return copy_fallback(lower, rd, err);
}

int vsl_overlay_teardown(const char *merged, struct vsl_error *err)
{
	if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return vsl_error_set(err, errno, "unmount %s", merged);
	return 0;
}
