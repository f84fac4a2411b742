/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended attributes. An inode's xattr id indexes the xattr id table: (reference into the
 * key/value area, count, size). The area is a metadata stream of pairs: key (16-bit type:
 * prefix 0 user., 1 trusted., 2 security., bit 8 = value stored out of line; 16-bit name
 * length; the name without its prefix), then value (32-bit length, bytes). An out-of-line
 * value is an 8-byte reference to a (length, bytes) pair elsewhere in the area, which lets
 * mksquashfs store a value shared by many inodes once. Unknown prefixes are skipped, as the
 * kernel does. Each inode's pairs are capped at VSL_SQFS_XATTR_MAX bytes.
 */
#include "internal.h"

#include <errno.h>

#define XATTR_OOL 0x100u
#define NAME_MAX_BYTES 255u

static const char *const prefixes[] = { "user.", "trusted.", "security." };

struct xattr_it {
	struct vsl_sqfs *fs;
	struct vsl_sqfs_mpos pos;
	uint32_t left;
	uint64_t used;
	/* the current pair */
	char name[16 + NAME_MAX_BYTES + 1];
	size_t namelen;
	bool known;
	uint32_t vsize;
	struct vsl_sqfs_mpos vpos;
};

static int kv_pos(struct vsl_sqfs *fs, uint64_t ref, struct vsl_sqfs_mpos *pos,
		  struct vsl_error *err)
{
	if ((ref >> 16) >= fs->bytes_used - fs->xattr_kv_start || (ref & 0xffff) >= SQFS_META_SIZE)
		return sqfs_corrupt(err, "xattr reference 0x%llx outside the table",
				    (unsigned long long)ref);
	pos->block = fs->xattr_kv_start + (ref >> 16);
	pos->off = ref & 0xffff;
	return 0;
}

static int xattr_open(struct xattr_it *it, struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in,
		      struct vsl_error *err)
{
	uint8_t e[16];
	int rc;

	memset(it, 0, sizeof(*it));
	it->fs = fs;
	if (in->xattr == VSL_SQFS_NO_XATTR)
		return 0;
	rc = sqfs_table_entry(fs, &fs->xattrs, in->xattr, e, sizeof(e), "xattr id", err);
	if (rc >= 0)
		rc = kv_pos(fs, sqfs_le64(e), &it->pos, err);
	if (rc < 0)
		return rc;
	it->left = sqfs_le32(e + 8);
	if (sqfs_le32(e + 12) > VSL_SQFS_XATTR_MAX || it->left > VSL_SQFS_XATTR_MAX / 8)
		return sqfs_corrupt(err, "inode %llu: %u xattrs of %u bytes",
				    (unsigned long long)in->ino, it->left, sqfs_le32(e + 12));
	return 0;
}

/* The value of an out-of-line pair: follow the reference to its (length, bytes). */
static int value_ool(struct xattr_it *it, struct vsl_error *err)
{
	uint8_t ref[8], len[4];
	int rc;

	if (it->vsize != 8)
		return sqfs_corrupt(err, "out-of-line xattr reference of %u bytes", it->vsize);
	rc = sqfs_meta_read(it->fs, &it->pos, ref, sizeof(ref), err);
	if (rc >= 0)
		rc = kv_pos(it->fs, sqfs_le64(ref), &it->vpos, err);
	if (rc >= 0)
		rc = sqfs_meta_read(it->fs, &it->vpos, len, sizeof(len), err);
	if (rc < 0)
		return rc;
	it->vsize = sqfs_le32(len);
	return 0;
}

/* The next pair: 1, 0 after the last, or -errno. */
static int xattr_next(struct xattr_it *it, struct vsl_error *err)
{
	uint8_t k[4], v[4];
	unsigned type, nlen;
	size_t plen;
	int rc;

	if (!it->left)
		return 0;
	rc = sqfs_meta_read(it->fs, &it->pos, k, sizeof(k), err);
	if (rc < 0)
		return rc;
	type = sqfs_le16(k);
	nlen = sqfs_le16(k + 2);
	if ((type & ~(XATTR_OOL | 0xffu)) || nlen == 0 || nlen > NAME_MAX_BYTES)
		return sqfs_corrupt(err, "xattr key of type 0x%x and %u bytes", type, nlen);
	it->known = (type & 0xff) < sizeof(prefixes) / sizeof(prefixes[0]);
	plen = it->known ? strlen(prefixes[type & 0xff]) : 0;
	if (it->known)
		memcpy(it->name, prefixes[type & 0xff], plen);
	rc = sqfs_meta_read(it->fs, &it->pos, it->name + plen, nlen, err);
	if (rc >= 0)
		rc = sqfs_meta_read(it->fs, &it->pos, v, sizeof(v), err);
	if (rc < 0)
		return rc;
	it->namelen = plen + nlen;
	it->name[it->namelen] = '\0';
	it->vsize = sqfs_le32(v);
	it->used += sizeof(k) + nlen + sizeof(v) + it->vsize;
	if (it->vsize > VSL_SQFS_XATTR_VALUE_MAX || it->used > VSL_SQFS_XATTR_MAX)
		return sqfs_corrupt(err, "xattr \"%s\" value of %u bytes", it->name, it->vsize);
	if (type & XATTR_OOL) {
		rc = value_ool(it, err);
		if (rc >= 0 && it->vsize > VSL_SQFS_XATTR_VALUE_MAX)
			rc = sqfs_corrupt(err, "xattr \"%s\" value of %u bytes", it->name,
					  it->vsize);
	} else {
		it->vpos = it->pos;
		rc = sqfs_meta_skip(it->fs, &it->pos, it->vsize, err);
	}
	if (rc < 0)
		return rc;
	it->left--;
	return 1;
}

ssize_t vsl_sqfs_listxattr(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, char *buf,
			   size_t size, struct vsl_error *err)
{
	struct xattr_it it;
	size_t total = 0;
	int rc = xattr_open(&it, fs, in, err);

	while (rc >= 0 && (rc = xattr_next(&it, err)) > 0) {
		if (!it.known)
			continue;
		if (size && total + it.namelen + 1 <= size)
			memcpy(buf + total, it.name, it.namelen + 1);
		total += it.namelen + 1;
	}
	if (rc < 0)
		return rc;
	if (size && total > size)
		return -ERANGE;
	return (ssize_t)total;
}

ssize_t vsl_sqfs_getxattr(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, const char *name,
			  void *buf, size_t size, struct vsl_error *err)
{
	struct xattr_it it;
	int rc = xattr_open(&it, fs, in, err);

	while (rc >= 0 && (rc = xattr_next(&it, err)) > 0) {
		if (!it.known || strcmp(it.name, name) != 0)
			continue;
		if (size == 0)
			return it.vsize;
		if (it.vsize > size)
			return -ERANGE;
		rc = sqfs_meta_read(fs, &it.vpos, buf, it.vsize, err);
		return rc < 0 ? rc : (ssize_t)it.vsize;
	}
	return rc < 0 ? rc : -ENODATA;
}
