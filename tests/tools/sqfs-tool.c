/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small CLI over the SquashFS reader core, for the conformance test (t0400) and for poking
 * at images by hand:
 *
 *   sqfs-tool ls IMAGE [OFFSET]              the listing `unsquashfs -lln` prints
 *   sqfs-tool cat IMAGE PATH [OFFSET]        a file's bytes on stdout
 *   sqfs-tool where IMAGE PATH [OFFSET]      where a regular file's data starts in the image
 *                                            (its first block, bytes from the image's start),
 *                                            and its size: "START SIZE" (tests that damage
 *                                            one file's data on purpose)
 *   sqfs-tool manifest IMAGE [OFFSET] [--check]
 *        one line per inode: PATH|TYPE|MODE|UID|GID|NLINK|EXTRA (find's %p %y %m %U %G %n;
 *        EXTRA is a file's sha256, a symlink's target, a device's major,minor, else "-"),
 *        and PATH|x|NAME|HEXVALUE per xattr. --check also looks every name up again, and
 *        every inode up by number, and fails on any disagreement with the listing.
 *
 * Invoked as sqfs-ls or sqfs-cat it runs that command. OFFSET is where the image starts in
 * IMAGE (a vessel file's squashfs section). Directory listings are read in batches of 64
 * through readdir cookies, the way the FUSE binding reads them. Exit status 1 on any error.
 */
#define _GNU_SOURCE
#include "sqfs/sqfs.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define DEPTH_MAX 4096

enum mode { LS, MANIFEST };

struct ent {
	char *name;
	uint64_t ino, ref;
	uint32_t type;
};

struct walk {
	struct vsl_sqfs *fs;
	enum mode mode;
	bool check;
	char *path;
	size_t len, cap;
	unsigned long errors;
};

static int pread_all(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;

	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (char *)buf + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void fail(struct walk *w, const char *what, struct vsl_error *err)
{
	fprintf(stderr, "sqfs-tool: %s: %s\n", w->path, err && err->msg ? err->msg : what);
	vsl_error_release(err);
	w->errors++;
}

static bool path_push(struct walk *w, const char *name, size_t *saved)
{
	size_t n = strlen(name);

	*saved = w->len;
	if (w->len + n + 2 > w->cap) {
		size_t cap = (w->len + n + 2) * 2;
		char *p = realloc(w->path, cap);

		if (!p)
			return false;
		w->path = p;
		w->cap = cap;
	}
	w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	return true;
}

static void mode_string(uint32_t mode, char s[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";

	s[0] = types[(mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		s[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		s[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		s[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		s[9] = (mode & S_IXOTH) ? 't' : 'T';
	s[10] = '\0';
}

/* One line as unsquashfs -lln prints it, padding included. */
static void print_ls(struct walk *w, const struct vsl_sqfs_inode *in)
{
	char mode[11], user[32], when[32];
	time_t t = in->mtime;
	struct tm tm;
	int ulen = snprintf(user, sizeof(user), "%u/%u", in->uid, in->gid);

	mode_string(in->mode, mode);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
	printf("%s %s", mode, user);
	if (S_ISCHR(in->mode) || S_ISBLK(in->mode)) {
		/* unsquashfs shows the raw 32-bit device number split as (int)rdev >> 8, rdev & 0xff */
		uint32_t raw = (in->rdev_minor & 0xff) | (in->rdev_major << 8) |
			       ((in->rdev_minor & ~0xffu) << 12);
		int pad = 20 - ulen < 2 ? 2 : 20 - ulen;

		printf("%*s%3d,%3u", pad, "", (int32_t)raw >> 8, raw & 0xff);
	} else {
		printf("%*" PRIu64, 27 - ulen < 1 ? 1 : 27 - ulen, in->size);
	}
	printf(" %s %s", when, w->path);
	if (S_ISLNK(in->mode)) {
		char target[VSL_SQFS_SYMLINK_MAX + 1];
		struct vsl_error err = { 0 };

		if (vsl_sqfs_readlink(w->fs, in, target, sizeof(target), &err) < 0)
			fail(w, "readlink", &err);
		else
			printf(" -> %s", target);
	}
	putchar('\n');
}

static int file_hash(struct walk *w, const struct vsl_sqfs_inode *in, char hex[65])
{
	static uint8_t buf[1 << 17];
	struct vsl_error err = { 0 };
	struct vsl_sqfs_file *f;
	struct vsl_sha256 c;
	uint8_t d[32];
	uint64_t off = 0;
	ssize_t n;

	if (vsl_sqfs_file_open(w->fs, in, &f, &err) < 0) {
		fail(w, "open", &err);
		return -1;
	}
	vsl_sha256_init(&c);
	while ((n = vsl_sqfs_file_read(w->fs, f, buf, sizeof(buf), off, &err)) > 0) {
		vsl_sha256_update(&c, buf, (size_t)n);
		off += (uint64_t)n;
	}
	vsl_sqfs_file_close(f);
	if (n < 0 || off != in->size) {
		fail(w, "short read", &err);
		return -1;
	}
	vsl_sha256_final(&c, d);
	vsl_sha256_hex(d, hex);
	return 0;
}

static void print_xattrs(struct walk *w, const struct vsl_sqfs_inode *in)
{
	struct vsl_error err = { 0 };
	ssize_t n = vsl_sqfs_listxattr(w->fs, in, NULL, 0, &err);
	char *names;

	if (n <= 0) {
		if (n < 0)
			fail(w, "listxattr", &err);
		return;
	}
	names = malloc((size_t)n);
	if (!names || vsl_sqfs_listxattr(w->fs, in, names, (size_t)n, &err) != n) {
		free(names);
		fail(w, "listxattr", &err);
		return;
	}
	for (char *p = names; p < names + n; p += strlen(p) + 1) {
		uint8_t val[VSL_SQFS_XATTR_VALUE_MAX];
		ssize_t v = vsl_sqfs_getxattr(w->fs, in, p, val, sizeof(val), &err);

		if (v < 0) {
			fail(w, "getxattr", &err);
			continue;
		}
		printf("%s|x|%s|", w->path, p);
		for (ssize_t i = 0; i < v; i++)
			printf("%02x", val[i]);
		putchar('\n');
	}
	free(names);
}

static void print_manifest(struct walk *w, const struct vsl_sqfs_inode *in)
{
	static const char types[] = "?pc?d?b?f?l?s???";
	char extra[VSL_SQFS_SYMLINK_MAX + 1] = "-";
	struct vsl_error err = { 0 };

	if (S_ISREG(in->mode) && file_hash(w, in, extra) < 0)
		return;
	if (S_ISLNK(in->mode) && vsl_sqfs_readlink(w->fs, in, extra, sizeof(extra), &err) < 0) {
		fail(w, "readlink", &err);
		return;
	}
	if (S_ISCHR(in->mode) || S_ISBLK(in->mode))
		snprintf(extra, sizeof(extra), "%u,%u", in->rdev_major, in->rdev_minor);
	printf("%s|%c|%o|%u|%u|%u|%s\n", w->path, types[(in->mode >> 12) & 15], in->mode & 07777,
	       in->uid, in->gid, in->nlink, extra);
	print_xattrs(w, in);
}

struct batch {
	struct ent *v;
	size_t n, cap, taken;
	uint64_t next;
};

static int collect(void *ctx, const struct vsl_sqfs_dirent *d)
{
	struct batch *b = ctx;

	if (b->taken == BATCH)
		return 1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct ent *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n].name = strdup(d->name);
	if (!b->v[b->n].name)
		return -ENOMEM;
	b->v[b->n].ino = d->ino;
	b->v[b->n].ref = d->ref;
	b->v[b->n].type = d->type;
	b->n++;
	b->taken++;
	b->next = d->next;
	return 0;
}

/* All entries of dir, read BATCH at a time through cookies. */
static int list_dir(struct walk *w, const struct vsl_sqfs_inode *dir, struct batch *b)
{
	struct vsl_error err = { 0 };
	int rc;

	memset(b, 0, sizeof(*b));
	do {
		b->taken = 0;
		rc = vsl_sqfs_readdir(w->fs, dir, b->next, 0, collect, b, &err);
		if (rc < 0) {
			fail(w, "readdir", &err);
			return rc;
		}
	} while (b->taken == BATCH);
	return 0;
}

static void visit(struct walk *w, const struct vsl_sqfs_inode *in, unsigned depth);

/* --check: the name looks up to the same inode, and the number finds it too. */
static void check_entry(struct walk *w, const struct vsl_sqfs_inode *dir, const struct ent *e,
			const struct vsl_sqfs_inode *in)
{
	struct vsl_sqfs_inode again;
	struct vsl_error err = { 0 };

	if (vsl_sqfs_lookup(w->fs, dir, e->name, strlen(e->name), &again, &err) < 0) {
		fail(w, "lookup failed", &err);
		return;
	}
	if (again.ref != in->ref || again.ino != in->ino) {
		fail(w, "lookup found another inode", NULL);
		return;
	}
	if (vsl_sqfs_inode_get(w->fs, e->ino, &again, &err) < 0) {
		fail(w, "inode_get failed", &err);
		return;
	}
	if (again.ref != in->ref) {
		fail(w, "inode_get found another inode", NULL);
		return;
	}
}

static void visit_children(struct walk *w, const struct vsl_sqfs_inode *dir, unsigned depth)
{
	struct batch b;

	if (depth >= DEPTH_MAX) {
		fail(w, "too deep", NULL);
		return;
	}
	if (list_dir(w, dir, &b) < 0)
		goto out;
	for (size_t i = 0; i < b.n; i++) {
		struct vsl_sqfs_inode in;
		struct vsl_error err = { 0 };
		size_t saved;

		if (!path_push(w, b.v[i].name, &saved)) {
			fail(w, "out of memory", NULL);
			break;
		}
		if (vsl_sqfs_inode_by_ref(w->fs, b.v[i].ref, &in, &err) < 0)
			fail(w, "inode", &err);
		else if (in.ino != b.v[i].ino || (in.mode & S_IFMT) != b.v[i].type)
			fail(w, "the entry's number or type differs from its inode's", NULL);
		else {
			if (w->check)
				check_entry(w, dir, &b.v[i], &in);
			visit(w, &in, depth + 1);
		}
		w->len = saved;
		w->path[w->len] = '\0';
	}
out:
	for (size_t i = 0; i < b.n; i++)
		free(b.v[i].name);
	free(b.v);
}

static void visit(struct walk *w, const struct vsl_sqfs_inode *in, unsigned depth)
{
	if (w->mode == LS)
		print_ls(w, in);
	else
		print_manifest(w, in);
	if (S_ISDIR(in->mode))
		visit_children(w, in, depth);
}

static int open_image(const char *image, const char *offset, int *fd, struct vsl_sqfs **fs)
{
	struct vsl_sqfs_source src = { .read = pread_all, .ctx = fd };
	struct vsl_error err = { 0 };
	struct stat st;

	*fd = open(image, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		fprintf(stderr, "sqfs-tool: %s: %s\n", image, strerror(errno));
		return -1;
	}
	src.base = offset ? strtoull(offset, NULL, 0) : 0;
	if (src.base > (uint64_t)st.st_size) {
		fprintf(stderr, "sqfs-tool: offset %s beyond the end of %s\n", offset, image);
		return -1;
	}
	src.size = (uint64_t)st.st_size - src.base;
	if (vsl_sqfs_open(fs, &src, NULL, &err) < 0) {
		fprintf(stderr, "sqfs-tool: %s: %s\n", image, err.msg);
		vsl_error_release(&err);
		return -1;
	}
	return 0;
}

static int cmd_walk(enum mode mode, const char *image, const char *offset, bool check)
{
	struct walk w = { .mode = mode, .check = check };
	struct vsl_sqfs_inode root;
	struct vsl_error err = { 0 };
	int fd = -1;

	if (open_image(image, offset, &fd, &w.fs) < 0)
		return 1;
	w.path = strdup(mode == LS ? "squashfs-root" : ".");
	w.len = strlen(w.path);
	w.cap = w.len + 1;
	if (vsl_sqfs_root(w.fs, &root, &err) < 0)
		fail(&w, "root", &err);
	else
		visit(&w, &root, 0);
	vsl_sqfs_close(w.fs);
	close(fd);
	free(w.path);
	if (fflush(stdout) != 0)
		return 1;
	return w.errors ? 1 : 0;
}

static int cmd_cat(const char *image, const char *path, const char *offset)
{
	static uint8_t buf[1 << 17];
	struct vsl_error err = { 0 };
	struct vsl_sqfs_inode in;
	struct vsl_sqfs_file *f = NULL;
	struct vsl_sqfs *fs;
	uint64_t off = 0;
	ssize_t n = 0;
	int fd = -1, rc;

	if (open_image(image, offset, &fd, &fs) < 0)
		return 1;
	rc = vsl_sqfs_resolve(fs, path, &in, &err);
	if (rc >= 0)
		rc = vsl_sqfs_file_open(fs, &in, &f, &err);
	while (rc >= 0 && (n = vsl_sqfs_file_read(fs, f, buf, sizeof(buf), off, &err)) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			rc = -EIO;
		off += (uint64_t)n;
	}
	if (rc >= 0 && n < 0)
		rc = (int)n;
	if (rc < 0)
		fprintf(stderr, "sqfs-tool: %s: %s\n", path, err.msg ? err.msg : strerror(-rc));
	vsl_error_release(&err);
	vsl_sqfs_file_close(f);
	vsl_sqfs_close(fs);
	close(fd);
	return rc < 0 || fflush(stdout) != 0;
}

static int cmd_where(const char *image, const char *path, const char *offset)
{
	struct vsl_error err = { 0 };
	struct vsl_sqfs_inode in;
	struct vsl_sqfs *fs;
	int fd = -1, rc;

	if (open_image(image, offset, &fd, &fs) < 0)
		return 1;
	rc = vsl_sqfs_resolve(fs, path, &in, &err);
	if (rc >= 0 && !S_ISREG(in.mode))
		rc = vsl_error_set(&err, 0, "not a regular file");
	if (rc >= 0)
		printf("%" PRIu64 " %" PRIu64 "\n", in.priv.start, in.size);
	else
		fprintf(stderr, "sqfs-tool: %s: %s\n", path, err.msg ? err.msg : strerror(-rc));
	vsl_error_release(&err);
	vsl_sqfs_close(fs);
	close(fd);
	return rc < 0 || fflush(stdout) != 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: sqfs-tool ls IMAGE [OFFSET]\n"
			"       sqfs-tool cat IMAGE PATH [OFFSET]\n"
			"       sqfs-tool where IMAGE PATH [OFFSET]\n"
			"       sqfs-tool manifest IMAGE [OFFSET] [--check]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	bool check = argc > 1 && strcmp(argv[argc - 1], "--check") == 0;

	if (check)
		argc--;
	if (strcmp(prog, "sqfs-ls") == 0 && argc >= 2 && argc <= 3)
		return cmd_walk(LS, argv[1], argv[2], false);
	if (strcmp(prog, "sqfs-cat") == 0 && argc >= 3 && argc <= 4)
		return cmd_cat(argv[1], argv[2], argv[3]);
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "ls") == 0 && argc <= 4)
		return cmd_walk(LS, argv[2], argc > 3 ? argv[3] : NULL, check);
	if (strcmp(argv[1], "manifest") == 0 && argc <= 4)
		return cmd_walk(MANIFEST, argv[2], argc > 3 ? argv[3] : NULL, check);
	if (strcmp(argv[1], "cat") == 0 && argc >= 4 && argc <= 5)
		return cmd_cat(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (strcmp(argv[1], "where") == 0 && argc >= 4 && argc <= 5)
		return cmd_where(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	return usage();
}
