/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mksquashfs pseudo and exclude file text from the rootfs metadata table (see pseudo.h). The
 * quoting rules come from reading squashfs-tools 4.5.1's pseudo file and exclude file readers.
 */
#include "pseudo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest device numbers a squashfs pseudo definition accepts. */
#define PSEUDO_MAJOR_MAX 0xfffu
#define PSEUDO_MINOR_MAX 0xfffffu

static int text_reserve(struct vsl_pseudo_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *n;

	if (t->len + more + 1 <= t->cap)
		return 0;
	while (cap < t->len + more + 1)
		cap *= 2;
	n = realloc(t->buf, cap);
	if (!n)
		return -1;
	t->buf = n;
	t->cap = cap;
	return 0;
}

static int text_putc(struct vsl_pseudo_text *t, char c)
{
	if (text_reserve(t, 1) < 0)
		return -1;
	t->buf[t->len++] = c;
	t->buf[t->len] = '\0';
	return 0;
}

static int text_printf(struct vsl_pseudo_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int text_printf(struct vsl_pseudo_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || text_reserve(t, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
	return 0;
}

/* The bytes mksquashfs's isspace() (C locale) ends a name at. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

static int put_pseudo_name(struct vsl_pseudo_text *t, const char *path)
{
	for (const char *c = path; *c; c++) {
		if ((is_space(*c) || *c == '"' || *c == '\\' || (c == path && *c == '#')) &&
		    text_putc(t, '\\') < 0)
			return -1;
		if (text_putc(t, *c) < 0)
			return -1;
	}
	return 0;
}

/* One name per line; only a leading space, '#' or '\\' needs the one escape there is. */
static int put_exclude(struct vsl_pseudo_text *t, const char *path)
{
	if ((is_space(path[0]) || path[0] == '#' || path[0] == '\\') && text_putc(t, '\\') < 0)
		return -1;
	return text_printf(t, "%s\n", path);
}

uint32_t vsl_pseudo_time(int64_t mtime, int64_t source_date_epoch)
{
	if (source_date_epoch >= 0 && mtime > source_date_epoch)
		mtime = source_date_epoch;
	if (mtime < 0)
		return 0;
	if (mtime > (int64_t)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)mtime;
}

void vsl_pseudo_init(struct vsl_pseudo *p, int64_t source_date_epoch)
{
	memset(p, 0, sizeof *p);
	p->source_date_epoch = source_date_epoch;
	p->root_mode = 0755;
}

void vsl_pseudo_fini(struct vsl_pseudo *p)
{
	free(p->pseudo.buf);
	free(p->exclude.buf);
	memset(p, 0, sizeof *p);
}

static int add_special(struct vsl_pseudo *p, const struct vsl_rootfs_entry *e, uint32_t t,
		       struct vsl_error *err)
{
	struct vsl_pseudo_text *pf = &p->pseudo;
	enum vsl_tar_type type = e->inode_type;

	if (type == VSL_TAR_FIFO) {
		if (put_exclude(&p->exclude, e->path) < 0 || put_pseudo_name(pf, e->path) < 0 ||
		    text_printf(pf, " I %" PRIu32 " %" PRIo32 " %" PRIu32 " %" PRIu32 " f\n", t,
				e->mode & 07777, e->uid, e->gid) < 0)
			return vsl_error_set(err, ENOMEM, "squashfs pseudo file");
		return 0;
	}
	if (e->devmajor > PSEUDO_MAJOR_MAX || e->devminor > PSEUDO_MINOR_MAX)
		return vsl_error_set(err, 0,
				     "device /%s has number %" PRIu32 ":%" PRIu32 ", beyond what "
				     "squashfs stores (4095:1048575); use --payload-format tar.zst",
				     e->path, e->devmajor, e->devminor);
	if (put_exclude(&p->exclude, e->path) < 0 || put_pseudo_name(pf, e->path) < 0 ||
	    text_printf(pf,
			" %c %" PRIu32 " %" PRIo32 " %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
			"\n",
			type == VSL_TAR_CHR ? 'C' : 'B', t, e->mode & 07777, e->uid, e->gid,
			e->devmajor, e->devminor) < 0)
		return vsl_error_set(err, ENOMEM, "squashfs pseudo file");
	return 0;
}

int vsl_pseudo_add(struct vsl_pseudo *p, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	uint32_t t = vsl_pseudo_time(e->mtime, p->source_date_epoch);

	p->paths++;
	if (e->nxattrs)
		p->xattr_paths++;
	if (t > p->newest)
		p->newest = t;
	if (!e->path[0]) {
		p->root_mode = e->mode & 07777;
		p->root_uid = e->uid;
		p->root_gid = e->gid;
		p->root_mtime = t;
		return 0;
	}
	if (strchr(e->path, '\n'))
		return vsl_error_set(err, 0,
				     "the name of /%s has a newline, which the squashfs builder "
				     "(mksquashfs pseudo file) cannot express; use "
				     "--payload-format tar.zst",
				     e->path);
	switch (e->inode_type) {
	case VSL_TAR_DIR:
		/* No time: see pseudo.h for why a directory's comes from the disk. */
		if (put_pseudo_name(&p->pseudo, e->path) < 0 ||
		    text_printf(&p->pseudo, " m %" PRIo32 " %" PRIu32 " %" PRIu32 "\n",
				e->mode & 07777, e->uid, e->gid) < 0)
			return vsl_error_set(err, ENOMEM, "squashfs pseudo file");
		return 0;
	case VSL_TAR_REG:
	case VSL_TAR_SYMLINK:
		if (put_pseudo_name(&p->pseudo, e->path) < 0 ||
		    text_printf(&p->pseudo, " M %" PRIu32 " %" PRIo32 " %" PRIu32 " %" PRIu32 "\n",
				t, e->mode & 07777, e->uid, e->gid) < 0)
			return vsl_error_set(err, ENOMEM, "squashfs pseudo file");
		return 0;
	case VSL_TAR_CHR:
	case VSL_TAR_BLK:
	case VSL_TAR_FIFO:
		return add_special(p, e, t, err);
	default:
		return vsl_error_set(err, 0, "/%s has an inode type (%d) squashfs cannot store",
				     e->path, (int)e->inode_type);
	}
}
