/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening a SquashFS 4.0 image: the 96-byte superblock is checked field by field (magic,
 * version, compressor, block size, and every table offset against the image size), then the
 * id table and the indexes of the fragment, export and xattr tables are read and the root
 * inode is loaded, so that a bad image fails here, with a message, rather than at first use.
 * Also the bounds-checked read every other file goes through, and the error helpers.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define META_CACHE_DEFAULT 256u
#define DATA_CACHE_DEFAULT 32u
#define CACHE_MAX 65536u

int sqfs_corrupt(struct vsl_error *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!err || err->msg)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vsl_error_set(err, 0, "squashfs image corrupt: %s", msg);
	err->errnum = EIO;
	return -EIO;
}

int sqfs_nomem(struct vsl_error *err, const char *what)
{
	vsl_error_set(err, ENOMEM, "squashfs: allocating %s", what);
	return -ENOMEM;
}

int sqfs_pread(struct vsl_sqfs *fs, void *buf, size_t len, uint64_t off, struct vsl_error *err)
{
	int rc;

	if (off > fs->bytes_used || len > fs->bytes_used - off)
		return sqfs_corrupt(err, "%zu bytes at offset %llu are past the end (%llu bytes)",
				    len, (unsigned long long)off,
				    (unsigned long long)fs->bytes_used);
	rc = fs->src.read(fs->src.ctx, buf, len, fs->src.base + off);
	if (rc >= 0)
		return 0;
	vsl_error_set(err, -rc, "reading %zu bytes at offset %llu of the squashfs image", len,
		      (unsigned long long)(fs->src.base + off));
	return rc;
}

struct super {
	uint32_t magic, inodes, mkfs_time, block_size, fragments;
	uint16_t comp, block_log, flags, nids, major, minor;
	uint64_t root, bytes_used, id_start, xattr_start, inode_start, dir_start, frag_start,
		export_start;
};

static void super_parse(const uint8_t *b, struct super *s)
{
	s->magic = sqfs_le32(b);
	s->inodes = sqfs_le32(b + 4);
	s->mkfs_time = sqfs_le32(b + 8);
	s->block_size = sqfs_le32(b + 12);
	s->fragments = sqfs_le32(b + 16);
	s->comp = sqfs_le16(b + 20);
	s->block_log = sqfs_le16(b + 22);
	s->flags = sqfs_le16(b + 24);
	s->nids = sqfs_le16(b + 26);
	s->major = sqfs_le16(b + 28);
	s->minor = sqfs_le16(b + 30);
	s->root = sqfs_le64(b + 32);
	s->bytes_used = sqfs_le64(b + 40);
	s->id_start = sqfs_le64(b + 48);
	s->xattr_start = sqfs_le64(b + 56);
	s->inode_start = sqfs_le64(b + 64);
	s->dir_start = sqfs_le64(b + 72);
	s->frag_start = sqfs_le64(b + 80);
	s->export_start = sqfs_le64(b + 88);
}

/* An optional table's start: absent (all ones) or inside the image after the directories. */
static bool table_ok(const struct super *s, uint64_t start, bool optional)
{
	if (optional && start == SQFS_NO_TABLE)
		return true;
	return start >= s->dir_start && start < s->bytes_used;
}

static int super_check(const struct super *s, uint64_t avail, struct vsl_error *err)
{
	if (s->magic != SQFS_MAGIC)
		return sqfs_corrupt(err, "bad magic 0x%08x (a squashfs image starts with \"hsqs\")",
				    s->magic);
	if (s->major != 4 || s->minor != 0)
		return sqfs_corrupt(err, "version %u.%u, only 4.0 is supported", s->major,
				    s->minor);
	if (!sqfs_comp_supported(s->comp)) {
		vsl_error_set(err, 0,
			      "squashfs image uses compressor %s (id %u): only gzip and zstd are "
			      "supported (rebuild it with mksquashfs -comp zstd)",
			      vsl_sqfs_compressor_name(s->comp), s->comp);
		return -EOPNOTSUPP;
	}
	if (s->block_size < 4096 || s->block_size > (1u << 20) ||
	    (s->block_size & (s->block_size - 1)) || s->block_log >= 32 ||
	    (1u << s->block_log) != s->block_size)
		return sqfs_corrupt(err, "block size %u with log %u", s->block_size, s->block_log);
	if (s->bytes_used < SQFS_SUPER_SIZE || s->bytes_used > avail)
		return sqfs_corrupt(err, "it claims %llu bytes but %llu are there",
				    (unsigned long long)s->bytes_used, (unsigned long long)avail);
	if (s->inodes == 0 || s->nids == 0)
		return sqfs_corrupt(err, "%u inodes and %u ids", s->inodes, s->nids);
	if (s->inode_start < SQFS_SUPER_SIZE || s->inode_start >= s->dir_start ||
	    s->dir_start >= s->bytes_used || !table_ok(s, s->id_start, false) ||
	    !table_ok(s, s->xattr_start, true) || !table_ok(s, s->frag_start, true) ||
	    !table_ok(s, s->export_start, true))
		return sqfs_corrupt(err, "table offsets out of order or outside the image");
	if (s->fragments && s->frag_start == SQFS_NO_TABLE)
		return sqfs_corrupt(err, "%u fragments but no fragment table", s->fragments);
	if ((s->root >> 16) >= s->dir_start - s->inode_start ||
	    (s->root & 0xffff) >= SQFS_META_SIZE)
		return sqfs_corrupt(err, "root inode reference 0x%llx outside the inode table",
				    (unsigned long long)s->root);
	return 0;
}

static void super_apply(struct vsl_sqfs *fs, const struct super *s)
{
	uint64_t starts[] = { s->id_start, s->xattr_start, s->frag_start, s->export_start };

	fs->inodes = s->inodes;
	fs->mkfs_time = s->mkfs_time;
	fs->block_size = s->block_size;
	fs->block_log = s->block_log;
	fs->comp = s->comp;
	fs->flags = s->flags;
	fs->nids = s->nids;
	fs->bytes_used = s->bytes_used;
	fs->root_ref = s->root;
	fs->inode_start = s->inode_start;
	fs->inode_end = s->dir_start;
	fs->dir_start = s->dir_start;
	/* The lookup tables follow the directories; the first of them bounds the listings. */
	fs->dir_end = s->bytes_used;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (starts[i] != SQFS_NO_TABLE && starts[i] > fs->dir_start &&
		    starts[i] < fs->dir_end)
			fs->dir_end = starts[i];
}

static int xattr_table_load(struct vsl_sqfs *fs, uint64_t start, struct vsl_error *err)
{
	uint8_t h[16];
	int rc;

	if (start == SQFS_NO_TABLE)
		return 0;
	rc = sqfs_pread(fs, h, sizeof(h), start, err);
	if (rc < 0)
		return rc;
	fs->xattr_kv_start = sqfs_le64(h);
	if (fs->xattr_kv_start < SQFS_SUPER_SIZE || fs->xattr_kv_start >= start)
		return sqfs_corrupt(err, "xattr key/value area at %llu",
				    (unsigned long long)fs->xattr_kv_start);
	return sqfs_table_load(fs, &fs->xattrs, start + 16, sqfs_le32(h + 8), 16, "xattr id", err);
}

static int tables_load(struct vsl_sqfs *fs, const struct super *s, struct vsl_error *err)
{
	struct vsl_sqfs_inode root;
	int rc;

	rc = sqfs_ids_load(fs, s->id_start, err);
	if (rc >= 0 && s->fragments)
		rc = sqfs_table_load(fs, &fs->frags, s->frag_start, s->fragments, 16, "fragment",
				     err);
	if (rc >= 0 && s->export_start != SQFS_NO_TABLE)
		rc = sqfs_table_load(fs, &fs->exports, s->export_start, s->inodes, 8, "export",
				     err);
	if (rc >= 0)
		rc = xattr_table_load(fs, s->xattr_start, err);
	if (rc >= 0)
		rc = vsl_sqfs_inode_by_ref(fs, fs->root_ref, &root, err);
	if (rc >= 0 && !S_ISDIR(root.mode))
		rc = sqfs_corrupt(err, "the root inode is not a directory");
	if (rc < 0)
		return rc;
	fs->root_ino = root.ino;
	return 0;
}

static int fs_alloc(struct vsl_sqfs *fs, const struct vsl_sqfs_options *opt, struct vsl_error *err)
{
	unsigned meta = opt && opt->meta_cache_blocks ? opt->meta_cache_blocks : META_CACHE_DEFAULT;
	unsigned data = opt && opt->data_cache_blocks ? opt->data_cache_blocks : DATA_CACHE_DEFAULT;

	if (meta > CACHE_MAX)
		meta = CACHE_MAX;
	if (data > CACHE_MAX)
		data = CACHE_MAX;
	fs->meta_cache = sqfs_cache_new(meta, SQFS_META_SIZE, opt);
	fs->data_cache = sqfs_cache_new(data, fs->block_size, opt);
	fs->dctx_pool = sqfs_pool_new(sqfs_dctx_destroy);
	fs->inomap = sqfs_inomap_new();
	/* a large calloc is fresh mmap'd memory, read through the kernel's zero page: no RSS */
	fs->zeros = calloc(1, fs->block_size);
	if (!fs->meta_cache || !fs->data_cache || !fs->dctx_pool || !fs->inomap || !fs->zeros)
		return sqfs_nomem(err, "the squashfs caches");
	return 0;
}

int vsl_sqfs_open(struct vsl_sqfs **out, const struct vsl_sqfs_source *src,
		  const struct vsl_sqfs_options *opt, struct vsl_error *err)
{
	struct vsl_sqfs *fs;
	uint8_t raw[SQFS_SUPER_SIZE];
	struct super s;
	int rc;

	*out = NULL;
	if (!src || !src->read || src->base + src->size < src->base) {
		vsl_error_set(err, EINVAL, "squashfs: bad source");
		return -EINVAL;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return sqfs_nomem(err, "the squashfs state");
	fs->src = *src;
	fs->bytes_used = src->size;
	rc = sqfs_pread(fs, raw, sizeof(raw), 0, err);
	if (rc >= 0) {
		super_parse(raw, &s);
		rc = super_check(&s, src->size, err);
	}
	if (rc >= 0) {
		super_apply(fs, &s);
		rc = fs_alloc(fs, opt, err);
	}
	if (rc >= 0)
		rc = tables_load(fs, &s, err);
	if (rc < 0) {
		vsl_sqfs_close(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

void vsl_sqfs_close(struct vsl_sqfs *fs)
{
	if (!fs)
		return;
	sqfs_cache_free(fs->meta_cache);
	sqfs_cache_free(fs->data_cache);
	sqfs_pool_free(fs->dctx_pool);
	sqfs_inomap_free(fs->inomap);
	sqfs_table_free(&fs->frags);
	sqfs_table_free(&fs->exports);
	sqfs_table_free(&fs->xattrs);
	free(fs->ids);
	free(fs->zeros);
	free(fs);
}

void vsl_sqfs_statfs(const struct vsl_sqfs *fs, struct vsl_sqfs_statfs *st)
{
	st->block_size = fs->block_size;
	st->bytes_used = fs->bytes_used;
	st->inodes = fs->inodes;
	st->fragments = (uint32_t)fs->frags.count;
	st->mkfs_time = fs->mkfs_time;
	st->compression = fs->comp;
	st->root_ino = fs->root_ino;
	st->xattr_ids = (uint32_t)fs->xattrs.count;
}

uint64_t vsl_sqfs_ino_fuse(const struct vsl_sqfs *fs, uint64_t ino)
{
	if (ino == fs->root_ino)
		return 1;
	if (ino == 1)
		return fs->root_ino;
	return ino;
}
