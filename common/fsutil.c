/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safe path walking and entry creation under a root fd, shared by the layer applier and the
 * extractor; see fsutil.h for the rule. openat2(RESOLVE_NO_SYMLINKS) would do the walk in one
 * call, but it needs Linux 5.6 and a component walk with a one-entry cache is already cheap
 * for archives, which list siblings together.
 */
#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

#define COPY_BUF (128u * 1024u)

void vsl_fs_walker_init(struct vsl_fs_walker *w, int rootfd, mode_t dir_mode)
{
	memset(w, 0, sizeof(*w));
	w->rootfd = rootfd;
	w->dir_mode = dir_mode;
	w->cached_fd = -1;
}

void vsl_fs_walker_forget(struct vsl_fs_walker *w)
{
	if (w->cached_fd >= 0)
		close(w->cached_fd);
	w->cached_fd = -1;
	free(w->cached_path);
	w->cached_path = NULL;
}

void vsl_fs_walker_fini(struct vsl_fs_walker *w)
{
	vsl_fs_walker_forget(w);
}

int vsl_fs_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Why a component could not be opened as a directory, in words that name it. */
static int walk_error(int dirfd, const char *name, const char *shown, int e, struct vsl_error *err)
{
	struct stat st;

	if ((e == ELOOP || e == ENOTDIR) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return vsl_error_set(err, 0, "'%s' is a symlink: refusing to go through it",
					     shown);
		return vsl_error_set(err, 0, "'%s' is not a directory", shown);
	}
	return vsl_error_set(err, e, "open directory '%s'", shown);
}

/*
 * Open dir (a clean path of dlen bytes, 0 = the root) component by component, O_PATH so an
 * image's unreadable directory does not stop the walk. Returns an owned fd.
 */
static int walk_dir(struct vsl_fs_walker *w, const char *dir, size_t dlen, bool create,
		    struct vsl_error *err)
{
	cleanup_free char *buf = strndup(dir, dlen);
	int cur = -1;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "walk '%.*s'", (int)dlen, dir);
	cur = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return vsl_error_set(err, errno, "open the root directory");
	for (char *comp = buf; dlen && comp;) {
		char *slash = strchr(comp, '/');
		int nfd;

		if (slash)
			*slash = '\0';
		nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			bool made = mkdirat(cur, comp, w->dir_mode) == 0;

			if (!made && errno != EEXIST) {
				vsl_error_set(err, errno, "mkdir '%s'", buf);
				close(cur);
				return -1;
			}
			nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0 && made && w->on_mkdir && w->on_mkdir(w->ctx, buf, err) < 0) {
				close(nfd);
				nfd = -1;
				errno = 0;
			}
		}
		if (nfd < 0) {
			if (errno)
				walk_error(cur, comp, buf, errno, err);
			close(cur);
			return -1;
		}
		close(cur);
		cur = nfd;
		if (slash)
			*slash = '/';
		comp = slash ? slash + 1 : NULL;
	}
	return cur;
}

int vsl_fs_walk_parent(struct vsl_fs_walker *w, const char *path, bool create, const char **base,
		       struct vsl_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	int fd;

	if (!path[0])
		return vsl_error_set(err, EINVAL, "the root has no parent directory");
	*base = slash ? slash + 1 : path;
	if (w->cached_path && strlen(w->cached_path) == dlen && !memcmp(w->cached_path, path, dlen))
		return w->cached_fd;
	fd = walk_dir(w, path, dlen, create, err);
	if (fd < 0)
		return -1;
	vsl_fs_walker_forget(w);
	w->cached_path = strndup(path, dlen);
	if (!w->cached_path) {
		close(fd);
		return vsl_error_set(err, ENOMEM, "walk '%s'", path);
	}
	w->cached_fd = fd;
	return fd;
}

static int open_under(struct vsl_fs_walker *w, const char *path, int flags, struct vsl_error *err)
{
	const char *base;
	int dfd, fd;

	if (!path[0])
		return openat(w->rootfd, ".", flags | O_CLOEXEC);
	dfd = vsl_fs_walk_parent(w, path, false, &base, err);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return vsl_error_set(err, 0, "'%s' is a symlink", path);
	if (fd < 0)
		return vsl_error_set(err, errno, "open '%s'", path);
	return fd;
}

int vsl_fs_open_dir(struct vsl_fs_walker *w, const char *path, struct vsl_error *err)
{
	int fd = open_under(w, path, O_RDONLY | O_DIRECTORY, err);

	if (fd < 0 && err && !err->msg)
		vsl_error_set(err, errno, "open directory '%s'", path);
	return fd;
}

int vsl_fs_open_file(struct vsl_fs_walker *w, const char *path, struct vsl_error *err)
{
	/* O_NONBLOCK: a fifo must not hang us before the check below refuses it */
	int fd = open_under(w, path, O_RDONLY | O_NONBLOCK, err);
	struct stat st;

	if (fd < 0) {
		if (err && !err->msg)
			vsl_error_set(err, errno, "open '%s'", path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vsl_error_set(err, EINVAL, "'%s' is not a regular file", path);
	}
	return fd;
}

int vsl_fs_rmtree_at(int dirfd, const char *name, struct vsl_error *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : vsl_error_set(err, errno, "stat '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return vsl_error_set(err, errno, "remove '%s'", name);
		return 0;
	}
	/* An image may have made it 0000 or 0555: we need r, w and x on it to empty it. The
	 * lstat above said directory, and these trees are private to us, so chmod by name is
	 * not a symlink race. */
	if ((st.st_mode & 0700) != 0700 && fchmodat(dirfd, name, 0700, 0) < 0)
		return vsl_error_set(err, errno, "chmod '%s' to remove it", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vsl_error_set(err, errno, "open '%s' to remove it", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return vsl_error_set(err, errno, "read '%s' to remove it", name);
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (vsl_fs_rmtree_at(fd, de->d_name, err) < 0) {
			closedir(d);
			return vsl_error_wrap(err, "in '%s'", name);
		}
	}
	if (errno) {
		vsl_error_set(err, errno, "read '%s' to remove it", name);
		closedir(d);
		return -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return vsl_error_set(err, errno, "remove directory '%s'", name);
	return 0;
}

int vsl_fs_rmtree(const char *path, struct vsl_error *err)
{
	return vsl_fs_rmtree_at(AT_FDCWD, path, err);
}

int vsl_fs_mkdir_p(const char *path, mode_t mode, struct vsl_error *err)
{
	cleanup_free char *p = strdup(path);
	struct stat st;

	if (!p)
		return vsl_error_set(err, ENOMEM, "mkdir '%s'", path);
	if (!p[0])
		return vsl_error_set(err, EINVAL, "mkdir: empty path");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return vsl_error_set(err, errno, "mkdir '%s'", p);
		*s = c;
		if (!c)
			break;
	}
	if (stat(path, &st) < 0)
		return vsl_error_set(err, errno, "stat '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return vsl_error_set(err, ENOTDIR, "'%s' exists and is not a directory", path);
	return 0;
}

void vsl_fs_made_release(struct vsl_fs_made *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static int write_data(int fd, const char *path, struct vsl_tar_reader *rd, uint64_t *written,
		      struct vsl_error *err)
{
	cleanup_free uint8_t *buf = malloc(COPY_BUF);
	ssize_t k;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "write '%s'", path);
	while ((k = vsl_tar_reader_data(rd, buf, COPY_BUF, err)) > 0) {
		if (vsl_fs_write_all(fd, buf, (size_t)k) < 0)
			return vsl_error_set(err, errno, "write '%s'", path);
		*written += (uint64_t)k;
	}
	return k < 0 ? -1 : 0;
}

/* linkat from the target (a clean path to an existing non-directory) to parent/base. */
static int make_hardlink(struct vsl_fs_walker *w, const char *target, int parent,
			 const char *base, struct vsl_error *err)
{
	const char *slash = strrchr(target, '/');
	const char *tbase = slash ? slash + 1 : target;
	struct stat st;
	int tdir, rc;

	if (!target[0])
		return vsl_error_set(err, EPERM, "hardlink to the root directory");
	tdir = walk_dir(w, target, slash ? (size_t)(slash - target) : 0, false, err);
	if (tdir < 0)
		return vsl_error_wrap(err, "hardlink target '%s'", target);
	if (fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = vsl_error_set(err, errno, "hardlink target '%s'", target);
	} else if (S_ISDIR(st.st_mode)) {
		rc = vsl_error_set(err, 0, "hardlink target '%s' is a directory", target);
	} else {
		/* flags 0: a symlink target is linked itself, never followed */
		rc = linkat(tdir, tbase, parent, base, 0);
		if (rc < 0)
			vsl_error_set(err, errno, "hardlink to '%s'", target);
	}
	close(tdir);
	return rc;
}

static int make_special(const struct vsl_tar_entry *e, int parent, const char *base,
			unsigned flags, struct vsl_fs_made *out, struct vsl_error *err)
{
	mode_t kind = e->type == VSL_TAR_CHR ? S_IFCHR : e->type == VSL_TAR_BLK ? S_IFBLK : S_IFIFO;
	int fd;

	if (flags & VSL_FS_SPECIAL) {
		if (mknodat(parent, base, kind | 0600, makedev(e->devmajor, e->devminor)) == 0)
			return 0;
		if (errno == EPERM && kind != S_IFIFO) {
			out->skipped = true;
			return 0;
		}
		return vsl_error_set(err, errno, "mknod");
	}
	/* the unprivileged builder: the name stays, the metadata table says what it is */
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_error_set(err, errno, "create placeholder");
	close(fd);
	out->placeholder = true;
	return 0;
}

/* Clear the way for a new entry at parent/base. */
static int make_room(int parent, const char *base, const struct vsl_tar_entry *e,
		     struct vsl_fs_made *out, struct vsl_error *err)
{
	struct stat st;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : vsl_error_set(err, errno, "stat");
	if (S_ISDIR(st.st_mode) && e->type == VSL_TAR_DIR) {
		out->kept_dir = true;
		return 0;
	}
	/* never written through: a file, a symlink or a whole directory is replaced */
	return vsl_fs_rmtree_at(parent, base, err);
}

static int make_at(struct vsl_fs_walker *w, const struct vsl_tar_entry *e, const char *path,
		   const char *link_path, mode_t file_mode, mode_t dir_mode, unsigned flags,
		   struct vsl_tar_reader *rd, struct vsl_fs_made *out, struct vsl_error *err)
{
	int parent = out->parentfd;
	const char *base = out->base;

	if (make_room(parent, base, e, out, err) < 0)
		return -1;
	switch (e->type) {
	case VSL_TAR_REG:
		out->fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 file_mode);
		if (out->fd < 0)
			return vsl_error_set(err, errno, "create");
		return write_data(out->fd, path, rd, &out->written, err);
	case VSL_TAR_DIR:
		if (!out->kept_dir && mkdirat(parent, base, dir_mode) < 0)
			return vsl_error_set(err, errno, "mkdir");
		out->fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out->fd < 0)
			return vsl_error_set(err, errno, "open directory");
		return 0;
	case VSL_TAR_SYMLINK:
		if (symlinkat(e->linkname, parent, base) < 0)
			return vsl_error_set(err, errno, "symlink");
		return 0;
	case VSL_TAR_HARDLINK:
		return make_hardlink(w, link_path, parent, base, err);
	case VSL_TAR_CHR:
	case VSL_TAR_BLK:
	case VSL_TAR_FIFO:
		return make_special(e, parent, base, flags, out, err);
	}
	return vsl_error_set(err, EINVAL, "unknown entry type %d", (int)e->type);
}

int vsl_fs_make_entry(struct vsl_fs_walker *w, const struct vsl_tar_entry *e, const char *path,
		      const char *link_path, mode_t file_mode, mode_t dir_mode, unsigned flags,
		      struct vsl_tar_reader *rd, struct vsl_fs_made *out, struct vsl_error *err)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = out->parentfd = -1;
	if (!path[0]) {
		if (e->type != VSL_TAR_DIR)
			return vsl_error_set(err, EINVAL, "the root can only be a directory, not "
					     "a %s", vsl_tar_type_name(e->type));
		out->kept_dir = true;
		out->fd = openat(w->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return out->fd < 0 ? vsl_error_set(err, errno, "open the root directory") : 0;
	}
	out->parentfd = vsl_fs_walk_parent(w, path, true, &out->base, err);
	if (out->parentfd < 0)
		return -1;
	if (e->type == VSL_TAR_HARDLINK && !strcmp(link_path, path)) {
		/* a link to itself: nothing to do if it exists (GNU tar agrees) */
		if (fstatat(out->parentfd, out->base, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 0;
		return vsl_error_set(err, ENOENT, "hardlink to itself, which does not exist");
	}
	if (make_at(w, e, path, link_path, file_mode, dir_mode, flags, rd, out, err) < 0) {
		vsl_fs_made_release(out);
		return -1;
	}
	return 0;
}
