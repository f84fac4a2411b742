/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directories. A listing is a byte stream in the directory table made of runs: a 12-byte
 * header (entry count - 1, metadata block of the entries' inodes, base inode number) followed
 * by up to 256 entries (offset of the inode in that block, signed delta to the base number,
 * basic type, name length - 1, name). The inode's size field is the listing length plus 3.
 *
 * Lookup jumps through the extended directory index (if any) to the metadata block that must
 * hold the name, then scans forward and stops at the first name sorting after it (mksquashfs
 * sorts listings by byte value, as the kernel's lookup also assumes). readdir cookies encode
 * where the next entry is (see dirit_cookie); 1 and 2 are left for "." and "..".
 */
#include "internal.h"

#include <errno.h>
#include <sys/stat.h>

#define COOKIE_BASE 3u

struct dirit {
	struct vsl_sqfs *fs;
	struct vsl_sqfs_mpos pos;
	uint64_t done, total;	 /* listing bytes consumed, listing size */
	uint64_t run_pos;	 /* where the current run's header starts */
	uint32_t remaining, idx; /* entries left in the run, index of the next one */
	uint32_t start_block, base_ino;
	/* the current entry */
	char name[VSL_SQFS_NAME_MAX + 1];
	size_t namelen;
	uint64_t ino, ref;
	uint32_t type;
};

static int dirit_open(struct dirit *it, struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir,
		      struct vsl_error *err)
{
	if (!S_ISDIR(dir->mode)) {
		vsl_error_set(err, ENOTDIR, "squashfs: inode %llu", (unsigned long long)dir->ino);
		return -ENOTDIR;
	}
	memset(it, 0, sizeof(*it));
	it->fs = fs;
	it->pos = dir->priv.data;
	it->total = dir->size - 3;
	return 0;
}

static int run_header(struct dirit *it, struct vsl_error *err)
{
	struct vsl_sqfs *fs = it->fs;
	uint8_t h[12];
	uint32_t count;
	int rc;

	if (it->total - it->done < sizeof(h) + 9)
		return sqfs_corrupt(err, "directory listing ends inside a run header");
	rc = sqfs_meta_read(fs, &it->pos, h, sizeof(h), err);
	if (rc < 0)
		return rc;
	it->run_pos = it->done;
	it->done += sizeof(h);
	count = sqfs_le32(h);
	it->start_block = sqfs_le32(h + 4);
	it->base_ino = sqfs_le32(h + 8);
	if (count >= SQFS_DIR_RUN_MAX || it->start_block >= fs->inode_end - fs->inode_start)
		return sqfs_corrupt(err, "directory run of %u entries in inode block %u", count + 1,
				    it->start_block);
	it->remaining = count + 1;
	it->idx = 0;
	return 0;
}

static bool name_ok(const char *name, size_t len)
{
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return false;
	return !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')));
}

/* The next entry: 1, or 0 at the end of the listing, or -errno. */
static int dirit_next(struct dirit *it, struct vsl_error *err)
{
	uint8_t e[8];
	int64_t ino;
	uint32_t off;
	int rc;

	if (!it->remaining) {
		if (it->done == it->total)
			return 0;
		rc = run_header(it, err);
		if (rc < 0)
			return rc;
	}
	if (it->total - it->done < sizeof(e) + 1)
		return sqfs_corrupt(err, "directory listing ends inside an entry");
	rc = sqfs_meta_read(it->fs, &it->pos, e, sizeof(e), err);
	if (rc < 0)
		return rc;
	off = sqfs_le16(e);
	ino = (int64_t)it->base_ino + (int16_t)sqfs_le16(e + 2);
	it->type = sqfs_type_mode(sqfs_le16(e + 4));
	it->namelen = (size_t)sqfs_le16(e + 6) + 1;
	if (it->namelen > VSL_SQFS_NAME_MAX || it->namelen > it->total - it->done - sizeof(e))
		return sqfs_corrupt(err, "directory entry name of %zu bytes", it->namelen);
	rc = sqfs_meta_read(it->fs, &it->pos, it->name, it->namelen, err);
	if (rc < 0)
		return rc;
	it->name[it->namelen] = '\0';
	it->done += sizeof(e) + it->namelen;
	if (off >= SQFS_META_SIZE || ino < 1 || ino > it->fs->inodes || !it->type ||
	    !name_ok(it->name, it->namelen))
		return sqfs_corrupt(err, "directory entry \"%s\" (inode %lld, type %u, offset %u)",
				    it->name, (long long)ino, sqfs_le16(e + 4), off);
	it->ino = (uint64_t)ino;
	it->ref = (uint64_t)it->start_block << 16 | off;
	it->remaining--;
	it->idx++;
	return 1;
}

/*
 * A cookie is 3 + (position of the run header << 25 | offset of the entry from that header << 8
 * | index of the entry in the run): positions fit 28 bits (VSL_SQFS_DIR_MAX), a run is at most
 * 12 + 256 * (8 + 256) bytes (17 bits), an index is below 256. Resuming reads one header and
 * skips straight to the entry.
 */
#define COOKIE_POS_SHIFT 25
#define COOKIE_OFF_SHIFT 8
#define COOKIE_OFF_MASK 0x1ffffu
#define COOKIE_IDX_MASK 0xffu

/* The cookie that resumes right after the current entry. */
static uint64_t dirit_cookie(const struct dirit *it)
{
	if (it->remaining)
		return COOKIE_BASE + (it->run_pos << COOKIE_POS_SHIFT |
				      (it->done - it->run_pos) << COOKIE_OFF_SHIFT | it->idx);
	return COOKIE_BASE + (it->done << COOKIE_POS_SHIFT);
}

static int bad_cookie(uint64_t cookie, struct vsl_error *err)
{
	vsl_error_set(err, EINVAL, "squashfs: bad directory cookie %llu",
		      (unsigned long long)cookie);
	return -EINVAL;
}

static int dirit_seek(struct dirit *it, uint64_t cookie, struct vsl_error *err)
{
	uint64_t c = cookie - COOKIE_BASE;
	uint64_t pos = c >> COOKIE_POS_SHIFT;
	uint32_t off = (uint32_t)(c >> COOKIE_OFF_SHIFT) & COOKIE_OFF_MASK;
	uint32_t idx = (uint32_t)c & COOKIE_IDX_MASK;
	int rc;

	if (pos > it->total || (idx == 0) != (off == 0) || off > it->total - pos)
		return bad_cookie(cookie, err);
	rc = sqfs_meta_skip(it->fs, &it->pos, pos, err);
	if (rc < 0)
		return rc;
	it->done = pos;
	if (idx == 0)
		return 0;
	rc = run_header(it, err);
	if (rc < 0)
		return rc;
	if (idx >= it->remaining || off < it->done - pos)
		return bad_cookie(cookie, err);
	rc = sqfs_meta_skip(it->fs, &it->pos, off - (it->done - pos), err);
	if (rc < 0)
		return rc;
	it->done = pos + off;
	it->remaining -= idx;
	it->idx = idx;
	return 0;
}

static int emit_dots(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, uint64_t cookie,
		     vsl_sqfs_dirent_fn cb, void *ctx)
{
	struct vsl_sqfs_dirent d = { .type = S_IFDIR };
	int rc;

	if (cookie == 0) {
		d.ino = dir->ino;
		d.name = ".";
		d.namelen = 1;
		d.next = 1;
		rc = cb(ctx, &d);
		if (rc)
			return rc;
	}
	d.ino = dir->priv.parent;
	if (dir->ino == fs->root_ino || d.ino == 0 || d.ino > fs->inodes)
		d.ino = dir->ino;
	d.name = "..";
	d.namelen = 2;
	d.next = 2;
	return cb(ctx, &d);
}

int vsl_sqfs_readdir(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, uint64_t cookie,
		     unsigned flags, vsl_sqfs_dirent_fn cb, void *ctx, struct vsl_error *err)
{
	struct dirit it;
	int rc = dirit_open(&it, fs, dir, err);

	if (rc < 0)
		return rc;
	if ((flags & VSL_SQFS_DOTS) && cookie < 2) {
		rc = emit_dots(fs, dir, cookie, cb, ctx);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	if (cookie > COOKIE_BASE) {
		rc = dirit_seek(&it, cookie, err);
		if (rc < 0)
			return rc;
	}
	while ((rc = dirit_next(&it, err)) > 0) {
		struct vsl_sqfs_dirent d = {
			.ino = it.ino,
			.ref = it.ref,
			.type = it.type,
			.name = it.name,
			.namelen = it.namelen,
			.next = dirit_cookie(&it),
		};

		rc = cb(ctx, &d);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return rc;
}

/* Byte order, as mksquashfs sorts (strcmp on names without NULs). */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp = memcmp(a, b, alen < blen ? alen : blen);

	if (cmp == 0)
		cmp = alen < blen ? -1 : alen > blen;
	return cmp;
}

/*
 * An extended directory indexes the first name of each metadata block of its listing (byte
 * position in the listing, block inside the directory table, name): start the scan at the last
 * block whose first name sorts at or before the one looked for. Listing blocks are 8 KiB, so
 * the offset inside that block follows from the listing's start offset and the position.
 */
static int index_jump(struct dirit *it, const struct vsl_sqfs_inode *dir, const char *name,
		      size_t namelen, struct vsl_error *err)
{
	struct vsl_sqfs *fs = it->fs;
	struct vsl_sqfs_mpos pos = dir->priv.index;
	char iname[VSL_SQFS_NAME_MAX];
	uint8_t h[12];

	for (unsigned i = 0; i < dir->priv.idx_count; i++) {
		uint32_t at, block, n;
		int rc = sqfs_meta_read(fs, &pos, h, sizeof(h), err);

		if (rc < 0)
			return rc;
		at = sqfs_le32(h);
		block = sqfs_le32(h + 4);
		n = sqfs_le32(h + 8) + 1;
		if (n == 0 || n > VSL_SQFS_NAME_MAX)
			return sqfs_corrupt(err, "directory index name of %u bytes", n);
		rc = sqfs_meta_read(fs, &pos, iname, n, err);
		if (rc < 0)
			return rc;
		if (name_cmp(iname, n, name, namelen) > 0)
			break;
		if (at < it->done || at >= it->total || block >= fs->dir_end - fs->dir_start)
			return sqfs_corrupt(err, "directory index entry %u (position %u, block %u)",
					    i, at, block);
		it->pos.block = fs->dir_start + block;
		it->pos.off = (uint32_t)((dir->priv.data.off + (uint64_t)at) % SQFS_META_SIZE);
		it->done = at;
	}
	return 0;
}

int vsl_sqfs_lookup(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, const char *name,
		    size_t namelen, struct vsl_sqfs_inode *out, struct vsl_error *err)
{
	struct dirit it;
	int rc = dirit_open(&it, fs, dir, err);

	if (rc < 0)
		return rc;
	if (namelen == 0 || namelen > VSL_SQFS_NAME_MAX)
		return namelen ? -ENAMETOOLONG : -ENOENT;
	rc = index_jump(&it, dir, name, namelen, err);
	while (rc >= 0 && (rc = dirit_next(&it, err)) > 0) {
		int cmp = name_cmp(it.name, it.namelen, name, namelen);

		if (cmp > 0)
			break;
		if (cmp < 0)
			continue;
		rc = vsl_sqfs_inode_by_ref(fs, it.ref, out, err);
		if (rc >= 0 && out->ino != it.ino)
			rc = sqfs_corrupt(err, "entry \"%s\" says inode %llu, its inode says %llu",
					  it.name, (unsigned long long)it.ino,
					  (unsigned long long)out->ino);
		return rc;
	}
	return rc < 0 ? rc : -ENOENT;
}

int vsl_sqfs_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out,
		     struct vsl_error *err)
{
	struct vsl_sqfs_inode cur;
	int rc = vsl_sqfs_root(fs, &cur, err);

	while (rc >= 0 && *path) {
		const char *end = strchr(path, '/');
		size_t len = end ? (size_t)(end - path) : strlen(path);

		if (len == 0 || (len == 1 && path[0] == '.')) {
			/* nothing to do */
		} else if (len == 2 && path[0] == '.' && path[1] == '.') {
			if (cur.ino != fs->root_ino)
				rc = vsl_sqfs_inode_get(fs, cur.priv.parent, &cur, err);
		} else {
			rc = vsl_sqfs_lookup(fs, &cur, path, len, &cur, err);
		}
		path += len + (end != NULL);
	}
	if (rc >= 0)
		*out = cur;
	return rc;
}
