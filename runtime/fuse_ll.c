/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE lowlevel binding over the SquashFS core (runtime/sqfs), and the server's main
 * (vsl_fuse_serve). FUSE node ids are squashfs inode numbers with the root swapped to 1
 * (vsl_sqfs_ino_fuse), so there is no per-node state and forget has nothing to do. The image is
 * immutable: entries, attributes and negative lookups are cached by the kernel "forever", and
 * page-cache contents are kept across opens. Where the kernel allows, OPEN and OPENDIR are
 * answered "not needed" once (zero-message opens), after which the kernel sends no OPEN,
 * OPENDIR, RELEASE or RELEASEDIR at all; READ then finds the file's block index by inode
 * number (fuse_files.c) and READDIR loads the directory's inode itself.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include "fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuse_files.h"
#include "fuse_warm.h"
#include "log.h"
#include "sqfs/sqfs.h"

/* Nothing in the image ever changes: let the kernel keep what it learned for a year. */
#define FOREVER (365.0 * 24 * 3600)
#define MAX_THREADS 4
/* Spans of one read: the kernel asks for at most 1 MiB (256 pages), 4 KiB blocks at least. */
#define SPANS_MAX ((1u << 20) / 4096 + 2)

struct server {
	struct vsl_sqfs *fs;
	struct vsl_fuse_files *files;
	int fd;
	uint32_t block_size;
	const struct vsl_idmap *uids, *gids;
	bool xattrs;		  /* the image has any */
	bool open_messages;	  /* vsl_fuse_config's */
	bool no_open, no_opendir; /* the kernel takes "no open needed" (set by init) */
};

/*
 * The caches' arenas (see vsl_sqfs_options), on transparent huge pages where the kernel gives
 * them (THP "always" or "madvise"): a cold start decompresses every block into fresh memory,
 * and one fault per 4 KiB page cost more than the decompression itself (measured: 16 blocks of
 * busybox, 10.8 ms on 4 KiB pages, 2.6 ms on huge pages). The region is rounded to, and aligned
 * on, 2 MiB; without THP it is plain anonymous memory, faulted page by page as before. An arena
 * under two huge pages (the metadata cache's 2 MiB) stays on malloc: it fills a few 8 KiB blocks
 * per start, and a huge page there was one more 2 MiB to clear before the server could answer.
 */
#define HUGE_SIZE (2ul << 20)

static size_t arena_span(size_t size)
{
	return (size + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

static void *arena_map(size_t size)
{
	size_t span = arena_span(size);
	uint8_t *p, *a;

	if (size < 2 * HUGE_SIZE)
		return malloc(size);
	p = mmap(NULL, span + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	/* give back the slack on both sides; what stays starts and ends on 2 MiB boundaries */
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + span < p + span + HUGE_SIZE)
		munmap(a + span, (size_t)(p + span + HUGE_SIZE - (a + span)));
	madvise(a, span, MADV_HUGEPAGE); /* EINVAL without THP: 4 KiB pages then */
	return a;
}

static void arena_unmap(void *p, size_t size)
{
	if (size < 2 * HUGE_SIZE)
		free(p);
	else
		munmap(p, arena_span(size));
}

static int pread_full(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct server *s = ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(s->fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	return 0;
}

/*
 * A reply buffer per worker thread that only grows. The kernel sizes a READDIR by the reader's
 * getdents buffer, which glibc makes st_blksize (our block size, 128 KiB) large: a malloc that
 * size is an mmap + munmap pair in musl, whose TLB shootdown across the worker threads cost more
 * than the reply itself. libfuse never ends its workers before the session, so nothing leaks.
 */
static void *thread_buf(size_t size)
{
	static __thread char *buf;
	static __thread size_t cap;

	if (size > cap) {
		char *p = realloc(buf, size ? size : 1);

		if (!p)
			return NULL;
		buf = p;
		cap = size;
	}
	return buf;
}

/*
 * Reply with -r. The expected misses (ENOENT, ENODATA, ERANGE) carry no message. A corrupt
 * image does: the first one is worth a warning on the stub's stderr, because the container only
 * sees EIO and nothing else would tell the user that the file itself is damaged; later ones go
 * to the debug log only, so a damaged block read again and again does not flood the terminal.
 */
static void reply_err(fuse_req_t req, int r, struct vsl_error *err)
{
	static int warned;

	if (err->msg && r == -EIO && !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		vsl_warn("this file's squashfs section is damaged, the container reads I/O errors "
			 "(%s); copy or build the file again",
			 err->msg);
	else if (err->msg)
		vsl_debug("fuse: %s", err->msg);
	vsl_error_release(err);
	fuse_reply_err(req, r < 0 ? -r : EIO);
}

static void fill_stat(const struct server *s, const struct vsl_sqfs_inode *in, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = vsl_sqfs_ino_fuse(s->fs, in->ino);
	st->st_mode = in->mode;
	st->st_nlink = in->nlink;
	st->st_uid = vsl_fuse_owner(s->uids, in->uid);
	st->st_gid = vsl_fuse_owner(s->gids, in->gid);
	st->st_size = (off_t)in->size;
	st->st_blksize = s->block_size;
	st->st_blocks = (blkcnt_t)((in->size + 511) / 512);
	st->st_rdev = makedev(in->rdev_major, in->rdev_minor);
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = in->mtime;
}

static void fill_entry(const struct server *s, const struct vsl_sqfs_inode *in,
		       struct fuse_entry_param *e)
{
	memset(e, 0, sizeof *e);
	fill_stat(s, in, &e->attr);
	e->ino = e->attr.st_ino;
	e->attr_timeout = e->entry_timeout = FOREVER;
}

static int get_inode(struct server *s, fuse_ino_t ino, struct vsl_sqfs_inode *out,
		     struct vsl_error *err)
{
	return vsl_sqfs_inode_get(s->fs, vsl_sqfs_ino_fuse(s->fs, ino), out, err);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode dir, in;
	struct fuse_entry_param e;
	struct vsl_error err = { 0 };
	int r = get_inode(s, parent, &dir, &err);

	if (r == 0)
		r = vsl_sqfs_lookup(s->fs, &dir, name, strlen(name), &in, &err);
	if (r == -ENOENT) {
		/* a negative entry (ino 0) that the kernel may cache as long as a positive one */
		memset(&e, 0, sizeof e);
		e.entry_timeout = FOREVER;
		fuse_reply_entry(req, &e);
		return;
	}
	if (r < 0) {
		reply_err(req, r, &err);
		return;
	}
	fill_entry(s, &in, &e);
	fuse_reply_entry(req, &e);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	struct stat st;
	int r = get_inode(s, ino, &in, &err);

	(void)fi;
	if (r < 0) {
		reply_err(req, r, &err);
		return;
	}
	fill_stat(s, &in, &st);
	fuse_reply_attr(req, &st, FOREVER);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	char buf[VSL_SQFS_SYMLINK_MAX + 1];
	ssize_t r = get_inode(s, ino, &in, &err);

	if (r == 0)
		r = vsl_sqfs_readlink(s->fs, &in, buf, sizeof buf, &err);
	if (r < 0) {
		reply_err(req, (int)r, &err);
		return;
	}
	fuse_reply_readlink(req, buf);
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct server *s = userdata;

	s->no_open = !s->open_messages && (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT);
	s->no_opendir = !s->open_messages && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* symlink targets in the page cache: a start follows /bin/sh, /lib64 and friends */
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	vsl_debug("fuse: kernel protocol 7.%u, zero-message open %s, opendir %s", conn->proto_minor,
		  s->no_open ? "yes" : "no", s->no_opendir ? "yes" : "no");
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode *in;
	struct vsl_error err = { 0 };
	int r;

	/* the kernel then keeps every listing cached (FOPEN_CACHE_DIR) and never asks again */
	if (s->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	in = malloc(sizeof *in);
	r = in ? get_inode(s, ino, in, &err) : -ENOMEM;

	if (r == 0 && !S_ISDIR(in->mode))
		r = -ENOTDIR;
	if (r < 0) {
		free(in);
		reply_err(req, r, &err);
		return;
	}
	fi->fh = (uintptr_t)in;
	fi->keep_cache = 1;
	fi->cache_readdir = 1;
	if (fuse_reply_open(req, fi) < 0)
		free(in);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	free((void *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

struct dirbuf {
	fuse_req_t req;
	struct server *s;
	char *buf;
	size_t size, used;
	bool plus;
};

static int add_plus(struct dirbuf *d, const struct vsl_sqfs_dirent *e)
{
	struct fuse_entry_param ep;
	struct vsl_sqfs_inode in;
	size_t n;

	if (e->ref == 0) {
		/* "." and "..": the kernel takes no reference on them; ino 0 says "no entry" */
		memset(&ep, 0, sizeof ep);
		ep.attr.st_ino = vsl_sqfs_ino_fuse(d->s->fs, e->ino);
		ep.attr.st_mode = e->type;
	} else {
		int r = vsl_sqfs_inode_by_ref(d->s->fs, e->ref, &in, NULL);

		if (r < 0)
			return r;
		fill_entry(d->s, &in, &ep);
	}
	n = fuse_add_direntry_plus(d->req, d->buf + d->used, d->size - d->used, e->name, &ep,
				   (off_t)e->next);
	if (n > d->size - d->used)
		return 1;
	d->used += n;
	return 0;
}

static int add_entry(void *ctx, const struct vsl_sqfs_dirent *e)
{
	struct dirbuf *d = ctx;
	struct stat st;
	size_t n;

	if (d->plus)
		return add_plus(d, e);
	memset(&st, 0, sizeof st);
	st.st_ino = vsl_sqfs_ino_fuse(d->s->fs, e->ino);
	st.st_mode = e->type;
	n = fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, e->name, &st,
			      (off_t)e->next);
	if (n > d->size - d->used)
		return 1;
	d->used += n;
	return 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct dirbuf d = { req, fuse_req_userdata(req), thread_buf(size), size, 0, plus };
	const struct vsl_sqfs_inode *dir = (const void *)(uintptr_t)fi->fh;
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	int r = d.buf ? 0 : -ENOMEM;

	/* no OPENDIR (zero-message opendir): no handle, the inode is loaded here */
	if (r == 0 && !dir) {
		r = get_inode(d.s, ino, &in, &err);
		if (r == 0 && !S_ISDIR(in.mode))
			r = -ENOTDIR;
		dir = &in;
	}
	if (r == 0)
		r = vsl_sqfs_readdir(d.s->fs, dir, (uint64_t)off, VSL_SQFS_DOTS, add_entry, &d,
				     &err);
	/* an error after some entries: hand those over, the next call meets it again */
	if (r < 0 && d.used == 0)
		reply_err(req, r, &err);
	else
		fuse_reply_buf(req, d.buf, d.used);
	vsl_error_release(&err);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

/*
 * No handle either way: READ finds the file by inode number. With zero-message opens the first
 * OPEN is answered ENOSYS, which the kernel takes as success for it and every later one (and it
 * keeps the page cache, as keep_cache asks, since nothing can tell it otherwise).
 */
static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	int r;

	if (s->no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	r = get_inode(s, ino, &in, &err);
	if (r == 0 && !S_ISREG(in.mode))
		r = S_ISDIR(in.mode) ? -EISDIR : -EINVAL;
	if (r == 0 && (fi->flags & O_ACCMODE) != O_RDONLY)
		r = -EROFS;
	if (r < 0) {
		reply_err(req, r, &err);
		return;
	}
	fi->fh = 0;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* A read too large for the spans below (not sent by the kernels we know): copy it. */
static void read_copy(fuse_req_t req, struct server *s, const struct vsl_sqfs_file *f, size_t size,
		      off_t off)
{
	struct vsl_error err = { 0 };
	char *buf = thread_buf(size);
	ssize_t r;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r = vsl_sqfs_file_read(s->fs, f, buf, size, (uint64_t)off, &err);
	if (r < 0)
		reply_err(req, (int)r, &err);
	else
		fuse_reply_buf(req, buf, (size_t)r);
}

/* Reply with the spans: the reply points straight into the data cache (pinned for the writev),
 * so a read costs no buffer and no copy in the server; a sparse block points at zeros. */
static void read_spans(fuse_req_t req, struct server *s, const struct vsl_sqfs_file *f, size_t size,
		       off_t off)
{
	struct vsl_sqfs_span v[SPANS_MAX];
	struct iovec iov[SPANS_MAX];
	struct vsl_error err = { 0 };
	ssize_t k = vsl_sqfs_file_spans(s->fs, f, (uint64_t)off, size, v, SPANS_MAX, &err);

	if (k < 0) {
		reply_err(req, (int)k, &err);
		return;
	}
	for (ssize_t i = 0; i < k; i++) {
		iov[i].iov_base = (void *)(uintptr_t)v[i].data;
		iov[i].iov_len = v[i].len;
	}
	fuse_reply_iov(req, iov, (int)k);
	vsl_sqfs_spans_release(s->fs, v, (size_t)k);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_fuse_file_ref ref;
	struct vsl_error err = { 0 };
	int r = vsl_fuse_files_get(s->files, vsl_sqfs_ino_fuse(s->fs, ino), &ref, &err);

	(void)fi;
	if (r < 0) {
		reply_err(req, r, &err);
		return;
	}
	if (size / s->block_size + 2 > SPANS_MAX)
		read_copy(req, s, ref.file, size, off);
	else
		read_spans(req, s, ref.file, size, off);
	vsl_fuse_files_put(s->files, &ref);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_statfs sq;
	struct statvfs st;

	(void)ino;
	vsl_sqfs_statfs(s->fs, &sq);
	memset(&st, 0, sizeof st);
	st.f_bsize = st.f_frsize = sq.block_size;
	st.f_blocks = (sq.bytes_used + sq.block_size - 1) / sq.block_size;
	st.f_files = sq.inodes;
	st.f_namemax = VSL_SQFS_NAME_MAX;
	fuse_reply_statfs(req, &st);
}

/*
 * size 0 asks for the size; the core follows the same convention. An image without xattrs
 * answers ENOSYS, after which the kernel asks no more (and says EOPNOTSUPP itself): overlayfs
 * looks up several user.overlay.* names on every lower directory it meets, and each of those
 * would be a round trip for an ENODATA.
 */
static void reply_xattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct server *s = fuse_req_userdata(req);
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	char *buf = size ? thread_buf(size) : NULL;
	ssize_t r;

	if (!s->xattrs) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	r = size && !buf ? -ENOMEM : get_inode(s, ino, &in, &err);

	if (r == 0)
		r = name ? vsl_sqfs_getxattr(s->fs, &in, name, buf, size, &err)
			 : vsl_sqfs_listxattr(s->fs, &in, buf, size, &err);
	if (r < 0)
		reply_err(req, (int)r, &err);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)r);
	else
		fuse_reply_buf(req, buf, (size_t)r);
}

static void ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	reply_xattr(req, ino, name, size);
}

static void ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	reply_xattr(req, ino, NULL, size);
}

static const struct fuse_lowlevel_ops ll_ops = {
	.init = ll_init,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.readlink = ll_readlink,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.readdirplus = ll_readdirplus,
	.releasedir = ll_releasedir,
	.open = ll_open,
	.read = ll_read,
	.release = ll_release,
	.statfs = ll_statfs,
	.getxattr = ll_getxattr,
	.listxattr = ll_listxattr,
};

static void report(int fd, int errnum, const char *text)
{
	struct vsl_fuse_ready m;

	memset(&m, 0, sizeof m);
	m.errnum = errnum;
	snprintf(m.text, sizeof m.text, "%s", text);
	if (write(fd, &m, sizeof m) != (ssize_t)sizeof m) {
		/* the parent is gone: PR_SET_PDEATHSIG ends us */
	}
	close(fd);
}

/* Three quarters of the data cache (a glibc program: the program, ld.so and libc.so.6 are about
 * 20 blocks); the rest stays for whatever else the start reads. */
#define WARM_BLOCKS 24

struct warm {
	struct vsl_sqfs *fs;
	char *cmd, *path, *mnt;
};

/*
 * After a file is decompressed: have the kernel read it ahead through our own mount, so that
 * its page cache is full when the container execs it. Our other threads answer those READs,
 * while the stub is still making the overlay and the container (the kernel's readahead(2) is
 * asynchronous). Without this each page fault of the exec is a READ round trip at that moment:
 * 35 of them for dash + ld.so + libc.so.6. The overlay shares the lower file's page cache.
 */
#define READAHEAD_STEP (128u << 10)

static void warm_touch(void *ctx, const char *path, uint64_t size)
{
	const struct warm *w = ctx;
	char full[4096 + 64];
	int fd;

	if (!w->mnt || snprintf(full, sizeof full, "%s%s", w->mnt, path) >= (int)sizeof full)
		return;
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	/* the kernel reads ahead at most its window (128 KiB for FUSE) per call */
	for (uint64_t off = 0; off < size; off += READAHEAD_STEP)
		if (readahead(fd, (off_t)off, READAHEAD_STEP) < 0)
			break;
	close(fd);
}

static void *warm_main(void *arg)
{
	struct warm *w = arg;
	struct vsl_fuse_warm_touch t = { warm_touch, w };

	vsl_fuse_warm(w->fs, w->cmd, w->path, WARM_BLOCKS, &t);
	free(w->cmd);
	free(w->path);
	free(w->mnt);
	free(w);
	return NULL;
}

/* A detached thread warms the cache while the loop serves; failing to start it costs nothing. */
static void start_warm(struct server *s, const struct vsl_fuse_config *cfg, const char *mountpoint)
{
	struct warm *w = cfg->warm_cmd ? calloc(1, sizeof *w) : NULL;
	pthread_attr_t attr;
	pthread_t t;

	if (!w)
		return;
	w->fs = s->fs;
	w->cmd = strdup(cfg->warm_cmd);
	w->path = cfg->warm_path ? strdup(cfg->warm_path) : NULL;
	w->mnt = mountpoint ? strdup(mountpoint) : NULL;
	if (w->cmd && pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		/* vsl_fuse_warm keeps a few path buffers on the stack: musl's default is 128 KiB */
		pthread_attr_setstacksize(&attr, 256u << 10);
		if (pthread_create(&t, &attr, warm_main, w) == 0)
			w = NULL;
		pthread_attr_destroy(&attr);
	}
	if (w) {
		free(w->cmd);
		free(w->path);
		free(w->mnt);
		free(w);
	}
}

static int serve_session(struct server *s, int devfd, int ready_fd)
{
	char *argv[] = { "vessel-fuse", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_loop_config *lc;
	struct fuse_session *se;
	char mnt[32];
	int r;

	se = fuse_session_new(&args, &ll_ops, sizeof ll_ops, s);
	snprintf(mnt, sizeof mnt, "/dev/fd/%d", devfd);
	/* "/dev/fd/N" makes libfuse adopt the fd we mounted instead of mounting itself */
	if (!se || fuse_session_mount(se, mnt) < 0) {
		report(ready_fd, EIO, "fuse_session_new/mount on the mounted /dev/fuse failed");
		return 1;
	}
	lc = fuse_loop_cfg_create();
	if (!lc) {
		report(ready_fd, ENOMEM, "fuse_loop_cfg_create");
		return 1;
	}
	fuse_loop_cfg_set_max_threads(lc, MAX_THREADS);
	report(ready_fd, 0, "");
	/* returns 0 when the mount goes away (the kernel answers ENODEV) */
	r = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	fuse_session_destroy(se);
	return r == 0 ? 0 : 1;
}

int vsl_fuse_serve(int devfd, const char *mountpoint, const struct vsl_fuse_config *cfg,
		   int ready_fd)
{
	struct server s = { .fd = cfg->payload_fd,
			    .uids = cfg->uids,
			    .gids = cfg->gids,
			    .open_messages = cfg->open_messages };
	struct vsl_sqfs_source src = { pread_full, &s, cfg->offset, cfg->size };
	struct vsl_error err = { 0 };
	struct vsl_sqfs_options opt = { .arena_alloc = arena_map, .arena_free = arena_unmap };
	struct vsl_sqfs_statfs st;
	int r;

	if (vsl_sqfs_open(&s.fs, &src, &opt, &err) < 0) {
		char text[sizeof(((struct vsl_fuse_ready *)0)->text)];

		/* a refusal by the superblock checks means a damaged file: say how to get out */
		snprintf(text, sizeof text, "the squashfs section: %s%s",
			 err.msg ? err.msg : "corrupt",
			 err.errnum == EIO ? " (the file is damaged: copy or build it again)" : "");
		report(ready_fd, err.errnum ? err.errnum : EIO, text);
		vsl_error_release(&err);
		return 1;
	}
	vsl_sqfs_statfs(s.fs, &st);
	s.block_size = st.block_size;
	s.xattrs = st.xattr_ids > 0;
	s.files = vsl_fuse_files_new(s.fs, 0);
	if (!s.files) {
		report(ready_fd, ENOMEM, "the FUSE server's file table");
		vsl_sqfs_close(s.fs);
		return 1;
	}
	start_warm(&s, cfg, mountpoint);
	r = serve_session(&s, devfd, ready_fd);
	vsl_fuse_files_free(s.files);
	vsl_sqfs_close(s.fs);
	return r;
}
