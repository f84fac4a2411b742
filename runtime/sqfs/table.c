/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lookup tables: fragments (16-byte entries), export (8-byte inode references by inode
 * number), ids (4-byte uids/gids) and xattr ids (16 bytes). Each is a run of metadata blocks
 * holding the entries back to back, found through an index of 64-bit block offsets stored
 * uncompressed at the table's start. The index is read once at open (its size follows from
 * the entry count and is checked against the image); an entry is then one cursor read.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

int sqfs_table_load(struct vsl_sqfs *fs, struct sqfs_table *t, uint64_t start, uint64_t count,
		    size_t esize, const char *what, struct vsl_error *err)
{
	uint64_t bytes = count * esize;
	size_t n = (size_t)((bytes + SQFS_META_SIZE - 1) / SQFS_META_SIZE);
	uint8_t *raw;
	int rc;

	memset(t, 0, sizeof(*t));
	if (count == 0)
		return 0;
	if (start < SQFS_SUPER_SIZE || start > fs->bytes_used ||
	    (uint64_t)n * 8 > fs->bytes_used - start)
		return sqfs_corrupt(err, "%s table index at %llu (%zu entries) outside the image",
				    what, (unsigned long long)start, n);
	raw = malloc(n * 8);
	t->index = malloc(n * sizeof(*t->index));
	if (!raw || !t->index) {
		free(raw);
		free(t->index);
		t->index = NULL;
		return sqfs_nomem(err, what);
	}
	rc = sqfs_pread(fs, raw, n * 8, start, err);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		t->index[i] = sqfs_le64(raw + 8 * i);
	free(raw);
	if (rc < 0) {
		sqfs_table_free(t);
		return rc;
	}
	t->nindex = n;
	t->count = count;
	return 0;
}

void sqfs_table_free(struct sqfs_table *t)
{
	free(t->index);
	memset(t, 0, sizeof(*t));
}

int sqfs_table_entry(struct vsl_sqfs *fs, const struct sqfs_table *t, uint64_t i, void *out,
		     size_t esize, const char *what, struct vsl_error *err)
{
	uint64_t byte = i * esize;
	struct vsl_sqfs_mpos pos;

	if (i >= t->count)
		return sqfs_corrupt(err, "%s %llu out of range (the table has %llu)", what,
				    (unsigned long long)i, (unsigned long long)t->count);
	pos.block = t->index[byte / SQFS_META_SIZE];
	pos.off = (uint32_t)(byte % SQFS_META_SIZE);
	return sqfs_meta_read(fs, &pos, out, esize, err);
}

/* The id table is small (at most 65535 entries): read it whole, so getattr never waits on it. */
int sqfs_ids_load(struct vsl_sqfs *fs, uint64_t start, struct vsl_error *err)
{
	struct sqfs_table t;
	uint8_t *raw;
	size_t bytes = (size_t)fs->nids * 4;
	int rc = sqfs_table_load(fs, &t, start, fs->nids, 4, "id", err);

	if (rc < 0)
		return rc;
	raw = malloc(bytes);
	fs->ids = malloc(bytes);
	if (!raw || !fs->ids) {
		free(raw);
		sqfs_table_free(&t);
		return sqfs_nomem(err, "the id table");
	}
	for (size_t i = 0; rc >= 0 && i < t.nindex; i++) {
		struct vsl_sqfs_mpos pos = { t.index[i], 0 };
		size_t n = bytes - i * SQFS_META_SIZE;

		if (n > SQFS_META_SIZE)
			n = SQFS_META_SIZE;
		rc = sqfs_meta_read(fs, &pos, raw + i * SQFS_META_SIZE, n, err);
	}
	for (size_t i = 0; rc >= 0 && i < fs->nids; i++)
		fs->ids[i] = sqfs_le32(raw + 4 * i);
	free(raw);
	sqfs_table_free(&t);
	if (rc < 0)
		vsl_error_wrap(err, "id table");
	return rc;
}

int sqfs_fragment(struct vsl_sqfs *fs, uint32_t idx, uint64_t *start, uint32_t *size,
		  struct vsl_error *err)
{
	uint8_t e[16];
	uint32_t csize;
	int rc = sqfs_table_entry(fs, &fs->frags, idx, e, sizeof(e), "fragment", err);

	if (rc < 0)
		return rc;
	*start = sqfs_le64(e);
	*size = sqfs_le32(e + 8);
	csize = *size & SQFS_BLOCK_SIZE_MASK;
	if (*size & ~(SQFS_BLOCK_UNCOMPRESSED | SQFS_BLOCK_SIZE_MASK) || csize == 0 ||
	    csize > fs->block_size)
		return sqfs_corrupt(err, "fragment %u has a bad size field 0x%x", idx, *size);
	return 0;
}
