/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacks the tar.zst section (see extract.h). One pass over the compressed bytes, in three
 * threads: pread+sha256, zstd, then tar entries onto disk through extract_tree.c (the
 * builder's safety rules from common/fsutil.c, and the syscall diet noted there). When
 * anything fails the rest of the section is still hashed, so a damaged file is reported as
 * such ("corrupt payload") instead of as whatever tar error the damage happened to cause.
 */
#define _GNU_SOURCE
#include "extract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "cleanup.h"
#include "extract_tree.h"
#include "fsutil.h"
#include "log.h"
#include "sha256.h"
#include "tar.h"

#define MARKER_FMT "vessel-extract 1 %s\n"
/* Ring slots between the threads: compressed chunks, then decompressed data. */
#define SLOTS 4u
#define IN_SLOT (256u * 1024u)
#define OUT_SLOT (512u * 1024u)
#define STAGE_STACK (256u * 1024u)

/* The section as it is read: position, and the hash of what was read so far. */
struct src {
	int fd;
	uint64_t off, len, pos;
	bool hash;
	struct vsl_sha256 sha;
};

/* Read (and hash) the next up to n bytes of the section into buf: a count, 0 at its end, -1. */
static ssize_t read_chunk(struct src *s, uint8_t *buf, size_t n, struct vsl_error *err)
{
	ssize_t k;

	if ((uint64_t)n > s->len - s->pos)
		n = (size_t)(s->len - s->pos);
	if (!n)
		return 0;
	do
		k = pread(s->fd, buf, n, (off_t)(s->off + s->pos));
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return vsl_error_set(err, errno, "read payload at offset %" PRIu64,
				     s->off + s->pos);
	if (k == 0)
		return vsl_error_set(err, 0, "payload ends early at offset %" PRIu64 " (the file "
				     "is truncated; rebuild it)", s->off + s->pos);
	if (s->hash)
		vsl_sha256_update(&s->sha, buf, (size_t)k);
	s->pos += (uint64_t)k;
	return k;
}

/* Hash what was not read yet (buf: IN_SLOT bytes of scratch) and compare. 0 if it matches. */
static int verify(struct src *s, uint8_t *buf, const uint8_t want[32], struct vsl_error *err)
{
	uint8_t got[32];

	if (!s->hash)
		return 0;
	while (s->pos < s->len)
		if (read_chunk(s, buf, IN_SLOT, err) < 0)
			return -1;
	vsl_sha256_final(&s->sha, got);
	s->hash = false;
	if (memcmp(got, want, 32))
		return vsl_error_set(err, 0, "corrupt payload: the tar.zst section at offset %"
				     PRIu64 " does not match its sha256; rebuild the file", s->off);
	return 0;
}

/*
 * Three stages, each in its own thread where it can have one: read+hash, decompress, and the
 * caller's tar entries and file writes. Hashing and decompressing each cost about as much as
 * the writes on a fast file system, and `zstd -dc | tar -x` gets its overlap for free from two
 * processes. Stages hand data on through rings of SLOTS buffers: a slot belongs to the
 * producer while head - tail < SLOTS says it is free, and to the consumer once published. A
 * stage without a thread (pthread_create failed) runs inline in its consumer when that one
 * waits for data. One lock for both rings: they see a few hundred hand-overs per image.
 */
struct ring {
	uint8_t *data[SLOTS];
	size_t len[SLOTS];
	unsigned head, tail; /* slots published / released; head - tail <= SLOTS */
	bool end, failed;
	struct vsl_error err; /* the producer's failure, handed to the consumer */
};

enum { STAGE_READ, STAGE_UNZSTD, NSTAGES };

struct pipeline;
struct stage {
	struct pipeline *p;
	struct ring *ring; /* what the stage produces */
	int (*step)(struct pipeline *p, unsigned slot, struct vsl_error *err);
	bool threaded;
	pthread_t thread;
};

struct pipeline {
	struct src *src;
	ZSTD_DStream *zd;
	size_t zlast; /* last ZSTD_decompressStream answer that made progress; 0 = frame end */
	bool in_have; /* the decompressor is reading in-slot tail, at in_pos */
	bool in_end;  /* ... and has seen the end of the compressed data */
	size_t in_pos;
	bool out_have; /* the caller is reading out-slot tail, at out_pos */
	size_t out_pos;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct ring in, out;
	struct stage stage[NSTAGES];
};

/* Producer: the next free slot of r, or -1 once the pipeline stops. */
static int wait_free(struct pipeline *p, struct ring *r)
{
	int i;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && r->head - r->tail == SLOTS)
		pthread_cond_wait(&p->cv, &p->mu);
	i = p->stop ? -1 : (int)(r->head % SLOTS);
	pthread_mutex_unlock(&p->mu);
	return i;
}

/* Producer: slot i of r is filled; rc is the step's answer (1 more, 0 end, -1 failed). */
static void publish(struct pipeline *p, struct ring *r, unsigned i, int rc, struct vsl_error *err)
{
	pthread_mutex_lock(&p->mu);
	if (rc < 0) {
		r->failed = true;
		r->err = *err;
		*err = (struct vsl_error){ 0 };
	} else if (r->len[i]) {
		r->head++;
	}
	r->end = rc == 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *run_stage(void *arg)
{
	struct stage *st = arg;
	struct vsl_error err = { 0 };
	int i, rc;

	do {
		i = wait_free(st->p, st->ring);
		if (i < 0)
			break;
		rc = st->step(st->p, (unsigned)i, &err);
		publish(st->p, st->ring, (unsigned)i, rc, &err);
	} while (rc > 0);
	vsl_error_release(&err);
	return NULL;
}

/* Consumer: wait until slot tail of stage k's ring is published (1), the data ended or the
 * pipeline stopped (0), or the producer failed (-1, its error moved to err). */
static int wait_full(struct pipeline *p, unsigned k, struct vsl_error *err)
{
	struct stage *st = &p->stage[k];
	struct ring *r = st->ring;
	int rc;

	pthread_mutex_lock(&p->mu);
	while (!st->threaded && r->head == r->tail && !r->end && !r->failed && !p->stop) {
		struct vsl_error serr = { 0 };
		unsigned i = r->head % SLOTS;

		pthread_mutex_unlock(&p->mu);
		rc = st->step(p, i, &serr);
		publish(p, r, i, rc, &serr);
		pthread_mutex_lock(&p->mu);
	}
	while (r->head == r->tail && !r->end && !r->failed && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	rc = r->head != r->tail ? 1 : r->failed ? -1 : 0;
	if (rc < 0 && err && !err->msg) {
		*err = r->err;
		r->err = (struct vsl_error){ 0 };
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* Consumer: done with slot tail. */
static void release(struct pipeline *p, struct ring *r)
{
	pthread_mutex_lock(&p->mu);
	r->tail++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int read_step(struct pipeline *p, unsigned i, struct vsl_error *err)
{
	ssize_t k = read_chunk(p->src, p->in.data[i], IN_SLOT, err);

	p->in.len[i] = k > 0 ? (size_t)k : 0;
	return k < 0 ? -1 : p->src->pos < p->src->len;
}

/* Up to n decompressed bytes into buf: a count, 0 at the end of the data, or -1. */
static ssize_t decompress(struct pipeline *p, void *buf, size_t n, struct vsl_error *err)
{
	for (;;) {
		ZSTD_outBuffer out = { buf, n, 0 };
		ZSTD_inBuffer in = { NULL, 0, 0 };
		unsigned t = p->in.tail % SLOTS;
		size_t r;
		int rc;

		if (!p->in_have && !p->in_end) {
			rc = wait_full(p, STAGE_READ, err);
			if (rc < 0)
				return -1;
			p->in_have = rc > 0;
			p->in_end = rc == 0;
			p->in_pos = 0;
			t = p->in.tail % SLOTS;
		}
		if (p->in_have)
			in = (ZSTD_inBuffer){ p->in.data[t], p->in.len[t], p->in_pos };
		r = ZSTD_decompressStream(p->zd, &out, &in);
		if (ZSTD_isError(r))
			return vsl_error_set(err, 0, "payload: zstd: %s", ZSTD_getErrorName(r));
		if (out.pos || in.pos != p->in_pos)
			p->zlast = r;
		p->in_pos = in.pos;
		if (p->in_have && p->in_pos == p->in.len[t]) {
			release(p, &p->in);
			p->in_have = false;
		}
		if (out.pos)
			return (ssize_t)out.pos;
		if (p->in_end && p->zlast)
			return vsl_error_set(err, 0, "payload: zstd data is truncated");
		if (p->in_end)
			return 0;
	}
}

static int unzstd_step(struct pipeline *p, unsigned i, struct vsl_error *err)
{
	p->out.len[i] = 0;
	while (p->out.len[i] < OUT_SLOT) {
		ssize_t k = decompress(p, p->out.data[i] + p->out.len[i], OUT_SLOT - p->out.len[i],
				       err);

		if (k <= 0)
			return (int)k;
		p->out.len[i] += (size_t)k;
	}
	return 1;
}

/* The tar reader's callback: decompressed bytes, in order. */
static ssize_t pipe_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct pipeline *p = ctx;
	unsigned t;
	int rc;

	if (!p->out_have) {
		rc = wait_full(p, STAGE_UNZSTD, err);
		if (rc <= 0)
			return rc;
		p->out_have = true;
		p->out_pos = 0;
	}
	t = p->out.tail % SLOTS;
	if (n > p->out.len[t] - p->out_pos)
		n = p->out.len[t] - p->out_pos;
	memcpy(buf, p->out.data[t] + p->out_pos, n);
	p->out_pos += n;
	if (p->out_pos == p->out.len[t]) {
		release(p, &p->out);
		p->out_have = false;
	}
	return (ssize_t)n;
}

static int pipeline_start(struct pipeline *p, struct src *s, struct vsl_error *err)
{
	pthread_attr_t attr;
	bool attr_ok;

	memset(p, 0, sizeof(*p));
	p->src = s;
	p->zlast = 1;
	p->stage[STAGE_READ] = (struct stage){ .p = p, .ring = &p->in, .step = read_step };
	p->stage[STAGE_UNZSTD] = (struct stage){ .p = p, .ring = &p->out, .step = unzstd_step };
	pthread_mutex_init(&p->mu, NULL); /* cannot fail with default attributes */
	pthread_cond_init(&p->cv, NULL);
	p->zd = ZSTD_createDStream();
	for (unsigned i = 0; i < SLOTS; i++) {
		p->in.data[i] = malloc(IN_SLOT);
		p->out.data[i] = malloc(OUT_SLOT);
		if (!p->in.data[i] || !p->out.data[i] || !p->zd)
			return vsl_error_set(err, ENOMEM, "extract");
	}
	attr_ok = pthread_attr_init(&attr) == 0;
	if (attr_ok)
		pthread_attr_setstacksize(&attr, STAGE_STACK);
	for (unsigned k = 0; k < NSTAGES; k++) {
		struct stage *st = &p->stage[k];

		st->threaded =
			pthread_create(&st->thread, attr_ok ? &attr : NULL, run_stage, st) == 0;
		if (!st->threaded)
			vsl_debug("extract: no thread for stage %u; running it inline", k);
	}
	if (attr_ok)
		pthread_attr_destroy(&attr);
	return 0;
}

/* Stop and join the stages; afterwards the src and the in-slots belong to the caller again. */
static void pipeline_stop(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned k = NSTAGES; k-- > 0;)
		if (p->stage[k].threaded)
			pthread_join(p->stage[k].thread, NULL);
}

static void pipeline_free(struct pipeline *p)
{
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	ZSTD_freeDStream(p->zd);
	vsl_error_release(&p->in.err);
	vsl_error_release(&p->out.err);
	for (unsigned i = 0; i < SLOTS; i++) {
		free(p->in.data[i]);
		free(p->out.data[i]);
	}
}

static int extract_entries(struct pipeline *p, int destfd, unsigned flags,
			   struct vsl_error *err)
{
	struct vsl_tar_reader *rd = malloc(sizeof(*rd));
	struct vsl_extract_tree x;
	struct vsl_tar_entry e;
	int rc;

	if (!rd)
		return vsl_error_set(err, ENOMEM, "extract");
	vsl_extract_tree_init(&x, destfd, flags);
	vsl_tar_reader_init(rd, pipe_read, p);
	while ((rc = vsl_tar_reader_next(rd, &e, err)) > 0)
		if (vsl_extract_tree_add(&x, &e, rd, err) < 0) {
			rc = -1;
			break;
		}
	pipeline_stop(p);
	if (rc == 0)
		rc = vsl_extract_tree_finish(&x, err);
	vsl_extract_tree_fini(&x);
	vsl_tar_reader_fini(rd);
	free(rd);
	return rc < 0 ? -1 : 0;
}

int vsl_extract_tarzst(int fd, uint64_t off, uint64_t len, int destfd, unsigned flags,
		       const uint8_t sha256[32], struct vsl_error *err)
{
	struct src s = { .fd = fd, .off = off, .len = len, .hash = sha256 != NULL };
	struct pipeline p;
	int rc;

	if (s.hash)
		vsl_sha256_init(&s.sha);
	rc = pipeline_start(&p, &s, err);
	if (rc == 0)
		rc = extract_entries(&p, destfd, flags, err);
	else
		pipeline_stop(&p);
	if (s.hash && p.in.data[0]) {
		struct vsl_error verr = { 0 };

		/* a damaged payload explains any error it caused: report that instead */
		if (verify(&s, p.in.data[0], sha256, &verr) < 0) {
			vsl_error_release(err);
			if (err)
				*err = verr;
			else
				vsl_error_release(&verr);
			rc = -1;
		}
	}
	pipeline_free(&p);
	return rc;
}

/* Whether dir <hex> holds a finished extraction of this very section. */
static bool cache_complete(int cachefd, const char *hex)
{
	char want[160], got[160];
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
	char prefix[112];
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
	char tmp[128], marker[160];
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
	if (vsl_extract_tarzst(fd, sec->offset, sec->length, rfd, VSL_EXTRACT_FRESH, sec->sha256,
			       err) < 0)
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

/* The cache root, made when missing (the first run only). */
static int open_cache(const char *cache_root, struct vsl_error *err)
{
	int fd = open(cache_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : vsl_error_set(err, errno, "open %s", cache_root);
	if (vsl_fs_mkdir_p(cache_root, 0700, err) < 0)
		return -1;
	fd = open(cache_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : vsl_error_set(err, errno, "open %s", cache_root);
}

char *vsl_extract_cached(int fd, const struct vsl_section *sec, const char *cache_root,
			 const char *tag, struct vsl_error *err)
{
	char digest[65], hex[96], lock[112];
	cleanup_close int cachefd = -1;
	cleanup_close int lockfd = -1;
	char *path = NULL;

	vsl_sha256_hex(sec->sha256, digest);
	/* "hex" from here on names the entry: the digest, and whose ids the files carry */
	snprintf(hex, sizeof(hex), "%s%s%s", digest, tag && *tag ? "-" : "", tag ? tag : "");
	if (asprintf(&path, "%s/%s/rootfs", cache_root, hex) < 0) {
		path = NULL;
		vsl_error_set(err, ENOMEM, "extract");
		goto fail;
	}
	cachefd = open_cache(cache_root, err);
	if (cachefd < 0)
		goto fail;
	/* Warm runs need no lock: an entry appears by rename with its marker already in it, and
	 * a complete entry is never removed. */
	if (cache_complete(cachefd, hex))
		goto reuse;
	snprintf(lock, sizeof(lock), "%s.lock", hex);
	lockfd = openat(cachefd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lockfd < 0) {
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
	if (cache_complete(cachefd, hex))
		goto reuse;
	if (remove_leftovers(cachefd, hex, err) < 0 ||
	    extract_into_cache(fd, sec, cachefd, hex, err) < 0)
		goto fail;
	vsl_debug("extract: extracted %.12s into %s", hex, path);
	return path;
reuse:
	vsl_debug("extract: reusing cache %s", path);
	return path;
fail:
	free(path);
	vsl_error_wrap(err, "extract the image into the cache %s", cache_root);
	return NULL;
}
