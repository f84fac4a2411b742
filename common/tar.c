/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar header parser (ustar, GNU, PAX) and path sanitising. Pure: no syscalls, and every buffer
 * it fills is bounded (see tar.h), so the fuzzer can feed it anything. The stream reader that
 * drives it over a callback lives in tarread.c, the encoder in tarenc.c.
 */
#include "tar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { ST_HEADER = 0, ST_EXT = 1 };

/* ustar field offsets and widths (POSIX.1-1988 ustar, GNU uses the same for what we read) */
#define F_NAME 0, 100
#define F_MODE 100, 8
#define F_UID 108, 8
#define F_GID 116, 8
#define F_SIZE 124, 12
#define F_MTIME 136, 12
#define F_CHKSUM 148, 8
#define O_TYPE 156
#define F_LINK 157, 100
#define O_MAGIC 257
#define F_DEVMAJOR 329, 8
#define F_DEVMINOR 337, 8
#define F_PREFIX 345, 155

static void ext_clear(struct vsl_tar_ext *x)
{
	for (size_t i = 0; i < x->nxattrs; i++) {
		free(x->xattrs[i].name);
		free(x->xattrs[i].value);
	}
	free(x->xattrs);
	memset(x, 0, sizeof(*x));
}

void vsl_tar_parser_init(struct vsl_tar_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void vsl_tar_parser_fini(struct vsl_tar_parser *p)
{
	ext_clear(&p->file);
	ext_clear(&p->global);
}

uint64_t vsl_tar_parser_ext_size(const struct vsl_tar_parser *p)
{
	return p->ext_size;
}

const char *vsl_tar_type_name(enum vsl_tar_type t)
{
	static const char *const names[] = {
		[VSL_TAR_REG] = "file", [VSL_TAR_HARDLINK] = "hardlink",
		[VSL_TAR_SYMLINK] = "symlink", [VSL_TAR_CHR] = "char device",
		[VSL_TAR_BLK] = "block device", [VSL_TAR_DIR] = "directory",
		[VSL_TAR_FIFO] = "fifo",
	};
	if ((unsigned)t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	return "unknown";
}

/*
 * A numeric field: octal digits between optional leading spaces and a NUL/space terminator, or
 * GNU/star base-256 (high bit set, bit 6 of the first byte is the sign, two's complement).
 * Empty fields are 0. Values must fit in int64_t.
 */
static int parse_num(const uint8_t *f, size_t n, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		uint8_t inv = (f[0] & 0x40) ? 0xff : 0;

		for (i = 0; i < n; i++) {
			uint8_t c = f[i] ^ inv;

			if (i == 0)
				c &= 0x7f;
			if (v >> 55)
				return -1;
			v = v << 8 | c;
		}
		if (v >> 63)
			return -1;
		*out = inv ? -(int64_t)v - 1 : (int64_t)v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = (int64_t)v;
	return 0;
}

static int field_num(const uint8_t *blk, size_t off, size_t n, const char *what, int64_t min,
		     int64_t max, int64_t *out, struct vsl_error *err)
{
	if (parse_num(blk + off, n, out) < 0 || *out < min || *out > max)
		return vsl_error_set(err, 0, "bad %s field '%.*s'", what, (int)n,
				     (const char *)blk + off);
	return 0;
}

static int checksum_ok(const uint8_t *blk, struct vsl_error *err)
{
	int64_t stored;
	uint64_t usum = 0;
	int64_t ssum = 0;

	if (parse_num(blk + 148, 8, &stored) < 0)
		return vsl_error_set(err, 0, "bad checksum field (not a tar archive?)");
	for (size_t i = 0; i < VSL_TAR_BLOCK; i++) {
		uint8_t c = (i >= 148 && i < 156) ? ' ' : blk[i];

		usum += c;
		ssum += (int8_t)c;
	}
	/* Old tars summed signed chars; accept either, as GNU tar does. */
	if ((int64_t)usum != stored && ssum != stored)
		return vsl_error_set(err, 0, "checksum mismatch (corrupt or not a tar "
					     "archive)");
	return 0;
}

static bool all_zero(const uint8_t *blk)
{
	for (size_t i = 0; i < VSL_TAR_BLOCK; i++)
		if (blk[i])
			return false;
	return true;
}

static int set_str(char *dst, const char *src, size_t n, const char *what, struct vsl_error *err)
{
	if (n > VSL_TAR_MAX_PATH)
		return vsl_error_set(err, 0, "%s of %zu bytes is longer than %u", what, n,
				     VSL_TAR_MAX_PATH);
	if (memchr(src, '\0', n))
		return vsl_error_set(err, 0, "%s contains a NUL byte", what);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* Decimal value of a PAX record; mtime may carry a sign and a fraction, which is dropped. */
static int pax_num(const char *v, size_t n, bool is_time, int64_t *out)
{
	bool neg = false;
	uint64_t x = 0;
	size_t i = 0;

	if (is_time && i < n && v[i] == '-') {
		neg = true;
		i++;
	}
	if (i == n || v[i] < '0' || v[i] > '9')
		return -1;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (UINT64_C(1) << 62) / 5)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x >> 63 && !(neg && x == UINT64_C(1) << 63))
		return -1;
	if (is_time && i < n && v[i] == '.') {
		for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			;
	}
	if (i != n)
		return -1;
	*out = neg ? (int64_t)(0 - x) : (int64_t)x; /* two's complement: INT64_MIN works too */
	return 0;
}

static int xattr_put(struct vsl_tar_ext *x, const char *name, size_t nlen, const uint8_t *val,
		     size_t vlen, struct vsl_error *err)
{
	struct vsl_tar_xattr *a = NULL;
	uint8_t *copy;

	if (nlen == 0 || nlen > VSL_TAR_MAX_XATTR_NAME || memchr(name, '\0', nlen))
		return vsl_error_set(err, 0, "bad xattr name '%.*s'", (int)nlen, name);
	if (vlen > VSL_TAR_MAX_XATTR_VALUE)
		return vsl_error_set(err, 0, "xattr %.*s value of %zu bytes is too large",
				     (int)nlen, name, vlen);
	for (size_t i = 0; i < x->nxattrs; i++)
		if (strlen(x->xattrs[i].name) == nlen && !memcmp(x->xattrs[i].name, name, nlen))
			a = &x->xattrs[i];
	if (!a) {
		if (x->nxattrs >= VSL_TAR_MAX_XATTRS)
			return vsl_error_set(err, 0, "more than %u xattrs on one entry",
					     VSL_TAR_MAX_XATTRS);
		if (!x->xattrs) {
			x->xattrs = calloc(VSL_TAR_MAX_XATTRS, sizeof(*x->xattrs));
			if (!x->xattrs)
				return vsl_error_set(err, ENOMEM, "xattrs");
		}
		a = &x->xattrs[x->nxattrs];
		a->name = strndup(name, nlen);
		if (!a->name)
			return vsl_error_set(err, ENOMEM, "xattrs");
		x->nxattrs++;
	}
	copy = malloc(vlen + 1);
	if (!copy)
		return vsl_error_set(err, ENOMEM, "xattrs");
	memcpy(copy, val, vlen);
	copy[vlen] = '\0';
	free(a->value);
	a->value = copy;
	a->len = vlen;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* libarchive's form: the name %-escaped, the value base64 (padding optional). */
static int libarchive_xattr(struct vsl_tar_ext *x, const char *k, size_t klen, const char *v,
			    size_t vlen, struct vsl_error *err)
{
	char name[VSL_TAR_MAX_XATTR_NAME + 1];
	uint8_t *val;
	size_t nn = 0, nv = 0;
	uint32_t acc = 0;
	int bits = 0, rc;

	for (size_t i = 0; i < klen; i++) {
		int c = (unsigned char)k[i];

		if (c == '%' && i + 2 < klen && hexval(k[i + 1]) >= 0 && hexval(k[i + 2]) >= 0) {
			c = hexval(k[i + 1]) << 4 | hexval(k[i + 2]);
			i += 2;
		}
		if (nn >= VSL_TAR_MAX_XATTR_NAME)
			return vsl_error_set(err, 0, "xattr name too long");
		name[nn++] = (char)c;
	}
	val = malloc(vlen / 4 * 3 + 3);
	if (!val)
		return vsl_error_set(err, ENOMEM, "xattrs");
	for (size_t i = 0; i < vlen && v[i] != '='; i++) {
		int d = b64val(v[i]);

		if (d < 0) {
			free(val);
			return vsl_error_set(err, 0, "bad base64 in xattr %.*s", (int)nn, name);
		}
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			val[nv++] = (uint8_t)(acc >> bits);
		}
	}
	rc = xattr_put(x, name, nn, val, nv, err);
	free(val);
	return rc;
}

/* size, uid, gid, mtime: an empty value reverts to the header's, as POSIX says */
static int pax_number(struct vsl_tar_ext *x, const char *k, size_t klen, const char *v,
		      size_t vlen, struct vsl_error *err)
{
	bool is_size = klen == 4 && !memcmp(k, "size", 4);
	bool is_time = klen == 5 && !memcmp(k, "mtime", 5);
	bool is_uid = klen == 3 && !memcmp(k, "uid", 3);
	bool *has = is_size ? &x->has_size : is_time ? &x->has_mtime : is_uid ? &x->has_uid :
		    &x->has_gid;
	int64_t n = 0;

	*has = vlen > 0;
	if (!vlen)
		return 0;
	if (pax_num(v, vlen, is_time, &n) < 0 || (!is_time && !is_size && n > UINT32_MAX))
		return vsl_error_set(err, 0, "bad PAX %.*s '%.*s'", (int)klen, k,
				     (int)(vlen > 64 ? 64 : vlen), v);
	if (is_size)
		x->size = (uint64_t)n;
	else if (is_time)
		x->mtime = n;
	else if (is_uid)
		x->uid = (uint32_t)n;
	else
		x->gid = (uint32_t)n;
	return 0;
}

static int pax_keyword(struct vsl_tar_ext *x, const char *k, size_t klen, const char *v,
		       size_t vlen, struct vsl_error *err)
{
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(k, s, klen))
#define PREFIX(s) (klen > sizeof(s) - 1 && !memcmp(k, s, sizeof(s) - 1))
	if (KEY("path")) {
		x->has_path = vlen > 0; /* an empty value reverts to the header's */
		return set_str(x->path, v, vlen, "path", err);
	}
	if (KEY("linkpath")) {
		x->has_linkpath = vlen > 0;
		return set_str(x->linkpath, v, vlen, "linkpath", err);
	}
	if (KEY("size") || KEY("uid") || KEY("gid") || KEY("mtime"))
		return pax_number(x, k, klen, v, vlen, err);
	if (PREFIX("SCHILY.xattr."))
		return xattr_put(x, k + 13, klen - 13, (const uint8_t *)v, vlen, err);
	if (PREFIX("LIBARCHIVE.xattr."))
		return libarchive_xattr(x, k + 17, klen - 17, v, vlen, err);
	if (PREFIX("GNU.sparse."))
		return vsl_error_set(err, 0, "sparse files are not supported (%.*s)", (int)klen,
				     k);
	return 0; /* atime, ctime, uname, gname, comment, charset, ...: not kept */
#undef KEY
#undef PREFIX
}

/* "LEN KEY=VALUE\n" records, LEN counting the whole record. */
static int parse_pax(struct vsl_tar_ext *x, const uint8_t *data, size_t len, struct vsl_error *err)
{
	size_t pos = 0;

	while (pos < len) {
		const char *rec = (const char *)data + pos, *eq;
		size_t rlen = 0, i = 0, left = len - pos;

		if (rec[0] == '\0')
			break; /* some writers pad the record with NULs */
		for (; i < left && i < 10 && rec[i] >= '0' && rec[i] <= '9'; i++)
			rlen = rlen * 10 + (size_t)(rec[i] - '0');
		if (i == 0 || i >= left || rec[i] != ' ' || rlen <= i + 1 || rlen > left ||
		    rec[rlen - 1] != '\n')
			return vsl_error_set(err, 0, "malformed PAX record at byte %zu", pos);
		i++;
		eq = memchr(rec + i, '=', rlen - 1 - i);
		if (!eq || eq == rec + i)
			return vsl_error_set(err, 0, "malformed PAX record at byte %zu", pos);
		if (pax_keyword(x, rec + i, (size_t)(eq - rec) - i, eq + 1,
				(size_t)(rec + rlen - 1 - (eq + 1)), err) < 0)
			return -1;
		pos += rlen;
	}
	return 0;
}

int vsl_tar_parse_ext(struct vsl_tar_parser *p, const uint8_t *data, size_t len,
		      struct vsl_error *err)
{
	struct vsl_tar_ext *x = p->ext_kind == 'g' ? &p->global : &p->file;
	const char *what = p->ext_kind == 'L' ? "GNU long name" : "GNU long link name";

	if (p->state != ST_EXT || len != p->ext_size)
		return vsl_error_set(err, 0, "extension record of %zu bytes not expected", len);
	p->state = ST_HEADER;
	if (p->ext_kind == 'x' || p->ext_kind == 'g')
		return parse_pax(x, data, len, err);
	/* GNU 'L'/'K': the name, NUL-terminated (the NUL is counted in the size). */
	len = strnlen((const char *)data, len);
	if (p->ext_kind == 'L') {
		x->has_path = len > 0;
		return set_str(x->path, (const char *)data, len, what, err);
	}
	x->has_linkpath = len > 0;
	return set_str(x->linkpath, (const char *)data, len, what, err);
}

static enum vsl_tar_type map_type(uint8_t t)
{
	switch (t) {
	case '0':
	case '\0':
	case '7': /* contiguous file: a regular file everywhere but on one old Unix */
		return VSL_TAR_REG;
	case '1':
		return VSL_TAR_HARDLINK;
	case '2':
		return VSL_TAR_SYMLINK;
	case '3':
		return VSL_TAR_CHR;
	case '4':
		return VSL_TAR_BLK;
	case '5':
		return VSL_TAR_DIR;
	case '6':
		return VSL_TAR_FIFO;
	default:
		return 0;
	}
}

/* name, or prefix "/" name for POSIX ustar (GNU tar uses the prefix area for other things). */
static void header_path(struct vsl_tar_parser *p, const uint8_t *blk)
{
	size_t nlen = strnlen((const char *)blk, 100), plen = 0;

	if (!memcmp(blk + O_MAGIC, "ustar\0", 6))
		plen = strnlen((const char *)blk + 345, 155);
	if (plen) {
		memcpy(p->path, blk + 345, plen);
		p->path[plen] = '/';
	}
	memcpy(p->path + plen + !!plen, blk, nlen);
	p->path[plen + !!plen + nlen] = '\0';
}

/* The per-file record wins over the global one, which wins over the header. */
#define EXT_VALUE(p, has, field, dflt)                                                             \
	((p)->file.has ? (p)->file.field : (p)->global.has ? (p)->global.field : (dflt))

static void merge_xattrs(struct vsl_tar_parser *p)
{
	struct vsl_tar_entry *e = &p->entry;

	e->nxattrs = 0;
	for (size_t i = 0; i < p->global.nxattrs; i++) {
		bool shadowed = false;

		for (size_t j = 0; j < p->file.nxattrs && !shadowed; j++)
			shadowed = !strcmp(p->global.xattrs[i].name, p->file.xattrs[j].name);
		if (!shadowed)
			p->merged[e->nxattrs++] = p->global.xattrs[i];
	}
	for (size_t i = 0; i < p->file.nxattrs; i++)
		p->merged[e->nxattrs++] = p->file.xattrs[i];
	e->xattrs = e->nxattrs ? p->merged : NULL;
}

static int header_numbers(struct vsl_tar_parser *p, const uint8_t *blk, struct vsl_error *err)
{
	struct vsl_tar_entry *e = &p->entry;
	int64_t mode, uid = 0, gid = 0, size = 0, mtime = 0, maj = 0, min = 0;

	if (field_num(blk, F_MODE, "mode", 0, INT64_MAX, &mode, err) < 0)
		return -1;
	if (!p->file.has_uid && !p->global.has_uid &&
	    field_num(blk, F_UID, "uid", 0, UINT32_MAX, &uid, err) < 0)
		return -1;
	if (!p->file.has_gid && !p->global.has_gid &&
	    field_num(blk, F_GID, "gid", 0, UINT32_MAX, &gid, err) < 0)
		return -1;
	if (!p->file.has_size && !p->global.has_size &&
	    field_num(blk, F_SIZE, "size", 0, INT64_MAX, &size, err) < 0)
		return -1;
	if (!p->file.has_mtime && !p->global.has_mtime &&
	    field_num(blk, F_MTIME, "mtime", INT64_MIN, INT64_MAX, &mtime, err) < 0)
		return -1;
	if ((e->type == VSL_TAR_CHR || e->type == VSL_TAR_BLK) &&
	    (field_num(blk, F_DEVMAJOR, "devmajor", 0, UINT32_MAX, &maj, err) < 0 ||
	     field_num(blk, F_DEVMINOR, "devminor", 0, UINT32_MAX, &min, err) < 0))
		return -1;
	e->mode = (uint32_t)(mode & 07777); /* some writers add S_IFMT bits */
	e->uid = EXT_VALUE(p, has_uid, uid, (uint32_t)uid);
	e->gid = EXT_VALUE(p, has_gid, gid, (uint32_t)gid);
	e->size = EXT_VALUE(p, has_size, size, (uint64_t)size);
	e->mtime = EXT_VALUE(p, has_mtime, mtime, mtime);
	e->devmajor = (uint32_t)maj;
	e->devminor = (uint32_t)min;
	return 0;
}

/* Request the record announced by an 'x', 'g', 'L' or 'K' header. */
static int want_ext(struct vsl_tar_parser *p, const uint8_t *blk, struct vsl_error *err)
{
	int64_t size;

	if (field_num(blk, F_SIZE, "size", 0, INT64_MAX, &size, err) < 0)
		return -1;
	if ((uint64_t)size > VSL_TAR_MAX_EXT)
		return vsl_error_set(err, 0, "extension record ('%c') of %lld bytes is larger "
					     "than the %u accepted", blk[O_TYPE], (long long)size,
				     VSL_TAR_MAX_EXT);
	p->ext_kind = (char)blk[O_TYPE];
	p->ext_size = (uint64_t)size;
	p->state = ST_EXT;
	return VSL_TAR_NEED_EXT;
}

static int build_entry(struct vsl_tar_parser *p, const uint8_t *blk, struct vsl_error *err)
{
	struct vsl_tar_entry *e = &p->entry;
	uint8_t t = blk[O_TYPE];

	memset(e, 0, sizeof(*e));
	e->path = p->path;
	e->linkname = p->linkname;
	if (p->file.has_path || p->global.has_path)
		memcpy(p->path, p->file.has_path ? p->file.path : p->global.path,
		       strlen(p->file.has_path ? p->file.path : p->global.path) + 1);
	else
		header_path(p, blk);
	if (p->file.has_linkpath || p->global.has_linkpath)
		memcpy(p->linkname, p->file.has_linkpath ? p->file.linkpath : p->global.linkpath,
		       strlen(p->file.has_linkpath ? p->file.linkpath : p->global.linkpath) + 1);
	else
		set_str(p->linkname, (const char *)blk + 157, strnlen((const char *)blk + 157, 100),
			"linkname", err);
	e->type = map_type(t);
	if (!e->type)
		return vsl_error_set(err, 0, "entry '%s' has unsupported type '%c' (0x%02x)%s",
				     p->path, t >= 0x20 && t < 0x7f ? t : '?', t,
				     t == 'S' ? ": GNU sparse files are not supported" : "");
	if (!p->path[0])
		return vsl_error_set(err, 0, "entry with an empty name");
	if (header_numbers(p, blk, err) < 0)
		return vsl_error_wrap(err, "entry '%s'", p->path);
	if (e->type == VSL_TAR_REG && e->path[strlen(e->path) - 1] == '/') {
		/* pre-POSIX archives marked directories only with a trailing slash */
		if (e->size)
			return vsl_error_set(err, 0, "entry '%s' is a file whose name ends in "
						     "'/'", p->path);
		e->type = VSL_TAR_DIR;
	}
	if (e->type != VSL_TAR_REG)
		e->size = 0; /* header-only types: any size field is ignored, as Go and GNU do */
	if ((e->type == VSL_TAR_HARDLINK || e->type == VSL_TAR_SYMLINK) && !p->linkname[0])
		return vsl_error_set(err, 0, "%s '%s' has an empty target",
				     vsl_tar_type_name(e->type), p->path);
	merge_xattrs(p);
	return VSL_TAR_ENTRY;
}

int vsl_tar_parse_block(struct vsl_tar_parser *p, const uint8_t blk[VSL_TAR_BLOCK],
			struct vsl_tar_entry *out, struct vsl_error *err)
{
	uint8_t t = blk[O_TYPE];
	int rc;

	if (p->state != ST_HEADER)
		return vsl_error_set(err, 0, "header given while an extension record was due");
	if (p->file_used) {
		ext_clear(&p->file);
		p->file_used = false;
	}
	if (all_zero(blk))
		return VSL_TAR_END;
	if (checksum_ok(blk, err) < 0)
		return -1;
	if (t == 'x' || t == 'g' || t == 'L' || t == 'K')
		return want_ext(p, blk, err);
	rc = build_entry(p, blk, err);
	p->file_used = true;
	if (rc == VSL_TAR_ENTRY)
		*out = p->entry;
	return rc;
}

int vsl_tar_path_clean(const char *in, char *out, struct vsl_error *err)
{
	const char *s = in;
	char *o = out;

	/* Check first, so the message can quote the name even when out == in. */
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return vsl_error_set(err, 0, "'%s': a '..' component would leave the root",
					     in);
		s += n;
		s += strspn(s, "/");
	}
	for (s = in; *s;) {
		size_t n;

		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.')) {
			s += n;
			continue;
		}
		if (o != out)
			*o++ = '/';
		memmove(o, s, n);
		o += n;
		s += n;
	}
	*o = '\0';
	return 0;
}
