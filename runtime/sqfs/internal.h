/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the SquashFS reader's files share: the on-disk constants, the filesystem struct, the
 * cache interface (cache.c holds every lock) and the little-endian field readers. Not for use
 * outside runtime/sqfs/.
 */
#ifndef VSL_SQFS_INTERNAL_H
#define VSL_SQFS_INTERNAL_H

#include "sqfs.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SQFS_MAGIC 0x73717368u
#define SQFS_SUPER_SIZE 96u
#define SQFS_META_SIZE 8192u
#define SQFS_META_UNCOMPRESSED 0x8000u
#define SQFS_BLOCK_UNCOMPRESSED (1u << 24)
#define SQFS_BLOCK_SIZE_MASK 0xffffffu
#define SQFS_NO_FRAG 0xffffffffu
#define SQFS_NO_TABLE UINT64_MAX
#define SQFS_DIR_RUN_MAX 256u
/* Superblock flag: a metadata block of compressor options follows the superblock. */
#define SQFS_FLAG_COMP_OPTS 0x0400u

enum sqfs_itype {
	SQFS_DIR = 1,
	SQFS_REG,
	SQFS_SYMLINK,
	SQFS_BLKDEV,
	SQFS_CHRDEV,
	SQFS_FIFO,
	SQFS_SOCKET,
	SQFS_LDIR,
	SQFS_LREG,
	SQFS_LSYMLINK,
	SQFS_LBLKDEV,
	SQFS_LCHRDEV,
	SQFS_LFIFO,
	SQFS_LSOCKET,
};

struct sqfs_cache;
struct sqfs_pool;
struct sqfs_inomap;

/* A pinned cache entry (or a private buffer when every slot was busy). */
struct sqfs_block {
	const uint8_t *data;
	size_t len;
	uint64_t aux; /* metadata: image offset of the next block */
	void *slot;
	uint8_t *own;
};

/* An on-disk table of fixed-size entries reached through an index of metadata block offsets. */
struct sqfs_table {
	uint64_t *index; /* image offsets of the table's metadata blocks */
	size_t nindex;
	uint64_t count; /* entries */
};

struct vsl_sqfs {
	struct vsl_sqfs_source src;
	uint32_t inodes;
	uint32_t mkfs_time;
	uint32_t block_size;
	uint16_t block_log;
	uint16_t comp;
	uint16_t flags;
	uint64_t bytes_used;
	uint64_t root_ref;
	uint64_t root_ino;
	uint64_t inode_start, inode_end; /* the inode table, [start, end) */
	uint64_t dir_start, dir_end;	 /* the directory table */
	uint64_t xattr_kv_start;	 /* key/value area of the xattr table */
	uint32_t *ids;
	uint32_t nids;
	struct sqfs_table frags, exports, xattrs;
	struct sqfs_cache *meta_cache, *data_cache;
	struct sqfs_pool *dctx_pool;
	struct sqfs_inomap *inomap;
	uint8_t *zeros; /* one block of zeros: what a sparse block's span points at */
};

static inline uint16_t sqfs_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t sqfs_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t sqfs_le64(const uint8_t *p)
{
	return (uint64_t)sqfs_le32(p) | (uint64_t)sqfs_le32(p + 4) << 32;
}

/* Report a corrupt image: fills err with "squashfs image corrupt: ..." and returns -EIO. */
int sqfs_corrupt(struct vsl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report an allocation failure: -ENOMEM. */
int sqfs_nomem(struct vsl_error *err, const char *what);

/* super.c: a bounds-checked read of [off, off + len) of the image. */
int sqfs_pread(struct vsl_sqfs *fs, void *buf, size_t len, uint64_t off, struct vsl_error *err);

/* cache.c */
/* Load the block `key` (with the caller's `arg`) into buf: its length, and aux for the caller. */
typedef int (*sqfs_load_fn)(struct vsl_sqfs *fs, uint64_t key, const void *arg, uint8_t *buf,
			    size_t cap, size_t *len, uint64_t *aux, struct vsl_error *err);
struct sqfs_cache *sqfs_cache_new(unsigned slots, size_t slot_size,
				  const struct vsl_sqfs_options *opt);
void sqfs_cache_free(struct sqfs_cache *c);
int sqfs_cache_get(struct sqfs_cache *c, struct vsl_sqfs *fs, uint64_t key, sqfs_load_fn load,
		   const void *arg, struct sqfs_block *out, struct vsl_error *err);
void sqfs_cache_put(struct sqfs_cache *c, struct sqfs_block *b);
struct sqfs_pool *sqfs_pool_new(void (*destroy)(void *));
void sqfs_pool_free(struct sqfs_pool *p);
void *sqfs_pool_get(struct sqfs_pool *p);
void sqfs_pool_put(struct sqfs_pool *p, void *item);
struct sqfs_inomap *sqfs_inomap_new(void);
void sqfs_inomap_free(struct sqfs_inomap *m);
void sqfs_inomap_add(struct sqfs_inomap *m, uint64_t ino, uint64_t ref);
bool sqfs_inomap_find(struct sqfs_inomap *m, uint64_t ino, uint64_t *ref);

/* decompress.c */
bool sqfs_comp_supported(unsigned id);
void sqfs_dctx_destroy(void *ctx);
int sqfs_decompress(struct vsl_sqfs *fs, const uint8_t *src, size_t srclen, uint8_t *dst,
		    size_t cap, size_t *outlen, struct vsl_error *err);
/* pread csize bytes at off and decompress them into dst, without allocating per block. */
int sqfs_read_compressed(struct vsl_sqfs *fs, uint64_t off, size_t csize, uint8_t *dst, size_t cap,
			 size_t *outlen, struct vsl_error *err);

/* meta.c: metadata blocks and cursors over them. */
int sqfs_meta_block(struct vsl_sqfs *fs, uint64_t block, struct sqfs_block *b,
		    struct vsl_error *err);
int sqfs_meta_read(struct vsl_sqfs *fs, struct vsl_sqfs_mpos *pos, void *buf, size_t len,
		   struct vsl_error *err);
int sqfs_meta_skip(struct vsl_sqfs *fs, struct vsl_sqfs_mpos *pos, uint64_t len,
		   struct vsl_error *err);

/* table.c */
int sqfs_table_load(struct vsl_sqfs *fs, struct sqfs_table *t, uint64_t start, uint64_t count,
		    size_t esize, const char *what, struct vsl_error *err);
void sqfs_table_free(struct sqfs_table *t);
int sqfs_table_entry(struct vsl_sqfs *fs, const struct sqfs_table *t, uint64_t i, void *out,
		     size_t esize, const char *what, struct vsl_error *err);
int sqfs_ids_load(struct vsl_sqfs *fs, uint64_t start, struct vsl_error *err);
int sqfs_fragment(struct vsl_sqfs *fs, uint32_t idx, uint64_t *start, uint32_t *size,
		  struct vsl_error *err);

/* inode.c */
uint32_t sqfs_type_mode(unsigned type);

/* file.c: a data or fragment block, decompressed, at least `want` bytes long. */
int sqfs_data_block(struct vsl_sqfs *fs, uint64_t start, uint32_t size, size_t want,
		    struct sqfs_block *b, struct vsl_error *err);

#endif
