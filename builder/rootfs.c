/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applies OCI layers into a staging directory as an unprivileged user, keeping what cannot be
 * put on disk in a path-keyed table (see rootfs.h).
 *
 * The table mirrors the disk: a node per existing path, with parent/child links so a whiteout
 * or an opaque marker removes a subtree from both in time proportional to the subtree. Nodes of
 * a hardlink group share one refcounted `struct meta`, which is how writers learn the groups
 * without trusting inode numbers. Each node remembers the last layer that wrote it or anything
 * below it ("touched"), because OCI whiteouts hide only what LOWER layers put there.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "layer.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."

struct meta {
	unsigned refs;
	enum vsl_tar_type type; /* of the inode: never VSL_TAR_HARDLINK */
	uint32_t mode, uid, gid, devmajor, devminor;
	int64_t mtime;
	uint64_t size;
	char *linkname;
	size_t nxattrs;
	struct vsl_tar_xattr *xattrs;
	/* scratch for vsl_rootfs_foreach */
	const char *first_path;
	uint64_t group;
};

struct node {
	char *path;
	uint64_t hash;
	struct node *hnext;
	struct node *parent, *child, *prev, *next;
	struct meta *meta;
	unsigned touched;
};

struct vsl_rootfs {
	char *dir;
	int rootfd;
	struct vsl_fs_walker walker;
	struct node **tab;
	size_t tab_size, count;
	struct node *root;
	unsigned layer;         /* 1-based index of the layer being applied */
	int64_t implicit_mtime; /* for directories a layer implies without listing them */
};

static uint64_t hash_path(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h;
}

static struct node *lookup_n(struct vsl_rootfs *r, const char *path, size_t n)
{
	uint64_t h = hash_path(path, n);

	for (struct node *x = r->tab[h & (r->tab_size - 1)]; x; x = x->hnext)
		if (x->hash == h && !strncmp(x->path, path, n) && x->path[n] == '\0')
			return x;
	return NULL;
}

static struct node *lookup(struct vsl_rootfs *r, const char *path)
{
	return lookup_n(r, path, strlen(path));
}

static int grow_table(struct vsl_rootfs *r)
{
	size_t size = r->tab_size * 2;
	struct node **tab = calloc(size, sizeof(*tab));

	if (!tab)
		return -1;
	for (size_t i = 0; i < r->tab_size; i++) {
		for (struct node *x = r->tab[i], *next; x; x = next) {
			next = x->hnext;
			x->hnext = tab[x->hash & (size - 1)];
			tab[x->hash & (size - 1)] = x;
		}
	}
	free(r->tab);
	r->tab = tab;
	r->tab_size = size;
	return 0;
}

static void meta_unref(struct meta *m)
{
	if (!m || --m->refs)
		return;
	for (size_t i = 0; i < m->nxattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	free(m->xattrs);
	free(m->linkname);
	free(m);
}

/* A fresh meta holding e's attributes (xattrs deep-copied); NULL on ENOMEM. */
static struct meta *meta_new(const struct vsl_tar_entry *e)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->refs = 1;
	m->type = e->type;
	m->mode = e->mode & 07777;
	m->uid = e->uid;
	m->gid = e->gid;
	m->mtime = e->mtime;
	m->devmajor = e->devmajor;
	m->devminor = e->devminor;
	m->linkname = strdup(e->type == VSL_TAR_SYMLINK ? e->linkname : "");
	m->xattrs = e->nxattrs ? calloc(e->nxattrs, sizeof(*m->xattrs)) : NULL;
	if (!m->linkname || (e->nxattrs && !m->xattrs))
		goto oom;
	for (size_t i = 0; i < e->nxattrs; i++, m->nxattrs++) {
		struct vsl_tar_xattr *x = &m->xattrs[i];

		x->name = strdup(e->xattrs[i].name);
		x->value = malloc(e->xattrs[i].len + 1);
		if (!x->name || !x->value) {
			m->nxattrs++;
			goto oom;
		}
		memcpy(x->value, e->xattrs[i].value, e->xattrs[i].len + 1);
		x->len = e->xattrs[i].len;
	}
	return m;
oom:
	meta_unref(m);
	return NULL;
}

/* Insert path (whose parent must be in the table) with meta m; takes the reference. */
static struct node *insert(struct vsl_rootfs *r, const char *path, struct meta *m)
{
	const char *slash = strrchr(path, '/');
	struct node *x, *parent = slash ? lookup_n(r, path, (size_t)(slash - path)) : r->root;

	if (!parent || (r->count >= r->tab_size && grow_table(r) < 0))
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x || !(x->path = strdup(path))) {
		free(x);
		return NULL;
	}
	x->hash = hash_path(path, strlen(path));
	x->hnext = r->tab[x->hash & (r->tab_size - 1)];
	r->tab[x->hash & (r->tab_size - 1)] = x;
	x->parent = parent;
	x->next = parent->child;
	if (parent->child)
		parent->child->prev = x;
	parent->child = x;
	x->meta = m;
	r->count++;
	return x;
}

/* Drop x and everything below it from the table (not from the disk). */
static void forget_subtree(struct vsl_rootfs *r, struct node *x)
{
	struct node **pp;

	while (x->child)
		forget_subtree(r, x->child);
	if (x->prev)
		x->prev->next = x->next;
	else if (x->parent)
		x->parent->child = x->next;
	if (x->next)
		x->next->prev = x->prev;
	for (pp = &r->tab[x->hash & (r->tab_size - 1)]; *pp != x; pp = &(*pp)->hnext)
		;
	*pp = x->hnext;
	meta_unref(x->meta);
	free(x->path);
	free(x);
	r->count--;
}

static void touch(struct vsl_rootfs *r, struct node *x)
{
	for (; x && x->touched != r->layer; x = x->parent)
		x->touched = r->layer;
}

/* Remove x from disk and table. The walker's cache then holds x's parent, which survives. */
static int remove_node(struct vsl_rootfs *r, struct node *x, struct vsl_error *err)
{
	const char *base;
	int dfd = vsl_fs_walk_parent(&r->walker, x->path, false, &base, err);

	if (dfd < 0 || vsl_fs_rmtree_at(dfd, base, err) < 0)
		return vsl_error_wrap(err, "remove '%s'", x->path);
	forget_subtree(r, x);
	return 0;
}

static int on_mkdir(void *ctx, const char *path, struct vsl_error *err)
{
	struct vsl_rootfs *r = ctx;
	struct vsl_tar_entry e = { .type = VSL_TAR_DIR, .mode = 0755, .linkname = "",
				   .mtime = r->implicit_mtime };
	struct meta *m = meta_new(&e);
	struct node *x = m ? insert(r, path, m) : NULL;

	if (!x) {
		meta_unref(m);
		return vsl_error_set(err, ENOMEM, "record directory '%s'", path);
	}
	touch(r, x);
	return 0;
}

static int check_empty(int fd, const char *dir, struct vsl_error *err)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return vsl_error_set(err, errno, "read staging directory %s", dir);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = vsl_error_set(err, ENOTEMPTY, "staging directory %s is not empty",
					   dir);
	closedir(d);
	return rc;
}

struct vsl_rootfs *vsl_rootfs_new(const char *staging_dir, struct vsl_error *err)
{
	struct vsl_tar_entry root = { .type = VSL_TAR_DIR, .mode = 0755, .linkname = "" };
	struct vsl_rootfs *r = calloc(1, sizeof(*r));

	if (!r) {
		vsl_error_set(err, ENOMEM, "rootfs %s", staging_dir);
		return NULL;
	}
	r->rootfd = -1;
	vsl_fs_walker_init(&r->walker, -1, 0755);
	if (vsl_fs_mkdir_p(staging_dir, 0700, err) < 0)
		goto fail;
	r->rootfd = open(staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0) {
		vsl_error_set(err, errno, "open staging directory %s", staging_dir);
		goto fail;
	}
	if (check_empty(r->rootfd, staging_dir, err) < 0)
		goto fail;
	r->dir = strdup(staging_dir);
	r->tab_size = 1024;
	r->tab = calloc(r->tab_size, sizeof(*r->tab));
	r->root = calloc(1, sizeof(*r->root));
	if (!r->dir || !r->tab || !r->root || !(r->root->path = strdup("")) ||
	    !(r->root->meta = meta_new(&root))) {
		vsl_error_set(err, ENOMEM, "rootfs %s", staging_dir);
		goto fail;
	}
	r->root->hash = hash_path("", 0);
	r->tab[r->root->hash & (r->tab_size - 1)] = r->root;
	r->count = 1;
	r->walker.rootfd = r->rootfd;
	r->walker.on_mkdir = on_mkdir;
	r->walker.ctx = r;
	return r;
fail:
	vsl_rootfs_free(r);
	return NULL;
}

void vsl_rootfs_free(struct vsl_rootfs *r)
{
	if (!r)
		return;
	vsl_fs_walker_fini(&r->walker);
	if (r->count) {
		forget_subtree(r, r->root);
	} else if (r->root) {
		meta_unref(r->root->meta);
		free(r->root->path);
		free(r->root);
	}
	free(r->tab);
	if (r->rootfd >= 0)
		close(r->rootfd);
	free(r->dir);
	free(r);
}

const char *vsl_rootfs_dir(const struct vsl_rootfs *r)
{
	return r->dir;
}

int vsl_rootfs_dirfd(const struct vsl_rootfs *r)
{
	return r->rootfd;
}

size_t vsl_rootfs_count(const struct vsl_rootfs *r)
{
	return r->count;
}

/* Hide what lower layers put below dir: children last touched by an earlier layer go, and
 * directories this layer touched are searched in turn (docker and containerd do the same). */
static int make_opaque(struct vsl_rootfs *r, struct node *dir, struct vsl_error *err)
{
	struct node *x = dir->child, *next;

	for (; x; x = next) {
		next = x->next;
		if (x->touched < r->layer) {
			if (remove_node(r, x, err) < 0)
				return -1;
		} else if (x->meta->type == VSL_TAR_DIR && make_opaque(r, x, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ".wh.NAME" removes NAME, ".wh..wh..opq" empties its directory, of lower layers' content. */
static int whiteout(struct vsl_rootfs *r, char *path, const char *base, struct vsl_error *err)
{
	size_t dlen = base > path ? (size_t)(base - path - 1) : 0;
	const char *name = base + strlen(WH_PREFIX);
	struct node *x;

	if (!strcmp(base, WH_OPAQUE)) {
		x = lookup_n(r, path, dlen);
		/* nothing below, or not a directory: the layer's own entry replaces it anyway */
		if (!x || x->meta->type != VSL_TAR_DIR)
			return 0;
		return make_opaque(r, x, err);
	}
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return vsl_error_set(err, EINVAL, "bad whiteout name '%s'", base);
	/* path becomes the hidden path: drop the prefix in place */
	memmove((char *)name - strlen(WH_PREFIX), name, strlen(name) + 1);
	x = lookup(r, path);
	/* OCI: a whiteout hides only lower layers' files, never this layer's */
	if (!x || x->touched == r->layer)
		return 0;
	return remove_node(r, x, err);
}

/* Record e at clean path after vsl_fs_make_entry put it on disk. */
static int record(struct vsl_rootfs *r, const struct vsl_tar_entry *e, const char *path,
		  struct node *old, struct node *target, const struct vsl_fs_made *made,
		  struct vsl_error *err)
{
	struct meta *m;
	struct node *x;

	if (made->kept_dir) {
		if (!old)
			return vsl_error_set(err, EEXIST, "'%s' is on disk but not in the table",
					     path);
		/* the directory stays, with its contents; the new header's attributes win */
		if (!(m = meta_new(e)))
			return vsl_error_set(err, ENOMEM, "record '%s'", path);
		meta_unref(old->meta);
		old->meta = m;
		touch(r, old);
		return 0;
	}
	if (old)
		forget_subtree(r, old);
	if (target) {
		m = target->meta;
		m->refs++;
	} else if ((m = meta_new(e))) {
		m->size = made->written;
	}
	x = m ? insert(r, path, m) : NULL;
	if (!x) {
		meta_unref(m);
		return vsl_error_set(err, ENOMEM, "record '%s'", path);
	}
	touch(r, x);
	return 0;
}

static int apply_entry(struct vsl_rootfs *r, struct vsl_tar_entry *e, struct vsl_tar_reader *rd,
		       struct vsl_error *err)
{
	cleanup_free char *path = malloc(strlen(e->path) + 1);
	cleanup_free char *link = malloc(strlen(e->linkname) + 1);
	struct node *old, *target = NULL;
	struct vsl_fs_made made;
	const char *base;
	int rc;

	if (!path || !link)
		return vsl_error_set(err, ENOMEM, "entry");
	if (vsl_tar_path_clean(e->path, path, err) < 0)
		return -1;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	/* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) is not part of the image */
	if (!strncmp(path, WH_META, strlen(WH_META)) && strcmp(base, WH_OPAQUE))
		return 0;
	if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return whiteout(r, path, base, err);
	if (e->type == VSL_TAR_HARDLINK) {
		if (vsl_tar_path_clean(e->linkname, link, err) < 0)
			return vsl_error_wrap(err, "hardlink target");
		target = lookup(r, link);
		if (!target)
			return vsl_error_set(err, 0, "hardlink target '%s' does not exist (in "
					     "this or an earlier layer)", e->linkname);
		if (target->meta->type == VSL_TAR_DIR)
			return vsl_error_set(err, 0, "hardlink target '%s' is a directory",
					     e->linkname);
		if (!strcmp(link, path))
			return 0;
	}
	old = lookup(r, path);
	r->implicit_mtime = e->mtime;
	/* on disk: readable and writable by us whatever the image says; the table has the truth */
	rc = vsl_fs_make_entry(&r->walker, e, path, link, (e->mode & 0777) | 0600,
			       (e->mode & 0777) | 0700, 0, rd, &made, err);
	if (rc == 0)
		rc = record(r, e, path, old, target, &made, err);
	vsl_fs_made_release(&made);
	return rc;
}

int vsl_rootfs_apply_layer(struct vsl_rootfs *r, int blob_fd, const char *blob_name,
			   struct vsl_error *err)
{
	struct vsl_layer_src *src = vsl_layer_src_open(blob_fd, blob_name, err);
	struct vsl_tar_reader *rd = NULL;
	struct vsl_tar_entry e;
	bool in_entry = false;
	int rc;

	if (!src)
		return -1;
	rd = malloc(sizeof(*rd));
	if (!rd) {
		vsl_layer_src_close(src);
		return vsl_error_set(err, ENOMEM, "layer %s", blob_name);
	}
	vsl_tar_reader_init(rd, vsl_layer_src_read, src);
	r->layer++;
	while ((rc = vsl_tar_reader_next(rd, &e, err)) > 0) {
		rc = apply_entry(r, &e, rd, err);
		if (rc < 0) {
			in_entry = true;
			vsl_error_wrap(err, "layer %s: entry '%s'", blob_name, e.path);
			break;
		}
	}
	if (rc < 0 && !in_entry)
		vsl_error_wrap(err, "layer %s (%s)", blob_name, vsl_layer_src_kind(src));
	vsl_tar_reader_fini(rd);
	free(rd);
	vsl_layer_src_close(src);
	return rc < 0 ? -1 : 0;
}

static void fill_entry(const struct node *x, struct vsl_rootfs_entry *out)
{
	const struct meta *m = x->meta;

	memset(out, 0, sizeof(*out));
	out->path = x->path;
	out->type = out->inode_type = m->type;
	out->linkname = m->linkname;
	out->mode = m->mode;
	out->uid = m->uid;
	out->gid = m->gid;
	out->mtime = m->mtime;
	out->size = m->type == VSL_TAR_REG ? m->size : 0;
	out->devmajor = m->devmajor;
	out->devminor = m->devminor;
	out->nxattrs = m->nxattrs;
	out->xattrs = m->xattrs;
	out->nlink = m->refs;
}

int vsl_rootfs_path_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; *x && *x == *y; x++, y++)
		;
	/* '/' below every other byte: a directory's contents directly follow it */
	return (*x == '/' ? 1 : *x ? *x + 1 : 0) - (*y == '/' ? 1 : *y ? *y + 1 : 0);
}

static int cmp_node(const void *a, const void *b)
{
	const struct node *const *x = a, *const *y = b;

	return vsl_rootfs_path_cmp((*x)->path, (*y)->path);
}

int vsl_rootfs_foreach(struct vsl_rootfs *r, vsl_rootfs_visit_fn fn, void *ctx,
		       struct vsl_error *err)
{
	cleanup_free struct node **v = malloc(r->count * sizeof(*v));
	uint64_t groups = 0;
	size_t n = 0;

	if (!v)
		return vsl_error_set(err, ENOMEM, "sort %zu paths", r->count);
	for (size_t i = 0; i < r->tab_size; i++) {
		for (struct node *x = r->tab[i]; x; x = x->hnext) {
			x->meta->first_path = NULL;
			v[n++] = x;
		}
	}
	qsort(v, n, sizeof(*v), cmp_node);
	for (size_t i = 0; i < n; i++) {
		struct meta *m = v[i]->meta;
		struct vsl_rootfs_entry e;

		fill_entry(v[i], &e);
		if (m->refs > 1 && !m->first_path) {
			m->first_path = v[i]->path;
			m->group = ++groups;
		} else if (m->refs > 1) {
			e.type = VSL_TAR_HARDLINK;
			e.linkname = m->first_path;
		}
		e.link_group = m->refs > 1 ? m->group : 0;
		if (fn(ctx, &e, err) < 0)
			return -1;
	}
	return 0;
}

int vsl_rootfs_lookup(struct vsl_rootfs *r, const char *path, struct vsl_rootfs_entry *out,
		      struct vsl_error *err)
{
	struct node *x = lookup(r, path);

	if (!x) {
		errno = ENOENT;
		return vsl_error_set(err, ENOENT, "'%s' is not in the image", path);
	}
	fill_entry(x, out);
	return 0;
}

int vsl_rootfs_open(struct vsl_rootfs *r, const char *path, struct vsl_error *err)
{
	return vsl_fs_open_file(&r->walker, path, err);
}
