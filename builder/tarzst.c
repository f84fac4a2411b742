/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes the rootfs as tar.zst (see tarzst.h).
 *
 * Determinism: entries come from vsl_rootfs_foreach (sorted, metadata from the table, never
 * from stat), headers from the pure encoder. zstd's multi-threaded mode cuts the input into
 * jobs of a size derived from the parameters alone, so its output does not depend on the
 * number of workers nor on how the input is fed; the single-threaded mode (nbWorkers = 0)
 * produces different bytes. Measured with libzstd 1.5.4 on a 22 MB tar: 1, 2, 4 and 8 workers
 * and 777-byte to 1 MB input chunks all gave identical output, 0 workers did not. So we always
 * ask for at least one worker.
 *
 * Level 9 (VSL_TARZST_LEVEL): on that tar, level 3 gave 21.1% in 0.1 s, 9 gave 18.4% in
 * 0.4 s, 12 gave 18.3% in 0.8 s, 19 gave 16.0% in 10 s (2 cores). 9 takes most of the gain of
 * the slow levels at a cost that stays small next to mksquashfs, and decompression speed,
 * which is what the runtime pays, hardly depends on the level. Its window (8 MiB at most)
 * keeps the stub's decoder memory small.
 */
#include "tarzst.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"

#define FILE_BUF (256u * 1024u)

struct writer {
	struct vsl_rootfs *r;
	ZSTD_CCtx *cctx;
	int out_fd;
	int64_t sde;
	uint8_t *out;     /* ZSTD_CStreamOutSize() bytes */
	size_t out_cap;
	uint8_t *buf;     /* FILE_BUF bytes of file content */
	void (*progress)(void *ctx, uint64_t n);
	void *progress_ctx;
};

/* Compress n bytes (mode ZSTD_e_continue) or finish the frame (ZSTD_e_end). */
static int feed(struct writer *w, const void *data, size_t n, ZSTD_EndDirective mode,
		struct vsl_error *err)
{
	ZSTD_inBuffer in = { data, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { w->out, w->out_cap, 0 };

		left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
		if (ZSTD_isError(left))
			return vsl_error_set(err, 0, "zstd compression: %s",
					     ZSTD_getErrorName(left));
		if (out.pos && vsl_fs_write_all(w->out_fd, w->out, out.pos) < 0)
			return vsl_error_set(err, errno, "write tar.zst");
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

static int copy_file(struct writer *w, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	cleanup_close int fd = vsl_rootfs_open(w->r, e->path, err);
	uint64_t left = e->size;
	static const uint8_t zero[VSL_TAR_BLOCK];

	if (fd < 0)
		return -1;
	while (left > 0) {
		size_t want = left < FILE_BUF ? (size_t)left : FILE_BUF;
		ssize_t k = read(fd, w->buf, want);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return vsl_error_set(err, errno, "read '%s'", e->path);
		if (k == 0)
			return vsl_error_set(err, 0, "'%s' is shorter than the %" PRIu64 " bytes "
					     "its layer wrote (changed during the build?)",
					     e->path, e->size);
		if (feed(w, w->buf, (size_t)k, ZSTD_e_continue, err) < 0)
			return -1;
		left -= (uint64_t)k;
		if (w->progress)
			w->progress(w->progress_ctx, (uint64_t)k);
	}
	return feed(w, zero, (size_t)vsl_tar_padding(e->size), ZSTD_e_continue, err);
}

static int visit(void *ctx, const struct vsl_rootfs_entry *re, struct vsl_error *err)
{
	struct writer *w = ctx;
	struct vsl_tar_entry e = {
		.type = re->type,
		.path = re->path[0] ? re->path : "./",
		.linkname = re->linkname ? re->linkname : "",
		.mode = re->mode,
		.uid = re->uid,
		.gid = re->gid,
		.size = re->type == VSL_TAR_REG ? re->size : 0,
		.mtime = w->sde >= 0 && re->mtime > w->sde ? w->sde : re->mtime,
		.devmajor = re->devmajor,
		.devminor = re->devminor,
		/* a hardlink's header carries no xattrs: they belong to the first member */
		.nxattrs = re->type == VSL_TAR_HARDLINK ? 0 : re->nxattrs,
		.xattrs = re->xattrs,
	};
	cleanup_free uint8_t *hdr = NULL;
	size_t len;

	if (vsl_tar_header_encode(&e, &hdr, &len, err) < 0 ||
	    feed(w, hdr, len, ZSTD_e_continue, err) < 0)
		return -1;
	return e.type == VSL_TAR_REG ? copy_file(w, re, err) : 0;
}

static int setup_cctx(ZSTD_CCtx *c, int threads, struct vsl_error *err)
{
	size_t rc = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, VSL_TARZST_LEVEL);

	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(rc))
		return vsl_error_set(err, 0, "zstd setup: %s", ZSTD_getErrorName(rc));
	rc = ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, threads < 1 ? 1 : threads);
	if (ZSTD_isError(rc))
		return vsl_error_set(err, 0, "zstd setup: %d workers: %s (libzstd must be built "
				     "with multi-threading for reproducible output)",
				     threads < 1 ? 1 : threads, ZSTD_getErrorName(rc));
	return 0;
}

int vsl_rootfs_write_tarzst(struct vsl_rootfs *r, int out_fd, int threads,
			    int64_t source_date_epoch, struct vsl_error *err)
{
	return vsl_rootfs_write_tarzst_progress(r, out_fd, threads, source_date_epoch, NULL, NULL,
						err);
}

int vsl_rootfs_write_tarzst_progress(struct vsl_rootfs *r, int out_fd, int threads,
				     int64_t source_date_epoch,
				     void (*progress)(void *ctx, uint64_t n), void *ctx,
				     struct vsl_error *err)
{
	static const uint8_t end[VSL_TAR_END_SIZE];
	struct writer w = {
		.r = r,
		.out_fd = out_fd,
		.sde = source_date_epoch,
		.out_cap = ZSTD_CStreamOutSize(),
		.progress = progress,
		.progress_ctx = ctx,
	};
	int rc = -1;

	w.cctx = ZSTD_createCCtx();
	w.out = malloc(w.out_cap);
	w.buf = malloc(FILE_BUF);
	if (!w.cctx || !w.out || !w.buf) {
		vsl_error_set(err, ENOMEM, "tar.zst writer");
		goto out;
	}
	if (setup_cctx(w.cctx, threads, err) < 0)
		goto out;
	vsl_debug("tarzst: level %d, %d workers, %zu paths", VSL_TARZST_LEVEL,
		  threads < 1 ? 1 : threads, vsl_rootfs_count(r));
	if (vsl_rootfs_foreach(r, visit, &w, err) < 0 ||
	    feed(&w, end, sizeof(end), ZSTD_e_continue, err) < 0 ||
	    feed(&w, NULL, 0, ZSTD_e_end, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		vsl_error_wrap(err, "write tar.zst of %s", vsl_rootfs_dir(r));
	ZSTD_freeCCtx(w.cctx);
	free(w.out);
	free(w.buf);
	return rc;
}
