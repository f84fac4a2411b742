/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SquashFS reader core over two tiny images (sqfs-images.h): lookups, attributes, reads
 * across block and fragment boundaries, zero-copy spans, sparse blocks, symlinks, hard links,
 * devices, xattrs,
 * readdir with cookies, inode numbers, six threads at once over one-slot caches (also clean
 * under -fsanitize=thread), and then corrupted variants (the image cut short at
 * every byte, every byte inverted, single bit flips in the superblock) which must all fail
 * with a message or succeed, never crash (the ASan build runs this too), plus the regression
 * inputs the fuzzer found (tests/fuzz/fuzz-sqfs.c).
 */
#include "sqfs/sqfs.h"
#include "../tap.h"
#include "sqfs-images.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>

/* Fuzzer-found inputs, see test_fuzz_regressions(). Two runs (~657k executions, 23 minutes)
 * found none, nor did three `make fuzz` runs of 10-11 minutes each over the zero-copy spans
 * and the server's warm-up (61k + 37k + 132k executions, 2026-11-29); the empty input keeps
 * the mechanism exercised. */
struct regression {
	const uint8_t *d;
	size_t len;
};
static const uint8_t reg_none[] = { 0 };
static const struct regression regressions[] = {
	{ reg_none, 0 },
};

struct mem {
	const uint8_t *d;
	size_t len;
	uint64_t fail_at; /* reads reaching past this fail with EIO */
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off > m->len || len > m->len - off || off + len > m->fail_at)
		return -EIO;
	memcpy(buf, m->d + off, len);
	return 0;
}

static int open_mem(struct mem *m, const uint8_t *d, size_t len, struct vsl_sqfs **fs,
		    struct vsl_error *err)
{
	struct vsl_sqfs_source src = { .read = mem_read, .ctx = m, .size = len };

	m->d = d;
	m->len = len;
	if (!m->fail_at)
		m->fail_at = UINT64_MAX;
	return vsl_sqfs_open(fs, &src, NULL, err);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i % 251);
}

static void test_open(struct vsl_sqfs *fs)
{
	struct vsl_sqfs_statfs st;
	struct vsl_sqfs_inode root;
	struct vsl_error err = { 0 };

	vsl_sqfs_statfs(fs, &st);
	is_int(st.block_size, 4096, "block size");
	is_int(st.compression, 1, "gzip");
	is_str(vsl_sqfs_compressor_name(st.compression), "gzip", "compressor name");
	is_int(st.mkfs_time, 1700000000, "mkfs time");
	is_int(st.inodes, 11, "inode count (hard shares hello's)");
	ok(vsl_sqfs_root(fs, &root, &err) == 0, "root");
	ok(S_ISDIR(root.mode) && root.ino == st.root_ino, "root is the superblock's root dir");
	is_int(vsl_sqfs_ino_fuse(fs, root.ino), 1, "root is FUSE inode 1");
	is_int(vsl_sqfs_ino_fuse(fs, 1), root.ino, "inode 1 takes the root's number");
	is_int(vsl_sqfs_ino_fuse(fs, vsl_sqfs_ino_fuse(fs, 5)), 5, "the swap is its own inverse");
	is_int(root.nlink, 3, "root nlink counts sub");
}

static void test_lookup(struct vsl_sqfs *fs)
{
	struct vsl_sqfs_inode root, in, hard, sub;
	struct vsl_error err = { 0 };

	vsl_sqfs_root(fs, &root, &err);
	ok(vsl_sqfs_lookup(fs, &root, "hello", 5, &in, &err) == 0, "lookup hello");
	ok(S_ISREG(in.mode) && (in.mode & 07777) == 0644, "hello is a 0644 file");
	is_int(in.size, 12, "hello size");
	ok(in.uid == 1000 && in.gid == 1000, "hello owner 1000:1000");
	is_int(in.mtime, 1700000000, "hello mtime");
	is_int(in.nlink, 2, "hello has two links");
	ok(vsl_sqfs_lookup(fs, &root, "hard", 4, &hard, &err) == 0, "lookup hard");
	ok(hard.ino == in.ino && hard.ref == in.ref, "a hard link is the same inode");
	is_int(vsl_sqfs_lookup(fs, &root, "missing", 7, &in, &err), -ENOENT, "missing: ENOENT");
	ok(err.msg == NULL, "ENOENT leaves no message");
	is_int(vsl_sqfs_lookup(fs, &root, "hell", 4, &in, &err), -ENOENT, "a prefix is not a name");
	is_int(vsl_sqfs_lookup(fs, &root, "zzz", 3, &in, &err), -ENOENT, "after the last name");
	is_int(vsl_sqfs_lookup(fs, &root, "", 0, &in, &err), -ENOENT, "empty name");
	vsl_sqfs_lookup(fs, &root, "hello", 5, &in, &err);
	is_int(vsl_sqfs_lookup(fs, &in, "x", 1, &in, &err), -ENOTDIR, "lookup in a file: ENOTDIR");
	vsl_error_release(&err);
	ok(vsl_sqfs_resolve(fs, "sub", &sub, &err) == 0, "resolve sub");
	ok(S_ISDIR(sub.mode) && (sub.mode & 07777) == 0750 && sub.gid == 100, "sub 0750 0:100");
	ok(vsl_sqfs_resolve(fs, "/sub/deeper/../deeper/./file", &in, &err) == 0, "resolve . ..");
	is_int(in.size, 5, "sub/deeper/file size");
	is_int(vsl_sqfs_resolve(fs, "sub/nope/file", &in, &err), -ENOENT, "resolve missing");
	ok(vsl_sqfs_resolve(fs, "/", &in, &err) == 0 && in.ino == root.ino, "resolve / is root");
}

static void test_special(struct vsl_sqfs *fs)
{
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	char buf[64];

	ok(vsl_sqfs_resolve(fs, "link", &in, &err) == 0 && S_ISLNK(in.mode), "link is a symlink");
	is_int(in.size, 5, "symlink size is the target length");
	is_int(vsl_sqfs_readlink(fs, &in, buf, sizeof(buf), &err), 5, "readlink");
	is_str(buf, "hello", "link target");
	is_int(vsl_sqfs_readlink(fs, &in, buf, 5, &err), -ERANGE, "readlink needs room for NUL");
	ok(vsl_sqfs_resolve(fs, "null", &in, &err) == 0 && S_ISCHR(in.mode), "null is a chrdev");
	ok(in.rdev_major == 1 && in.rdev_minor == 3, "null is 1,3");
	ok(vsl_sqfs_resolve(fs, "fifo", &in, &err) == 0 && S_ISFIFO(in.mode), "fifo");
	is_int(vsl_sqfs_readlink(fs, &in, buf, sizeof(buf), &err), -EINVAL, "readlink of a fifo");
	vsl_error_release(&err);
	ok(vsl_sqfs_resolve(fs, "sub", &in, &err) == 0, "sub");
	is_int(vsl_sqfs_read(fs, &in, buf, 1, 0, &err), -EISDIR, "read of a dir: EISDIR");
	vsl_error_release(&err);
}

static void test_read(struct vsl_sqfs *fs)
{
	static const size_t offs[] = { 0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 9999, 10000 };
	struct vsl_sqfs_inode in;
	struct vsl_sqfs_file *f;
	struct vsl_error err = { 0 };
	uint8_t buf[12300];
	bool good = true;

	ok(vsl_sqfs_resolve(fs, "sub/data", &in, &err) == 0, "sub/data");
	is_int(in.size, 10000, "two blocks and a fragment tail");
	ok(vsl_sqfs_file_open(fs, &in, &f, &err) == 0, "open sub/data");
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t len = 1; len <= 10000; len = len * 3 + 1) {
			size_t want = offs[i] + len > 10000 ? 10000 - offs[i] : len;
			ssize_t n = vsl_sqfs_file_read(fs, f, buf, len, offs[i], &err);

			good &= n == (ssize_t)want;
			for (size_t j = 0; good && j < want; j++)
				good &= buf[j] == pattern(offs[i] + j);
		}
	}
	ok(good, "reads at block and fragment boundaries give the right bytes");
	is_int(vsl_sqfs_file_read(fs, f, buf, 10, 20000, &err), 0, "read past the end: 0");
	vsl_sqfs_file_close(f);

	ok(vsl_sqfs_resolve(fs, "sparse", &in, &err) == 0, "sparse");
	is_int(vsl_sqfs_read(fs, &in, buf, sizeof(buf), 0, &err), 12288, "read all of sparse");
	good = buf[0] == 'A' && buf[12287] == 'Z';
	for (size_t j = 1; j < 12287; j++)
		good &= buf[j] == 0;
	ok(good, "a sparse file reads as zeros between its ends");
	ok(vsl_sqfs_resolve(fs, "empty", &in, &err) == 0 && in.size == 0, "empty");
	is_int(vsl_sqfs_read(fs, &in, buf, 10, 0, &err), 0, "empty reads nothing");
	ok(vsl_sqfs_resolve(fs, "hello", &in, &err) == 0, "hello");
	is_int(vsl_sqfs_read(fs, &in, buf, sizeof(buf), 0, &err), 12, "read hello");
	ok(memcmp(buf, "hello world\n", 12) == 0, "hello content (a fragment)");
	is_int(vsl_sqfs_read(fs, &in, buf, 5, 6, &err), 5, "read inside a fragment");
	ok(memcmp(buf, "world", 5) == 0, "fragment offset");
}

/* spans cover [off, off + len) of sub/data (10000 bytes of pattern) exactly */
static bool spans_good(const struct vsl_sqfs_span *v, ssize_t k, size_t off, size_t want)
{
	size_t at = off;

	for (ssize_t i = 0; i < k; i++)
		for (size_t j = 0; j < v[i].len; j++)
			if (((const uint8_t *)v[i].data)[j] != pattern(at++))
				return false;
	return at - off == want;
}

static void test_spans(struct vsl_sqfs *fs)
{
	struct vsl_sqfs_options opt = { .data_cache_blocks = 1 };
	struct vsl_sqfs_source src = { .read = mem_read, .size = sizeof(img_gzip) };
	struct mem m = { img_gzip, sizeof(img_gzip), UINT64_MAX };
	struct vsl_sqfs_span v[8], w[8];
	struct vsl_sqfs_inode in;
	struct vsl_sqfs_file *f;
	struct vsl_sqfs *one;
	struct vsl_error err = { 0 };
	ssize_t k;

	vsl_sqfs_resolve(fs, "sub/data", &in, &err);
	vsl_sqfs_file_open(fs, &in, &f, &err);
	k = vsl_sqfs_file_spans(fs, f, 4000, 6000, v, 8, &err);
	is_int(k, 3, "4000..10000 of sub/data: a block end, a whole block, the fragment tail");
	ok(k == 3 && v[0].len == 96 && v[1].len == 4096 && v[2].len == 1808, "span lengths");
	ok(spans_good(v, k, 4000, 6000), "spans point at the right bytes");
	vsl_sqfs_spans_release(fs, v, (size_t)k);
	k = vsl_sqfs_file_spans(fs, f, 100, 9000, v, 2, &err);
	ok(k == 2 && spans_good(v, k, 100, 8092), "max spans: the read stops short, still right");
	vsl_sqfs_spans_release(fs, v, (size_t)k);
	is_int(vsl_sqfs_file_spans(fs, f, 10000, 10, v, 8, &err), 0, "at the end: no span");
	vsl_sqfs_file_close(f);

	vsl_sqfs_resolve(fs, "sparse", &in, &err);
	vsl_sqfs_file_open(fs, &in, &f, &err);
	k = vsl_sqfs_file_spans(fs, f, 4090, 4110, v, 8, &err);
	ok(k == 3 && v[1].len == 4096 && ((const uint8_t *)v[1].data)[0] == 0 &&
		   ((const uint8_t *)v[1].data)[4095] == 0,
	   "a sparse block is a span of zeros");
	vsl_sqfs_spans_release(fs, v, k > 0 ? (size_t)k : 0);
	vsl_sqfs_file_close(f);

	/* One data slot: a second reader holding spans gets private copies, never a failure. */
	src.ctx = &m;
	if (!ok(vsl_sqfs_open(&one, &src, &opt, &err) == 0, "open with a one-slot data cache"))
		return;
	vsl_sqfs_resolve(one, "sub/data", &in, &err);
	vsl_sqfs_file_open(one, &in, &f, &err);
	k = vsl_sqfs_file_spans(one, f, 0, 10000, v, 8, &err);
	ok(k == 3 && spans_good(v, k, 0, 10000), "all three blocks pinned with one slot");
	ok(vsl_sqfs_file_spans(one, f, 0, 10000, w, 8, &err) == 3 && spans_good(w, 3, 0, 10000),
	   "and again while the first spans are held");
	vsl_sqfs_spans_release(one, w, 3);
	vsl_sqfs_spans_release(one, v, k > 0 ? (size_t)k : 0);
	vsl_sqfs_file_close(f);
	vsl_sqfs_close(one);
}

static void test_xattr(struct vsl_sqfs *fs)
{
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	char buf[512];

	vsl_sqfs_resolve(fs, "hello", &in, &err);
	is_int(vsl_sqfs_listxattr(fs, &in, NULL, 0, &err), 10, "listxattr size");
	is_int(vsl_sqfs_listxattr(fs, &in, buf, sizeof(buf), &err), 10, "listxattr");
	ok(memcmp(buf, "user.test", 10) == 0, "the name has its prefix and a NUL");
	is_int(vsl_sqfs_listxattr(fs, &in, buf, 3, &err), -ERANGE, "listxattr too small");
	is_int(vsl_sqfs_getxattr(fs, &in, "user.test", NULL, 0, &err), 5, "getxattr size");
	is_int(vsl_sqfs_getxattr(fs, &in, "user.test", buf, sizeof(buf), &err), 5, "getxattr");
	ok(memcmp(buf, "value", 5) == 0, "value");
	is_int(vsl_sqfs_getxattr(fs, &in, "user.test", buf, 4, &err), -ERANGE, "getxattr small");
	is_int(vsl_sqfs_getxattr(fs, &in, "user.nope", buf, 4, &err), -ENODATA, "no such xattr");
	is_int(vsl_sqfs_getxattr(fs, &in, "test", buf, 4, &err), -ENODATA, "prefix required");
	vsl_sqfs_resolve(fs, "sub", &in, &err);
	is_int(vsl_sqfs_getxattr(fs, &in, "trusted.big", buf, sizeof(buf), &err), 300,
	       "a dir's trusted xattr");
	vsl_sqfs_resolve(fs, "empty", &in, &err);
	is_int(vsl_sqfs_listxattr(fs, &in, buf, sizeof(buf), &err), 0, "no xattrs: empty list");
	ok(err.msg == NULL, "no error messages along the way");
}

struct names {
	char all[512];
	uint64_t next[32];
	uint64_t ino[32];
	int n, stop_after;
};

static int collect(void *ctx, const struct vsl_sqfs_dirent *d)
{
	struct names *s = ctx;

	if (s->n == s->stop_after || s->n == 32)
		return 1;
	strcat(s->all, d->name);
	strcat(s->all, " ");
	s->next[s->n] = d->next;
	s->ino[s->n] = d->ino;
	s->n++;
	return 0;
}

static void test_readdir(struct vsl_sqfs *fs)
{
	static const char want[] = ". .. empty fifo hard hello link null sparse sub ";
	struct vsl_sqfs_inode root, in;
	struct vsl_error err = { 0 };
	struct names all = { .stop_after = -1 }, two = { .stop_after = 2 };
	struct names plain = { .stop_after = -1 };
	bool good = true;

	vsl_sqfs_root(fs, &root, &err);
	is_int(vsl_sqfs_readdir(fs, &root, 0, VSL_SQFS_DOTS, collect, &all, &err), 0, "readdir");
	is_str(all.all, want, "every name, sorted, with . and ..");
	for (int i = 0; i < all.n; i++) {
		struct names rest = { .stop_after = -1 };

		vsl_sqfs_readdir(fs, &root, all.next[i], VSL_SQFS_DOTS, collect, &rest, &err);
		good &= rest.n == all.n - i - 1;
		for (int j = 0; j < rest.n; j++)
			good &= rest.ino[j] == all.ino[i + 1 + j];
	}
	ok(good, "resuming at every cookie gives the rest");
	vsl_sqfs_readdir(fs, &root, 0, VSL_SQFS_DOTS, collect, &two, &err);
	is_int(two.n, 2, "a callback can stop the walk");
	vsl_sqfs_readdir(fs, &root, 0, 0, collect, &plain, &err);
	is_str(plain.all, want + 5, "without VSL_SQFS_DOTS");
	for (int i = 2; i < all.n; i++)
		good &= vsl_sqfs_inode_get(fs, all.ino[i], &in, &err) == 0 && in.ino == all.ino[i];
	ok(good, "every entry's inode number finds its inode");
	is_int(vsl_sqfs_inode_get(fs, 999, &in, &err), -ESTALE, "an inode number out of range");
	vsl_error_release(&err);
	vsl_sqfs_resolve(fs, "hello", &in, &err);
	is_int(vsl_sqfs_readdir(fs, &in, 0, 0, collect, &all, &err), -ENOTDIR, "readdir a file");
	vsl_error_release(&err);
}

struct reader {
	struct vsl_sqfs *fs;
	unsigned seed;
	int bad;
};

/* Many threads over one image with one-slot caches: every get contends, and blocks pinned by
 * one thread force the others onto private buffers. */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct vsl_sqfs_inode in, dir;
	struct vsl_sqfs_file *f = NULL;
	struct vsl_error err = { 0 };
	uint8_t buf[3000];

	if (vsl_sqfs_resolve(r->fs, "sub/data", &in, &err) < 0 ||
	    vsl_sqfs_file_open(r->fs, &in, &f, &err) < 0) {
		r->bad++;
		return NULL;
	}
	for (int i = 0; i < 300; i++) {
		size_t off = (r->seed = r->seed * 1103515245u + 12345u) % 10000;
		ssize_t n = vsl_sqfs_file_read(r->fs, f, buf, sizeof(buf), off, &err);

		if (n != (ssize_t)(off + sizeof(buf) > 10000 ? 10000 - off : sizeof(buf)))
			r->bad++;
		for (ssize_t j = 0; j < n; j++)
			r->bad += buf[j] != pattern(off + (size_t)j);
		if (vsl_sqfs_resolve(r->fs, i % 2 ? "sub/deeper/file" : "hello", &dir, &err) < 0)
			r->bad++;
	}
	vsl_sqfs_file_close(f);
	vsl_error_release(&err);
	return NULL;
}

static void test_threads(void)
{
	struct vsl_sqfs_options opt = { .meta_cache_blocks = 1, .data_cache_blocks = 1 };
	struct vsl_sqfs_source src = { .read = mem_read, .size = sizeof(img_gzip) };
	struct mem m = { img_gzip, sizeof(img_gzip), UINT64_MAX };
	struct reader r[6];
	pthread_t t[6];
	struct vsl_sqfs *fs;
	struct vsl_error err = { 0 };
	int bad = 0;

	src.ctx = &m;
	if (!ok(vsl_sqfs_open(&fs, &src, &opt, &err) == 0, "open with one-slot caches"))
		return;
	for (int i = 0; i < 6; i++) {
		r[i] = (struct reader){ .fs = fs, .seed = (unsigned)i + 1 };
		pthread_create(&t[i], NULL, reader_main, &r[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		bad += r[i].bad;
	}
	is_int(bad, 0, "6 threads reading and resolving at once see the right bytes");
	vsl_sqfs_close(fs);
}

struct wstat {
	unsigned visited, failures, silent;
	unsigned budget; /* visits left for the current image (a corrupt one may loop) */
};

/* A failure must carry a message, except the expected FUSE outcomes. */
static void note_rc(struct wstat *w, long rc, struct vsl_error *err)
{
	if (rc >= 0)
		return;
	w->failures++;
	if (rc != -ENOENT && rc != -ENODATA && rc != -ERANGE && !err->msg)
		w->silent++;
	vsl_error_release(err);
}

struct wentry {
	uint64_t ref, ino;
	char name[257];
};

struct wlist {
	struct wentry e[64];
	int n;
};

static int wcollect(void *ctx, const struct vsl_sqfs_dirent *d)
{
	struct wlist *l = ctx;

	if (l->n == 64)
		return 1;
	l->e[l->n].ref = d->ref;
	l->e[l->n].ino = d->ino;
	snprintf(l->e[l->n].name, sizeof(l->e[l->n].name), "%s", d->name);
	l->n++;
	return 0;
}

static void walk_inode(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, int depth,
		       struct wstat *w);

static void walk(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *dir, int depth, struct wstat *w)
{
	struct vsl_error err = { 0 };
	struct wlist *l;

	if (depth > 8 || !w->budget)
		return;
	l = calloc(1, sizeof(*l));
	note_rc(w, vsl_sqfs_readdir(fs, dir, 0, VSL_SQFS_DOTS, wcollect, l, &err), &err);
	for (int i = 0; i < l->n; i++) {
		struct vsl_sqfs_inode in, other;
		long rc;

		if (!w->budget)
			break;
		w->budget--;
		w->visited++;
		note_rc(w, vsl_sqfs_inode_get(fs, l->e[i].ino, &other, &err), &err);
		if (!l->e[i].ref)
			continue;
		note_rc(w,
			vsl_sqfs_lookup(fs, dir, l->e[i].name, strlen(l->e[i].name), &other, &err),
			&err);
		rc = vsl_sqfs_inode_by_ref(fs, l->e[i].ref, &in, &err);
		note_rc(w, rc, &err);
		if (rc >= 0)
			walk_inode(fs, &in, depth, w);
	}
	free(l);
}

static void walk_inode(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, int depth,
		       struct wstat *w)
{
	static uint8_t buf[65536];
	struct vsl_error err = { 0 };
	char names[1024];
	ssize_t n;

	if (S_ISREG(in->mode))
		note_rc(w, vsl_sqfs_read(fs, in, buf, sizeof(buf), 0, &err), &err);
	if (S_ISLNK(in->mode))
		note_rc(w, vsl_sqfs_readlink(fs, in, (char *)buf, sizeof(buf), &err), &err);
	n = vsl_sqfs_listxattr(fs, in, names, sizeof(names), &err);
	note_rc(w, n, &err);
	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1)
		note_rc(w, vsl_sqfs_getxattr(fs, in, p, buf, sizeof(buf), &err), &err);
	if (S_ISDIR(in->mode))
		walk(fs, in, depth + 1, w);
}

/* Open (when it opens) and walk everything; returns whether it opened. */
static bool try_image(const uint8_t *d, size_t len, uint64_t fail_at, struct wstat *w)
{
	struct mem m = { .fail_at = fail_at };
	struct vsl_sqfs *fs;
	struct vsl_sqfs_inode root;
	struct vsl_error err = { 0 };
	int rc = open_mem(&m, d, len, &fs, &err);

	w->budget = 200;
	note_rc(w, rc, &err);
	if (rc < 0)
		return false;
	rc = vsl_sqfs_root(fs, &root, &err);
	note_rc(w, rc, &err);
	if (rc >= 0)
		walk_inode(fs, &root, 0, w);
	vsl_sqfs_close(fs);
	return true;
}

static void test_corrupt(void)
{
	const size_t len = sizeof(img_gzip);
	uint8_t *d = malloc(len);
	struct wstat w = { 0 };
	unsigned opened = 0, refused = 0;

	for (size_t cut = 0; cut < len; cut++)
		refused += !try_image(img_gzip, cut, UINT64_MAX, &w);
	is_int(refused, len, "an image cut short anywhere is refused");
	for (size_t at = 0; at < len; at++)
		opened += try_image(img_gzip, len, at, &w);
	diag("%u of %zu images with failing reads opened", opened, len);
	opened = 0;
	for (size_t i = 0; i < len; i++) {
		memcpy(d, img_gzip, len);
		d[i] ^= 0xff;
		opened += try_image(d, len, UINT64_MAX, &w);
	}
	diag("%u of %zu images with an inverted byte opened", opened, len);
	for (size_t bit = 0; bit < 96 * 8; bit++) {
		memcpy(d, img_gzip, len);
		d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		try_image(d, len, UINT64_MAX, &w);
	}
	diag("%u operations failed, %u visits", w.failures, w.visited);
	is_int(w.silent, 0, "every failure on a corrupt image says why");
	free(d);
}

static void test_zstd_and_unsupported(void)
{
	struct mem m = { 0 };
	struct vsl_sqfs *fs;
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	uint8_t *d = malloc(sizeof(img_gzip));
	char buf[64];

	if (!ok(open_mem(&m, img_zstd, sizeof(img_zstd), &fs, &err) == 0, "open the zstd image"))
		diag("%s", err.msg);
	ok(vsl_sqfs_resolve(fs, "z", &in, &err) == 0, "z");
	is_int(vsl_sqfs_read(fs, &in, buf, sizeof(buf), 0, &err), 10, "read z");
	ok(memcmp(buf, "zstd data\n", 10) == 0, "zstd content");
	vsl_sqfs_close(fs);

	memcpy(d, img_gzip, sizeof(img_gzip));
	d[20] = 4; /* xz */
	m.fail_at = 0;
	is_int(open_mem(&m, d, sizeof(img_gzip), &fs, &err), -EOPNOTSUPP, "xz is refused");
	ok(err.msg && strstr(err.msg, "compressor xz"), "naming the compressor: %s", err.msg);
	vsl_error_release(&err);
	free(d);
}

/* Inputs the fuzzer found (each made a sanitizer or a cap trip): they must fail cleanly. */
static void test_fuzz_regressions(void)
{
	struct wstat w = { 0 };

	for (size_t i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++)
		try_image(regressions[i].d, regressions[i].len, UINT64_MAX, &w);
	is_int(w.silent, 0, "fuzzer regressions fail cleanly (%zu cases)",
	       sizeof(regressions) / sizeof(regressions[0]));
}

int main(void)
{
	struct mem m = { 0 };
	struct vsl_sqfs *fs;
	struct vsl_error err = { 0 };

	if (!ok(open_mem(&m, img_gzip, sizeof(img_gzip), &fs, &err) == 0, "open the gzip image")) {
		diag("%s", err.msg);
		return done_testing();
	}
	test_open(fs);
	test_lookup(fs);
	test_special(fs);
	test_read(fs);
	test_spans(fs);
	test_xattr(fs);
	test_readdir(fs);
	vsl_sqfs_close(fs);
	test_zstd_and_unsupported();
	test_threads();
	test_corrupt();
	test_fuzz_regressions();
	return done_testing();
}
