/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup layout and the tmpfs that hides a hybrid one from libcrun: see cgroup.h.
 */
#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"

/* /proc/self/mountinfo of a busy host is a few hundred KiB at most. */
#define MOUNTINFO_MAX (8u << 20)

const char *vsl_cgroup_layout_name(enum vsl_cgroup_layout l)
{
	switch (l) {
	case VSL_CGROUP_V2:
		return "unified (cgroup v2)";
	case VSL_CGROUP_V1:
		return "legacy (cgroup v1)";
	case VSL_CGROUP_HYBRID:
		return "hybrid (cgroup v1 + v2)";
	case VSL_CGROUP_OTHER:
		return "unknown file system";
	case VSL_CGROUP_NONE:
		break;
	}
	return "not mounted";
}

bool vsl_cgroup_needs_cover(enum vsl_cgroup_layout l)
{
	return l != VSL_CGROUP_V2 && l != VSL_CGROUP_V1;
}

/* The n-th space-separated field of [p, end) (0-based), or false. */
static bool field(const char *p, const char *end, int n, const char **f, size_t *flen)
{
	for (;;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *fe = sp ? sp : end;

		if (n-- == 0) {
			*f = p;
			*flen = (size_t)(fe - p);
			return true;
		}
		if (!sp)
			return false;
		p = sp + 1;
	}
}

static bool is(const char *f, size_t flen, const char *s)
{
	return flen == strlen(s) && memcmp(f, s, flen) == 0;
}

/* The file system type of one mountinfo line: the first field after the " - " separator. */
static bool line_fstype(const char *p, const char *end, const char **t, size_t *tlen)
{
	const char *sep = memmem(p, (size_t)(end - p), " - ", 3);

	return sep && field(sep + 3, end, 0, t, tlen);
}

struct scan {
	enum vsl_cgroup_layout root; /* what the last mount on /sys/fs/cgroup is */
	bool unified;		     /* cgroup2 on .../unified, above that last root mount */
	bool v1;		     /* a v1 hierarchy below it */
};

static void scan_line(const char *p, const char *end, struct scan *s)
{
	static const char root[] = VSL_CGROUP_ROOT;
	const char *mp, *t;
	size_t mplen, tlen;

	/* Mount points are octal-escaped (\040), so a plain compare is exact. */
	if (!field(p, end, 4, &mp, &mplen) || !line_fstype(p, end, &t, &tlen))
		return;
	if (is(mp, mplen, root)) {
		/* A later mount on the same point hides everything mounted below the earlier one. */
		s->root = is(t, tlen, "cgroup2") ? VSL_CGROUP_V2
			  : is(t, tlen, "tmpfs") ? VSL_CGROUP_V1
						 : VSL_CGROUP_OTHER;
		s->unified = s->v1 = false;
	} else if (mplen > sizeof root && memcmp(mp, root, sizeof root - 1) == 0 &&
		   mp[sizeof root - 1] == '/') {
		if (is(mp, mplen, VSL_CGROUP_ROOT "/unified") && is(t, tlen, "cgroup2"))
			s->unified = true;
		else if (is(t, tlen, "cgroup"))
			s->v1 = true;
	}
}

enum vsl_cgroup_layout vsl_cgroup_layout_parse(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	struct scan s = { VSL_CGROUP_NONE, false, false };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		scan_line(p, eol, &s);
		p = eol + 1;
	}
	if (s.root == VSL_CGROUP_V1 && s.unified)
		return VSL_CGROUP_HYBRID;
	return s.root;
}

static char *read_mountinfo(size_t *len, struct vsl_error *err)
{
	cleanup_close int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	size_t cap = 64 * 1024, n = 0;
	cleanup_free char *buf = NULL;

	if (fd < 0)
		return vsl_error_set(err, errno, "open /proc/self/mountinfo"), NULL;
	if (!(buf = malloc(cap)))
		return vsl_error_set(err, ENOMEM, "/proc/self/mountinfo"), NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = cap < MOUNTINFO_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				return vsl_error_set(err, EFBIG, "/proc/self/mountinfo"), NULL;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vsl_error_set(err, errno, "read /proc/self/mountinfo"), NULL;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return steal_pointer(&buf);
}

int vsl_cgroup_prepare(enum vsl_cgroup_layout *layout, bool *covered, struct vsl_error *err)
{
	size_t len = 0;
	cleanup_free char *mi = read_mountinfo(&len, err);

	*covered = false;
	if (!mi)
		return -1;
	*layout = vsl_cgroup_layout_parse(mi, len);
	if (!vsl_cgroup_needs_cover(*layout))
		return 0;
	if (mount("tmpfs", VSL_CGROUP_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755,size=4k") < 0)
		return vsl_error_set(err, errno,
				     "mount a tmpfs over " VSL_CGROUP_ROOT " (cgroups: %s)",
				     vsl_cgroup_layout_name(*layout));
	*covered = true;
	return 0;
}
