/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar streams, both directions, for layers (builder) and the tar.zst section (runtime).
 *
 * The parser is push-style and pure: the caller hands it 512-byte blocks and extension records
 * and it never reads, writes or sleeps, so it can be fuzzed. It understands ustar, GNU ('L' long
 * name, 'K' long link, base-256 numbers) and PAX ('x' per file, 'g' global: path, linkpath,
 * size, uid, gid, mtime, SCHILY.xattr.*, LIBARCHIVE.xattr.*). Every string and record it keeps
 * is bounded (VSL_TAR_MAX_*), so a hostile layer costs at most a few MiB.
 *
 * vsl_tar_reader drives the parser over a read callback (still no syscalls of its own) and is
 * what the appliers use. The encoder writes ustar headers, preceded by a PAX record only when
 * something does not fit: a long name or link, big ids/size/mtime, or xattrs. It never writes
 * uname/gname, so the build host's passwd does not leak into images.
 */
#ifndef VSL_TAR_H
#define VSL_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define VSL_TAR_BLOCK 512u
#define VSL_TAR_MAX_PATH 4096u        /* bytes, without the NUL (Linux PATH_MAX - 1) */
#define VSL_TAR_MAX_EXT (1u << 20)    /* largest PAX / GNU long-name record accepted */
#define VSL_TAR_MAX_XATTRS 256u       /* per entry */
#define VSL_TAR_MAX_XATTR_NAME 255u   /* XATTR_NAME_MAX */
#define VSL_TAR_MAX_XATTR_VALUE 65536u /* XATTR_SIZE_MAX */

enum vsl_tar_type {
	VSL_TAR_REG = 1,
	VSL_TAR_HARDLINK,
	VSL_TAR_SYMLINK,
	VSL_TAR_CHR,
	VSL_TAR_BLK,
	VSL_TAR_DIR,
	VSL_TAR_FIFO,
};

struct vsl_tar_xattr {
	char *name;      /* NUL-terminated, e.g. "security.capability" */
	uint8_t *value;  /* binary, len bytes (plus a NUL after it for convenience) */
	size_t len;
};

struct vsl_tar_entry {
	enum vsl_tar_type type;
	const char *path;     /* as stored (NOT sanitised: see vsl_tar_path_clean), never NULL */
	const char *linkname; /* symlink target or hardlink target path; "" otherwise */
	uint32_t mode;   /* permission bits incl. setuid/setgid/sticky (07777) */
	uint32_t uid, gid;
	uint64_t size;   /* data bytes that follow; 0 for every type but VSL_TAR_REG */
	int64_t mtime;   /* seconds; sub-second PAX precision is dropped */
	uint32_t devmajor, devminor;
	size_t nxattrs;
	const struct vsl_tar_xattr *xattrs;
};

/* ---- parser (pure) ---- */

enum vsl_tar_result {
	VSL_TAR_ENTRY = 1,    /* *out is filled; out->size data bytes (padded to 512) follow */
	VSL_TAR_NEED_EXT = 2, /* read vsl_tar_parser_ext_size() bytes (padded), vsl_tar_parse_ext */
	VSL_TAR_END = 3,      /* a zero block: end of archive */
};

/* Values from PAX records or GNU long names, waiting for the entry they apply to. */
struct vsl_tar_ext {
	bool has_path, has_linkpath, has_size, has_uid, has_gid, has_mtime;
	uint64_t size;
	uint32_t uid, gid;
	int64_t mtime;
	size_t nxattrs;
	struct vsl_tar_xattr *xattrs; /* malloc'd, at most VSL_TAR_MAX_XATTRS */
	char path[VSL_TAR_MAX_PATH + 1];
	char linkpath[VSL_TAR_MAX_PATH + 1];
};

/* All fields are private; the struct is public so callers can embed it (no init allocation). */
struct vsl_tar_parser {
	int state;
	char ext_kind;           /* typeflag of the record being awaited ('x', 'g', 'L', 'K') */
	uint64_t ext_size;       /* its length in bytes */
	bool file_used;          /* the per-file values were handed out with the last entry */
	struct vsl_tar_ext file;   /* for the next entry ('x', 'L', 'K') */
	struct vsl_tar_ext global; /* for all later entries ('g') */
	struct vsl_tar_entry entry;
	struct vsl_tar_xattr merged[2 * VSL_TAR_MAX_XATTRS];
	char path[VSL_TAR_MAX_PATH + 1];
	char linkname[VSL_TAR_MAX_PATH + 1];
};

void vsl_tar_parser_init(struct vsl_tar_parser *p);
void vsl_tar_parser_fini(struct vsl_tar_parser *p);
/*
 * Feed one header block. Returns VSL_TAR_ENTRY, VSL_TAR_NEED_EXT, VSL_TAR_END or -1 with err
 * set (bad checksum, bad number, unsupported type such as sparse files, oversized record). The
 * strings and xattrs in *out stay valid until the next call on p.
 */
int vsl_tar_parse_block(struct vsl_tar_parser *p, const uint8_t blk[VSL_TAR_BLOCK],
			struct vsl_tar_entry *out, struct vsl_error *err);
/* Length of the extension record the parser waits for after VSL_TAR_NEED_EXT. */
uint64_t vsl_tar_parser_ext_size(const struct vsl_tar_parser *p);
/* Supply that record (len == vsl_tar_parser_ext_size(), without the padding). 0 or -1. */
int vsl_tar_parse_ext(struct vsl_tar_parser *p, const uint8_t *data, size_t len,
		      struct vsl_error *err);

/* Bytes of padding after n data bytes. */
static inline uint64_t vsl_tar_padding(uint64_t n)
{
	return (VSL_TAR_BLOCK - n % VSL_TAR_BLOCK) % VSL_TAR_BLOCK;
}

/*
 * Normalise an entry path for use under a root: "./a//b/" -> "a/b", "/x" -> "x" (layers may
 * carry absolute names; docker treats them as relative), "." or "./" -> "" (the root itself).
 * A ".." component is refused (-1, err names the path). out needs strlen(in) + 1 bytes; out may
 * equal in.
 */
int vsl_tar_path_clean(const char *in, char *out, struct vsl_error *err);

/* ---- stream reader over a callback (no syscalls of its own) ---- */

/* Read up to n bytes; return how many (fewer only at end of input), or -1 with err set. */
typedef ssize_t (*vsl_tar_read_fn)(void *ctx, void *buf, size_t n, struct vsl_error *err);

struct vsl_tar_reader {
	struct vsl_tar_parser parser;
	vsl_tar_read_fn read;
	void *ctx;
	uint64_t offset;     /* uncompressed bytes consumed so far, for messages */
	uint64_t data_left;  /* unread data bytes of the current entry */
	uint64_t pad_left;   /* padding after them */
	bool ended;
};

void vsl_tar_reader_init(struct vsl_tar_reader *r, vsl_tar_read_fn read, void *ctx);
void vsl_tar_reader_fini(struct vsl_tar_reader *r);
/*
 * Next entry: 1 with *e filled (valid until the next call), 0 at the end of the archive (a zero
 * block, or end of input on a header boundary), -1 on error. Unread data of the previous entry
 * is skipped.
 */
int vsl_tar_reader_next(struct vsl_tar_reader *r, struct vsl_tar_entry *e, struct vsl_error *err);
/* Read up to n data bytes of the current entry: count, 0 when it is exhausted, -1 on error
 * (including input that ends inside the data). */
ssize_t vsl_tar_reader_data(struct vsl_tar_reader *r, void *buf, size_t n, struct vsl_error *err);

/* ---- encoder (pure) ---- */

/*
 * Encode the header(s) for e: an optional PAX 'x' header + record, then the ustar header.
 * *out is malloc'd, *len a multiple of 512. The caller then writes e->size data bytes and
 * vsl_tar_padding(e->size) zero bytes. e->path is written as given (callers pass clean
 * paths; "./" for the root); e->size must be 0 unless e->type is VSL_TAR_REG. Output depends
 * only on *e, so identical trees give identical archives.
 */
int vsl_tar_header_encode(const struct vsl_tar_entry *e, uint8_t **out, size_t *len,
			  struct vsl_error *err);
/* The end of an archive: two zero blocks. */
#define VSL_TAR_END_SIZE (2u * VSL_TAR_BLOCK)

const char *vsl_tar_type_name(enum vsl_tar_type t);

#endif
