/* SPDX-License-Identifier: Apache-2.0 */
/* The image's xattrs on the staging files for mksquashfs (see squashfs_xattr.h). */
#define _GNU_SOURCE
#include "squashfs_xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "json.h"

struct collect {
	struct vsl_sqx *x;
	const char *dir;
	size_t cap;
};

/* Whether the staging file already has an xattr (one the host put there). */
static bool has_foreign(const char *path)
{
	ssize_t n = llistxattr(path, NULL, 0);

	return n > 0;
}

static int push(struct collect *c, const char *path, const struct vsl_tar_xattr *a,
		struct vsl_error *err)
{
	struct vsl_sqx_item *it;

	if (c->x->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct vsl_sqx_item *v = realloc(c->x->items, cap * sizeof *v);

		if (!v)
			return vsl_error_set(err, ENOMEM, "xattrs");
		c->x->items = v;
		c->cap = cap;
	}
	it = &c->x->items[c->x->n];
	it->path = strdup(path);
	if (!it->path)
		return vsl_error_set(err, ENOMEM, "xattrs");
	it->name = a->name;
	it->value = a->value;
	it->len = a->len;
	c->x->n++;
	return 0;
}

static int add(void *ctx, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	struct collect *c = ctx;
	char *path;
	int r = 0;

	if (c->x->skip)
		return 0;
	path = vsl_strf("%s/%s", c->dir, e->path);
	if (!path)
		return vsl_error_set(err, ENOMEM, "xattrs");
	if (has_foreign(path)) {
		c->x->skip = vsl_strf("the staging file of /%s already has an xattr of this host's "
				      "(an SELinux label?), which mksquashfs would copy",
				      e->path);
		if (!c->x->skip)
			r = vsl_error_set(err, ENOMEM, "xattrs");
	}
	/* A hard link's other names share the inode: its xattrs are set once. */
	for (size_t i = 0; r == 0 && !c->x->skip && e->type != VSL_TAR_HARDLINK && i < e->nxattrs;
	     i++)
		r = push(c, path, &e->xattrs[i], err);
	free(path);
	return r;
}

int vsl_sqx_collect(struct vsl_rootfs *r, struct vsl_sqx *x, struct vsl_error *err)
{
	struct collect c = { .x = x, .dir = vsl_rootfs_dir(r) };

	memset(x, 0, sizeof *x);
	return vsl_rootfs_foreach(r, add, &c, err);
}

void vsl_sqx_free(struct vsl_sqx *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->items[i].path);
	free(x->items);
	free(x->skip);
	memset(x, 0, sizeof *x);
}

static bool write_file(const char *path, const char *buf)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(buf);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, buf, n) == (ssize_t)n;
	close(fd);
	return ok;
}

/* Become root of a new user namespace mapping 0 to our uid and gid. */
static const char *enter_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		return "no user namespace can be made here (qemu-user, or disabled on this host)";
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", map))
		return "the user namespace's uid map cannot be written";
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	if (!write_file("/proc/self/gid_map", map))
		return "the user namespace's gid map cannot be written";
	return NULL;
}

const char *vsl_sqx_apply(const struct vsl_sqx *x)
{
	const char *why;

	if (x->skip)
		return x->skip;
	if (geteuid() != 0 && (why = enter_userns()))
		return why;
	for (size_t i = 0; i < x->n; i++) {
		const struct vsl_sqx_item *it = &x->items[i];

		if (lsetxattr(it->path, it->name, it->value, it->len, 0) < 0)
			return errno == EPERM || errno == EACCES
				       ? "an xattr (trusted.*?) cannot be set without privileges"
				       : "an xattr cannot be set on the staging file system";
	}
	return NULL;
}
