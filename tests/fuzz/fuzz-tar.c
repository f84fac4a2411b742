/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the tar parser and stream reader. A fuzzer cannot guess header
 * checksums, so each input is parsed twice: as given, and with the checksum of every 512-byte
 * block fixed up, which is what reaches the field, PAX and GNU parsing. Properties, on top of
 * the sanitizers:
 *   - a failure always says why;
 *   - an entry has a non-empty path of bounded length, and data only if it is a regular file;
 *   - vsl_tar_path_clean either refuses or yields a relative path without "." or ".." parts;
 *   - every entry the encoder accepts parses back to the same values (path, link, type, mode,
 *     ids, size, mtime, device numbers, xattrs).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon tests/fuzz/fuzz-tar.c \
 *         common/tar.c common/tarread.c common/tarenc.c common/error.c common/log.c -o fuzz-tar
 */
#include "tar.h"

#include <stdlib.h>
#include <string.h>

struct mem {
	const uint8_t *d;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct mem *m = ctx;

	(void)err;
	/* odd short reads on purpose: the reader must loop */
	if (n > 1 + m->pos % 700)
		n = 1 + m->pos % 700;
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->d + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void check_clean(const char *path)
{
	char *out = malloc(strlen(path) + 1);
	struct vsl_error err = { 0 };

	if (vsl_tar_path_clean(path, out, &err) < 0) {
		if (!err.msg)
			abort();
		vsl_error_release(&err);
	} else {
		for (const char *s = out; *s;) {
			size_t n = strcspn(s, "/");

			if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && !memcmp(s, "..", 2)))
				abort();
			s += n;
			if (*s == '/' && !*++s)
				abort(); /* trailing slash */
		}
	}
	free(out);
}

static bool same_xattrs(const struct vsl_tar_entry *a, const struct vsl_tar_entry *b)
{
	if (a->nxattrs != b->nxattrs)
		return false;
	for (size_t i = 0; i < a->nxattrs; i++) {
		bool found = false;

		for (size_t j = 0; j < b->nxattrs && !found; j++)
			found = !strcmp(a->xattrs[i].name, b->xattrs[j].name) &&
				a->xattrs[i].len == b->xattrs[j].len &&
				!memcmp(a->xattrs[i].value, b->xattrs[j].value, a->xattrs[i].len);
		if (!found)
			return false;
	}
	return true;
}

static void roundtrip(const struct vsl_tar_entry *e)
{
	struct vsl_error err = { 0 };
	struct vsl_tar_parser *p;
	struct vsl_tar_entry o;
	uint8_t *h;
	size_t len, at = 0;
	int rc;

	if (vsl_tar_header_encode(e, &h, &len, &err) < 0) {
		if (!err.msg)
			abort();
		vsl_error_release(&err);
		return;
	}
	p = malloc(sizeof(*p));
	vsl_tar_parser_init(p);
	while ((rc = vsl_tar_parse_block(p, h + at, &o, &err)) == VSL_TAR_NEED_EXT) {
		size_t n = (size_t)vsl_tar_parser_ext_size(p);

		at += VSL_TAR_BLOCK;
		if (at + n > len || vsl_tar_parse_ext(p, h + at, n, &err) < 0)
			abort();
		at += n + (size_t)vsl_tar_padding(n);
	}
	if (rc != VSL_TAR_ENTRY || at + VSL_TAR_BLOCK != len)
		abort();
	if (strcmp(o.path, e->path) || strcmp(o.linkname, e->linkname) || o.type != e->type ||
	    o.mode != e->mode || o.uid != e->uid || o.gid != e->gid || o.size != e->size ||
	    o.mtime != e->mtime || o.devmajor != e->devmajor || o.devminor != e->devminor ||
	    !same_xattrs(e, &o))
		abort();
	vsl_tar_parser_fini(p);
	free(p);
	free(h);
}

static void run(const uint8_t *data, size_t size)
{
	struct vsl_tar_reader *rd = malloc(sizeof(*rd));
	struct mem m = { data, size, 0 };
	struct vsl_error err = { 0 };
	struct vsl_tar_entry e;
	uint8_t buf[1024];
	int rc;

	vsl_tar_reader_init(rd, mem_read, &m);
	while ((rc = vsl_tar_reader_next(rd, &e, &err)) > 0) {
		ssize_t k;

		if (!e.path[0] || strlen(e.path) > VSL_TAR_MAX_PATH ||
		    strlen(e.linkname) > VSL_TAR_MAX_PATH || (e.size && e.type != VSL_TAR_REG) ||
		    e.mode > 07777 || e.nxattrs > 2 * VSL_TAR_MAX_XATTRS)
			abort();
		check_clean(e.path);
		roundtrip(&e);
		while ((k = vsl_tar_reader_data(rd, buf, sizeof(buf), &err)) > 0)
			;
		if (k < 0) {
			rc = -1;
			break;
		}
	}
	if (rc < 0 && !err.msg)
		abort();
	vsl_error_release(&err);
	vsl_tar_reader_fini(rd);
	free(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	run(data, size);
	fixed = malloc(size ? size : 1);
	memcpy(fixed, data, size);
	for (size_t off = 0; off + VSL_TAR_BLOCK <= size; off += VSL_TAR_BLOCK) {
		uint8_t *b = fixed + off;
		unsigned sum = 0;
		bool zero = true;

		for (size_t i = 0; i < VSL_TAR_BLOCK; i++)
			zero &= b[i] == 0;
		if (zero)
			continue;
		memset(b + 148, ' ', 8);
		for (size_t i = 0; i < VSL_TAR_BLOCK; i++)
			sum += b[i];
		for (int i = 6; i >= 0; i--, sum >>= 3)
			b[148 + i] = (uint8_t)('0' + (sum & 7));
		b[155] = ' ';
	}
	run(fixed, size);
	free(fixed);
	return 0;
}
