/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User and mount namespace entry: see userns.h. Subordinate ranges are mapped by the
 * newuidmap/newgidmap helper (usermap.c); the single-id map we write ourselves, which the
 * kernel allows for exactly one id (our own) after setgroups is denied. Whatever happened, the
 * maps in force are read back into struct vsl_ns, because they, and not our intentions, decide
 * which of the image's owners exist here.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "subid.h"
#include "usermap.h"

/* /etc/subuid of a big site is a few hundred KB; more than this is not one. */
#define SUBID_FILE_MAX (4u << 20)
/* Ranges per user we ask for; newuidmap passes each as one map line. */
#define SUBID_RANGES_MAX 32

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

/* The whole of a small file into a malloc'd buffer; NULL (errno set) when unreadable. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *buf = NULL;
	size_t n = 0, cap = 4096;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (!buf || n == cap) {
			char *b;

			if (buf && (cap *= 2) > max)
				return errno = EFBIG, NULL;
			b = realloc(buf, cap);
			if (!b)
				return NULL;
			buf = b;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return steal_pointer(&buf);
}

/* Our ranges in an /etc/subuid-format file, looked up as newuidmap does (login name of the
 * uid, or the uid as a number). */
static size_t find_subids(const char *path, const char *name, uid_t uid, struct vsl_subid_range *r)
{
	size_t len;
	cleanup_free char *text = read_file(path, SUBID_FILE_MAX, &len);

	if (!text) {
		vsl_debug("userns: %s: %s", path, strerror(errno));
		return 0;
	}
	return vsl_subid_find(text, len, name, (uint32_t)uid, r, SUBID_RANGES_MAX);
}

/* The rootless maps (0 -> us, 1..N -> our ranges) when /etc/subuid and /etc/subgid both give
 * us a range; else false, and one id it is. */
static bool rootless_maps(const struct vsl_ns *ns, struct vsl_idmap *uids, struct vsl_idmap *gids)
{
	struct vsl_subid_range ur[SUBID_RANGES_MAX], gr[SUBID_RANGES_MAX];
	struct passwd *pw = getpwuid(ns->outer_uid);
	cleanup_free char *name = pw && pw->pw_name ? strdup(pw->pw_name) : NULL;
	size_t nu = find_subids("/etc/subuid", name, ns->outer_uid, ur);
	size_t ng = find_subids("/etc/subgid", name, ns->outer_uid, gr);

	endpwent();
	if (!nu || !ng) {
		vsl_debug("userns: no subordinate %s range for %s (uid %u) in /etc/sub%s; mapping "
			  "one id",
			  nu ? "gid" : "uid", name ? name : "?", (unsigned)ns->outer_uid,
			  nu ? "gid" : "uid");
		return false;
	}
	return vsl_idmap_rootless((uint32_t)ns->outer_uid, ur, nu, uids) > 1 &&
	       vsl_idmap_rootless((uint32_t)ns->outer_gid, gr, ng, gids) > 1;
}

/* Start the newuidmap helper when we have ranges; false when there is nothing to map. */
static bool start_helper(struct vsl_ns *ns, struct vsl_usermap *h)
{
	struct vsl_error err = { 0 };

	if (!rootless_maps(ns, &ns->uids, &ns->gids))
		return false;
	if (vsl_usermap_start(&ns->uids, &ns->gids, h, &err) == 0)
		return true;
	vsl_debug("userns: %s; mapping one id", err.msg);
	vsl_error_release(&err);
	return false;
}

static bool map_written(const char *path)
{
	size_t len = 0;
	cleanup_free char *text = read_file(path, 64 * 1024, &len);

	return text && len > 0;
}

/* Our own id onto 0, for what the helper did not map (all of it when there was no helper). */
static enum vsl_userns_result map_self(const struct vsl_ns *ns, bool helped, struct vsl_error *err)
{
	char map[64];

	if (!helped || !map_written("/proc/self/uid_map")) {
		snprintf(map, sizeof map, "0 %u 1", (unsigned)ns->outer_uid);
		if (write_proc("/proc/self/uid_map", map, err) < 0)
			return VSL_USERNS_MAP;
	}
	if (helped && map_written("/proc/self/gid_map"))
		return VSL_USERNS_OK;
	/* Old kernels (< 3.19) have no setgroups file and need no "deny". */
	if (access("/proc/self/setgroups", F_OK) == 0 &&
	    write_proc("/proc/self/setgroups", "deny", err) < 0)
		return VSL_USERNS_MAP;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)ns->outer_gid);
	if (write_proc("/proc/self/gid_map", map, err) < 0)
		return VSL_USERNS_MAP;
	return VSL_USERNS_OK;
}

/* The maps in force, whoever wrote them. Unreadable: assume the least, one id. */
static void read_maps(struct vsl_ns *ns)
{
	static const char *const path[2] = { "/proc/self/uid_map", "/proc/self/gid_map" };
	struct vsl_idmap *m[2] = { &ns->uids, &ns->gids };
	uint32_t self[2] = { (uint32_t)ns->outer_uid, (uint32_t)ns->outer_gid };

	for (int i = 0; i < 2; i++) {
		struct vsl_error err = { 0 };
		size_t len = 0;
		cleanup_free char *text = read_file(path[i], 64 * 1024, &len);

		if (text && vsl_idmap_parse(text, len, m[i], &err) == 0 && m[i]->n > 0)
			continue;
		vsl_debug("userns: read %s: %s; assuming one id", path[i],
			  text ? (err.msg ? err.msg : "empty") : strerror(errno));
		vsl_error_release(&err);
		vsl_idmap_rootless(self[i], NULL, 0, m[i]);
	}
}

static enum vsl_userns_result enter_userns(struct vsl_ns *ns, struct vsl_error *err)
{
	struct vsl_usermap helper = { .pid = 0, .fd = -1 };
	bool ranges = start_helper(ns, &helper);
	struct vsl_error merr = { 0 };
	enum vsl_userns_result r;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		int e = errno;

		vsl_usermap_abort(&helper);
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
	if (ranges && vsl_usermap_finish(&helper, &merr) == 0) {
		vsl_debug("userns: new user+mount namespace, 0 -> uid %u gid %u, and subordinate "
			  "ranges (newuidmap/newgidmap)",
			  (unsigned)ns->outer_uid, (unsigned)ns->outer_gid);
		return VSL_USERNS_OK;
	}
	if (ranges)
		vsl_debug("userns: %s; mapping one id", merr.msg);
	vsl_error_release(&merr);
	r = map_self(ns, ranges, err);
	if (r == VSL_USERNS_OK)
		vsl_debug("userns: new user+mount namespace, 0 -> uid %u gid %u",
			  (unsigned)ns->outer_uid, (unsigned)ns->outer_gid);
	return r;
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
	read_maps(ns);
	/* The initial user namespace maps all 2^32-1 ids onto themselves. */
	ns->init_userns = ns->mode == VSL_NS_MOUNT_ONLY && ns->uids.n == 1 &&
			  ns->uids.e[0].inside == 0 && ns->uids.e[0].outside == 0 &&
			  ns->uids.e[0].count == 4294967295u;
	if (ns->mode == VSL_NS_MOUNT_ONLY)
		vsl_debug("userns: already uid 0 with CAP_SYS_ADMIN (%s): mount namespace only",
			  ns->init_userns ? "real root" : "inside a user namespace");
	vsl_debug("userns: %llu uids and %llu gids mapped",
		  (unsigned long long)vsl_idmap_size(&ns->uids),
		  (unsigned long long)vsl_idmap_size(&ns->gids));
	return VSL_USERNS_OK;
}
