/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tar parser, reader and encoder. Archives in the ustar, GNU and PAX dialects are built
 * here byte by byte by an independent serialiser (not our encoder), so the parser is checked
 * against the formats and not against itself; then the encoder is round-tripped through the
 * parser, and damaged input must give errors, never crashes.
 */
#include "tar.h"
#include "../tap.h"

#include <stdio.h>
#include <string.h>

/* ---- an independent archive builder ---- */

struct ar {
	uint8_t d[64 * 1024];
	size_t len;
};

static void oct(uint8_t *f, size_t w, unsigned long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%0*llo", (int)w - 1, v);
	memcpy(f, s, w - 1);
}

/* A raw header; magic "ustar\0" "00" (posix) or "ustar  \0" (gnu). */
static uint8_t *hdr(struct ar *a, const char *name, char type, unsigned long long size,
		    bool gnu)
{
	uint8_t *h = a->d + a->len;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name) > 100 ? 100 : strlen(name));
	oct(h + 100, 8, 0644);
	oct(h + 108, 8, 1000);
	oct(h + 116, 8, 100);
	oct(h + 124, 12, size);
	oct(h + 136, 12, 1700000000);
	h[156] = (uint8_t)type;
	memcpy(h + 257, gnu ? "ustar  \0" : "ustar\0" "00", 8);
	a->len += 512;
	return h;
}

static void sum(uint8_t *h)
{
	unsigned s = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		s += h[i];
	snprintf((char *)h + 148, 8, "%06o", s);
}

static void data(struct ar *a, const void *p, size_t n)
{
	memcpy(a->d + a->len, p, n);
	a->len += n;
	memset(a->d + a->len, 0, (512 - n % 512) % 512);
	a->len += (512 - n % 512) % 512;
}

static void end(struct ar *a)
{
	memset(a->d + a->len, 0, 1024);
	a->len += 1024;
}

/* a PAX record "LEN key=value\n" appended to buf */
static size_t rec(char *buf, const char *key, const char *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, len = base + 1;
	int n;

	while (len != base + (size_t)snprintf(NULL, 0, "%zu", len))
		len = base + (size_t)snprintf(NULL, 0, "%zu", len);
	n = sprintf(buf, "%zu %s=", len, key);
	memcpy(buf + n, val, vlen);
	buf[len - 1] = '\n';
	return len;
}

/* ---- a reader over memory ---- */

struct mem {
	const uint8_t *d;
	size_t len, pos, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct mem *m = ctx;

	(void)err;
	if (m->chunk && n > m->chunk)
		n = m->chunk; /* short reads must be fine */
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->d + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Parse an archive; fills up to 8 entries' paths/links into out; returns count or -1. */
struct got {
	int n;
	char path[8][5000], link[8][5000], data[8][64];
	struct vsl_tar_entry e[8];
	char xname[8][64], xval[8][64];
	size_t xlen[8];
	char err[512];
};

static int parse_all(const uint8_t *d, size_t len, struct got *g)
{
	struct vsl_tar_reader *rd = malloc(sizeof(*rd));
	struct mem m = { d, len, 0, 7 };
	struct vsl_error err = { 0 };
	struct vsl_tar_entry e;
	int rc;

	memset(g, 0, sizeof(*g));
	vsl_tar_reader_init(rd, mem_read, &m);
	while ((rc = vsl_tar_reader_next(rd, &e, &err)) > 0 && g->n < 8) {
		int i = g->n++;

		g->e[i] = e;
		snprintf(g->path[i], sizeof(g->path[i]), "%s", e.path);
		snprintf(g->link[i], sizeof(g->link[i]), "%s", e.linkname);
		if (e.nxattrs) {
			snprintf(g->xname[i], 64, "%s", e.xattrs[0].name);
			memcpy(g->xval[i], e.xattrs[0].value, e.xattrs[0].len < 64 ?
			       e.xattrs[0].len : 64);
			g->xlen[i] = e.xattrs[0].len;
		}
		if (vsl_tar_reader_data(rd, g->data[i], e.size < 63 ? e.size : 63, &err) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc < 0)
		snprintf(g->err, sizeof(g->err), "%s", err.msg ? err.msg : "?");
	vsl_error_release(&err);
	vsl_tar_reader_fini(rd);
	free(rd);
	return rc < 0 ? -1 : g->n;
}

static struct got G;
static struct ar A;

static void test_ustar(void)
{
	char name[101], prefix[160];
	uint8_t *h;

	A.len = 0;
	sum(hdr(&A, "hello.txt", '0', 5, false));
	data(&A, "hello", 5);
	h = hdr(&A, "dir/", '5', 0, false);
	sum(h);
	h = hdr(&A, "lnk", '2', 0, false);
	memcpy(h + 157, "hello.txt", 9);
	sum(h);
	/* prefix + name */
	memset(name, 'n', 100);
	name[100] = 0;
	memset(prefix, 'p', 150);
	prefix[150] = 0;
	h = hdr(&A, name, '0', 0, false);
	memcpy(h + 345, prefix, 150);
	sum(h);
	h = hdr(&A, "dev", '3', 0, false);
	oct(h + 329, 8, 4);
	oct(h + 337, 8, 64);
	sum(h);
	end(&A);
	is_int(parse_all(A.d, A.len, &G), 5, "ustar: 5 entries");
	is_str(G.path[0], "hello.txt", "ustar: name");
	is_int(G.e[0].type, VSL_TAR_REG, "ustar: regular");
	is_str(G.data[0], "hello", "ustar: data");
	is_int(G.e[0].mode, 0644, "ustar: mode");
	is_int(G.e[0].uid, 1000, "ustar: uid");
	is_int(G.e[0].gid, 100, "ustar: gid");
	is_int(G.e[0].mtime, 1700000000, "ustar: mtime");
	is_int(G.e[1].type, VSL_TAR_DIR, "ustar: dir");
	is_str(G.link[2], "hello.txt", "ustar: symlink target");
	ok(strlen(G.path[3]) == 251 && G.path[3][150] == '/' && G.path[3][0] == 'p' &&
	   G.path[3][250] == 'n', "ustar: prefix/name joined (%zu bytes)", strlen(G.path[3]));
	ok(G.e[4].type == VSL_TAR_CHR && G.e[4].devmajor == 4 && G.e[4].devminor == 64,
	   "ustar: char device 4:64");
}

static void test_gnu(void)
{
	char longname[300], longlink[200];
	uint8_t *h;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	longname[10] = '/';
	memset(longlink, 'b', sizeof(longlink) - 1);
	longlink[sizeof(longlink) - 1] = 0;
	A.len = 0;
	sum(hdr(&A, "././@LongLink", 'L', strlen(longname) + 1, true));
	data(&A, longname, strlen(longname) + 1);
	sum(hdr(&A, "././@LongLink", 'K', strlen(longlink) + 1, true));
	data(&A, longlink, strlen(longlink) + 1);
	h = hdr(&A, "truncated", '2', 0, true);
	memcpy(h + 157, "trunc", 5);
	/* GNU keeps atime etc. in the prefix area: must not be taken as a prefix */
	memcpy(h + 345, "00000000000", 11);
	sum(h);
	/* base-256 size, uid and a negative mtime */
	h = hdr(&A, "big", '0', 0, true);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 3;
	memset(h + 108, 0, 8);
	h[108] = 0x80;
	h[113] = 0x01; /* 1 << 16 */
	memset(h + 136, 0xff, 12); /* -1 */
	sum(h);
	data(&A, "abc", 3);
	end(&A);
	is_int(parse_all(A.d, A.len, &G), 2, "gnu: 2 entries");
	is_str(G.path[0], longname, "gnu: long name");
	is_str(G.link[0], longlink, "gnu: long link");
	is_int(G.e[0].type, VSL_TAR_SYMLINK, "gnu: symlink");
	is_str(G.path[1], "big", "gnu: no prefix taken from the GNU area");
	is_u64(G.e[1].size, 3, "base-256 size");
	is_str(G.data[1], "abc", "base-256 sized data");
	is_int(G.e[1].uid, 65536, "base-256 uid");
	is_int(G.e[1].mtime, -1, "base-256 negative mtime");
}

static void test_pax(void)
{
	char rbuf[4096], longp[400];
	size_t n = 0;

	memset(longp, 'q', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	longp[50] = '/';
	A.len = 0;
	/* global: uid for everything after */
	n = rec(rbuf, "uid", "4242", 4);
	n += rec(rbuf + n, "comment", "ignored", 7);
	sum(hdr(&A, "pax_global_header", 'g', n, false));
	data(&A, rbuf, n);
	n = rec(rbuf, "path", longp, strlen(longp));
	n += rec(rbuf + n, "size", "2", 1);
	n += rec(rbuf + n, "mtime", "1700000000.123456789", 20);
	n += rec(rbuf + n, "SCHILY.xattr.security.capability", "\x01\x00\x00\x02\n=x", 6);
	n += rec(rbuf + n, "gid", "3000000000", 10);
	sum(hdr(&A, "PaxHeaders/x", 'x', n, false));
	data(&A, rbuf, n);
	sum(hdr(&A, "short", '0', 99 /* overridden by size=2 */, false));
	data(&A, "hi", 2);
	/* libarchive's spelling: %-escaped name, base64 value */
	n = rec(rbuf, "LIBARCHIVE.xattr.user.a%3Db", "aGVsbG8=", 8);
	sum(hdr(&A, "PaxHeaders/y", 'x', n, false));
	data(&A, rbuf, n);
	sum(hdr(&A, "second", '0', 0, false));
	end(&A);
	is_int(parse_all(A.d, A.len, &G), 2, "pax: 2 entries");
	is_str(G.path[0], longp, "pax: long path");
	is_u64(G.e[0].size, 2, "pax: size overrides header");
	is_str(G.data[0], "hi", "pax: data of overridden size");
	is_int(G.e[0].mtime, 1700000000, "pax: fractional mtime");
	is_int(G.e[0].uid, 4242, "pax: global uid");
	is_u64(G.e[0].gid, 3000000000u, "pax: gid above 2^31");
	is_str(G.xname[0], "security.capability", "pax: xattr name");
	ok(G.xlen[0] == 6 && !memcmp(G.xval[0], "\x01\x00\x00\x02\n=", 6),
	   "pax: binary xattr value with NUL, newline and '='");
	is_str(G.path[1], "second", "pax: per-file values do not leak to the next entry");
	is_int(G.e[1].uid, 4242, "pax: global uid persists");
	is_str(G.xname[1], "user.a=b", "libarchive xattr name unescaped");
	ok(G.xlen[1] == 5 && !memcmp(G.xval[1], "hello", 5), "libarchive xattr base64 value");
}

static void expect_error(const char *what, const char *needle)
{
	ok(parse_all(A.d, A.len, &G) < 0 && strstr(G.err, needle), "%s: error (%s)", what,
	   G.err);
}

static void test_errors(void)
{
	char rbuf[512];
	uint8_t *h;
	size_t n;

	A.len = 0;
	h = hdr(&A, "x", '0', 0, false);
	sum(h);
	h[0] = 'y';
	end(&A);
	expect_error("bad checksum", "checksum");
	A.len = 0;
	h = hdr(&A, "x", '0', 0, false);
	memcpy(h + 124, "12345678z01", 11);
	sum(h);
	end(&A);
	expect_error("bad octal", "size");
	A.len = 0;
	sum(hdr(&A, "x", 'S', 0, false));
	end(&A);
	expect_error("sparse type", "sparse");
	A.len = 0;
	n = rec(rbuf, "GNU.sparse.map", "0,1", 3);
	sum(hdr(&A, "p", 'x', n, false));
	data(&A, rbuf, n);
	sum(hdr(&A, "x", '0', 0, false));
	end(&A);
	expect_error("PAX sparse", "sparse");
	A.len = 0;
	sum(hdr(&A, "p", 'x', 12, false));
	data(&A, "99 path=abc\n", 12);
	sum(hdr(&A, "x", '0', 0, false));
	end(&A);
	expect_error("PAX record longer than the data", "malformed");
	A.len = 0;
	sum(hdr(&A, "p", 'x', 40u << 20, false));
	expect_error("oversized extension record", "larger");
	A.len = 0;
	sum(hdr(&A, "x", '0', 2000, false));
	data(&A, "abc", 3);
	expect_error("data truncated", "ends inside");
	A.len = 0;
	sum(hdr(&A, "x", '0', 0, false));
	A.len -= 100;
	expect_error("header truncated", "truncated");
	A.len = 0;
	n = rec(rbuf, "path", "a\0b", 3);
	sum(hdr(&A, "p", 'x', n, false));
	data(&A, rbuf, n);
	sum(hdr(&A, "x", '0', 0, false));
	end(&A);
	expect_error("NUL in PAX path", "NUL");
	A.len = 0;
	sum(hdr(&A, "l", '2', 0, false));
	end(&A);
	expect_error("symlink without target", "empty target");
	/* no end blocks at all: a clean end on a header boundary is accepted */
	A.len = 0;
	sum(hdr(&A, "x", '0', 1, false));
	data(&A, "z", 1);
	is_int(parse_all(A.d, A.len, &G), 1, "archive without end blocks");
}

static void test_clean(void)
{
	static const char *cases[][2] = {
		{ "./a//b/", "a/b" }, { "/x", "x" }, { ".", "" }, { "./", "" },
		{ "a/./b/.", "a/b" }, { "///", "" }, { "a..b/..c", "a..b/..c" },
		{ "./etc/passwd", "etc/passwd" },
	};
	static const char *bad[] = { "..", "../x", "a/../../x", "a/..", "/../etc" };
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsl_error err = { 0 };

		ok(vsl_tar_path_clean(cases[i][0], out, &err) == 0, "clean '%s'", cases[i][0]);
		is_str(out, cases[i][1], "clean '%s'", cases[i][0]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vsl_error err = { 0 };

		int rc = vsl_tar_path_clean(bad[i], out, &err);
		const char *msg = err.msg ? err.msg : "";

		ok(rc < 0 && strstr(msg, bad[i]), "refuse '%s' (%s)", bad[i], msg);
		vsl_error_release(&err);
	}
	strcpy(out, "./a//b/./c/");
	vsl_tar_path_clean(out, out, NULL);
	is_str(out, "a/b/c", "clean in place");
}

/* encoder -> parser */
static void roundtrip(const struct vsl_tar_entry *e, const char *what)
{
	struct vsl_error err = { 0 };
	uint8_t *h = NULL;
	size_t len = 0;

	if (!ok(vsl_tar_header_encode(e, &h, &len, &err) == 0 && len % 512 == 0,
		"encode %s", what)) {
		diag("%s", err.msg);
		vsl_error_release(&err);
		return;
	}
	A.len = 0;
	memcpy(A.d, h, len);
	A.len = len;
	free(h);
	if (e->size)
		data(&A, "0123456789", e->size < 10 ? e->size : 10);
	end(&A);
	if (e->size > 10)
		A.len = len; /* header only: data would be huge */
	if (e->size > 10) {
		struct vsl_tar_parser p;
		struct vsl_tar_entry o;
		int rc;

		vsl_tar_parser_init(&p);
		rc = vsl_tar_parse_block(&p, A.d, &o, &err);
		if (rc == VSL_TAR_NEED_EXT) {
			rc = vsl_tar_parse_ext(&p, A.d + 512, vsl_tar_parser_ext_size(&p), &err);
			rc = rc < 0 ? rc : vsl_tar_parse_block(&p, A.d + len - 512, &o, &err);
		}
		ok(rc == VSL_TAR_ENTRY && o.size == e->size && !strcmp(o.path, e->path),
		   "%s: size %llu", what, (unsigned long long)o.size);
		vsl_tar_parser_fini(&p);
		vsl_error_release(&err);
		return;
	}
	if (!is_int(parse_all(A.d, A.len, &G), 1, "%s: parses", what)) {
		diag("%s", G.err);
		return;
	}
	is_str(G.path[0], e->path, "%s: path", what);
	is_str(G.link[0], e->linkname, "%s: link", what);
	ok(G.e[0].type == e->type && G.e[0].mode == e->mode && G.e[0].uid == e->uid &&
	   G.e[0].gid == e->gid && G.e[0].mtime == e->mtime && G.e[0].size == e->size &&
	   G.e[0].devmajor == e->devmajor && G.e[0].devminor == e->devminor,
	   "%s: type/mode/ids/mtime/size/dev", what);
	is_int(G.e[0].nxattrs, e->nxattrs, "%s: xattr count", what);
}

static void test_roundtrip(void)
{
	static char p200[201], p300[301], l150[151];
	struct vsl_tar_xattr xs[2] = {
		{ "user.z", (uint8_t *)"zz", 2 },
		{ "security.capability", (uint8_t *)"\0\x01\n", 3 },
	};
	struct vsl_tar_entry e = { .type = VSL_TAR_REG, .path = "etc/hosts", .linkname = "",
				   .mode = 04755, .uid = 0, .gid = 0, .size = 7,
				   .mtime = 1700000000 };

	roundtrip(&e, "plain file");
	memset(p200, 'x', 200);
	for (int i = 20; i < 200; i += 20)
		p200[i] = '/';
	e.path = p200;
	roundtrip(&e, "200-byte path (prefix split)");
	memset(p300, 'y', 300);
	e.path = p300;
	roundtrip(&e, "300-byte path without slashes (PAX)");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_SYMLINK, .path = "l", .mode = 0777 };
	memset(l150, 'z', 150);
	e.linkname = l150;
	roundtrip(&e, "150-byte symlink target (PAX)");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = "ids", .linkname = "",
				    .uid = 3000000000u, .gid = 2097152, .mtime = -5,
				    .mode = 0600, .nxattrs = 2, .xattrs = xs };
	roundtrip(&e, "big ids, negative mtime, xattrs");
	if (G.n == 1 && G.e[0].nxattrs == 2)
		is_str(G.xname[0], "security.capability", "xattrs are written sorted by name");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_BLK, .path = "dev/x", .linkname = "",
				    .mode = 0660, .devmajor = 259, .devminor = 3000000 };
	roundtrip(&e, "block device, big minor (base-256)");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_HARDLINK, .path = "h", .linkname = "etc/hosts",
				    .mode = 0644 };
	roundtrip(&e, "hardlink");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_FIFO, .path = "f", .linkname = "",
				    .mode = 0600 };
	roundtrip(&e, "fifo");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_DIR, .path = "./", .linkname = "",
				    .mode = 01777 };
	roundtrip(&e, "root dir, sticky");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = "huge", .linkname = "",
				    .size = 10ULL << 30 };
	roundtrip(&e, "10 GiB size (PAX)");
	e = (struct vsl_tar_entry){ .type = VSL_TAR_DIR, .path = "d", .linkname = "", .size = 1 };
	ok(vsl_tar_header_encode(&e, &(uint8_t *){ NULL }, &(size_t){ 0 }, NULL) < 0,
	   "encoder refuses data on a directory");
}

int main(void)
{
	test_ustar();
	test_gnu();
	test_pax();
	test_errors();
	test_clean();
	test_roundtrip();
	return done_testing();
}
