/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A SquashFS 4.0 reader for the FUSE fast path, written from the on-disk format (the kernel's
 * Documentation/filesystems/squashfs.rst and squashfs_fs.h). The core makes no system calls:
 * every byte comes through the caller's read callback at a base offset, so the same code serves
 * the squashfs section inside our own file, runs in unit tests over a byte array, and is fuzzed.
 *
 * The API is shaped for a FUSE lowlevel binding: lookup / getattr / readdir (resumable by
 * cookie) / readlink / open+read / listxattr+getxattr / statfs, all by squashfs inode number or
 * by a loaded struct vsl_sqfs_inode. Operations return 0 (or a byte count) on success and a
 * negative errno on failure: -EIO for a corrupt image, -ENOENT, -ENOTDIR, -EISDIR, -EINVAL,
 * -ENODATA, -ERANGE, -ENOMEM. When err is not NULL it gets a message naming what was wrong,
 * except for the expected FUSE outcomes -ENOENT, -ENODATA and -ERANGE, which leave it empty so
 * that a negative lookup costs no allocation.
 *
 * Thread safety: after vsl_sqfs_open() the filesystem may be used from many threads at once.
 * Everything but the caches is immutable; the caches lock internally (cache.c).
 *
 * Limits (corrupt input fails with -EIO instead of exceeding them):
 *   metadata cache    256 blocks x 8 KiB (2 MiB), CLOCK eviction
 *   data cache        32 blocks x block size (4 MiB at the default 128 KiB), CLOCK eviction
 *   directory         VSL_SQFS_DIR_MAX bytes of listing; lookup jumps through the extended
 *                     directory index to the right metadata block, then scans the sorted
 *                     listing up to the first greater name
 *   symlink target    VSL_SQFS_SYMLINK_MAX bytes
 *   xattrs            VSL_SQFS_XATTR_MAX bytes of key/value data per inode, values up to
 *                     65536 bytes (the Linux limit)
 *   inode numbers     without an export table, numbers seen by loads are remembered for
 *                     vsl_sqfs_inode_get(), up to VSL_SQFS_INOMAP_MAX of them
 */
#ifndef VSL_SQFS_H
#define VSL_SQFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define VSL_SQFS_DIR_MAX (256u << 20)
#define VSL_SQFS_SYMLINK_MAX 4096u
#define VSL_SQFS_XATTR_MAX (1u << 20)
#define VSL_SQFS_XATTR_VALUE_MAX 65536u
#define VSL_SQFS_INOMAP_MAX (16u << 20)
#define VSL_SQFS_NAME_MAX 256u
#define VSL_SQFS_NO_XATTR 0xffffffffu

/*
 * Read exactly len bytes at absolute offset off (base + offset inside the image). Returns 0,
 * or a negative errno (a short read must be reported as -EIO). Called from many threads.
 */
typedef int (*vsl_sqfs_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct vsl_sqfs_source {
	vsl_sqfs_read_fn read;
	void *ctx;
	uint64_t base; /* where the image starts for the callback (the section offset) */
	uint64_t size; /* bytes available from base on (the section length) */
};

/*
 * Each cache keeps its blocks in one arena of slots x slot size, taken at open and touched only
 * as blocks load. By default it is one malloc; a caller that can do better (the FUSE server maps
 * it on huge pages: one fault per 2 MiB instead of one per 4 KiB, which was most of the cost of
 * a cold start's decompression) passes arena_alloc/arena_free, which the core calls and never
 * looks behind. arena_alloc returns NULL on failure.
 */
struct vsl_sqfs_options {
	unsigned meta_cache_blocks; /* 0: 256 */
	unsigned data_cache_blocks; /* 0: 32 */
	void *(*arena_alloc)(size_t size);
	void (*arena_free)(void *p, size_t size);
};

struct vsl_sqfs;
struct vsl_sqfs_file;

/* The internal cursor into a metadata table: a block's image offset and an offset inside it. */
struct vsl_sqfs_mpos {
	uint64_t block;
	uint32_t off;
};

/*
 * A loaded inode: the public part is what getattr needs. The caller owns the storage (a FUSE
 * binding may keep one per open handle); `priv` is for the reader only.
 */
struct vsl_sqfs_inode {
	uint64_t ino;  /* squashfs inode number, 1..inode_count; stable */
	uint64_t ref;  /* inode reference (for vsl_sqfs_inode_by_ref) */
	uint32_t mode; /* S_IFMT type | permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;
	uint64_t size; /* file bytes; symlink target length; dir: listing size + 3, as stored */
	uint32_t rdev_major, rdev_minor;
	uint32_t xattr; /* xattr id, VSL_SQFS_NO_XATTR when none */
	struct {
		uint16_t type;		    /* on-disk inode type, 1..14 */
		uint16_t idx_count;	    /* extended dir: entries of its index */
		uint32_t frag;		    /* file: fragment index or 0xffffffff */
		uint32_t frag_off;	    /* file: offset of the tail inside its fragment block */
		uint32_t parent;	    /* dir: parent inode number */
		uint64_t start;		    /* file: image offset of the first data block */
		struct vsl_sqfs_mpos data;  /* dir: listing; file: block list; symlink: target */
		struct vsl_sqfs_mpos index; /* extended dir: its index */
	} priv;
};

/* Compression ids of the superblock. */
enum {
	VSL_SQFS_COMP_GZIP = 1,
	VSL_SQFS_COMP_LZMA = 2,
	VSL_SQFS_COMP_LZO = 3,
	VSL_SQFS_COMP_XZ = 4,
	VSL_SQFS_COMP_LZ4 = 5,
	VSL_SQFS_COMP_ZSTD = 6,
};

struct vsl_sqfs_statfs {
	uint32_t block_size;
	uint64_t bytes_used;
	uint32_t inodes;
	uint32_t fragments;
	uint32_t mkfs_time;
	uint16_t compression; /* VSL_SQFS_COMP_* */
	uint64_t root_ino;
	uint32_t xattr_ids; /* 0: no inode has an xattr */
};

/* Open an image: checks the superblock, loads the id table and the table indexes and the root. */
int vsl_sqfs_open(struct vsl_sqfs **out, const struct vsl_sqfs_source *src,
		  const struct vsl_sqfs_options *opt, struct vsl_error *err);
void vsl_sqfs_close(struct vsl_sqfs *fs);
void vsl_sqfs_statfs(const struct vsl_sqfs *fs, struct vsl_sqfs_statfs *st);
/* "gzip", "zstd", ...; "unknown" for other ids. */
const char *vsl_sqfs_compressor_name(unsigned id);

/*
 * FUSE calls the root 1, squashfs numbers it root_ino (mksquashfs: the last one). This swaps
 * the two numbers and leaves every other alone; it is its own inverse, so the binding uses it
 * in both directions and every number stays stable and unique.
 */
uint64_t vsl_sqfs_ino_fuse(const struct vsl_sqfs *fs, uint64_t ino);

int vsl_sqfs_root(struct vsl_sqfs *fs, struct vsl_sqfs_inode *out, struct vsl_error *err);
int vsl_sqfs_inode_by_ref(struct vsl_sqfs *fs, uint64_t ref, struct vsl_sqfs_inode *out,
			  struct vsl_error *err);
/*
 * By squashfs inode number: through the export table when the image has one, else from the
 * numbers that earlier loads (lookup, readdir + inode_by_ref) have seen; -ESTALE when unknown.
 */
int vsl_sqfs_inode_get(struct vsl_sqfs *fs, uint64_t ino, struct vsl_sqfs_inode *out,
		       struct vsl_error *err);

/* Look name (namelen bytes, no NUL needed) up in dir: 0, -ENOENT, -ENOTDIR, -EIO, ... */
int vsl_sqfs_lookup(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, const char *name,
		    size_t namelen, struct vsl_sqfs_inode *out, struct vsl_error *err);
/* Resolve a '/'-separated path from the root, following no symlink ("" and "/" are the root). */
int vsl_sqfs_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out,
		     struct vsl_error *err);

struct vsl_sqfs_dirent {
	uint64_t ino;
	uint64_t ref;	  /* 0 for "." and ".." (use vsl_sqfs_inode_get) */
	uint32_t type;	  /* S_IFMT bits */
	const char *name; /* NUL-terminated, valid during the callback only */
	size_t namelen;
	uint64_t next; /* cookie that resumes after this entry */
};

/* Return 0 to go on, > 0 to stop (e.g. the reply buffer is full: the entry is not consumed). */
typedef int (*vsl_sqfs_dirent_fn)(void *ctx, const struct vsl_sqfs_dirent *e);
#define VSL_SQFS_DOTS 1u /* also report "." and ".." */
/*
 * Walk dir from cookie (0 = the beginning, else a `next` it reported). Returns 0 at the end or
 * when cb stopped, or a negative errno.
 */
int vsl_sqfs_readdir(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, uint64_t cookie,
		     unsigned flags, vsl_sqfs_dirent_fn cb, void *ctx, struct vsl_error *err);

/* Copy the target into buf (NUL-terminated); size must exceed inode->size. Returns length. */
ssize_t vsl_sqfs_readlink(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *lnk, char *buf,
			  size_t size, struct vsl_error *err);

/*
 * Open a regular file for reading: walks its block list once and keeps a small index (one
 * entry per 256 blocks) so that each read is O(1) in the file size. The handle is immutable
 * and can be read from several threads at once.
 */
int vsl_sqfs_file_open(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in,
		       struct vsl_sqfs_file **out, struct vsl_error *err);
void vsl_sqfs_file_close(struct vsl_sqfs_file *f);
/* Read up to len bytes at off: the count (short only at the end of the file) or -errno. */
ssize_t vsl_sqfs_file_read(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, void *buf,
			   size_t len, uint64_t off, struct vsl_error *err);
/*
 * Zero-copy reads: the data of [off, off + len) as up to max spans pointing into the data
 * cache (one per block touched; a sparse block points at zeros), pinned there until released.
 * Returns the number of spans, 0 at or past the end of the file, or -errno (then nothing stays
 * pinned). Their lengths add up to the bytes read: short at the end of the file, or when max
 * spans were not enough (len / block size + 2 always are). Release every span returned with
 * vsl_sqfs_spans_release; a reader holding many spans for long starves the cache, which then
 * falls back to private buffers (slower, never failing).
 */
struct vsl_sqfs_span {
	const void *data;
	size_t len;
	void *priv[2]; /* the reader's: the cache slot or private buffer to let go */
};
ssize_t vsl_sqfs_file_spans(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, uint64_t off,
			    size_t len, struct vsl_sqfs_span *v, size_t max, struct vsl_error *err);
void vsl_sqfs_spans_release(struct vsl_sqfs *fs, struct vsl_sqfs_span *v, size_t n);
/* One-shot read without a handle (opens and closes one). */
ssize_t vsl_sqfs_read(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, void *buf, size_t len,
		      uint64_t off, struct vsl_error *err);

/*
 * Extended attributes, with the FUSE conventions: size 0 asks for the size needed; a too
 * small buffer gives -ERANGE; a missing name -ENODATA. listxattr yields "prefix.name\0" for
 * each attribute (prefixes user., trusted., security.).
 */
ssize_t vsl_sqfs_listxattr(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, char *buf,
			   size_t size, struct vsl_error *err);
ssize_t vsl_sqfs_getxattr(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, const char *name,
			  void *buf, size_t size, struct vsl_error *err);

#endif
