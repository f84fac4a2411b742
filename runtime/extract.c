/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacks the tar.zst section (see extract.h). One pass over the compressed bytes: pread,
 * sha256, zstd, tar, with the builder's safety rules from common/fsutil.c. When anything fails
 * the rest of the section is still hashed, so a damaged file is reported as such ("corrupt
 * payload") instead of as whatever tar error the damage happened to cause.
 */
#define _GNU_SOURCE
#include "extract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zstd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "sha256.h"
#include "tar.h"

#define IN_BUF (256u * 1024u)
#define MARKER_FMT "vessel-extract 1 %s\n"

struct src {
	int fd;
	uint64_t off, len, pos; /* pos: section bytes read so far */
	bool hash;
	struct vsl_sha256 sha;
	uint8_t *in;
	size_t in_len, in_pos;
	ZSTD_DStream *zd;
	size_t zlast; /* last ZSTD_decompressStream answer that made progress; 0 = frame end */
};

/* Read the next chunk of the section; hashed as it arrives. */
static int refill(struct src *s, struct vsl_error *err)
{
	size_t want = s->len - s->pos < IN_BUF ? (size_t)(s->len - s->pos) : IN_BUF;
	ssize_t k;

	s->in_len = s->in_pos = 0;
	if (!want)
		return 0;
	do
		k = pread(s->fd, s->in, want, (off_t)(s->off + s->pos));
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return vsl_error_set(err, errno, "read payload at offset %" PRIu64,
				     s->off + s->pos);
	if (k == 0)
		return vsl_error_set(err, 0, "payload ends early at offset %" PRIu64 " (the file "
				     "is truncated; rebuild it)", s->off + s->pos);
	if (s->hash)
		vsl_sha256_update(&s->sha, s->in, (size_t)k);
	s->pos += (uint64_t)k;
	s->in_len = (size_t)k;
	return 0;
}

static ssize_t src_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct src *s = ctx;

	for (;;) {
		ZSTD_outBuffer out = { buf, n, 0 };
		ZSTD_inBuffer in;
		size_t r;

		if (s->in_pos == s->in_len && s->pos < s->len && refill(s, err) < 0)
			return -1;
		in = (ZSTD_inBuffer){ s->in, s->in_len, s->in_pos };
		r = ZSTD_decompressStream(s->zd, &out, &in);
		if (ZSTD_isError(r))
			return vsl_error_set(err, 0, "payload: zstd: %s", ZSTD_getErrorName(r));
		if (out.pos || in.pos != s->in_pos)
			s->zlast = r;
		s->in_pos = in.pos;
		if (out.pos)
			return (ssize_t)out.pos;
		if (s->in_pos == s->in_len && s->pos == s->len && s->zlast)
			return vsl_error_set(err, 0, "payload: zstd data is truncated");
		if (s->in_pos == s->in_len && s->pos == s->len)
			return 0;
	}
}

/* Hash what was not read yet and compare. 0 if it matches (or nothing to check). */
static int verify(struct src *s, const uint8_t want[32], struct vsl_error *err)
{
	uint8_t got[32];

	if (!s->hash)
		return 0;
	while (s->pos < s->len)
		if (refill(s, err) < 0)
			return -1;
	vsl_sha256_final(&s->sha, got);
	s->hash = false;
	if (memcmp(got, want, 32))
		return vsl_error_set(err, 0, "corrupt payload: the tar.zst section at offset %"
				     PRIu64 " does not match its sha256; rebuild the file", s->off);
	return 0;
}

struct dirmeta {
	char *path;
	uint32_t mode;
	int64_t mtime;
};

struct ex {
	struct vsl_fs_walker walker;
	unsigned flags;
	struct dirmeta *dirs;
	size_t ndirs, cap;
};

static void restore_owner(struct ex *x, const struct vsl_tar_entry *e,
			  const struct vsl_fs_made *m, const char *path)
{
	int rc;

	if (x->flags & VSL_EXTRACT_NO_CHOWN)
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

static void restore_xattrs(struct ex *x, const struct vsl_tar_entry *e, int fd, const char *path)
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

static int defer_dir(struct ex *x, const char *path, const struct vsl_tar_entry *e,
		     struct vsl_error *err)
{
	if (x->ndirs == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct dirmeta *d = realloc(x->dirs, cap * sizeof(*d));

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

/* Modes, xattrs and times once the object exists (ownership first: chown clears setuid). */
static int restore_meta(struct ex *x, const struct vsl_tar_entry *e, const struct vsl_fs_made *m,
			const char *path, struct vsl_error *err)
{
	struct timespec ts[2] = { { .tv_sec = e->mtime }, { .tv_sec = e->mtime } };

	restore_owner(x, e, m, path);
	if (e->type == VSL_TAR_DIR) {
		restore_xattrs(x, e, m->fd, path);
		return defer_dir(x, path, e, err);
	}
	if (e->type == VSL_TAR_REG) {
		if (fchmod(m->fd, e->mode) < 0)
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

static int apply(struct ex *x, const struct vsl_tar_entry *e, struct vsl_tar_reader *rd,
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
	    (x->flags & VSL_EXTRACT_NO_DEVICES))
		return 0;
	if (vsl_fs_make_entry(&x->walker, e, path, link, 0600, 0700, VSL_FS_SPECIAL, rd, &m,
			      err) < 0)
		return -1;
	if (m.skipped) {
		vsl_debug("extract: '%s': device node %u:%u left out (no privilege)", path,
			  e->devmajor, e->devminor);
		rc = 0;
	} else if (e->type == VSL_TAR_HARDLINK) {
		rc = 0; /* the inode already has its attributes */
	} else {
		rc = restore_meta(x, e, &m, path, err);
	}
	vsl_fs_made_release(&m);
	return rc;
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct dirmeta *)a)->path, ((const struct dirmeta *)b)->path);
}

/* Directory modes and times last, deepest first, so a 0555 directory could still be filled
 * and adding entries did not move the mtimes again. */
static int finish_dirs(struct ex *x, struct vsl_error *err)
{
	qsort(x->dirs, x->ndirs, sizeof(*x->dirs), cmp_dir);
	for (size_t i = x->ndirs; i-- > 0;) {
		const struct dirmeta *d = &x->dirs[i];
		struct timespec ts[2] = { { .tv_sec = d->mtime }, { .tv_sec = d->mtime } };
		cleanup_close int fd = vsl_fs_open_dir(&x->walker, d->path, err);

		if (fd < 0)
			return vsl_error_wrap(err, "extract: directory '%s'", d->path);
		if (fchmod(fd, d->mode) < 0 || futimens(fd, ts) < 0)
			return vsl_error_set(err, errno, "extract: directory '%s'", d->path);
	}
	return 0;
}

static int extract_entries(struct src *s, int destfd, unsigned flags, struct vsl_error *err)
{
	struct vsl_tar_reader *rd = malloc(sizeof(*rd));
	struct ex x = { .flags = flags };
	struct vsl_tar_entry e;
	int rc;

	if (!rd)
		return vsl_error_set(err, ENOMEM, "extract");
	vsl_fs_walker_init(&x.walker, destfd, 0755);
	vsl_tar_reader_init(rd, src_read, s);
	while ((rc = vsl_tar_reader_next(rd, &e, err)) > 0) {
		if (apply(&x, &e, rd, err) < 0) {
			rc = vsl_error_wrap(err, "extract: entry '%s'", e.path);
			break;
		}
	}
	if (rc == 0)
		rc = finish_dirs(&x, err);
	for (size_t i = 0; i < x.ndirs; i++)
		free(x.dirs[i].path);
	free(x.dirs);
	vsl_tar_reader_fini(rd);
	free(rd);
	vsl_fs_walker_fini(&x.walker);
	return rc < 0 ? -1 : 0;
}

int vsl_extract_tarzst(int fd, uint64_t off, uint64_t len, int destfd, unsigned flags,
		       const uint8_t sha256[32], struct vsl_error *err)
{
	struct src s = { .fd = fd, .off = off, .len = len, .hash = sha256 != NULL, .zlast = 1 };
	int rc = -1;

	s.in = malloc(IN_BUF);
	s.zd = ZSTD_createDStream();
	if (!s.in || !s.zd) {
		vsl_error_set(err, ENOMEM, "extract");
		goto out;
	}
	if (s.hash)
		vsl_sha256_init(&s.sha);
	rc = extract_entries(&s, destfd, flags, err);
	if (s.hash) {
		struct vsl_error verr = { 0 };

		/* a damaged payload explains any error it caused: report that instead */
		if (verify(&s, sha256, &verr) < 0) {
			vsl_error_release(err);
			if (err)
				*err = verr;
			else
				vsl_error_release(&verr);
			rc = -1;
		}
	}
out:
	ZSTD_freeDStream(s.zd);
	free(s.in);
	return rc;
}

/* Whether dir <hex> holds a finished extraction of this very section. */
static bool cache_complete(int cachefd, const char *hex)
{
	char want[128], got[128];
	cleanup_close int dfd = openat(cachefd, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				       O_CLOEXEC);
	cleanup_close int fd = -1;
	ssize_t k;

	if (dfd < 0)
		return false;
	fd = openat(dfd, "complete", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	snprintf(want, sizeof(want), MARKER_FMT, hex);
	k = read(fd, got, sizeof(got));
	return k == (ssize_t)strlen(want) && !memcmp(got, want, (size_t)k);
}

/* Under the lock: whatever is left of <hex> or <hex>.tmp.* is from a run that died. */
static int remove_leftovers(int cachefd, const char *hex, struct vsl_error *err)
{
	char prefix[80];
	int dfd = dup(cachefd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return vsl_error_set(err, errno, "read the cache directory");
	}
	snprintf(prefix, sizeof(prefix), "%s.tmp.", hex);
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, hex) && strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		vsl_debug("extract: removing leftover %s", de->d_name);
		rc = vsl_fs_rmtree_at(cachefd, de->d_name, err);
	}
	closedir(d);
	return rc;
}

/* Extract into <hex>.tmp.<pid>, mark it complete, rename it to <hex>. */
static int extract_into_cache(int fd, const struct vsl_section *sec, int cachefd, const char *hex,
			      struct vsl_error *err)
{
	char tmp[96], marker[128];
	cleanup_close int tfd = -1;
	cleanup_close int rfd = -1;
	cleanup_close int mfd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", hex, (long)getpid());
	if (mkdirat(cachefd, tmp, 0700) < 0)
		return vsl_error_set(err, errno, "mkdir %s in the cache", tmp);
	tfd = openat(cachefd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0 || mkdirat(tfd, "rootfs", 0700) < 0 ||
	    (rfd = openat(tfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		vsl_error_set(err, errno, "create %s/rootfs in the cache", tmp);
		goto fail;
	}
	if (vsl_extract_tarzst(fd, sec->offset, sec->length, rfd, 0, sec->sha256, err) < 0)
		goto fail;
	snprintf(marker, sizeof(marker), MARKER_FMT, hex);
	mfd = openat(tfd, "complete", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (mfd < 0 || vsl_fs_write_all(mfd, marker, strlen(marker)) < 0 ||
	    renameat(cachefd, tmp, cachefd, hex) < 0) {
		vsl_error_set(err, errno, "finish %s in the cache", tmp);
		goto fail;
	}
	return 0;
fail:
	vsl_fs_rmtree_at(cachefd, tmp, NULL);
	return -1;
}

char *vsl_extract_cached(int fd, const struct vsl_section *sec, const char *cache_root,
			 struct vsl_error *err)
{
	char hex[65], lock[80];
	cleanup_close int cachefd = -1;
	cleanup_close int lockfd = -1;
	char *path = NULL;

	vsl_sha256_hex(sec->sha256, hex);
	if (vsl_fs_mkdir_p(cache_root, 0700, err) < 0)
		goto fail;
	cachefd = open(cache_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(lock, sizeof(lock), "%s.lock", hex);
	if (cachefd < 0 || (lockfd = openat(cachefd, lock, O_RDWR | O_CREAT | O_NOFOLLOW |
					    O_CLOEXEC, 0600)) < 0) {
		vsl_error_set(err, errno, "open the cache lock %s/%s", cache_root, lock);
		goto fail;
	}
	/* held until we return: another run with the same file waits, then reuses our work */
	while (flock(lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			vsl_error_set(err, errno, "lock %s/%s", cache_root, lock);
			goto fail;
		}
	}
	if (asprintf(&path, "%s/%s/rootfs", cache_root, hex) < 0) {
		path = NULL;
		vsl_error_set(err, ENOMEM, "extract");
		goto fail;
	}
	if (cache_complete(cachefd, hex)) {
		vsl_debug("extract: reusing cache %s", path);
		return path;
	}
	if (remove_leftovers(cachefd, hex, err) < 0 ||
	    extract_into_cache(fd, sec, cachefd, hex, err) < 0)
		goto fail;
	vsl_debug("extract: extracted %.12s into %s", hex, path);
	return path;
fail:
	free(path);
	vsl_error_wrap(err, "extract the image into the cache %s", cache_root);
	return NULL;
}
