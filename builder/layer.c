/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer blob decompression for the applier: gzip (zlib, concatenated members too), zstd
 * (streaming, any number of frames) or plain tar, detected from the first bytes.
 */
#include "layer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_BUF (256u * 1024u)

enum kind { K_TAR, K_GZIP, K_ZSTD };

struct vsl_layer_src {
	int fd;
	enum kind kind;
	uint8_t *in;
	size_t in_len, in_pos;
	bool eof;        /* the fd has no more bytes */
	bool done;       /* the compressed stream ended */
	z_stream z;
	bool z_init;
	ZSTD_DStream *zd;
	size_t zlast;    /* ZSTD_decompressStream's last answer that made progress; 0 = frame end */
};

/* Read more input (after consuming what is buffered). */
static int refill(struct vsl_layer_src *s, struct vsl_error *err)
{
	ssize_t k;

	if (s->in_pos < s->in_len && s->in_pos > 0) {
		memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
		s->in_len -= s->in_pos;
		s->in_pos = 0;
	} else if (s->in_pos == s->in_len) {
		s->in_len = s->in_pos = 0;
	}
	if (s->eof || s->in_len == IN_BUF)
		return 0;
	do
		k = read(s->fd, s->in + s->in_len, IN_BUF - s->in_len);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return vsl_error_set(err, errno, "read");
	if (k == 0)
		s->eof = true;
	s->in_len += (size_t)k;
	return 0;
}

struct vsl_layer_src *vsl_layer_src_open(int fd, const char *name, struct vsl_error *err)
{
	struct vsl_layer_src *s = calloc(1, sizeof(*s));

	if (!s || !(s->in = malloc(IN_BUF))) {
		vsl_layer_src_close(s);
		vsl_error_set(err, ENOMEM, "layer %s", name);
		return NULL;
	}
	s->fd = fd;
	while (s->in_len < 6 && !s->eof) {
		if (refill(s, err) < 0) {
			vsl_error_wrap(err, "layer %s", name);
			goto fail;
		}
	}
	if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
		s->kind = K_GZIP;
		/* 15 + 16: gzip wrapper only, the largest window */
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			vsl_error_set(err, ENOMEM, "layer %s: zlib init", name);
			goto fail;
		}
		s->z_init = true;
	} else if (s->in_len >= 4 && !memcmp(s->in, "\x28\xb5\x2f\xfd", 4)) {
		s->kind = K_ZSTD;
		s->zd = ZSTD_createDStream();
		s->zlast = 1;
		if (!s->zd) {
			vsl_error_set(err, ENOMEM, "layer %s: zstd init", name);
			goto fail;
		}
	} else if (s->in_len >= 6 && (!memcmp(s->in, "\xfd" "7zXZ\0", 6) ||
				      !memcmp(s->in, "BZh", 3))) {
		vsl_error_set(err, 0, "layer %s is xz or bzip2 compressed, which OCI images do "
			      "not use; only gzip, zstd and plain tar layers are supported", name);
		goto fail;
	}
	return s;
fail:
	vsl_layer_src_close(s);
	return NULL;
}

static ssize_t read_plain(struct vsl_layer_src *s, uint8_t *buf, size_t n, struct vsl_error *err)
{
	if (s->in_pos == s->in_len && refill(s, err) < 0)
		return -1;
	if (s->in_len - s->in_pos < n)
		n = s->in_len - s->in_pos;
	memcpy(buf, s->in + s->in_pos, n);
	s->in_pos += n;
	return (ssize_t)n;
}

static ssize_t read_gzip(struct vsl_layer_src *s, uint8_t *buf, size_t n, struct vsl_error *err)
{
	while (!s->done) {
		int rc;

		if (s->in_pos == s->in_len && refill(s, err) < 0)
			return -1;
		s->z.next_in = s->in + s->in_pos;
		s->z.avail_in = (uInt)(s->in_len - s->in_pos);
		s->z.next_out = buf;
		s->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
		rc = inflate(&s->z, Z_NO_FLUSH);
		s->in_pos = s->in_len - s->z.avail_in;
		if (rc == Z_STREAM_END) {
			/* another member may follow (pigz, concatenated layers); anything else
			 * after the first member is trailing junk we do not need */
			if (s->in_len - s->in_pos < 2 && refill(s, err) < 0)
				return -1;
			if (s->in_len - s->in_pos >= 2 && s->in[s->in_pos] == 0x1f &&
			    s->in[s->in_pos + 1] == 0x8b)
				inflateReset(&s->z);
			else
				s->done = true;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return vsl_error_set(err, 0, "gzip data is corrupt (%s)",
					     s->z.msg ? s->z.msg : "inflate failed");
		}
		if (s->z.next_out != buf)
			return (ssize_t)(s->z.next_out - buf);
		if (s->eof && s->in_pos == s->in_len && !s->done)
			return vsl_error_set(err, 0, "gzip data is truncated");
	}
	return 0;
}

static ssize_t read_zstd(struct vsl_layer_src *s, uint8_t *buf, size_t n, struct vsl_error *err)
{
	for (;;) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer out = { buf, n, 0 };
		size_t r;

		if (s->in_pos == s->in_len && !s->eof && refill(s, err) < 0)
			return -1;
		in = (ZSTD_inBuffer){ s->in, s->in_len, s->in_pos };
		/* called even without input: the decoder may still hold output to flush */
		r = ZSTD_decompressStream(s->zd, &out, &in);
		if (ZSTD_isError(r))
			return vsl_error_set(err, 0, "zstd data is corrupt (%s)",
					     ZSTD_getErrorName(r));
		if (out.pos || in.pos != s->in_pos)
			s->zlast = r;
		s->in_pos = in.pos;
		if (out.pos)
			return (ssize_t)out.pos;
		if (s->in_pos == s->in_len && s->eof) {
			if (s->zlast != 0)
				return vsl_error_set(err, 0, "zstd data is truncated");
			return 0;
		}
	}
}

ssize_t vsl_layer_src_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct vsl_layer_src *s = ctx;

	switch (s->kind) {
	case K_GZIP:
		return read_gzip(s, buf, n, err);
	case K_ZSTD:
		return read_zstd(s, buf, n, err);
	default:
		return read_plain(s, buf, n, err);
	}
}

const char *vsl_layer_src_kind(const struct vsl_layer_src *s)
{
	return s->kind == K_GZIP ? "gzip" : s->kind == K_ZSTD ? "zstd" : "tar";
}

void vsl_layer_src_close(struct vsl_layer_src *s)
{
	if (!s)
		return;
	if (s->z_init)
		inflateEnd(&s->z);
	ZSTD_freeDStream(s->zd);
	free(s->in);
	free(s);
}
