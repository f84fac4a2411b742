/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar header encoder: POSIX ustar, plus a PAX 'x' record only when a value does not fit
 * (name/link too long, ids/size/mtime too big or negative, xattrs). Pure and deterministic:
 * the bytes depend on the entry alone (xattrs are sorted by name), no uname/gname, no pid or
 * time in the PAX header's own name, so identical trees give identical archives.
 */
#include "tar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OCT7 07777777ULL
#define MAX_OCT11 077777777777ULL

struct buf {
	uint8_t *d;
	size_t len, cap;
};

static int buf_grow(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 1024;
	uint8_t *d;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->d, cap);
	if (!d)
		return -1;
	b->d = d;
	b->cap = cap;
	return 0;
}

static size_t ndigits(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* "LEN key=value\n" where LEN counts itself. */
static int pax_add(struct buf *b, const char *key, const void *val, size_t vlen)
{
	size_t base = 1 + strlen(key) + 1 + vlen + 1, len = base + 1;
	int n;

	while (ndigits(len) + base != len)
		len = ndigits(len) + base;
	if (buf_grow(b, len + 1) < 0)
		return -1;
	n = snprintf((char *)b->d + b->len, len + 1, "%zu %s=", len, key);
	memcpy(b->d + b->len + n, val, vlen);
	b->d[b->len + len - 1] = '\n';
	b->len += len;
	return 0;
}

static int pax_add_num(struct buf *b, const char *key, long long v)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%lld", v);

	return pax_add(b, key, s, (size_t)n);
}

static void put_oct(uint8_t *f, size_t width, uint64_t v)
{
	char s[24];

	/* width-1 digits and a NUL, the form every reader accepts */
	snprintf(s, sizeof(s), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(f, s, width);
}

static void put_b256(uint8_t *f, size_t width, uint64_t v)
{
	for (size_t i = width; i-- > 1;) {
		f[i] = (uint8_t)v;
		v >>= 8;
	}
	f[0] = 0x80;
}

/* Split into prefix (<=155) and name (<=100) at a '/', as ustar wants; false if impossible. */
static bool split_path(const char *path, size_t *prefix_len)
{
	size_t len = strlen(path);

	if (len <= 100) {
		*prefix_len = 0;
		return true;
	}
	for (size_t i = len > 101 ? len - 101 : 0; i < len && i <= 155; i++) {
		if (path[i] == '/' && i > 0 && len - i - 1 <= 100 && len - i - 1 > 0) {
			*prefix_len = i;
			return true;
		}
	}
	return false;
}

static char type_flag(enum vsl_tar_type t)
{
	static const char flags[] = {
		[VSL_TAR_REG] = '0', [VSL_TAR_HARDLINK] = '1', [VSL_TAR_SYMLINK] = '2',
		[VSL_TAR_CHR] = '3', [VSL_TAR_BLK] = '4', [VSL_TAR_DIR] = '5',
		[VSL_TAR_FIFO] = '6',
	};
	return (unsigned)t < sizeof(flags) ? flags[t] : 0;
}

static void put_checksum(uint8_t *h)
{
	unsigned sum = 0;
	char s[8];

	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < VSL_TAR_BLOCK; i++)
		sum += h[i];
	snprintf(s, sizeof(s), "%06o", sum);
	memcpy(h + 148, s, 7); /* six digits, NUL, and the space already there */
}

/* The ustar block for e; values that went into the PAX record are written as 0/truncated. */
static void ustar_block(uint8_t *h, const struct vsl_tar_entry *e, char flag, uint64_t size,
			int64_t mtime)
{
	size_t plen = 0, len = strlen(e->path), llen = strlen(e->linkname);

	memset(h, 0, VSL_TAR_BLOCK);
	if (split_path(e->path, &plen) && plen) {
		memcpy(h + 345, e->path, plen);
		memcpy(h, e->path + plen + 1, len - plen - 1);
	} else {
		memcpy(h, e->path, len < 100 ? len : 100);
	}
	put_oct(h + 100, 8, e->mode & 07777);
	put_oct(h + 108, 8, e->uid <= MAX_OCT7 ? e->uid : 0);
	put_oct(h + 116, 8, e->gid <= MAX_OCT7 ? e->gid : 0);
	put_oct(h + 124, 12, size <= MAX_OCT11 ? size : 0);
	put_oct(h + 136, 12, mtime >= 0 && (uint64_t)mtime <= MAX_OCT11 ? (uint64_t)mtime : 0);
	h[156] = (uint8_t)flag;
	memcpy(h + 157, e->linkname, llen < 100 ? llen : 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	if (e->type == VSL_TAR_CHR || e->type == VSL_TAR_BLK) {
		if (e->devmajor <= MAX_OCT7)
			put_oct(h + 329, 8, e->devmajor);
		else
			put_b256(h + 329, 8, e->devmajor);
		if (e->devminor <= MAX_OCT7)
			put_oct(h + 337, 8, e->devminor);
		else
			put_b256(h + 337, 8, e->devminor);
	}
	put_checksum(h);
}

static int cmp_xattr(const void *a, const void *b)
{
	const struct vsl_tar_xattr *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int pax_xattrs(struct buf *b, const struct vsl_tar_entry *e, struct vsl_error *err)
{
	const struct vsl_tar_xattr **v;
	int rc = 0;

	if (!e->nxattrs)
		return 0;
	v = malloc(e->nxattrs * sizeof(*v));
	if (!v)
		return vsl_error_set(err, ENOMEM, "tar: encode xattrs of '%s'", e->path);
	for (size_t i = 0; i < e->nxattrs; i++)
		v[i] = &e->xattrs[i];
	qsort(v, e->nxattrs, sizeof(*v), cmp_xattr);
	for (size_t i = 0; i < e->nxattrs && rc == 0; i++) {
		char key[32 + VSL_TAR_MAX_XATTR_NAME];
		size_t nl = strlen(v[i]->name);

		/* '=' would end the keyword early; names like that cannot be stored in PAX */
		if (nl == 0 || nl > VSL_TAR_MAX_XATTR_NAME || strchr(v[i]->name, '=')) {
			rc = vsl_error_set(err, EINVAL, "tar: '%s': xattr name '%s' cannot be "
					   "stored", e->path, v[i]->name);
			break;
		}
		snprintf(key, sizeof(key), "SCHILY.xattr.%s", v[i]->name);
		if (pax_add(b, key, v[i]->value, v[i]->len) < 0)
			rc = vsl_error_set(err, ENOMEM, "tar: encode xattrs of '%s'", e->path);
	}
	free(v);
	return rc;
}

static int pax_record(struct buf *b, const struct vsl_tar_entry *e, struct vsl_error *err)
{
	size_t plen;
	int rc = 0;

	if (!split_path(e->path, &plen))
		rc |= pax_add(b, "path", e->path, strlen(e->path));
	if (strlen(e->linkname) > 100)
		rc |= pax_add(b, "linkpath", e->linkname, strlen(e->linkname));
	if (e->size > MAX_OCT11)
		rc |= pax_add_num(b, "size", (long long)e->size);
	if (e->uid > MAX_OCT7)
		rc |= pax_add_num(b, "uid", e->uid);
	if (e->gid > MAX_OCT7)
		rc |= pax_add_num(b, "gid", e->gid);
	if (e->mtime < 0 || (uint64_t)e->mtime > MAX_OCT11)
		rc |= pax_add_num(b, "mtime", (long long)e->mtime);
	if (rc)
		return vsl_error_set(err, ENOMEM, "tar: encode '%s'", e->path);
	return pax_xattrs(b, e, err);
}

int vsl_tar_header_encode(const struct vsl_tar_entry *e, uint8_t **out, size_t *len,
			  struct vsl_error *err)
{
	struct buf pax = { 0 };
	char flag = type_flag(e->type);
	size_t padded, total;
	uint8_t *res;

	if (!flag || !e->path[0] || (e->size && e->type != VSL_TAR_REG))
		return vsl_error_set(err, EINVAL, "tar: cannot encode %s '%s' of size %llu",
				     vsl_tar_type_name(e->type), e->path,
				     (unsigned long long)e->size);
	if (pax_record(&pax, e, err) < 0) {
		free(pax.d);
		return -1;
	}
	padded = pax.len + (size_t)vsl_tar_padding(pax.len);
	total = (pax.len ? VSL_TAR_BLOCK + padded : 0) + VSL_TAR_BLOCK;
	res = calloc(1, total);
	if (!res) {
		free(pax.d);
		return vsl_error_set(err, ENOMEM, "tar: encode '%s'", e->path);
	}
	if (pax.len) {
		const char *base = strrchr(e->path, '/');
		char name[128];
		struct vsl_tar_entry x = { .type = VSL_TAR_REG, .mode = 0644, .linkname = "" };

		/* the record's own name: fixed and short, so it never needs a record itself */
		base = base && base[1] ? base + 1 : e->path;
		snprintf(name, sizeof(name), "PaxHeaders/%.88s", base);
		x.path = name;
		ustar_block(res, &x, 'x', pax.len, 0);
		memcpy(res + VSL_TAR_BLOCK, pax.d, pax.len);
	}
	ustar_block(res + total - VSL_TAR_BLOCK, e, flag, e->size, e->mtime);
	free(pax.d);
	*out = res;
	*len = total;
	return 0;
}
