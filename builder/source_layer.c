/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feeding a layer blob to the applier while checking its sha256 (see vsl_source_feed_layer).
 *
 * Why a pipe and a thread: the applier wants an fd it reads to the end, but an archive's blob is
 * a byte range inside the tar, so it needs a bounded stream anyway; and hashing in the thread
 * that feeds the pipe overlaps SHA-256 with decompression and file creation, instead of adding a
 * whole extra read-and-hash pass per layer. The cost is that a corrupt layer is unpacked into
 * the staging dir before it is refused; the build then fails and the staging dir is removed,
 * so nothing of it reaches an output file.
 */
#define _GNU_SOURCE
#include "source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "sha256.h"

#define FEED_CHUNK (256u << 10)

struct feeder {
	struct vsl_blob blob;
	int wfd;		    /* write end, closed by the feeder when the blob ends */
	char got[VSL_DIGEST_BUFSZ]; /* the digest of everything read */
	struct vsl_error err;	    /* read errors: the feeder's own, merged after join */
	int status;
	void (*progress)(void *ctx, uint64_t n);
	void *progress_ctx;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *feed(void *arg)
{
	struct feeder *f = arg;
	struct vsl_sha256 c;
	uint8_t d[32];
	cleanup_free uint8_t *buf = malloc(FEED_CHUNK);
	sigset_t pipe_set;

	/* A reader that stops early must give us EPIPE, not kill the process. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	f->status = buf ? 0 : vsl_error_set(&f->err, ENOMEM, "feeding layer");
	vsl_sha256_init(&c);
	while (f->status == 0) {
		ssize_t r = vsl_blob_read(&f->blob, buf, FEED_CHUNK, &f->err);

		if (r <= 0) {
			f->status = (int)r;
			break;
		}
		vsl_sha256_update(&c, buf, (size_t)r);
		if (f->progress)
			f->progress(f->progress_ctx, (uint64_t)r);
		/* Once the reader is gone, keep reading: the hash covers the whole blob. */
		if (f->wfd >= 0 && write_all(f->wfd, buf, (size_t)r) < 0) {
			close(f->wfd);
			f->wfd = -1;
		}
	}
	if (f->wfd >= 0)
		close(f->wfd);
	f->wfd = -1;
	vsl_sha256_final(&c, d);
	memcpy(f->got, "sha256:", 7);
	vsl_sha256_hex(d, f->got + 7);
	return NULL;
}

/* Hand src's error to dst (which the caller left empty), or drop it. */
static void move_error(struct vsl_error *dst, struct vsl_error *src)
{
	if (dst && !dst->msg) {
		*dst = *src;
		memset(src, 0, sizeof *src);
	}
	vsl_error_release(src);
}

/* Run consume on the read end while the feeder thread streams the blob; then join. */
static int run(struct feeder *f, int rfd, vsl_layer_consume_fn consume, void *ctx, const char *name,
	       struct vsl_error *cerr)
{
	pthread_t th;
	int e, r;

	e = pthread_create(&th, NULL, feed, f);
	if (e) {
		close(f->wfd);
		close(rfd);
		f->status = vsl_error_set(&f->err, e, "starting the layer reader thread");
		return -1;
	}
	r = consume(ctx, rfd, name, cerr);
	/* Closing our end unblocks a feeder stuck in write() once consume has stopped reading. */
	close(rfd);
	pthread_join(th, NULL);
	return r;
}

int vsl_source_feed_layer(struct vsl_source *s, const struct vsl_image *img, size_t i,
			  vsl_layer_consume_fn consume, void *ctx, struct vsl_error *err)
{
	return vsl_source_feed_layer_progress(s, img, i, consume, ctx, NULL, NULL, err);
}

int vsl_source_feed_layer_progress(struct vsl_source *s, const struct vsl_image *img, size_t i,
				   vsl_layer_consume_fn consume, void *ctx,
				   void (*progress)(void *pctx, uint64_t n), void *pctx,
				   struct vsl_error *err)
{
	const struct vsl_layer *l = &img->layers[i];
	struct feeder f = { .wfd = -1, .progress = progress, .progress_ctx = pctx };
	struct vsl_error cerr = { 0 };
	char what[160];
	int p[2], r;

	snprintf(what, sizeof what, "layer %zu of %zu (%s) of %s", i + 1, img->n_layers, l->digest,
		 s->name);
	if (vsl_source_locate(s, l->path, what, &f.blob, err) < 0 ||
	    vsl_blob_check_size(&f.blob, l->size, what, err) < 0) {
		vsl_blob_close(&f.blob);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		vsl_blob_close(&f.blob);
		return vsl_error_set(err, errno, "%s: pipe", what);
	}
	/* A bigger pipe means fewer wake-ups; the default limit allows 1 MiB unprivileged. */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	f.wfd = p[1];
	r = run(&f, p[0], consume, ctx, l->digest, &cerr);
	vsl_blob_close(&f.blob);
	if (f.status < 0) {
		vsl_error_release(&cerr);
		move_error(err, &f.err);
		return vsl_error_wrap(err, "%s", what);
	}
	if (vsl_blob_check_digest(f.got, l->digest, what, err) < 0) {
		vsl_error_release(&cerr);
		return -1;
	}
	if (r < 0) {
		move_error(err, &cerr);
		return vsl_error_wrap(err, "%s", what);
	}
	vsl_error_release(&cerr);
	return 0;
}
