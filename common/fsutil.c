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

/* Data buffer; also the hole granularity, which must equal mksquashfs's block size. */
#define COPY_BUF (128u * 1024u)

void vsl_fs_walker_init(struct vsl_fs_walker *w, int rootfd, mode_t dir_mode)
{
	memset(w, 0, sizeof(*w));
	w->rootfd = rootfd;
	w->dir_mode = dir_mode;
	w->deep_fd = -1;
}

/* Close the cached levels below keep (and the deep one); the path ends at the last one kept. */
static void walker_truncate(struct vsl_fs_walker *w, size_t keep)
{
	if (w->deep_fd >= 0)
		close(w->deep_fd);
	w->deep_fd = -1;
	while (w->depth > keep)
		close(w->fds[--w->depth]);
	w->path_len = w->depth ? w->ends[w->depth - 1] : 0;
	if (w->path)
		w->path[w->path_len] = '\0';
}

void vsl_fs_walker_forget(struct vsl_fs_walker *w)
{
	walker_truncate(w, 0);
}

void vsl_fs_walker_fini(struct vsl_fs_walker *w)
{
	vsl_fs_walker_forget(w);
	free(w->path);
	w->path = NULL;
	free(w->buf);
	w->buf = NULL;
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
 * Open the directory comp (one component) under cur, making it when create is set and it is
 * missing. shown is the path up to and including comp, for messages and on_mkdir. O_PATH, so
 * an image's unreadable directory does not stop the walk. Returns an owned fd.
 */
static int open_component(struct vsl_fs_walker *w, int cur, const char *comp, const char *shown,
			  bool create, struct vsl_error *err)
{
	int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool made;

	if (fd < 0 && errno == ENOENT && create) {
		made = mkdirat(cur, comp, w->dir_mode) == 0;
		if (!made && errno != EEXIST)
			return vsl_error_set(err, errno, "mkdir '%s'", shown);
		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && made && w->on_mkdir && w->on_mkdir(w->ctx, shown, err) < 0) {
			close(fd);
			return -1;
		}
	}
	if (fd < 0)
		return walk_error(cur, comp, shown, errno, err);
	return fd;
}

/*
 * Walk buf (a clean dir path, "" = the root) from start, the already open directory buf[0..from)
 * (the root for from 0). keep(), when given, may take each opened level into the cache;
 * levels it leaves are closed once the next one is open. Returns the last level's fd (start
 * itself for nothing to walk), or -1.
 */
static int walk_from(struct vsl_fs_walker *w, int start, char *buf, size_t from, bool create,
		     bool (*keep)(struct vsl_fs_walker *w, int fd, size_t end),
		     struct vsl_error *err)
{
	char *comp = buf + from + (buf[from] == '/');
	bool cur_owned = false;
	int cur = start;

	while (*comp) {
		char *slash = strchr(comp, '/');
		int nfd;

		if (slash)
			*slash = '\0';
		nfd = open_component(w, cur, comp, buf, create, err);
		if (slash)
			*slash = '/';
		if (cur_owned)
			close(cur);
		if (nfd < 0)
			return -1;
		cur = nfd;
		cur_owned = !(keep && keep(w, nfd, slash ? (size_t)(slash - buf) : strlen(buf)));
		comp = slash ? slash + 1 : comp + strlen(comp);
	}
	return cur;
}

/* Cache a level while there is room in the walker. */
static bool keep_level(struct vsl_fs_walker *w, int fd, size_t end)
{
	if (w->depth == VSL_FS_WALK_CACHE)
		return false;
	w->fds[w->depth] = fd;
	w->ends[w->depth++] = end;
	return true;
}

/* An owned fd of dir (a clean path of dlen bytes) that leaves the cache alone. */
static int walk_dir(struct vsl_fs_walker *w, const char *dir, size_t dlen, bool create,
		    struct vsl_error *err)
{
	cleanup_free char *buf = strndup(dir, dlen);
	int fd;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "walk '%.*s'", (int)dlen, dir);
	fd = walk_from(w, w->rootfd, buf, 0, create, NULL, err);
	if (fd == w->rootfd && (fd = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return vsl_error_set(err, errno, "open the root directory");
	return fd;
}

/* The fd of the last walked directory (w->path). */
static int walker_top(const struct vsl_fs_walker *w)
{
	if (w->deep_fd >= 0)
		return w->deep_fd;
	return w->depth ? w->fds[w->depth - 1] : w->rootfd;
}

/* How many cached levels are ancestors of (or equal to) dir[0..dlen). */
static size_t common_levels(const struct vsl_fs_walker *w, const char *dir, size_t dlen)
{
	size_t k = 0;

	while (k < w->depth && w->ends[k] <= dlen &&
	       (w->ends[k] == dlen || dir[w->ends[k]] == '/') && !memcmp(w->path, dir, w->ends[k]))
		k++;
	return k;
}

int vsl_fs_walk_parent(struct vsl_fs_walker *w, const char *path, bool create, const char **base,
		       struct vsl_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0, k;
	int fd;

	if (!path[0])
		return vsl_error_set(err, EINVAL, "the root has no parent directory");
	*base = slash ? slash + 1 : path;
	/* siblings of the last entry: nothing to open */
	if (w->path_len == dlen && (!dlen || !memcmp(w->path, path, dlen)))
		return walker_top(w);
	k = common_levels(w, path, dlen);
	walker_truncate(w, k);
	if (dlen + 1 > w->path_cap) {
		char *p = realloc(w->path, dlen + 1);

		if (!p)
			return vsl_error_set(err, ENOMEM, "walk '%s'", path);
		w->path = p;
		w->path_cap = dlen + 1;
	}
	memcpy(w->path, path, dlen);
	w->path[dlen] = '\0';
	fd = walk_from(w, walker_top(w), w->path, k ? w->ends[k - 1] : 0, create, keep_level,
		       err);
	if (fd >= 0 && fd != walker_top(w))
		w->deep_fd = fd; /* below the cached levels: kept until the next walk */
	if (fd >= 0)
		w->path_len = dlen;
	else /* the levels opened so far stay cached; the rest is not */
		walker_truncate(w, w->depth);
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
	/* an existing dir is the common case (mount points in an image), and a mkdir on it is
	 * not free: on overlayfs over FUSE it forces a LOOKUP round trip per component (EXCL) */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
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

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Fill buf with up to n data bytes (fewer only at the entry's end): count, or -1. */
static ssize_t read_full(struct vsl_tar_reader *rd, uint8_t *buf, size_t n, struct vsl_error *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = vsl_tar_reader_data(rd, buf + got, n - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/*
 * Stream the entry's data into fd. A whole buffer of zeros at a multiple of COPY_BUF becomes a
 * hole (seek, then a final ftruncate), so a big file of zeros in an image costs no disk in the
 * staging or extraction dir; readers see the same bytes. COPY_BUF is mksquashfs's block size,
 * so a file has holes exactly when mksquashfs finds all-zero blocks in it, which it records as
 * sparse only when the file is sparse on disk (st_blocks): the squashfs then does not depend on
 * the staging file system.
 */
static int write_data(struct vsl_fs_walker *w, int fd, const char *path,
		      struct vsl_tar_reader *rd, uint64_t *written, struct vsl_error *err)
{
	bool hole = false;
	ssize_t k;

	/* one buffer per walker: a fresh 128 KiB per file costs an mmap, page faults and a
	 * munmap each time */
	if (!w->buf && !(w->buf = malloc(COPY_BUF)))
		return vsl_error_set(err, ENOMEM, "write '%s'", path);
	while ((k = read_full(rd, w->buf, COPY_BUF, err)) > 0) {
		hole = (size_t)k == COPY_BUF && all_zero(w->buf, COPY_BUF);
		if (hole ? lseek(fd, k, SEEK_CUR) < 0 : vsl_fs_write_all(fd, w->buf, (size_t)k) < 0)
			return vsl_error_set(err, errno, "write '%s'", path);
		*written += (uint64_t)k;
	}
	if (k == 0 && hole && ftruncate(fd, (off_t)*written) < 0)
		return vsl_error_set(err, errno, "write '%s'", path);
	return k < 0 ? -1 : 0;
}

/* The result of one creation attempt: done (0), failed (-1, err set), or the name is taken. */
enum { MADE = 0, FAILED = -1, TAKEN = 1 };

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
		if (rc < 0 && errno == EEXIST)
			rc = TAKEN;
		else if (rc < 0)
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
			return MADE;
		if (errno == EEXIST)
			return TAKEN;
		if (errno == EPERM && kind != S_IFIFO) {
			out->skipped = true;
			return MADE;
		}
		return vsl_error_set(err, errno, "mknod");
	}
	/* the unprivileged builder: the name stays, the metadata table says what it is */
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? TAKEN : vsl_error_set(err, errno, "create placeholder");
	close(fd);
	out->placeholder = true;
	return MADE;
}

/* Clear the way for a new entry at parent/base, which is taken. */
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

/* One attempt at creating e at parent/base: MADE, FAILED or TAKEN (the name exists). */
static int make_once(struct vsl_fs_walker *w, const struct vsl_tar_entry *e,
		     const char *link_path, mode_t file_mode, mode_t dir_mode, unsigned flags,
		     struct vsl_fs_made *out, struct vsl_error *err)
{
	int parent = out->parentfd;
	const char *base = out->base;

	switch (e->type) {
	case VSL_TAR_REG:
		out->fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 file_mode);
		if (out->fd < 0)
			return errno == EEXIST ? TAKEN : vsl_error_set(err, errno, "create");
		return MADE;
	case VSL_TAR_DIR:
		if (!out->kept_dir && mkdirat(parent, base, dir_mode) < 0)
			return errno == EEXIST ? TAKEN : vsl_error_set(err, errno, "mkdir");
		if (flags & VSL_FS_NO_DIR_FD)
			return MADE;
		out->fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out->fd < 0)
			return vsl_error_set(err, errno, "open directory");
		return MADE;
	case VSL_TAR_SYMLINK:
		if (symlinkat(e->linkname, parent, base) < 0)
			return errno == EEXIST ? TAKEN : vsl_error_set(err, errno, "symlink");
		return MADE;
	case VSL_TAR_HARDLINK:
		return make_hardlink(w, link_path, parent, base, err);
	case VSL_TAR_CHR:
	case VSL_TAR_BLK:
	case VSL_TAR_FIFO:
		return make_special(e, parent, base, flags, out, err);
	}
	return vsl_error_set(err, EINVAL, "unknown entry type %d", (int)e->type);
}

/* Create first and look only when the name is taken: most names in an archive are new. */
static int make_at(struct vsl_fs_walker *w, const struct vsl_tar_entry *e, const char *path,
		   const char *link_path, mode_t file_mode, mode_t dir_mode, unsigned flags,
		   struct vsl_tar_reader *rd, struct vsl_fs_made *out, struct vsl_error *err)
{
	int rc = make_once(w, e, link_path, file_mode, dir_mode, flags, out, err);

	if (rc == TAKEN) {
		if (make_room(out->parentfd, out->base, e, out, err) < 0)
			return -1;
		rc = make_once(w, e, link_path, file_mode, dir_mode, flags, out, err);
		/* only a concurrent writer could take the name again; we have none */
		if (rc == TAKEN)
			return vsl_error_set(err, EEXIST, "create");
	}
	if (rc < 0)
		return -1;
	if (e->type == VSL_TAR_REG)
		return write_data(w, out->fd, path, rd, &out->written, err);
	return 0;
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
