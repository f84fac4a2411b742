/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the SquashFS reader core (runtime/sqfs). The input is an image; when it
 * opens, the whole tree is walked the way the FUSE binding would: readdir in batches of three
 * (so every listing is resumed through cookies), lookup of each name, inode by number and by
 * reference, readlink, listxattr + getxattr, and file reads at a few offsets, under caps on
 * entries, depth and bytes. Caches are tiny, to exercise eviction and the private-buffer path.
 * Properties, on top of the sanitizers:
 *   - every failure says why (err->msg), except the expected FUSE outcomes ENOENT/ENODATA/ERANGE;
 *   - a read never returns more than asked or than the file's size;
 *   - zero-copy spans over the same range hold the same bytes as the read;
 *   - readdir names are non-empty, NUL-free and bounded; what lookup finds is a real inode;
 *   - the server's warm-up (runtime/fuse_warm.c: PATH lookup, symlinks, ELF headers) ends.
 *
 *   make fuzz FUZZ_TARGETS=sqfs   (clang, -fsanitize=fuzzer,address,undefined; see Makefile)
 *
 * Seed corpus: tests/fuzz/seed-sqfs.sh, Debian's mksquashfs at fuzz time (not committed).
 */
#include "fuse_warm.h"
#include "sqfs/sqfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ENTRIES 3000
#define MAX_DEPTH 24
#define BATCH 3
#define READ_CAP (256u << 10)

struct mem {
	const uint8_t *d;
	size_t len;
};

struct fuzz {
	struct vsl_sqfs *fs;
	unsigned entries;
	uint8_t buf[READ_CAP];
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off > m->len || len > m->len - off)
		return -EIO;
	memcpy(buf, m->d + off, len);
	return 0;
}

/* A failure must say why, except the outcomes FUSE expects. */
static void check(long rc, struct vsl_error *err)
{
	if (rc < 0 && rc != -ENOENT && rc != -ENODATA && rc != -ERANGE && !err->msg)
		abort();
	vsl_error_release(err);
}

struct ent {
	uint64_t ino, ref;
	uint32_t type;
	char name[VSL_SQFS_NAME_MAX + 1];
	size_t namelen;
};

struct batch {
	struct ent e[BATCH];
	int n;
	uint64_t next;
};

static int collect(void *ctx, const struct vsl_sqfs_dirent *d)
{
	struct batch *b = ctx;

	if (b->n == BATCH)
		return 1;
	if (d->namelen == 0 || d->namelen > VSL_SQFS_NAME_MAX || strlen(d->name) != d->namelen)
		abort();
	b->e[b->n].ino = d->ino;
	b->e[b->n].ref = d->ref;
	b->e[b->n].type = d->type;
	memcpy(b->e[b->n].name, d->name, d->namelen + 1);
	b->e[b->n].namelen = d->namelen;
	b->next = d->next;
	b->n++;
	return 0;
}

static void visit(struct fuzz *f, const struct vsl_sqfs_inode *in, unsigned depth);

/* The zero-copy spans of what was just read into f->buf give the same bytes (they may stop
 * short after max spans, never run past the file). */
static void same_spans(struct fuzz *f, const struct vsl_sqfs_file *h, uint64_t off, size_t n)
{
	struct vsl_sqfs_span v[3];
	struct vsl_error err = { 0 };
	ssize_t k = vsl_sqfs_file_spans(f->fs, h, off, n, v, 3, &err);
	size_t at = 0;

	check(k, &err);
	for (ssize_t i = 0; i < k; i++) {
		if (v[i].len == 0 || at + v[i].len > n || memcmp(f->buf + at, v[i].data, v[i].len))
			abort();
		at += v[i].len;
	}
	if (k > 0)
		vsl_sqfs_spans_release(f->fs, v, (size_t)k);
}

static void read_file(struct fuzz *f, const struct vsl_sqfs_inode *in)
{
	const uint64_t offs[] = { 0, 4095, in->size / 2, in->size ? in->size - 1 : 0 };
	struct vsl_error err = { 0 };
	struct vsl_sqfs_file *h;
	int rc = vsl_sqfs_file_open(f->fs, in, &h, &err);

	check(rc, &err);
	if (rc < 0)
		return;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t len = i == 0 ? READ_CAP : 9000;
		ssize_t n = vsl_sqfs_file_read(f->fs, h, f->buf, len, offs[i], &err);

		check(n, &err);
		if (n > (ssize_t)len || (n > 0 && offs[i] + (uint64_t)n > in->size))
			abort();
		if (n > 0)
			same_spans(f, h, offs[i], (size_t)n);
		if (n > 0 && i == 0) {
			char interp[64];

			vsl_fuse_elf_interp(f->buf, (size_t)n, interp, sizeof(interp));
			if (memchr(interp, '\0', sizeof(interp)) == NULL)
				abort();
		}
	}
	vsl_sqfs_file_close(h);
}

static void read_meta(struct fuzz *f, const struct vsl_sqfs_inode *in)
{
	struct vsl_error err = { 0 };
	char names[4096];
	ssize_t n;

	if (S_ISLNK(in->mode))
		check(vsl_sqfs_readlink(f->fs, in, (char *)f->buf, sizeof(f->buf), &err), &err);
	n = vsl_sqfs_listxattr(f->fs, in, NULL, 0, &err);
	check(n, &err);
	n = vsl_sqfs_listxattr(f->fs, in, names, sizeof(names), &err);
	check(n, &err);
	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1)
		check(vsl_sqfs_getxattr(f->fs, in, p, f->buf, sizeof(f->buf), &err), &err);
}

/* One entry: by reference, by name, by number. */
static void entry(struct fuzz *f, const struct vsl_sqfs_inode *dir, const struct ent *e,
		  unsigned depth)
{
	struct vsl_sqfs_inode in, again;
	struct vsl_error err = { 0 };
	int rc;

	check(vsl_sqfs_inode_get(f->fs, e->ino, &again, &err), &err);
	if (!e->ref)
		return;
	rc = vsl_sqfs_inode_by_ref(f->fs, e->ref, &in, &err);
	check(rc, &err);
	if (rc < 0)
		return;
	/* A corrupt listing may be unsorted, so a miss is allowed; a hit must be consistent. */
	rc = vsl_sqfs_lookup(f->fs, dir, e->name, e->namelen, &again, &err);
	check(rc, &err);
	if (rc == 0 && (!again.ino || again.mode == 0))
		abort();
	visit(f, &in, depth + 1);
}

static void visit(struct fuzz *f, const struct vsl_sqfs_inode *in, unsigned depth)
{
	struct vsl_error err = { 0 };
	struct batch b = { .n = 0 };

	if (++f->entries > MAX_ENTRIES || depth > MAX_DEPTH)
		return;
	read_meta(f, in);
	if (S_ISREG(in->mode))
		read_file(f, in);
	if (!S_ISDIR(in->mode))
		return;
	do {
		int rc;

		b.n = 0;
		rc = vsl_sqfs_readdir(f->fs, in, b.next, VSL_SQFS_DOTS, collect, &b, &err);
		check(rc, &err);
		if (rc < 0)
			return;
		for (int i = 0; i < b.n && f->entries <= MAX_ENTRIES; i++)
			entry(f, in, &b.e[i], depth);
	} while (b.n == BATCH && f->entries <= MAX_ENTRIES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz f;
	struct mem m = { data, size };
	struct vsl_sqfs_source src = { .read = mem_read, .ctx = &m, .base = 0, .size = size };
	struct vsl_sqfs_options opt = { .meta_cache_blocks = 8, .data_cache_blocks = 2 };
	struct vsl_sqfs_inode root;
	struct vsl_error err = { 0 };
	int rc = vsl_sqfs_open(&f.fs, &src, &opt, &err);

	check(rc, &err);
	if (rc < 0)
		return 0;
	f.entries = 0;
	rc = vsl_sqfs_root(f.fs, &root, &err);
	check(rc, &err);
	if (rc >= 0)
		visit(&f, &root, 0);
	/* the FUSE server's warm-up: PATH lookup, symlinks, ELF interpreter, block loads */
	vsl_fuse_warm(f.fs, "link", "/nowhere:/:/dir", 4, NULL);
	vsl_fuse_warm(f.fs, "/dir/../link", NULL, 4, NULL);
	vsl_sqfs_close(f.fs);
	return 0;
}
