/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layers applied into a staging dir (whiteouts, opaque dirs, hardlinks across layers, file ->
 * dir -> file, metadata kept in the table), every escape attempt we know of refused with the
 * entry named, the tar.zst writer's bytes independent of thread count and staging path, and
 * the extractor (plain and cached) giving back the same tree. Layers are built in memory with
 * the tar encoder and compressed with zlib/zstd here.
 */
#define _GNU_SOURCE
#include "extract.h"
#include "cleanup.h"
#include "fsutil.h"
#include "rootfs.h"
#include "sha256.h"
#include "tarzst.h"
#include "../tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define T0 1700000000

static char work[256];
static int seq;

/* ---- layer tars in memory ---- */

struct tb {
	uint8_t *d;
	size_t len, cap;
};

static void tb_put(struct tb *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->d = realloc(t->d, t->cap);
		if (!t->d)
			bail_out("out of memory");
	}
	memcpy(t->d + t->len, p, n);
	t->len += n;
}

static void tb_entry(struct tb *t, struct vsl_tar_entry e, const char *content)
{
	static const uint8_t zero[512];
	uint8_t *h;
	size_t n;

	if (!e.linkname)
		e.linkname = "";
	if (!e.mtime)
		e.mtime = T0;
	e.size = content ? strlen(content) : 0;
	if (vsl_tar_header_encode(&e, &h, &n, NULL) < 0)
		bail_out("encode %s", e.path);
	tb_put(t, h, n);
	free(h);
	if (content) {
		tb_put(t, content, e.size);
		tb_put(t, zero, vsl_tar_padding(e.size));
	}
}

static void f(struct tb *t, const char *path, const char *content, uint32_t mode)
{
	tb_entry(t, (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = path, .mode = mode },
		 content);
}

static void d(struct tb *t, const char *path, uint32_t mode)
{
	tb_entry(t, (struct vsl_tar_entry){ .type = VSL_TAR_DIR, .path = path, .mode = mode },
		 NULL);
}

static void l(struct tb *t, enum vsl_tar_type type, const char *path, const char *target)
{
	tb_entry(t, (struct vsl_tar_entry){ .type = type, .path = path, .linkname = target,
					    .mode = 0777 }, NULL);
}

static void tb_end(struct tb *t)
{
	static const uint8_t zero[VSL_TAR_END_SIZE];

	tb_put(t, zero, sizeof(zero));
}

/* gzip as two concatenated members (as pigz may write), to cover multi-member input */
static void gzip_into(struct tb *out, const uint8_t *p, size_t n)
{
	for (int part = 0; part < 2; part++) {
		size_t off = part ? n / 2 : 0, len = part ? n - n / 2 : n / 2;
		uint8_t buf[1 << 16];
		z_stream z = { 0 };

		deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (uint8_t *)p + off;
		z.avail_in = (uInt)len;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			deflate(&z, Z_FINISH);
			tb_put(out, buf, sizeof(buf) - z.avail_out);
		} while (z.avail_out == 0);
		deflateEnd(&z);
	}
}

enum comp { PLAIN, GZIP, ZSTD };

/* the layer as a file: compressed as asked, fd at offset 0 */
static int layer_fd(struct tb *t, enum comp c)
{
	char path[300];
	struct tb z = { 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/layer%d", work, seq++);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		bail_out("open %s", path);
	if (c == GZIP) {
		gzip_into(&z, t->d, t->len);
	} else if (c == ZSTD) {
		z.cap = ZSTD_compressBound(t->len);
		z.d = malloc(z.cap);
		z.len = ZSTD_compress(z.d, z.cap, t->d, t->len, 3);
	}
	if (vsl_fs_write_all(fd, c == PLAIN ? t->d : z.d, c == PLAIN ? t->len : z.len) < 0)
		bail_out("write layer");
	free(z.d);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char last_err[2048];

static int apply(struct vsl_rootfs *r, struct tb *t, enum comp c, const char *name)
{
	struct vsl_error err = { 0 };
	int fd = layer_fd(t, c);
	int rc = vsl_rootfs_apply_layer(r, fd, name, &err);

	snprintf(last_err, sizeof(last_err), "%s", err.msg ? err.msg : "");
	vsl_error_release(&err);
	close(fd);
	free(t->d);
	memset(t, 0, sizeof(*t));
	return rc;
}

static struct vsl_rootfs *new_rootfs(const char *name)
{
	char path[300];
	struct vsl_error err = { 0 };
	struct vsl_rootfs *r;

	snprintf(path, sizeof(path), "%s/%s", work, name);
	r = vsl_rootfs_new(path, &err);
	if (!r)
		bail_out("vsl_rootfs_new: %s", err.msg);
	return r;
}

/* ---- the three layers of the main image ---- */

static void layers(struct vsl_rootfs *r)
{
	struct vsl_tar_xattr cap = { "security.capability", (uint8_t *)"\x01\x00\x00\x02", 4 };
	struct tb t = { 0 };

	d(&t, "./", 0755);
	d(&t, "etc", 0755);
	f(&t, "etc/passwd", "root:x:0:0\n", 0644);
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = "bin/su",
					     .mode = 04755 }, "su");
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_DIR, .path = "home/u/", .mode = 0700,
					     .uid = 1000, .gid = 1000 }, NULL);
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = "home/u/file",
					     .mode = 0600, .uid = 1000, .gid = 1000 }, "data");
	d(&t, "opq", 0755);
	f(&t, "opq/old", "old", 0644);
	f(&t, "opq/sub/deep", "deep", 0644);
	f(&t, "gone", "x", 0644);
	f(&t, "t", "target", 0644);
	l(&t, VSL_TAR_HARDLINK, "t2", "t");
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_REG, .path = "cap", .mode = 0755,
					     .nxattrs = 1, .xattrs = &cap }, "c");
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_CHR, .path = "dev/null", .mode = 0666,
					     .devmajor = 1, .devminor = 3 }, NULL);
	tb_entry(&t, (struct vsl_tar_entry){ .type = VSL_TAR_FIFO, .path = "dev/fifo",
					     .mode = 0600 }, NULL);
	l(&t, VSL_TAR_SYMLINK, "s", "etc/passwd");
	f(&t, "f2d", "file", 0644);
	d(&t, "d2f", 0755);
	f(&t, "d2f/child", "c", 0644);
	d(&t, "ro", 0555);
	f(&t, "ro/file", "r", 0444);
	tb_end(&t);
	ok(apply(r, &t, GZIP, "layer1") == 0, "layer 1 (gzip, 2 members) applies: %s", last_err);

	f(&t, ".wh.gone", "", 0644);
	d(&t, "opq", 0755);
	f(&t, "opq/.wh..wh..opq", "", 0644);
	f(&t, "opq/new", "new", 0644);
	l(&t, VSL_TAR_HARDLINK, "h3", "t");
	f(&t, "t", "replaced", 0644);
	d(&t, "f2d", 0755);
	f(&t, "f2d/inner", "i", 0644);
	f(&t, "d2f", "now a file", 0644);
	f(&t, ".wh.nonexistent", "", 0644);
	f(&t, "samelayer", "kept", 0644);
	f(&t, ".wh.samelayer", "", 0644);
	f(&t, "/abs/file", "abs", 0644);
	tb_end(&t);
	ok(apply(r, &t, ZSTD, "layer2") == 0, "layer 2 (zstd) applies: %s", last_err);

	f(&t, "f2d", "back", 0644);
	f(&t, "opq/new2", "n2", 0644);
	tb_end(&t);
	ok(apply(r, &t, PLAIN, "layer3") == 0, "layer 3 (plain) applies: %s", last_err);
}

static bool exists(struct vsl_rootfs *r, const char *path)
{
	struct vsl_rootfs_entry e;
	struct stat st;
	bool in_table = vsl_rootfs_lookup(r, path, &e, NULL) == 0;
	bool on_disk = fstatat(vsl_rootfs_dirfd(r), path, &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (in_table != on_disk)
		diag("'%s': table says %d, disk says %d", path, in_table, on_disk);
	return in_table && on_disk;
}

static char *slurp_at(int dirfd, const char *path)
{
	static char buf[256];
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW);
	ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[k < 0 ? 0 : k] = 0;
	return buf;
}

struct walk {
	char paths[64][64];
	struct vsl_rootfs_entry e[64];
	int n;
};

static int collect(void *ctx, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	struct walk *w = ctx;

	(void)err;
	if (w->n < 64) {
		snprintf(w->paths[w->n], 64, "%s", e->path);
		w->e[w->n] = *e;
		w->e[w->n].path = w->paths[w->n];
		w->e[w->n].linkname = NULL;
		w->n++;
	}
	return 0;
}

static int find(struct walk *w, const char *path)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->paths[i], path))
			return i;
	return -1;
}

static void check_tree(struct vsl_rootfs *r)
{
	int root = vsl_rootfs_dirfd(r);
	struct vsl_rootfs_entry e;
	struct walk w = { .n = 0 };
	struct stat a, b;
	bool sorted = true;
	int i;

	ok(!exists(r, "gone"), "whiteout removed 'gone'");
	ok(!exists(r, "opq/old") && !exists(r, "opq/sub") && !exists(r, "opq/sub/deep"),
	   "opaque dir hid the lower layer's content");
	ok(exists(r, "opq/new") && exists(r, "opq/new2"), "opaque dir kept this and later layers'");
	ok(exists(r, "samelayer"), "a whiteout does not hide its own layer's file");
	is_str(slurp_at(root, "t"), "replaced", "t replaced");
	is_str(slurp_at(root, "t2"), "target", "t2 kept the old inode's content");
	ok(fstatat(root, "t2", &a, 0) == 0 && fstatat(root, "h3", &b, 0) == 0 &&
	   a.st_ino == b.st_ino, "h3 (layer 2) is a hardlink of layer 1's t2 on disk");
	ok(fstatat(root, "t", &b, 0) == 0 && a.st_ino != b.st_ino, "replacing t unlinked it");
	is_str(slurp_at(root, "f2d"), "back", "file -> dir -> file");
	ok(!exists(r, "f2d/inner"), "the dir's content went with it");
	is_str(slurp_at(root, "d2f"), "now a file", "dir -> file");
	ok(!exists(r, "d2f/child"), "dir -> file removed the child");
	is_str(slurp_at(root, "abs/file"), "abs", "absolute name lands inside the root");
	ok(vsl_rootfs_lookup(r, "bin/su", &e, NULL) == 0 && e.mode == 04755,
	   "setuid mode kept in the table");
	ok(fstatat(root, "bin/su", &a, 0) == 0 && !(a.st_mode & 06000) &&
	   (a.st_mode & 0600) == 0600, "on disk: no setuid, u+rw");
	ok(vsl_rootfs_lookup(r, "home", &e, NULL) == 0 && e.type == VSL_TAR_DIR && e.mode == 0755,
	   "implicit parent 'home' recorded as 0755 dir");
	ok(vsl_rootfs_lookup(r, "home/u/file", &e, NULL) == 0 && e.uid == 1000 && e.gid == 1000,
	   "ownership kept in the table");
	ok(vsl_rootfs_lookup(r, "dev/null", &e, NULL) == 0 && e.type == VSL_TAR_CHR &&
	   e.devmajor == 1 && e.devminor == 3, "char device kept in the table");
	ok(fstatat(root, "dev/null", &a, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(a.st_mode) &&
	   a.st_size == 0, "device is an empty placeholder on disk");
	ok(vsl_rootfs_lookup(r, "cap", &e, NULL) == 0 && e.nxattrs == 1 &&
	   !strcmp(e.xattrs[0].name, "security.capability") && e.xattrs[0].len == 4,
	   "xattr kept in the table");
	ok(fstatat(root, "ro", &a, 0) == 0 && (a.st_mode & 0700) == 0700 &&
	   vsl_rootfs_lookup(r, "ro", &e, NULL) == 0 && e.mode == 0555,
	   "0555 dir: u+rwx on disk, 0555 in the table");
	vsl_rootfs_foreach(r, collect, &w, NULL);
	is_int(w.n, (int64_t)vsl_rootfs_count(r), "foreach visits every path");
	is_str(w.paths[0], "", "the root comes first");
	for (i = 1; i < w.n; i++)
		sorted &= vsl_rootfs_path_cmp(w.paths[i - 1], w.paths[i]) < 0;
	ok(sorted, "foreach order is sorted");
	ok(vsl_rootfs_path_cmp("a", "a/z") < 0 && vsl_rootfs_path_cmp("a/z", "a-b") < 0 &&
	   vsl_rootfs_path_cmp("a-b", "b") < 0 && vsl_rootfs_path_cmp("", "a") < 0 &&
	   vsl_rootfs_path_cmp("a/b", "a/b") == 0 && vsl_rootfs_path_cmp("\xff", "a") > 0,
	   "order: '/' before every other byte, high bytes last");
	i = find(&w, "h3");
	ok(i >= 0 && w.e[i].type == VSL_TAR_REG && w.e[i].nlink == 2 && w.e[i].link_group == 1,
	   "h3: first of hardlink group 1");
	i = find(&w, "t2");
	ok(i >= 0 && w.e[i].type == VSL_TAR_HARDLINK && w.e[i].link_group == 1 &&
	   w.e[i].inode_type == VSL_TAR_REG, "t2: reported as hardlink of the group");
	i = find(&w, "t");
	ok(i >= 0 && w.e[i].link_group == 0 && w.e[i].nlink == 1, "t: not linked any more");
}

/* ---- escapes ---- */

static char outside[300];

/* Each case is up to three entries (type, path, link target; "@" means the outside dir). */
struct escape_case {
	const char *what, *needle;
	struct {
		enum vsl_tar_type type;
		const char *path, *link;
	} e[3];
};

static const struct escape_case escapes[] = {
	{ "'a/passwd' through symlink a -> /etc", "a/passwd",
	  { { VSL_TAR_SYMLINK, "a", "/etc" }, { VSL_TAR_REG, "a/passwd", NULL } } },
	{ "'x/up/tmp/pwned' through a relative symlink", "x/up/tmp/pwned",
	  { { VSL_TAR_DIR, "x", NULL }, { VSL_TAR_SYMLINK, "x/up", "../../../../../.." },
	    { VSL_TAR_REG, "x/up/tmp/pwned", NULL } } },
	{ "'../x'", "'../x'", { { VSL_TAR_REG, "../x", NULL } } },
	{ "hardlink to '../../etc/passwd'", "../../etc/passwd",
	  { { VSL_TAR_HARDLINK, "h", "../../etc/passwd" } } },
	{ "hardlink to a missing target", "nope", { { VSL_TAR_HARDLINK, "h", "nope" } } },
	{ "hardlink through a symlink", "a/secret",
	  { { VSL_TAR_SYMLINK, "a", "@" }, { VSL_TAR_HARDLINK, "h", "a/secret" } } },
	{ "hardlink to a directory", "directory",
	  { { VSL_TAR_DIR, "dir", NULL }, { VSL_TAR_HARDLINK, "h", "dir" } } },
	{ "a child of a regular file", "plain/child",
	  { { VSL_TAR_REG, "plain", NULL }, { VSL_TAR_REG, "plain/child", NULL } } },
};

static void escape(const struct escape_case *c)
{
	static int n;
	char name[32];
	struct tb t = { 0 };
	struct vsl_rootfs *r;
	int rc;

	snprintf(name, sizeof(name), "esc%d", n++);
	r = new_rootfs(name);
	for (int i = 0; i < 3 && c->e[i].path; i++) {
		const char *link = c->e[i].link && !strcmp(c->e[i].link, "@") ? outside :
				   c->e[i].link;

		if (c->e[i].type == VSL_TAR_REG)
			f(&t, c->e[i].path, "pwned", 0644);
		else if (c->e[i].type == VSL_TAR_DIR)
			d(&t, c->e[i].path, 0755);
		else
			l(&t, c->e[i].type, c->e[i].path, link);
	}
	tb_end(&t);
	rc = apply(r, &t, PLAIN, "evil-layer");
	ok(rc < 0 && strstr(last_err, c->needle) && strstr(last_err, "evil-layer"),
	   "%s refused: %s", c->what, last_err);
	vsl_rootfs_free(r);
}

static void test_escapes(void)
{
	const struct escape_case out = {
		"'a/passwd' through symlink a -> outside dir", "a/passwd",
		{ { VSL_TAR_SYMLINK, "a", "@" }, { VSL_TAR_REG, "a/passwd", NULL } },
	};
	struct stat st;
	char probe[400];

	snprintf(outside, sizeof(outside), "%s/outside", work);
	mkdir(outside, 0700);
	snprintf(probe, sizeof(probe), "%s/secret", outside);
	close(open(probe, O_WRONLY | O_CREAT, 0600));
	escape(&out);
	snprintf(probe, sizeof(probe), "%s/passwd", outside);
	/* only once a symlink to a dir of ours was not followed do we point one at /etc */
	if (!ok(stat(probe, &st) < 0, "nothing written outside the root"))
		bail_out("the walker followed a symlink out of the root");
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++)
		escape(&escapes[i]);
}

static void test_bad_layers(void)
{
	struct vsl_rootfs *r = new_rootfs("bad-layers");
	struct vsl_error err = { 0 };
	struct tb t = { 0 }, z = { 0 };
	char path[300];
	int fd, rc;

	for (int i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d", i);
		f(&t, name, "some content that takes a few blocks", 0644);
	}
	tb_end(&t);
	gzip_into(&z, t.d, t.len);
	snprintf(path, sizeof(path), "%s/cut.gz", work);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	vsl_fs_write_all(fd, z.d, z.len / 4); /* the first member, cut short */
	lseek(fd, 0, SEEK_SET);
	rc = vsl_rootfs_apply_layer(r, fd, "sha256:cut", &err);
	ok(rc < 0 && err.msg && strstr(err.msg, "sha256:cut") && strstr(err.msg, "gzip"),
	   "truncated gzip layer: %s", err.msg);
	vsl_error_release(&err);
	close(fd);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	vsl_fs_write_all(fd, "\xfd" "7zXZ\0\0\0\0", 10);
	lseek(fd, 0, SEEK_SET);
	rc = vsl_rootfs_apply_layer(r, fd, "sha256:xz", &err);
	ok(rc < 0 && err.msg && strstr(err.msg, "xz"), "xz layer: %s", err.msg);
	vsl_error_release(&err);
	close(fd);
	free(t.d);
	free(z.d);
	vsl_rootfs_free(r);
}

/* ---- tar.zst ---- */

static uint8_t *write_tarzst(struct vsl_rootfs *r, int threads, int64_t sde, size_t *len)
{
	char path[300];
	struct vsl_error err = { 0 };
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/out%d.tar.zst", work, seq++);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (vsl_rootfs_write_tarzst(r, fd, threads, sde, &err) < 0)
		bail_out("write_tarzst: %s", err.msg);
	fstat(fd, &st);
	buf = malloc((size_t)st.st_size);
	*len = (size_t)pread(fd, buf, (size_t)st.st_size, 0);
	close(fd);
	return buf;
}

struct mem {
	const uint8_t *d;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct vsl_error *err)
{
	struct mem *m = ctx;

	(void)err;
	n = n < m->len - m->pos ? n : m->len - m->pos;
	memcpy(buf, m->d + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void check_tar(const uint8_t *z, size_t zlen)
{
	size_t cap = (size_t)ZSTD_getFrameContentSize(z, zlen);
	uint8_t *tar;
	struct mem m = { 0 };
	struct vsl_tar_reader *rd = malloc(sizeof(*rd));
	struct vsl_tar_entry e;
	bool clamped = true, sorted = true, t2 = false, dev = false, cap_x = false;
	char prev[300] = "";
	int n = 0;

	if (cap == ZSTD_CONTENTSIZE_UNKNOWN || cap == ZSTD_CONTENTSIZE_ERROR)
		cap = 1 << 24;
	tar = malloc(cap);
	m.d = tar;
	m.len = ZSTD_decompress(tar, cap, z, zlen);
	if (!ok(!ZSTD_isError(m.len), "tar.zst decompresses"))
		return;
	bool no_names = true;

	for (int i = 265; i < 329; i++)
		no_names &= tar[i] == 0;
	ok(!memcmp(tar, "./", 3) && no_names, "first entry is './', no uname/gname");
	vsl_tar_reader_init(rd, mem_read, &m);
	while (vsl_tar_reader_next(rd, &e, NULL) > 0) {
		n++;
		clamped &= e.mtime <= 1000;
		sorted &= n == 1 || vsl_rootfs_path_cmp(prev, e.path) < 0;
		snprintf(prev, sizeof(prev), "%s", e.path);
		t2 |= !strcmp(e.path, "t2") && e.type == VSL_TAR_HARDLINK &&
		      !strcmp(e.linkname, "h3");
		dev |= !strcmp(e.path, "dev/null") && e.type == VSL_TAR_CHR && e.devminor == 3;
		cap_x |= !strcmp(e.path, "cap") && e.nxattrs == 1;
	}
	ok(clamped, "SOURCE_DATE_EPOCH clamps every mtime");
	ok(sorted && n > 20, "%d entries in sorted order", n);
	ok(t2, "hardlink written as type '1' to the group's first path");
	ok(dev, "char device written with its numbers");
	ok(cap_x, "xattr written as SCHILY.xattr");
	vsl_tar_reader_fini(rd);
	free(rd);
	free(tar);
}

/* ---- extraction ---- */

struct cmp {
	struct vsl_rootfs *r;
	int dest;
	int bad;
	ino_t first_ino[16];
};

static bool same_object(struct cmp *c, const struct vsl_rootfs_entry *e, const char *p,
			const struct stat *st)
{
	bool same = true;

	switch (e->inode_type) {
	case VSL_TAR_REG: {
		cleanup_close int fd = vsl_rootfs_open(c->r, e->path, NULL);
		char want[256], *got;
		ssize_t k = read(fd, want, sizeof(want) - 1);

		want[k < 0 ? 0 : k] = 0;
		got = slurp_at(c->dest, p);
		same = S_ISREG(st->st_mode) && !strcmp(got, want);
		break;
	}
	case VSL_TAR_DIR:
		same = S_ISDIR(st->st_mode);
		break;
	case VSL_TAR_SYMLINK: {
		char buf[256];
		ssize_t k = readlinkat(c->dest, p, buf, sizeof(buf) - 1);

		buf[k < 0 ? 0 : k] = 0;
		same = S_ISLNK(st->st_mode) && !strcmp(buf, e->linkname ? e->linkname : "");
		break;
	}
	case VSL_TAR_CHR:
		same = S_ISCHR(st->st_mode) && major(st->st_rdev) == e->devmajor;
		break;
	case VSL_TAR_FIFO:
		same = S_ISFIFO(st->st_mode);
		break;
	default:
		break;
	}
	return same;
}

static int compare(void *ctx, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	struct cmp *c = ctx;
	const char *p = e->path[0] ? e->path : ".";
	struct stat st;
	bool same;

	(void)err;
	if (fstatat(c->dest, p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		/* mknod needs privilege we may not have: a device may be missing */
		if (e->type == VSL_TAR_CHR || e->type == VSL_TAR_BLK)
			return 0;
		diag("extracted '%s' missing", p);
		c->bad++;
		return 0;
	}
	same = same_object(c, e, p, &st);
	if (e->inode_type != VSL_TAR_SYMLINK)
		same &= (st.st_mode & 07777) == e->mode;
	same &= st.st_mtime == e->mtime;
	if (geteuid() == 0)
		same &= st.st_uid == e->uid && st.st_gid == e->gid;
	if (e->link_group && e->link_group < 16) {
		if (e->type != VSL_TAR_HARDLINK)
			c->first_ino[e->link_group] = st.st_ino;
		else
			same &= c->first_ino[e->link_group] == st.st_ino;
	}
	if (!same) {
		diag("extracted '%s' differs: mode %o/%o mtime %lld/%lld uid %u/%u", p,
		     (unsigned)st.st_mode, e->mode, (long long)st.st_mtime, (long long)e->mtime,
		     (unsigned)st.st_uid, e->uid);
		c->bad++;
	}
	return 0;
}

/* the payload file: 4096 bytes of stub stand-in, then the section */
static int payload_file(const uint8_t *z, size_t zlen, struct vsl_section *sec)
{
	char path[300];
	uint8_t stub[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/app", work);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	memset(stub, 0x7f, sizeof(stub));
	vsl_fs_write_all(fd, stub, sizeof(stub));
	vsl_fs_write_all(fd, z, zlen);
	vsl_fs_write_all(fd, stub, 100); /* a trailer would follow */
	memset(sec, 0, sizeof(*sec));
	sec->kind = VSL_SECTION_TARZST;
	sec->offset = 4096;
	sec->length = zlen;
	vsl_sha256(z, zlen, sec->sha256);
	return fd;
}

static int extract_to(int fd, const struct vsl_section *sec, const char *name, const uint8_t *sha,
		      struct vsl_error *err)
{
	char path[300];
	int dest, rc;

	snprintf(path, sizeof(path), "%s/%s", work, name);
	mkdir(path, 0700);
	dest = open(path, O_RDONLY | O_DIRECTORY);
	rc = vsl_extract_tarzst(fd, sec->offset, sec->length, dest, 0, sha, err);
	close(dest);
	return rc;
}

static void test_extract(struct vsl_rootfs *r, const uint8_t *z, size_t zlen)
{
	struct vsl_error err = { 0 };
	struct vsl_section sec;
	struct cmp c = { .r = r };
	char path[300];
	uint8_t bad[32];
	int fd = payload_file(z, zlen, &sec), rc;

	ok(extract_to(fd, &sec, "x1", sec.sha256, &err) == 0, "extract: %s",
	   err.msg ? err.msg : "ok");
	vsl_error_release(&err);
	snprintf(path, sizeof(path), "%s/x1", work);
	c.dest = open(path, O_RDONLY | O_DIRECTORY);
	vsl_rootfs_foreach(r, compare, &c, NULL);
	is_int(c.bad, 0, "extracted tree matches the table (types, content, modes, mtimes, "
	       "links%s)", geteuid() == 0 ? ", owners" : "");
	close(c.dest);

	memcpy(bad, sec.sha256, 32);
	bad[0] ^= 1;
	rc = extract_to(fd, &sec, "x2", bad, &err);
	ok(rc < 0 && err.msg && strstr(err.msg, "corrupt payload"), "wrong sha256: %s", err.msg);
	vsl_error_release(&err);
	/* damage the middle of the section: whatever zstd or tar says, the hash explains it */
	pwrite(fd, "\xff\xff\xff\xff", 4, 4096 + zlen / 2);
	rc = extract_to(fd, &sec, "x3", sec.sha256, &err);
	ok(rc < 0 && err.msg && strstr(err.msg, "corrupt payload"), "damaged payload: %s",
	   err.msg);
	vsl_error_release(&err);
	close(fd);
}

static void test_cached(const uint8_t *z, size_t zlen)
{
	struct vsl_error err = { 0 };
	struct vsl_section sec, badsec;
	char cache[300], hex[65], p[500];
	struct stat st;
	char *a, *b;
	int fd = payload_file(z, zlen, &sec);

	snprintf(cache, sizeof(cache), "%s/cache/deep/er", work);
	vsl_sha256_hex(sec.sha256, hex);
	/* leftovers of a killed run: a temp dir and a dir without the marker */
	snprintf(p, sizeof(p), "%s/%s.tmp.99999/rootfs/x", cache, hex);
	vsl_fs_mkdir_p(p, 0700, NULL);
	snprintf(p, sizeof(p), "%s/%s/rootfs/stale", cache, hex);
	vsl_fs_mkdir_p(p, 0700, NULL);
	chmod(p, 0); /* an image's unreadable dir must not stop the cleanup */
	a = vsl_extract_cached(fd, &sec, cache, NULL, &err);
	ok(a != NULL, "cached extract: %s", a ? a : err.msg);
	vsl_error_release(&err);
	snprintf(p, sizeof(p), "%s/%s/rootfs", cache, hex);
	is_str(a, p, "path is <cache>/<hex>/rootfs");
	snprintf(p, sizeof(p), "%s/%s.tmp.99999", cache, hex);
	ok(lstat(p, &st) < 0, "stale temp dir removed");
	snprintf(p, sizeof(p), "%s/%s/rootfs/stale", cache, hex);
	ok(lstat(p, &st) < 0, "incomplete dir replaced");
	snprintf(p, sizeof(p), "%s/%s/rootfs/etc/passwd", cache, hex);
	ok(lstat(p, &st) == 0, "tree extracted");
	snprintf(p, sizeof(p), "%s/%s/rootfs/reuse-probe", cache, hex);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	b = vsl_extract_cached(fd, &sec, cache, "", &err);
	ok(b && !strcmp(a, b) && lstat(p, &st) == 0, "second call reuses the cache");
	vsl_error_release(&err);
	snprintf(p, sizeof(p), "%s", cache);
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0700, "cache dir is 0700");
	free(a);
	free(b);

	/* another id map: its own entry, not the untagged one */
	a = vsl_extract_cached(fd, &sec, cache, "ids-0123456789ab", &err);
	ok(a != NULL, "tagged extract: %s", a ? a : err.msg);
	vsl_error_release(&err);
	snprintf(p, sizeof(p), "%s/%s-ids-0123456789ab/rootfs", cache, hex);
	is_str(a, p, "path is <cache>/<hex>-<tag>/rootfs");
	snprintf(p, sizeof(p), "%s/%s-ids-0123456789ab/rootfs/reuse-probe", cache, hex);
	ok(lstat(p, &st) < 0, "a tagged entry is extracted afresh, not the untagged one reused");
	snprintf(p, sizeof(p), "%s/%s/rootfs/reuse-probe", cache, hex);
	ok(lstat(p, &st) == 0, "the untagged entry is left alone");
	free(a);

	badsec = sec;
	badsec.sha256[5] ^= 0x10;
	vsl_sha256_hex(badsec.sha256, hex);
	a = vsl_extract_cached(fd, &badsec, cache, NULL, &err);
	ok(!a && err.msg && strstr(err.msg, "corrupt payload"), "bad section: %s", err.msg);
	vsl_error_release(&err);
	snprintf(p, sizeof(p), "%s/%s", cache, hex);
	ok(lstat(p, &st) < 0, "no cache dir for a corrupt payload");
	snprintf(p, sizeof(p), "%s/%s.tmp.%ld", cache, hex, (long)getpid());
	ok(lstat(p, &st) < 0, "temp dir removed after the failure");
	free(a);
	close(fd);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct vsl_rootfs *r, *r2;
	uint8_t *z1, *z3, *z2, *zs;
	size_t n1, n3, n2, ns;

	snprintf(work, sizeof(work), "%s/t-rootfs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work))
		bail_out("mkdtemp %s", work);
	umask(022);
	r = new_rootfs("staging-one");
	layers(r);
	check_tree(r);
	test_escapes();
	test_bad_layers();

	z1 = write_tarzst(r, 1, -1, &n1);
	z3 = write_tarzst(r, 3, -1, &n3);
	r2 = new_rootfs("another/staging/path");
	layers(r2);
	z2 = write_tarzst(r2, 2, -1, &n2);
	ok(n1 == n3 && !memcmp(z1, z3, n1), "tar.zst: 1 and 3 threads give the same bytes");
	ok(n1 == n2 && !memcmp(z1, z2, n1), "tar.zst: another staging path gives the same bytes");
	zs = write_tarzst(r, 2, 1000, &ns);
	ok(ns != n1 || memcmp(z1, zs, n1), "tar.zst: SOURCE_DATE_EPOCH changes the bytes");
	check_tar(zs, ns);
	test_extract(r, z1, n1);
	test_cached(z1, n1);

	free(z1);
	free(z2);
	free(z3);
	free(zs);
	vsl_rootfs_free(r);
	vsl_rootfs_free(r2);
	if (!getenv("T_KEEP"))
		vsl_fs_rmtree(work, NULL);
	return done_testing();
}
