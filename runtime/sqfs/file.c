/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regular file data. A file is a run of data blocks stored back to back from its start
 * offset, one 32-bit size per block in the inode's block list (bit 24: stored uncompressed;
 * size 0: a sparse block of zeros), and optionally a tail packed into a fragment block shared
 * with other files. Block i holds bytes [i * block_size, ...); its image offset is the start
 * plus the stored sizes of the blocks before it.
 *
 * Opening a file walks the block list once, checks every size and that the blocks end inside
 * the image, and keeps a checkpoint (image offset, block list position) every 256 blocks, so a
 * read sums at most 255 sizes however large the file is. The checkpoint array grows as the
 * walk proceeds, so a file that only claims a huge size costs memory only for the block list
 * that is really there.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CP_SHIFT 8
#define CP_BLOCKS (1u << CP_SHIFT)
#define READ_MAX (1u << 30)

struct checkpoint {
	uint64_t disk;
	struct vsl_sqfs_mpos pos;
};

struct vsl_sqfs_file {
	struct vsl_sqfs_inode in;
	uint64_t nblocks;
	size_t ncp;
	struct checkpoint *cp;
};

static int load_data(struct vsl_sqfs *fs, uint64_t start, const void *arg, uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *aux, struct vsl_error *err)
{
	uint32_t size = *(const uint32_t *)arg;
	uint32_t csize = size & SQFS_BLOCK_SIZE_MASK;
	int rc;

	*aux = 0;
	if (csize > cap)
		return sqfs_corrupt(err, "data block at %llu of %u bytes",
				    (unsigned long long)start, csize);
	if (size & SQFS_BLOCK_UNCOMPRESSED) {
		*len = csize;
		return sqfs_pread(fs, buf, csize, start, err);
	}
	rc = sqfs_read_compressed(fs, start, csize, buf, cap, len, err);
	if (rc < 0)
		vsl_error_wrap(err, "data block at %llu", (unsigned long long)start);
	return rc;
}

int sqfs_data_block(struct vsl_sqfs *fs, uint64_t start, uint32_t size, size_t want,
		    struct sqfs_block *b, struct vsl_error *err)
{
	int rc = sqfs_cache_get(fs->data_cache, fs, start, load_data, &size, b, err);

	if (rc < 0)
		return rc;
	if (b->len < want) {
		sqfs_cache_put(fs->data_cache, b);
		return sqfs_corrupt(err, "data block at %llu has %zu bytes, %zu expected",
				    (unsigned long long)start, b->len, want);
	}
	return 0;
}

static uint64_t file_nblocks(const struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in)
{
	uint64_t n = in->size >> fs->block_log;

	if (in->priv.frag == SQFS_NO_FRAG && (in->size & (fs->block_size - 1)))
		n++;
	return n;
}

static int add_checkpoint(struct vsl_sqfs_file *f, size_t *cap, uint64_t disk,
			  const struct vsl_sqfs_mpos *pos, struct vsl_error *err)
{
	if (f->ncp == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		struct checkpoint *cp = realloc(f->cp, n * sizeof(*cp));

		if (!cp)
			return sqfs_nomem(err, "a file's block index");
		f->cp = cp;
		*cap = n;
	}
	f->cp[f->ncp].disk = disk;
	f->cp[f->ncp].pos = *pos;
	f->ncp++;
	return 0;
}

/* Walk the block list: checkpoints, and every size checked. */
static int index_blocks(struct vsl_sqfs *fs, struct vsl_sqfs_file *f, struct vsl_error *err)
{
	struct vsl_sqfs_mpos pos = f->in.priv.data;
	uint64_t disk = f->in.priv.start;
	size_t cap = 0;
	uint8_t raw[4 * CP_BLOCKS];

	for (uint64_t i = 0; i < f->nblocks; i += CP_BLOCKS) {
		uint64_t n = f->nblocks - i < CP_BLOCKS ? f->nblocks - i : CP_BLOCKS;
		int rc = add_checkpoint(f, &cap, disk, &pos, err);

		if (rc >= 0)
			rc = sqfs_meta_read(fs, &pos, raw, (size_t)n * 4, err);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < n; j++) {
			uint32_t e = sqfs_le32(raw + 4 * j);

			if ((e & ~(SQFS_BLOCK_UNCOMPRESSED | SQFS_BLOCK_SIZE_MASK)) ||
			    (e & SQFS_BLOCK_SIZE_MASK) > fs->block_size)
				return sqfs_corrupt(err,
						    "inode %llu: block %llu has size field 0x%x",
						    (unsigned long long)f->in.ino,
						    (unsigned long long)(i + j), e);
			disk += e & SQFS_BLOCK_SIZE_MASK;
		}
		if (disk > fs->bytes_used)
			return sqfs_corrupt(err, "inode %llu: data blocks run past the image end",
					    (unsigned long long)f->in.ino);
	}
	return 0;
}

int vsl_sqfs_file_open(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in,
		       struct vsl_sqfs_file **out, struct vsl_error *err)
{
	struct vsl_sqfs_file *f;
	int rc;

	*out = NULL;
	if (!S_ISREG(in->mode)) {
		rc = S_ISDIR(in->mode) ? -EISDIR : -EINVAL;
		vsl_error_set(err, -rc, "squashfs: inode %llu is not a regular file",
			      (unsigned long long)in->ino);
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return sqfs_nomem(err, "a file handle");
	f->in = *in;
	f->nblocks = file_nblocks(fs, in);
	rc = index_blocks(fs, f, err);
	if (rc < 0) {
		vsl_sqfs_file_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

void vsl_sqfs_file_close(struct vsl_sqfs_file *f)
{
	if (!f)
		return;
	free(f->cp);
	free(f);
}

/* Block i of the file (i < nblocks): pinned in b, or b->data NULL for a sparse block. */
static int file_block(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, uint64_t i, size_t want,
		      struct sqfs_block *b, struct vsl_error *err)
{
	const struct checkpoint *cp = &f->cp[i >> CP_SHIFT];
	struct vsl_sqfs_mpos pos = cp->pos;
	uint64_t disk = cp->disk;
	size_t k = (size_t)(i & (CP_BLOCKS - 1));
	uint8_t raw[4 * CP_BLOCKS];
	uint32_t e;
	int rc = sqfs_meta_read(fs, &pos, raw, 4 * (k + 1), err);

	memset(b, 0, sizeof(*b));
	if (rc < 0)
		return rc;
	for (size_t j = 0; j < k; j++)
		disk += sqfs_le32(raw + 4 * j) & SQFS_BLOCK_SIZE_MASK;
	e = sqfs_le32(raw + 4 * k);
	if ((e & SQFS_BLOCK_SIZE_MASK) == 0)
		return 0;
	return sqfs_data_block(fs, disk, e, want, b, err);
}

/* The fragment block holding the file's tail, pinned in b. */
static int file_tail(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, size_t want,
		     struct sqfs_block *b, struct vsl_error *err)
{
	uint64_t start;
	uint32_t size;
	int rc = sqfs_fragment(fs, f->in.priv.frag, &start, &size, err);

	if (rc < 0)
		return rc;
	return sqfs_data_block(fs, start, size, f->in.priv.frag_off + want, b, err);
}

/* The span of block i (or the tail) that holds [at, at + n); b is pinned or empty (sparse). */
static int span_at(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, uint64_t at, size_t want,
		   size_t n, struct vsl_sqfs_span *sp, struct vsl_error *err)
{
	uint64_t i = at >> fs->block_log;
	size_t boff = (size_t)(at & (fs->block_size - 1));
	struct sqfs_block b;
	int rc;

	if (i < f->nblocks)
		rc = file_block(fs, f, i, want, &b, err);
	else
		rc = file_tail(fs, f, want, &b, err);
	if (rc < 0)
		return rc;
	memset(sp, 0, sizeof(*sp));
	sp->len = n;
	if (!b.data) {
		sp->data = fs->zeros + boff;
		return 0;
	}
	sp->data = b.data + (i < f->nblocks ? boff : f->in.priv.frag_off + boff);
	sp->priv[0] = b.slot;
	sp->priv[1] = b.own;
	return 0;
}

ssize_t vsl_sqfs_file_spans(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, uint64_t off,
			    size_t len, struct vsl_sqfs_span *v, size_t max, struct vsl_error *err)
{
	uint64_t size = f->in.size;
	size_t done = 0, k = 0;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > READ_MAX)
		len = READ_MAX;
	while (done < len && k < max) {
		uint64_t at = off + done;
		uint64_t left = size - ((at >> fs->block_log) << fs->block_log);
		size_t want = left < fs->block_size ? (size_t)left : fs->block_size;
		size_t boff = (size_t)(at & (fs->block_size - 1));
		size_t n = want - boff < len - done ? want - boff : len - done;
		int rc = span_at(fs, f, at, want, n, &v[k], err);

		if (rc < 0) {
			vsl_sqfs_spans_release(fs, v, k);
			return rc;
		}
		done += n;
		k++;
	}
	return (ssize_t)k;
}

void vsl_sqfs_spans_release(struct vsl_sqfs *fs, struct vsl_sqfs_span *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sqfs_block b = { .slot = v[i].priv[0], .own = v[i].priv[1] };

		if (b.slot || b.own)
			sqfs_cache_put(fs->data_cache, &b);
		memset(&v[i], 0, sizeof(v[i]));
	}
}

ssize_t vsl_sqfs_file_read(struct vsl_sqfs *fs, const struct vsl_sqfs_file *f, void *buf,
			   size_t len, uint64_t off, struct vsl_error *err)
{
	struct vsl_sqfs_span v[8];
	size_t done = 0;

	if (len > READ_MAX)
		len = READ_MAX;
	while (done < len) {
		ssize_t k = vsl_sqfs_file_spans(fs, f, off + done, len - done, v,
						sizeof(v) / sizeof(v[0]), err);

		if (k < 0)
			return k;
		if (k == 0)
			break;
		for (ssize_t i = 0; i < k; i++) {
			memcpy((uint8_t *)buf + done, v[i].data, v[i].len);
			done += v[i].len;
		}
		vsl_sqfs_spans_release(fs, v, (size_t)k);
	}
	return (ssize_t)done;
}

ssize_t vsl_sqfs_read(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, void *buf, size_t len,
		      uint64_t off, struct vsl_error *err)
{
	struct vsl_sqfs_file *f;
	ssize_t n;
	int rc = vsl_sqfs_file_open(fs, in, &f, err);

	if (rc < 0)
		return rc;
	n = vsl_sqfs_file_read(fs, f, buf, len, off, err);
	vsl_sqfs_file_close(f);
	return n;
}
