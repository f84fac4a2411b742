/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User and mount namespace entry: see userns.h. The uid/gid maps are written by ourselves,
 * which the kernel allows for exactly one id (our own) after setgroups is denied; wider maps
 * need newuidmap and are future work.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

static int write_proc(const char *path, const char *text, struct vsl_error *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(text);

	if (fd < 0)
		return vsl_error_set(err, errno, "open %s", path);
	if (write(fd, text, n) != (ssize_t)n)
		return vsl_error_set(err, errno, "write '%s' to %s", text, path);
	return 0;
}

/* The initial user namespace maps all 2^32-1 ids onto themselves. */
static bool in_init_userns(void)
{
	cleanup_close int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	char buf[128];
	unsigned long a, b, c;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

static enum vsl_userns_result enter_userns(struct vsl_ns *ns, struct vsl_error *err)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		int e = errno;

		if (e == EINVAL) {
			vsl_error_set(err, e,
				      "unshare(CLONE_NEWUSER): this process cannot make a user "
				      "namespace (qemu-user cannot); run it inside one, e.g. "
				      "`unshare -Urm ./app`");
			return VSL_USERNS_EMULATED;
		}
		vsl_error_set(
			err, e,
			"unshare(CLONE_NEWUSER): unprivileged user namespaces are not "
			"allowed here; enable them (sysctl kernel.unprivileged_userns_clone=1, "
			"user.max_user_namespaces > 0, or the AppArmor userns restriction) or "
			"run as root");
		return VSL_USERNS_DENIED;
	}
	/* Old kernels (< 3.19) have no setgroups file and need no "deny". */
	if (access("/proc/self/setgroups", F_OK) == 0 &&
	    write_proc("/proc/self/setgroups", "deny", err) < 0)
		return VSL_USERNS_MAP;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)ns->outer_uid);
	if (write_proc("/proc/self/uid_map", map, err) < 0)
		return VSL_USERNS_MAP;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)ns->outer_gid);
	if (write_proc("/proc/self/gid_map", map, err) < 0)
		return VSL_USERNS_MAP;
	vsl_debug("userns: new user+mount namespace, 0 -> uid %u gid %u", (unsigned)ns->outer_uid,
		  (unsigned)ns->outer_gid);
	return VSL_USERNS_OK;
}

enum vsl_userns_result vsl_userns_enter(struct vsl_ns *ns, struct vsl_error *err)
{
	enum vsl_userns_result r;

	ns->outer_uid = geteuid();
	ns->outer_gid = getegid();
	ns->init_userns = false;
	ns->mode = VSL_NS_USER;
	/* Root with CAP_SYS_ADMIN: a user namespace would only lose us the real id map. */
	if (ns->outer_uid == 0 && unshare(CLONE_NEWNS) == 0) {
		ns->mode = VSL_NS_MOUNT_ONLY;
		ns->init_userns = in_init_userns();
		vsl_debug("userns: already uid 0 with CAP_SYS_ADMIN (%s): mount namespace only",
			  ns->init_userns ? "real root" : "inside a user namespace");
	} else {
		if (ns->outer_uid == 0)
			vsl_debug("userns: uid 0 but unshare(CLONE_NEWNS): %s; trying a user "
				  "namespace",
				  strerror(errno));
		r = enter_userns(ns, err);
		if (r != VSL_USERNS_OK)
			return r;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		vsl_error_set(err, errno, "make / a private mount tree");
		return VSL_USERNS_MOUNT;
	}
	return VSL_USERNS_OK;
}
