/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block decompression for the SquashFS reader: zstd (what vessel writes) and gzip (zlib
 * streams, what mksquashfs writes by default). Other compressors are refused by name when the
 * image is opened. Contexts are expensive to make (zstd's is ~100 KiB) and not thread-safe,
 * so each decompression borrows one from a pool and gives it back.
 *
 * Every block must decompress completely into the caller's buffer: output that would not fit
 * is corruption, so a crafted block can never make us allocate or write more than one block.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

struct dctx {
	ZSTD_DCtx *zstd;
	z_stream z;
	bool z_init;
	uint8_t *scratch; /* compressed bytes of a data block (see sqfs_read_compressed) */
	size_t scratch_cap;
};

bool sqfs_comp_supported(unsigned id)
{
	return id == VSL_SQFS_COMP_GZIP || id == VSL_SQFS_COMP_ZSTD;
}

const char *vsl_sqfs_compressor_name(unsigned id)
{
	static const char *const names[] = {
		"unknown", "gzip", "lzma", "lzo", "xz", "lz4", "zstd"
	};

	return id < sizeof(names) / sizeof(names[0]) ? names[id] : names[0];
}

void sqfs_dctx_destroy(void *ctx)
{
	struct dctx *c = ctx;

	if (!c)
		return;
	ZSTD_freeDCtx(c->zstd);
	if (c->z_init)
		inflateEnd(&c->z);
	free(c->scratch);
	free(c);
}

static int inflate_block(struct dctx *c, const uint8_t *src, size_t srclen, uint8_t *dst,
			 size_t cap, size_t *outlen, struct vsl_error *err)
{
	int rc;

	if (!c->z_init) {
		memset(&c->z, 0, sizeof(c->z));
		if (inflateInit(&c->z) != Z_OK)
			return sqfs_nomem(err, "a zlib stream");
		c->z_init = true;
	} else if (inflateReset(&c->z) != Z_OK) {
		return sqfs_corrupt(err, "zlib: cannot reset the stream");
	}
	c->z.next_in = (Bytef *)(uintptr_t)src;
	c->z.avail_in = (uInt)srclen;
	c->z.next_out = dst;
	c->z.avail_out = (uInt)cap;
	rc = inflate(&c->z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		const char *why = c->z.msg ? c->z.msg : "truncated, or too large";

		return sqfs_corrupt(err,
				    "gzip block of %zu bytes does not fit %zu bytes (zlib: %s)",
				    srclen, cap, why);
	}
	*outlen = cap - c->z.avail_out;
	return 0;
}

static int zstd_block(struct dctx *c, const uint8_t *src, size_t srclen, uint8_t *dst, size_t cap,
		      size_t *outlen, struct vsl_error *err)
{
	size_t r;

	if (!c->zstd) {
		c->zstd = ZSTD_createDCtx();
		if (!c->zstd)
			return sqfs_nomem(err, "a zstd context");
	}
	r = ZSTD_decompressDCtx(c->zstd, dst, cap, src, srclen);
	if (ZSTD_isError(r))
		return sqfs_corrupt(
			err, "zstd block of %zu bytes does not decompress into %zu bytes (%s)",
			srclen, cap, ZSTD_getErrorName(r));
	*outlen = r;
	return 0;
}

static struct dctx *dctx_get(struct vsl_sqfs *fs, struct vsl_error *err)
{
	struct dctx *c = sqfs_pool_get(fs->dctx_pool);

	if (!c && !(c = calloc(1, sizeof(*c))))
		sqfs_nomem(err, "a decompression context");
	return c;
}

static int run(struct vsl_sqfs *fs, struct dctx *c, const uint8_t *src, size_t srclen, uint8_t *dst,
	       size_t cap, size_t *outlen, struct vsl_error *err)
{
	if (fs->comp == VSL_SQFS_COMP_GZIP)
		return inflate_block(c, src, srclen, dst, cap, outlen, err);
	if (fs->comp == VSL_SQFS_COMP_ZSTD)
		return zstd_block(c, src, srclen, dst, cap, outlen, err);
	return sqfs_corrupt(err, "compressor %s is not supported",
			    vsl_sqfs_compressor_name(fs->comp));
}

int sqfs_decompress(struct vsl_sqfs *fs, const uint8_t *src, size_t srclen, uint8_t *dst,
		    size_t cap, size_t *outlen, struct vsl_error *err)
{
	struct dctx *c = dctx_get(fs, err);
	int rc;

	if (!c)
		return -ENOMEM;
	rc = run(fs, c, src, srclen, dst, cap, outlen, err);
	sqfs_pool_put(fs->dctx_pool, c);
	return rc;
}

/*
 * The compressed bytes go to the borrowed context's scratch buffer, made once at the larger of
 * the block size and csize and then kept: a per-block malloc of up to a block size is an mmap +
 * munmap pair in musl, and munmap's TLB shootdown across the server's threads was the largest
 * single cost of reading through FUSE (perf: 22% of the server's time for a tar of a 116 MB
 * tree). Growing it block by block was the same trap on a cold start (a realloc per larger
 * block, each a munmap of up to 80 KiB at ~1-2.5 ms in a VM).
 */
int sqfs_read_compressed(struct vsl_sqfs *fs, uint64_t off, size_t csize, uint8_t *dst, size_t cap,
			 size_t *outlen, struct vsl_error *err)
{
	struct dctx *c = dctx_get(fs, err);
	int rc = 0;

	if (!c)
		return -ENOMEM;
	if (c->scratch_cap < csize) {
		size_t want = csize > fs->block_size ? csize : fs->block_size;

		free(c->scratch);
		c->scratch = malloc(want);
		c->scratch_cap = c->scratch ? want : 0;
		if (!c->scratch)
			rc = sqfs_nomem(err, "a compressed block");
	}
	if (rc >= 0)
		rc = sqfs_pread(fs, c->scratch, csize, off, err);
	if (rc >= 0)
		rc = run(fs, c, c->scratch, csize, dst, cap, outlen, err);
	sqfs_pool_put(fs->dctx_pool, c);
	return rc;
}
