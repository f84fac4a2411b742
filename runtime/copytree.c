/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recursive rootfs copy for the no-overlay fallback: see copytree.h. Ownership and device
 * failures are expected in a user namespace (unmapped ids, no mknod) and are not errors.
 */
#define _GNU_SOURCE
#include "copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"

struct link_ent {
	dev_t dev;
	ino_t ino;
	char *rel; /* path of the first copy, relative to the destination root */
};

struct copy_ctx {
	int dst_root;
	struct link_ent *links;
	size_t n_links;
	char rel[PATH_MAX]; /* relative path of the entry being copied */
	size_t rel_len;
};

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, struct vsl_error *err);

static int copy_data(int in, int out, const char *rel, struct vsl_error *err)
{
	char buf[65536];
	ssize_t n;

	/* In-kernel copy first; some file systems (and old kernels) refuse sendfile between
	 * regular files. */
	while ((n = sendfile(out, in, NULL, 1 << 30)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return vsl_error_set(err, errno, "copy %s", rel);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (vsl_fs_write_all(out, buf, (size_t)n) < 0)
			return vsl_error_set(err, errno, "write %s", rel);
	return n < 0 ? vsl_error_set(err, errno, "read %s", rel) : 0;
}

/* Owner, mode and times of an open copy. chown first: it clears set-id bits. */
static void set_meta(int fd, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM && errno != EINVAL)
		vsl_debug("copytree: fchown: %s", strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) < 0)
		vsl_debug("copytree: fchmod: %s", strerror(errno));
	futimens(fd, ts);
}

static void set_meta_at(int dfd, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EPERM && errno != EINVAL)
		vsl_debug("copytree: chown %s: %s", name, strerror(errno));
	if (!S_ISLNK(st->st_mode))
		fchmodat(dfd, name, st->st_mode & 07777, 0);
	utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

/* A second name of an inode already copied becomes a hardlink to the copy. */
static int copy_hardlink(struct copy_ctx *c, int dfd, const char *name, const struct stat *st,
			 bool *done, struct vsl_error *err)
{
	struct link_ent *n;

	*done = false;
	for (size_t i = 0; i < c->n_links; i++) {
		if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
			continue;
		if (linkat(c->dst_root, c->links[i].rel, dfd, name, 0) < 0)
			return vsl_error_set(err, errno, "link %s", c->rel);
		*done = true;
		return 0;
	}
	n = realloc(c->links, (c->n_links + 1) * sizeof *n);
	if (!n)
		return vsl_error_set(err, ENOMEM, "copy");
	c->links = n;
	n[c->n_links].dev = st->st_dev;
	n[c->n_links].ino = st->st_ino;
	n[c->n_links].rel = strdup(c->rel);
	if (!n[c->n_links].rel)
		return vsl_error_set(err, ENOMEM, "copy");
	c->n_links++;
	return 0;
}

static int copy_file(struct copy_ctx *c, int sdir, int ddir, const char *name,
		     const struct stat *st, struct vsl_error *err)
{
	cleanup_close int in = -1, out = -1;
	bool linked = false;

	if (st->st_nlink > 1 && (copy_hardlink(c, ddir, name, st, &linked, err) < 0 || linked))
		return linked ? 0 : -1;
	in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return vsl_error_set(err, errno, "open %s", c->rel);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return vsl_error_set(err, errno, "create %s", c->rel);
	if (copy_data(in, out, c->rel, err) < 0)
		return -1;
	set_meta(out, st);
	return 0;
}

static int copy_subdir(struct copy_ctx *c, int sdir, int ddir, const char *name,
		       const struct stat *st, struct vsl_error *err)
{
	cleanup_close int sfd = -1, dfd = -1;

	if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
		return vsl_error_set(err, errno, "mkdir %s", c->rel);
	sfd = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		return vsl_error_set(err, errno, "open %s", c->rel);
	if (copy_dir(c, sfd, dfd, err) < 0)
		return -1;
	/* Last, so a read-only directory does not stop its own contents. */
	set_meta(dfd, st);
	return 0;
}

static int copy_special(struct copy_ctx *c, int sdir, int ddir, const char *name,
			const struct stat *st, struct vsl_error *err)
{
	char target[PATH_MAX];
	ssize_t n;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sdir, name, target, sizeof target - 1);
		if (n < 0)
			return vsl_error_set(err, errno, "readlink %s", c->rel);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return vsl_error_set(err, errno, "symlink %s", c->rel);
	} else if (S_ISFIFO(st->st_mode)) {
		if (mkfifoat(ddir, name, 0600) < 0)
			return vsl_error_set(err, errno, "mkfifo %s", c->rel);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (mknodat(ddir, name, st->st_mode & S_IFMT, st->st_rdev) < 0) {
			vsl_debug("copytree: mknod %s: %s; skipped", c->rel, strerror(errno));
			return 0;
		}
	} else {
		return 0; /* sockets are meaningless in a copy */
	}
	set_meta_at(ddir, name, st);
	return 0;
}

static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name,
		      struct vsl_error *err)
{
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vsl_error_set(err, errno, "stat %s", c->rel);
	if (S_ISDIR(st.st_mode))
		return copy_subdir(c, sdir, ddir, name, &st, err);
	if (S_ISREG(st.st_mode))
		return copy_file(c, sdir, ddir, name, &st, err);
	return copy_special(c, sdir, ddir, name, &st, err);
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, struct vsl_error *err)
{
	int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	size_t saved = c->rel_len;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return vsl_error_set(err, errno, "opendir %s", c->rel_len ? c->rel : ".");
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		size_t nlen = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (saved + 1 + nlen >= sizeof c->rel) {
			r = vsl_error_set(err, ENAMETOOLONG, "copy %s/%s", c->rel, de->d_name);
			break;
		}
		c->rel_len = saved + (saved ? 1 : 0) + nlen;
		if (saved)
			c->rel[saved] = '/';
		memcpy(c->rel + saved + (saved ? 1 : 0), de->d_name, nlen + 1);
		r = copy_entry(c, sfd, dfd, de->d_name, err);
		c->rel_len = saved;
		c->rel[saved] = '\0';
	}
	if (r == 0 && errno)
		r = vsl_error_set(err, errno, "readdir %s", c->rel_len ? c->rel : ".");
	closedir(d);
	return r;
}

int vsl_copytree(const char *src, const char *dst, struct vsl_error *err)
{
	cleanup_close int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct copy_ctx *c;
	struct stat st;
	int r;

	if (sfd < 0 || dfd < 0)
		return vsl_error_set(err, errno, "open %s", sfd < 0 ? src : dst);
	/* The context holds a PATH_MAX buffer: keep it off the stack of a deep recursion. */
	c = calloc(1, sizeof *c);
	if (!c)
		return vsl_error_set(err, ENOMEM, "copy %s", src);
	c->dst_root = dfd;
	r = copy_dir(c, sfd, dfd, err);
	if (r == 0 && fstat(sfd, &st) == 0)
		set_meta(dfd, &st);
	for (size_t i = 0; i < c->n_links; i++)
		free(c->links[i].rel);
	free(c->links);
	free(c);
	return r;
}
