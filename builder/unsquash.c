/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Walks a squashfs image with the reader core and hands each inode to the tree writer (see
 * unsquash.h). The walk is depth-first in the image's own (sorted) order. A hard link is an
 * inode with several links: its first path, by that order, is written as the file and the
 * others as links to it, which is also what the tar.zst writer does. Everything read from
 * the image is distrusted: names must be plain components, paths stay under VSL_TAR_MAX_PATH
 * (which also ends a directory loop), and inode numbers must be in range.
 */
#define _GNU_SOURCE
#include "unsquash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "extract_tree.h"
#include "log.h"
#include "sqfs/sqfs.h"
#include "tar.h"

struct child {
	char *name;
	uint64_t ino, ref;
	uint32_t type;
};

struct children {
	struct child *v;
	size_t n, cap;
	bool bad; /* out of memory, or a name that is not one plain component */
};

struct walk {
	struct vsl_sqfs *fs;
	struct vsl_extract_tree tree;
	struct vsl_tar_reader *rd; /* serves file data from `file` to the tree writer */
	struct vsl_sqfs_file *file;
	uint64_t pos;
	char path[VSL_TAR_MAX_PATH + 1]; /* the current path, relative, "" for the root */
	size_t len;
	char **first;	  /* by inode number: the first path of an inode with several links */
	uint64_t ninodes; /* inode numbers are 1..ninodes */
	struct vsl_unsquash_stats *st;
};

/*
 * err for a failed reader call (rc a negative errno): the reader's own message, if it left one,
 * wrapped with what we were doing, else errno's text.
 */
static int sq_fail(struct vsl_error *err, int rc, const char *what, const char *path)
{
	if (err && err->msg)
		return vsl_error_wrap(err, "squashfs: %s /%s", what, path);
	return vsl_error_set(err, rc < 0 ? -rc : EIO, "squashfs: %s /%s", what, path);
}

static int pread_all(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;

	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file is shorter than its trailer says */
		buf = (uint8_t *)buf + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The tree writer's data callback: the current file's bytes, in order. */
static ssize_t file_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct walk *w = ctx;
	ssize_t k = vsl_sqfs_file_read(w->fs, w->file, buf, n, w->pos, err);

	if (k < 0)
		return sq_fail(err, (int)k, "read", w->path);
	w->pos += (uint64_t)k;
	w->st->bytes += (uint64_t)k;
	return k;
}

static void xattrs_free(struct vsl_tar_xattr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* One attribute's value into x (name already set). */
static int load_value(struct walk *w, const struct vsl_sqfs_inode *in, struct vsl_tar_xattr *x,
		      struct vsl_error *err)
{
	ssize_t n = vsl_sqfs_getxattr(w->fs, in, x->name, NULL, 0, err);

	if (n >= 0 && (x->value = malloc((size_t)n + 1)))
		n = vsl_sqfs_getxattr(w->fs, in, x->name, x->value, (size_t)n, err);
	else if (n >= 0)
		return vsl_error_set(err, ENOMEM, "squashfs xattrs");
	if (n < 0)
		return sq_fail(err, (int)n, "xattr of", w->path);
	x->value[n] = 0;
	x->len = (size_t)n;
	return 0;
}

/* The inode's extended attributes as tar entries carry them. *out NULL when it has none. */
static int load_xattrs(struct walk *w, const struct vsl_sqfs_inode *in, struct vsl_tar_xattr **out,
		       size_t *count, struct vsl_error *err)
{
	ssize_t size = vsl_sqfs_listxattr(w->fs, in, NULL, 0, err);
	cleanup_free char *names = NULL;
	struct vsl_tar_xattr *v = NULL;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (size <= 0)
		return size < 0 ? sq_fail(err, (int)size, "xattrs of", w->path) : 0;
	names = malloc((size_t)size);
	v = calloc(VSL_TAR_MAX_XATTRS, sizeof(*v));
	if (!names || !v || vsl_sqfs_listxattr(w->fs, in, names, (size_t)size, err) != size) {
		xattrs_free(v, 0);
		return vsl_error_set(err, names && v ? EIO : ENOMEM, "squashfs: xattrs of /%s",
				     w->path);
	}
	for (char *p = names; p < names + size; p += strlen(p) + 1) {
		if (n == VSL_TAR_MAX_XATTRS || !(v[n].name = strdup(p)) ||
		    load_value(w, in, &v[n++], err) < 0) {
			xattrs_free(v, n);
			return vsl_error_set(err, ENOMEM, "squashfs: xattrs of /%s", w->path);
		}
	}
	*out = v;
	*count = n;
	return 0;
}

/* Type, link target and size of e from the inode. 1 to skip it (a socket), 0, or -1. */
static int entry_type(struct walk *w, const struct vsl_sqfs_inode *in, struct vsl_tar_entry *e,
		      char *target, struct vsl_error *err)
{
	int rc;

	switch (in->mode & S_IFMT) {
	case S_IFREG:
		e->type = VSL_TAR_REG;
		e->size = in->size;
		return 0;
	case S_IFDIR:
		e->type = VSL_TAR_DIR;
		return 0;
	case S_IFLNK:
		e->type = VSL_TAR_SYMLINK;
		e->linkname = target;
		rc = (int)vsl_sqfs_readlink(w->fs, in, target, VSL_SQFS_SYMLINK_MAX + 1, err);
		return rc < 0 ? sq_fail(err, rc, "readlink", w->path) : 0;
	case S_IFCHR:
		e->type = VSL_TAR_CHR;
		return 0;
	case S_IFBLK:
		e->type = VSL_TAR_BLK;
		return 0;
	case S_IFIFO:
		e->type = VSL_TAR_FIFO;
		return 0;
	}
	/* a socket: tar cannot carry one either, so the two payloads still agree */
	vsl_debug("extract: /%s: a socket; left out", w->path);
	return 1;
}

/* A later path of an inode with several links: a hard link to its first path. 1 if so. */
static int as_hardlink(struct walk *w, const struct vsl_sqfs_inode *in, struct vsl_tar_entry *e,
		       struct vsl_error *err)
{
	if (S_ISDIR(in->mode) || in->nlink < 2)
		return 0;
	if (in->ino == 0 || in->ino > w->ninodes)
		return vsl_error_set(err, 0,
				     "corrupt squashfs: /%s has inode number %" PRIu64
				     " outside 1..%" PRIu64,
				     w->path, in->ino, w->ninodes);
	if (!w->first[in->ino]) {
		w->first[in->ino] = strdup(w->path);
		return w->first[in->ino] ? 0 : vsl_error_set(err, ENOMEM, "extract");
	}
	e->type = VSL_TAR_HARDLINK;
	e->linkname = w->first[in->ino];
	e->size = 0;
	return 1;
}

static int write_entry(struct walk *w, const struct vsl_sqfs_inode *in, struct vsl_error *err)
{
	char target[VSL_SQFS_SYMLINK_MAX + 1];
	struct vsl_tar_xattr *xa = NULL;
	struct vsl_tar_entry e = {
		.path = w->len ? w->path : "./",
		.linkname = "",
		.mode = in->mode & 07777,
		.uid = in->uid,
		.gid = in->gid,
		.mtime = in->mtime,
		.devmajor = in->rdev_major,
		.devminor = in->rdev_minor,
	};
	int rc = entry_type(w, in, &e, target, err);

	if (rc == 0)
		rc = as_hardlink(w, in, &e, err);
	if (rc != 0)
		return rc < 0 ? -1 : vsl_extract_tree_add(&w->tree, &e, w->rd, err);
	if (load_xattrs(w, in, &xa, &e.nxattrs, err) < 0)
		return -1;
	e.xattrs = xa;
	if (e.type == VSL_TAR_REG) {
		rc = vsl_sqfs_file_open(w->fs, in, &w->file, err);
		if (rc < 0) {
			xattrs_free(xa, e.nxattrs);
			return sq_fail(err, rc, "open", w->path);
		}
		w->pos = 0;
		w->rd->data_left = in->size;
		w->rd->pad_left = 0;
	}
	rc = vsl_extract_tree_add(&w->tree, &e, w->rd, err);
	if (w->file) {
		vsl_sqfs_file_close(w->file);
		w->file = NULL;
	}
	xattrs_free(xa, e.nxattrs);
	w->st->entries += rc == 0;
	return rc;
}

static int collect(void *ctx, const struct vsl_sqfs_dirent *d)
{
	struct children *c = ctx;

	if (!d->namelen || memchr(d->name, '/', d->namelen) || strcmp(d->name, ".") == 0 ||
	    strcmp(d->name, "..") == 0 || strlen(d->name) != d->namelen) {
		c->bad = true;
		return 1;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct child *v = realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->bad = true;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n] = (struct child){ strdup(d->name), d->ino, d->ref, d->type };
	if (!c->v[c->n].name) {
		c->bad = true;
		return 1;
	}
	c->n++;
	return 0;
}

static void children_free(struct children *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
}

static int visit(struct walk *w, const struct vsl_sqfs_inode *dir, struct vsl_error *err);

/* Child i of a directory at w->path: its inode checked against the listing, written, and
 * walked into when it is a directory. w->path is restored afterwards. */
static int visit_child(struct walk *w, const struct child *c, struct vsl_error *err)
{
	size_t saved = w->len, n = strlen(c->name);
	struct vsl_sqfs_inode in;
	int rc;

	if (saved + !!saved + n > VSL_TAR_MAX_PATH)
		return vsl_error_set(err, 0,
				     "corrupt squashfs: a path under /%s is longer than %u bytes "
				     "(a directory loop?)",
				     w->path, VSL_TAR_MAX_PATH);
	if (saved)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, c->name, n + 1);
	w->len += n;
	rc = vsl_sqfs_inode_by_ref(w->fs, c->ref, &in, err);
	if (rc < 0)
		rc = sq_fail(err, rc, "inode of", w->path);
	else if (in.ino != c->ino || (in.mode & S_IFMT) != c->type)
		rc = vsl_error_set(err, 0,
				   "corrupt squashfs: /%s: the directory entry and the inode "
				   "disagree on its number or type",
				   w->path);
	else if ((rc = write_entry(w, &in, err)) == 0 && S_ISDIR(in.mode))
		rc = visit(w, &in, err);
	w->len = saved;
	w->path[saved] = '\0';
	return rc < 0 ? -1 : 0;
}

static int visit(struct walk *w, const struct vsl_sqfs_inode *dir, struct vsl_error *err)
{
	struct children c = { 0 };
	int rc = vsl_sqfs_readdir(w->fs, dir, 0, 0, collect, &c, err);

	if (rc < 0)
		rc = sq_fail(err, rc, "list", w->path);
	else if (c.bad)
		rc = vsl_error_set(err, 0,
				   "squashfs: list /%s: out of memory, or a name that is not "
				   "a plain file name (corrupt image)",
				   w->path);
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		rc = visit_child(w, &c.v[i], err);
	children_free(&c);
	return rc;
}

static int walk_all(struct walk *w, struct vsl_error *err)
{
	struct vsl_sqfs_statfs sfs;
	struct vsl_sqfs_inode root;
	int rc;

	vsl_sqfs_statfs(w->fs, &sfs);
	w->ninodes = sfs.inodes;
	w->first = calloc((size_t)sfs.inodes + 1, sizeof(*w->first));
	w->rd = malloc(sizeof(*w->rd));
	if (!w->first || !w->rd)
		return vsl_error_set(err, ENOMEM, "extract");
	vsl_tar_reader_init(w->rd, file_read, w);
	rc = vsl_sqfs_root(w->fs, &root, err);
	if (rc < 0)
		rc = sq_fail(err, rc, "the root directory", "");
	else if ((rc = write_entry(w, &root, err)) == 0)
		rc = visit(w, &root, err);
	vsl_tar_reader_fini(w->rd);
	return rc;
}

int vsl_unsquash(int fd, uint64_t off, uint64_t len, int destfd, unsigned flags,
		 struct vsl_unsquash_stats *stats, struct vsl_error *err)
{
	struct vsl_sqfs_source src = { .read = pread_all, .ctx = &fd, .base = off, .size = len };
	struct vsl_unsquash_stats dummy;
	struct walk *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return vsl_error_set(err, ENOMEM, "extract");
	w->st = stats ? stats : &dummy;
	memset(w->st, 0, sizeof(*w->st));
	rc = vsl_sqfs_open(&w->fs, &src, NULL, err);
	if (rc < 0) {
		free(w);
		return sq_fail(err, rc, "open the image at", "");
	}
	vsl_extract_tree_init(&w->tree, destfd, flags);
	rc = walk_all(w, err);
	if (rc == 0)
		rc = vsl_extract_tree_finish(&w->tree, err);
	w->st->skipped_devices = w->tree.skipped_devices;
	vsl_extract_tree_fini(&w->tree);
	for (uint64_t i = 0; w->first && i <= w->ninodes; i++)
		free(w->first[i]);
	free(w->first);
	free(w->rd);
	vsl_sqfs_close(w->fs);
	free(w);
	return rc < 0 ? -1 : 0;
}
