/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inodes: a 16-byte common header (type, permissions, uid and gid indexes, mtime, inode number)
 * and a per-type body, basic or extended, in the inode table. An inode reference is the
 * offset of its metadata block inside the table (upper 48 bits) and the offset inside the
 * decompressed block (lower 16). Loading checks every field that later code trusts: the type,
 * the id indexes, the inode number, the xattr id, and the sizes and table offsets of
 * directories, files and symlinks, so the rest of the reader works on a sane struct.
 */
#include "internal.h"

#include <errno.h>
#include <sys/stat.h>

/* Files whose block list would exceed this many entries are refused as corrupt (16 TiB at
 * 4 KiB blocks); it bounds the walk vsl_sqfs_file_open makes. */
#define FILE_BLOCKS_MAX (1ull << 32)

uint32_t sqfs_type_mode(unsigned type)
{
	static const uint32_t modes[] = { 0,	   S_IFDIR, S_IFREG, S_IFLNK,
					  S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK };

	if (type >= SQFS_LDIR && type <= SQFS_LSOCKET)
		type -= 7;
	return type >= 1 && type <= 7 ? modes[type] : 0;
}

static int body_dir(struct vsl_sqfs *fs, struct vsl_sqfs_inode *in, const uint8_t *b, bool ext,
		    struct vsl_error *err)
{
	uint32_t block, off;

	if (ext) {
		in->nlink = sqfs_le32(b);
		in->size = sqfs_le32(b + 4);
		block = sqfs_le32(b + 8);
		in->priv.parent = sqfs_le32(b + 12);
		in->priv.idx_count = sqfs_le16(b + 16);
		off = sqfs_le16(b + 18);
		in->xattr = sqfs_le32(b + 20);
	} else {
		block = sqfs_le32(b);
		in->nlink = sqfs_le32(b + 4);
		in->size = sqfs_le16(b + 8);
		off = sqfs_le16(b + 10);
		in->priv.parent = sqfs_le32(b + 12);
	}
	if (in->size < 3 || in->size - 3 > VSL_SQFS_DIR_MAX)
		return sqfs_corrupt(err, "directory inode %llu has listing size %llu",
				    (unsigned long long)in->ino, (unsigned long long)in->size);
	if (block >= fs->dir_end - fs->dir_start || off >= SQFS_META_SIZE)
		return sqfs_corrupt(err, "directory inode %llu points outside the directory table",
				    (unsigned long long)in->ino);
	in->priv.data.block = fs->dir_start + block;
	in->priv.data.off = off;
	return 0;
}

static int body_reg(struct vsl_sqfs *fs, struct vsl_sqfs_inode *in, const uint8_t *b, bool ext,
		    struct vsl_error *err)
{
	uint64_t nblocks, tail;

	if (ext) {
		in->priv.start = sqfs_le64(b);
		in->size = sqfs_le64(b + 8);
		in->nlink = sqfs_le32(b + 24);
		in->priv.frag = sqfs_le32(b + 28);
		in->priv.frag_off = sqfs_le32(b + 32);
		in->xattr = sqfs_le32(b + 36);
	} else {
		in->priv.start = sqfs_le32(b);
		in->priv.frag = sqfs_le32(b + 4);
		in->priv.frag_off = sqfs_le32(b + 8);
		in->size = sqfs_le32(b + 12);
		in->nlink = 1;
	}
	tail = in->size & (fs->block_size - 1);
	nblocks = in->size >> fs->block_log;
	if (in->priv.frag == SQFS_NO_FRAG) {
		nblocks += tail != 0;
	} else if (in->priv.frag >= fs->frags.count || in->priv.frag_off >= fs->block_size ||
		   tail > fs->block_size - in->priv.frag_off) {
		return sqfs_corrupt(err, "file inode %llu: fragment %u offset %u out of range",
				    (unsigned long long)in->ino, in->priv.frag, in->priv.frag_off);
	}
	if (in->priv.start > fs->bytes_used || nblocks > FILE_BLOCKS_MAX)
		return sqfs_corrupt(err, "file inode %llu: %llu bytes from offset %llu",
				    (unsigned long long)in->ino, (unsigned long long)in->size,
				    (unsigned long long)in->priv.start);
	return 0;
}

/* The type-specific part, read from pos (just after the common header). */
static int inode_body(struct vsl_sqfs *fs, struct vsl_sqfs_inode *in, struct vsl_sqfs_mpos *pos,
		      struct vsl_error *err)
{
	static const uint8_t sizes[] = { 0, 16, 16, 8, 8, 8, 4, 4, 24, 40, 8, 12, 12, 8, 8 };
	unsigned type = in->priv.type;
	bool ext = type >= SQFS_LDIR;
	unsigned base = ext ? type - 7 : type;
	uint8_t b[40];
	int rc = sqfs_meta_read(fs, pos, b, sizes[type], err);

	if (rc < 0)
		return rc;
	in->priv.frag = SQFS_NO_FRAG;
	switch (base) {
	case SQFS_DIR:
		rc = body_dir(fs, in, b, ext, err);
		break;
	case SQFS_REG:
		rc = body_reg(fs, in, b, ext, err);
		break;
	case SQFS_SYMLINK:
		in->nlink = sqfs_le32(b);
		in->size = sqfs_le32(b + 4);
		if (in->size > VSL_SQFS_SYMLINK_MAX)
			return sqfs_corrupt(err, "symlink inode %llu: target of %llu bytes",
					    (unsigned long long)in->ino,
					    (unsigned long long)in->size);
		break;
	case SQFS_BLKDEV:
	case SQFS_CHRDEV: {
		uint32_t rdev = sqfs_le32(b + 4);

		in->nlink = sqfs_le32(b);
		in->rdev_major = (rdev >> 8) & 0xfff;
		in->rdev_minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
		if (ext)
			in->xattr = sqfs_le32(b + 8);
		break;
	}
	default:
		in->nlink = sqfs_le32(b);
		if (ext)
			in->xattr = sqfs_le32(b + 4);
		break;
	}
	if (base == SQFS_REG || base == SQFS_SYMLINK)
		in->priv.data = *pos;
	if (type == SQFS_LDIR)
		in->priv.index = *pos;
	return rc;
}

/* The extended symlink keeps its xattr id after the target. */
static int symlink_xattr(struct vsl_sqfs *fs, struct vsl_sqfs_inode *in, struct vsl_error *err)
{
	struct vsl_sqfs_mpos pos = in->priv.data;
	uint8_t b[4];
	int rc = sqfs_meta_skip(fs, &pos, in->size, err);

	if (rc >= 0)
		rc = sqfs_meta_read(fs, &pos, b, sizeof(b), err);
	if (rc >= 0)
		in->xattr = sqfs_le32(b);
	return rc;
}

static int inode_load(struct vsl_sqfs *fs, uint64_t ref, struct vsl_sqfs_inode *in,
		      struct vsl_error *err)
{
	struct vsl_sqfs_mpos pos;
	uint8_t h[16];
	unsigned type, uid, gid;
	int rc;

	memset(in, 0, sizeof(*in));
	if ((ref >> 16) >= fs->inode_end - fs->inode_start || (ref & 0xffff) >= SQFS_META_SIZE)
		return sqfs_corrupt(err, "inode reference 0x%llx outside the inode table",
				    (unsigned long long)ref);
	pos.block = fs->inode_start + (ref >> 16);
	pos.off = ref & 0xffff;
	rc = sqfs_meta_read(fs, &pos, h, sizeof(h), err);
	if (rc < 0)
		return rc;
	type = sqfs_le16(h);
	uid = sqfs_le16(h + 4);
	gid = sqfs_le16(h + 6);
	in->ref = ref;
	in->ino = sqfs_le32(h + 12);
	in->mtime = sqfs_le32(h + 8);
	in->xattr = VSL_SQFS_NO_XATTR;
	in->priv.type = (uint16_t)type;
	if (type < SQFS_DIR || type > SQFS_LSOCKET || uid >= fs->nids || gid >= fs->nids ||
	    in->ino == 0 || in->ino > fs->inodes)
		return sqfs_corrupt(err, "inode at 0x%llx: type %u, ids %u/%u, number %llu",
				    (unsigned long long)ref, type, uid, gid,
				    (unsigned long long)in->ino);
	in->mode = sqfs_type_mode(type) | (sqfs_le16(h + 2) & 07777);
	in->uid = fs->ids[uid];
	in->gid = fs->ids[gid];
	rc = inode_body(fs, in, &pos, err);
	if (rc >= 0 && type == SQFS_LSYMLINK)
		rc = symlink_xattr(fs, in, err);
	if (rc >= 0 && in->xattr != VSL_SQFS_NO_XATTR && in->xattr >= fs->xattrs.count)
		rc = sqfs_corrupt(err, "inode %llu: xattr id %u out of range",
				  (unsigned long long)in->ino, in->xattr);
	return rc;
}

int vsl_sqfs_inode_by_ref(struct vsl_sqfs *fs, uint64_t ref, struct vsl_sqfs_inode *out,
			  struct vsl_error *err)
{
	int rc = inode_load(fs, ref, out, err);

	if (rc < 0)
		return rc;
	if (!fs->exports.count)
		sqfs_inomap_add(fs->inomap, out->ino, ref);
	return 0;
}

int vsl_sqfs_root(struct vsl_sqfs *fs, struct vsl_sqfs_inode *out, struct vsl_error *err)
{
	return vsl_sqfs_inode_by_ref(fs, fs->root_ref, out, err);
}

int vsl_sqfs_inode_get(struct vsl_sqfs *fs, uint64_t ino, struct vsl_sqfs_inode *out,
		       struct vsl_error *err)
{
	uint8_t e[8];
	uint64_t ref;
	int rc;

	if (ino == fs->root_ino)
		return vsl_sqfs_root(fs, out, err);
	if (ino == 0 || ino > fs->inodes) {
		vsl_error_set(err, ESTALE, "squashfs: no inode %llu", (unsigned long long)ino);
		return -ESTALE;
	}
	if (fs->exports.count) {
		rc = sqfs_table_entry(fs, &fs->exports, ino - 1, e, sizeof(e), "export entry", err);
		if (rc < 0)
			return rc;
		ref = sqfs_le64(e);
	} else if (!sqfs_inomap_find(fs->inomap, ino, &ref)) {
		vsl_error_set(err, ESTALE,
			      "squashfs: inode %llu was not looked up before, and the image has "
			      "no export table",
			      (unsigned long long)ino);
		return -ESTALE;
	}
	rc = vsl_sqfs_inode_by_ref(fs, ref, out, err);
	if (rc >= 0 && out->ino != ino)
		rc = sqfs_corrupt(err, "export table maps inode %llu to inode %llu",
				  (unsigned long long)ino, (unsigned long long)out->ino);
	return rc;
}

ssize_t vsl_sqfs_readlink(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *lnk, char *buf,
			  size_t size, struct vsl_error *err)
{
	struct vsl_sqfs_mpos pos = lnk->priv.data;
	int rc;

	if (!S_ISLNK(lnk->mode)) {
		vsl_error_set(err, EINVAL, "squashfs: inode %llu is not a symlink",
			      (unsigned long long)lnk->ino);
		return -EINVAL;
	}
	if (size <= lnk->size)
		return -ERANGE;
	rc = sqfs_meta_read(fs, &pos, buf, (size_t)lnk->size, err);
	if (rc < 0)
		return rc;
	buf[lnk->size] = '\0';
	return (ssize_t)lnk->size;
}
