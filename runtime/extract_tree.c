/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entries onto disk for the extractors (see extract_tree.h), with the syscall diet that the
 * runtime's cold start needs: no stat before a create, no chown where a fresh tree already
 * gives the right owner, no chmod for a regular file that was created with its bits, and
 * directories made without an fd unless they carry xattrs.
 */
#define _GNU_SOURCE
#include "extract_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

struct vsl_extract_dir {
	char *path;
	uint32_t mode;
	int64_t mtime;
};

void vsl_extract_tree_init(struct vsl_extract_tree *x, int destfd, unsigned flags)
{
	memset(x, 0, sizeof(*x));
	x->flags = flags;
	x->uid = geteuid();
	x->gid = getegid();
	x->umask = umask(0);
	vsl_fs_walker_init(&x->walker, destfd, 0755);
}

void vsl_extract_tree_fini(struct vsl_extract_tree *x)
{
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	x->dirs = NULL;
	x->ndirs = x->cap = 0;
	vsl_fs_walker_fini(&x->walker);
	umask(x->umask);
}

static void restore_owner(struct vsl_extract_tree *x, const struct vsl_tar_entry *e,
			  const struct vsl_fs_made *m, const char *path)
{
	int rc;

	if (x->flags & VSL_EXTRACT_NO_CHOWN)
		return;
	/* in a fresh tree a new entry is ours already: mostly 0:0 in a user namespace */
	if ((x->flags & VSL_EXTRACT_FRESH) && !m->kept_dir && e->uid == x->uid && e->gid == x->gid)
		return;
	if (m->fd >= 0)
		rc = fchown(m->fd, e->uid, e->gid);
	else
		rc = fchownat(m->parentfd, m->base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
	/* a single-id namespace cannot map the image's ids: keep ours */
	if (rc < 0 && errno != EPERM && errno != EINVAL)
		vsl_debug("extract: chown '%s' to %u:%u: %s", path, e->uid, e->gid,
			  strerror(errno));
}

static void restore_xattrs(struct vsl_extract_tree *x, const struct vsl_tar_entry *e, int fd,
			   const char *path)
{
	if (x->flags & VSL_EXTRACT_NO_XATTRS)
		return;
	for (size_t i = 0; i < e->nxattrs && fd >= 0; i++) {
		const struct vsl_tar_xattr *a = &e->xattrs[i];

		/* best effort: user.* needs a file system that has them, security.capability
		 * and trusted.* need privilege over the inode's namespace */
		if (fsetxattr(fd, a->name, a->value, a->len, 0) < 0)
			vsl_debug("extract: '%s': xattr %s: %s", path, a->name, strerror(errno));
	}
}

/* A directory's xattrs: it was made without an fd (VSL_FS_NO_DIR_FD), so open one if needed. */
static void restore_dir_xattrs(struct vsl_extract_tree *x, const struct vsl_tar_entry *e,
			       const struct vsl_fs_made *m, const char *path)
{
	int fd = m->fd;

	if (!e->nxattrs || (x->flags & VSL_EXTRACT_NO_XATTRS))
		return;
	if (fd < 0)
		fd = openat(m->parentfd, m->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		vsl_debug("extract: '%s': open for xattrs: %s", path, strerror(errno));
	restore_xattrs(x, e, fd, path);
	if (fd >= 0 && fd != m->fd)
		close(fd);
}

static int defer_dir(struct vsl_extract_tree *x, const char *path, const struct vsl_tar_entry *e,
		     struct vsl_error *err)
{
	if (x->ndirs == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct vsl_extract_dir *d = realloc(x->dirs, cap * sizeof(*d));

		if (!d)
			return vsl_error_set(err, ENOMEM, "extract");
		x->dirs = d;
		x->cap = cap;
	}
	x->dirs[x->ndirs].path = strdup(path);
	if (!x->dirs[x->ndirs].path)
		return vsl_error_set(err, ENOMEM, "extract");
	x->dirs[x->ndirs].mode = e->mode;
	x->dirs[x->ndirs].mtime = e->mtime;
	x->ndirs++;
	return 0;
}

/*
 * Modes, xattrs and times once the object exists (ownership first: chown clears setuid). A
 * regular file was created with its permission bits under umask 0, so only setuid, setgid
 * and sticky need a chmod, after the chown.
 */
static int restore_meta(struct vsl_extract_tree *x, const struct vsl_tar_entry *e,
			const struct vsl_fs_made *m, const char *path, struct vsl_error *err)
{
	struct timespec ts[2] = { { .tv_sec = e->mtime }, { .tv_sec = e->mtime } };

	restore_owner(x, e, m, path);
	if (e->type == VSL_TAR_DIR) {
		restore_dir_xattrs(x, e, m, path);
		return defer_dir(x, path, e, err);
	}
	if (e->type == VSL_TAR_REG) {
		if ((e->mode & 07000) && fchmod(m->fd, e->mode) < 0)
			return vsl_error_set(err, errno, "chmod");
		restore_xattrs(x, e, m->fd, path);
		if (futimens(m->fd, ts) < 0)
			return vsl_error_set(err, errno, "set mtime");
		return 0;
	}
	/* created by us a moment ago as a fifo or device, not a symlink: chmod by name is safe */
	if (e->type != VSL_TAR_SYMLINK && fchmodat(m->parentfd, m->base, e->mode, 0) < 0)
		return vsl_error_set(err, errno, "chmod");
	if (utimensat(m->parentfd, m->base, ts, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		return vsl_error_set(err, errno, "set mtime");
	return 0;
}

static int add(struct vsl_extract_tree *x, const struct vsl_tar_entry *e, struct vsl_tar_reader *rd,
	       struct vsl_error *err)
{
	cleanup_free char *path = malloc(strlen(e->path) + 1);
	cleanup_free char *link = malloc(strlen(e->linkname) + 1);
	struct vsl_fs_made m;
	int rc;

	if (!path || !link)
		return vsl_error_set(err, ENOMEM, "extract");
	if (vsl_tar_path_clean(e->path, path, err) < 0)
		return -1;
	if (e->type == VSL_TAR_HARDLINK && vsl_tar_path_clean(e->linkname, link, err) < 0)
		return vsl_error_wrap(err, "hardlink target");
	if ((e->type == VSL_TAR_CHR || e->type == VSL_TAR_BLK) &&
	    (x->flags & VSL_EXTRACT_NO_DEVICES)) {
		x->skipped_devices++;
		return 0;
	}
	/* directories stay 0700 (writable by us) until finish */
	if (vsl_fs_make_entry(&x->walker, e, path, link, e->mode & 0777, 0700,
			      VSL_FS_SPECIAL | VSL_FS_NO_DIR_FD, rd, &m, err) < 0)
		return -1;
	if (m.skipped) {
		vsl_debug("extract: '%s': device node %u:%u left out (no privilege)", path,
			  e->devmajor, e->devminor);
		x->skipped_devices++;
		rc = 0;
	} else if (e->type == VSL_TAR_HARDLINK) {
		rc = 0; /* the inode already has its attributes */
	} else {
		rc = restore_meta(x, e, &m, path, err);
	}
	vsl_fs_made_release(&m);
	return rc;
}

int vsl_extract_tree_add(struct vsl_extract_tree *x, const struct vsl_tar_entry *e,
			 struct vsl_tar_reader *rd, struct vsl_error *err)
{
	if (add(x, e, rd, err) < 0)
		return vsl_error_wrap(err, "extract: entry '%s'", e->path);
	return 0;
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct vsl_extract_dir *)a)->path,
		      ((const struct vsl_extract_dir *)b)->path);
}

/* Directory modes and times last, deepest first, so a 0555 directory could still be filled
 * and adding entries did not move the mtimes again. */
int vsl_extract_tree_finish(struct vsl_extract_tree *x, struct vsl_error *err)
{
	qsort(x->dirs, x->ndirs, sizeof(*x->dirs), cmp_dir);
	for (size_t i = x->ndirs; i-- > 0;) {
		const struct vsl_extract_dir *d = &x->dirs[i];
		struct timespec ts[2] = { { .tv_sec = d->mtime }, { .tv_sec = d->mtime } };
		cleanup_close int fd = vsl_fs_open_dir(&x->walker, d->path, err);

		if (fd < 0)
			return vsl_error_wrap(err, "extract: directory '%s'", d->path);
		if (fchmod(fd, d->mode) < 0 || futimens(fd, ts) < 0)
			return vsl_error_set(err, errno, "extract: directory '%s'", d->path);
	}
	return 0;
}
