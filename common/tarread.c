/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives the tar parser over a read callback: header blocks, extension records, entry data and
 * padding. Shared by the layer applier and the extractor so both see the same stream rules.
 * It makes no syscalls itself; the callback decides where bytes come from (a decompressor over
 * a pipe, a pread of our own file, a buffer in a test or the fuzzer).
 */
#include "tar.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void vsl_tar_reader_init(struct vsl_tar_reader *r, vsl_tar_read_fn read, void *ctx)
{
	memset(r, 0, sizeof(*r));
	vsl_tar_parser_init(&r->parser);
	r->read = read;
	r->ctx = ctx;
}

void vsl_tar_reader_fini(struct vsl_tar_reader *r)
{
	vsl_tar_parser_fini(&r->parser);
}

/* Fill buf with n bytes; returns n, fewer at end of input, or -1. */
static ssize_t read_full(struct vsl_tar_reader *r, void *buf, size_t n, struct vsl_error *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = r->read(r->ctx, (uint8_t *)buf + got, n - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->offset += got;
	return (ssize_t)got;
}

static int skip(struct vsl_tar_reader *r, uint64_t n, struct vsl_error *err)
{
	uint8_t buf[8192];

	while (n > 0) {
		size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		ssize_t k = read_full(r, buf, chunk, err);

		if (k < 0)
			return -1;
		if ((size_t)k < chunk)
			return vsl_error_set(err, 0, "tar archive ends inside an entry (at byte %"
					     PRIu64 ")", r->offset);
		n -= chunk;
	}
	return 0;
}

static int read_ext(struct vsl_tar_reader *r, struct vsl_error *err)
{
	uint64_t size = vsl_tar_parser_ext_size(&r->parser); /* bounded by VSL_TAR_MAX_EXT */
	uint8_t *buf = malloc(size ? size : 1);
	ssize_t k;
	int rc;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "tar extension record");
	k = read_full(r, buf, size, err);
	if (k >= 0 && (uint64_t)k < size)
		k = vsl_error_set(err, 0, "tar archive ends inside an extension record");
	rc = k < 0 ? -1 : vsl_tar_parse_ext(&r->parser, buf, size, err);
	free(buf);
	if (rc < 0)
		return -1;
	return skip(r, vsl_tar_padding(size), err);
}

int vsl_tar_reader_next(struct vsl_tar_reader *r, struct vsl_tar_entry *e, struct vsl_error *err)
{
	uint8_t blk[VSL_TAR_BLOCK];

	if (r->ended)
		return 0;
	if (skip(r, r->data_left + r->pad_left, err) < 0)
		return -1;
	r->data_left = r->pad_left = 0;
	for (;;) {
		uint64_t at = r->offset;
		ssize_t k = read_full(r, blk, sizeof(blk), err);
		int rc;

		if (k < 0)
			return -1;
		if (k == 0) {
			/* no end blocks: tolerated on a header boundary, as Go's reader does */
			r->ended = true;
			return 0;
		}
		if ((size_t)k < sizeof(blk))
			return vsl_error_set(err, 0, "tar archive truncated inside a header (at "
					     "byte %" PRIu64 ")", at);
		rc = vsl_tar_parse_block(&r->parser, blk, e, err);
		if (rc < 0)
			return vsl_error_wrap(err, "tar header at byte %" PRIu64, at);
		if (rc == VSL_TAR_END) {
			r->ended = true;
			return 0;
		}
		if (rc == VSL_TAR_ENTRY) {
			r->data_left = e->size;
			r->pad_left = vsl_tar_padding(e->size);
			return 1;
		}
		if (read_ext(r, err) < 0)
			return vsl_error_wrap(err, "tar header at byte %" PRIu64, at);
	}
}

ssize_t vsl_tar_reader_data(struct vsl_tar_reader *r, void *buf, size_t n, struct vsl_error *err)
{
	ssize_t k;

	if ((uint64_t)n > r->data_left)
		n = (size_t)r->data_left;
	if (n == 0)
		return 0;
	k = read_full(r, buf, n, err);
	if (k < 0)
		return -1;
	if ((size_t)k < n)
		return vsl_error_set(err, 0, "tar archive ends inside the data of '%s'",
				     r->parser.path);
	r->data_left -= n;
	return k;
}
