/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metadata blocks: the inode, directory, fragment, export, id and xattr tables are chains of
 * blocks of at most 8 KiB each, every one behind a 16-bit header (bit 15: stored uncompressed,
 * low 15 bits: size on disk). A cursor (block offset, offset inside the decompressed block)
 * reads across block boundaries.
 *
 * Each block is bounds-checked against the image and must decompress to 1..8192 bytes; the
 * next block starts right after this one, so a cursor only ever moves forward and any walk
 * ends at the end of the image.
 */
#include "internal.h"

#include <errno.h>

static int load_meta(struct vsl_sqfs *fs, uint64_t block, const void *arg, uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *aux, struct vsl_error *err)
{
	uint8_t hdr[2], raw[SQFS_META_SIZE];
	uint32_t csize;
	int rc;

	(void)arg;
	rc = sqfs_pread(fs, hdr, sizeof(hdr), block, err);
	if (rc < 0)
		return rc;
	csize = sqfs_le16(hdr) & ~SQFS_META_UNCOMPRESSED;
	if (csize == 0 || csize > SQFS_META_SIZE || cap < SQFS_META_SIZE)
		return sqfs_corrupt(err, "metadata block at %llu has a stored size of %u",
				    (unsigned long long)block, csize);
	if (sqfs_le16(hdr) & SQFS_META_UNCOMPRESSED) {
		rc = sqfs_pread(fs, buf, csize, block + 2, err);
		*len = csize;
	} else {
		rc = sqfs_pread(fs, raw, csize, block + 2, err);
		if (rc >= 0)
			rc = sqfs_decompress(fs, raw, csize, buf, SQFS_META_SIZE, len, err);
		if (rc >= 0 && *len == 0)
			rc = sqfs_corrupt(err, "metadata block at %llu is empty",
					  (unsigned long long)block);
	}
	if (rc < 0) {
		vsl_error_wrap(err, "metadata block at %llu", (unsigned long long)block);
		return rc;
	}
	*aux = block + 2 + csize;
	return 0;
}

int sqfs_meta_block(struct vsl_sqfs *fs, uint64_t block, struct sqfs_block *b,
		    struct vsl_error *err)
{
	if (block < SQFS_SUPER_SIZE || block >= fs->bytes_used)
		return sqfs_corrupt(err,
				    "metadata block offset %llu outside the image (%llu bytes)",
				    (unsigned long long)block, (unsigned long long)fs->bytes_used);
	return sqfs_cache_get(fs->meta_cache, fs, block, load_meta, NULL, b, err);
}

/* Copy (buf != NULL) or skip len bytes from the cursor, moving it. */
static int meta_walk(struct vsl_sqfs *fs, struct vsl_sqfs_mpos *pos, uint8_t *buf, uint64_t len,
		     struct vsl_error *err)
{
	while (len) {
		struct sqfs_block b;
		size_t n;
		int rc = sqfs_meta_block(fs, pos->block, &b, err);

		if (rc < 0)
			return rc;
		if (pos->off > b.len) {
			sqfs_cache_put(fs->meta_cache, &b);
			return sqfs_corrupt(err,
					    "offset %u beyond the %zu bytes of metadata block %llu",
					    pos->off, b.len, (unsigned long long)pos->block);
		}
		if (pos->off == b.len) {
			pos->block = b.aux;
			pos->off = 0;
			sqfs_cache_put(fs->meta_cache, &b);
			continue;
		}
		n = b.len - pos->off;
		if (n > len)
			n = (size_t)len;
		if (buf) {
			memcpy(buf, b.data + pos->off, n);
			buf += n;
		}
		pos->off += (uint32_t)n;
		len -= n;
		sqfs_cache_put(fs->meta_cache, &b);
	}
	return 0;
}

int sqfs_meta_read(struct vsl_sqfs *fs, struct vsl_sqfs_mpos *pos, void *buf, size_t len,
		   struct vsl_error *err)
{
	return meta_walk(fs, pos, buf, len, err);
}

int sqfs_meta_skip(struct vsl_sqfs *fs, struct vsl_sqfs_mpos *pos, uint64_t len,
		   struct vsl_error *err)
{
	return meta_walk(fs, pos, NULL, len, err);
}
