/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of the FUSE path that need no mount: the mount(2) option string, the owner rule
 * (an owner our user namespace maps is reported as stored, any other as 0), and the server's
 * table of open files (fuse_files.c) over a tiny image. The server itself needs /dev/fuse and a
 * mount, so tests/integration/t0400 (conformance), t0420, t0425 and t0155 cover it.
 */
#include "fuse.h"
#include "fuse_files.h"
#include "fuse_warm.h"
#include "../tap.h"
#include "sqfs-images.h"

#include <errno.h>
#include <string.h>

static void test_mount_options(void)
{
	char buf[160];
	int n = vsl_fuse_mount_options(buf, sizeof buf, 7, 0, 0);

	is_str(buf, "fd=7,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions",
	       "root's options");
	is_int(n, (int)strlen(buf), "returns the length");
	vsl_fuse_mount_options(buf, sizeof buf, 12, 1000, 4294967294u);
	ok(strstr(buf, "fd=12,") && strstr(buf, "user_id=1000,group_id=4294967294,"),
	   "ids and fd as given: %s", buf);
	is_int(vsl_fuse_mount_options(buf, 20, 7, 0, 0), -1, "too small a buffer is -1");
	is_int(vsl_fuse_mount_options(buf, 72, 7, 0, 0), -1, "no room for the NUL is -1");
	is_int(vsl_fuse_mount_options(buf, 73, 7, 0, 0), 72, "exactly enough room");
}

static void map(struct vsl_idmap *m, const char *text)
{
	struct vsl_error err = { 0 };

	if (vsl_idmap_parse(text, strlen(text), m, &err) < 0)
		bail_out("map '%s': %s", text, err.msg);
}

static void test_owner(void)
{
	static struct vsl_idmap m;

	map(&m, "         0        999          1\n");
	is_int(vsl_fuse_owner(&m, 0), 0, "one id: root stays root");
	is_int(vsl_fuse_owner(&m, 1000), 0, "one id: 1000 is not mapped, reported as 0");
	map(&m, "         0          0 4294967295\n");
	is_int(vsl_fuse_owner(&m, 1000), 1000, "initial namespace: every owner is kept");
	is_int(vsl_fuse_owner(&m, 4294967294u), 4294967294u, "... up to the last id");
	map(&m, "0 1000 1\n1 100000 65536\n");
	is_int(vsl_fuse_owner(&m, 1000), 1000, "subuid range: 1000 kept");
	is_int(vsl_fuse_owner(&m, 65536), 65536, "subuid range: its last id kept");
	is_int(vsl_fuse_owner(&m, 65537), 0, "subuid range: beyond it, 0");
	is_int(vsl_fuse_owner(NULL, 1000), 0, "no map: everything is 0");
	map(&m, "");
	is_int(vsl_fuse_owner(&m, 0), 0, "empty map: 0");
}

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx;
	if (off > sizeof(img_gzip) || len > sizeof(img_gzip) - off)
		return -EIO;
	memcpy(buf, img_gzip + off, len);
	return 0;
}

static uint64_t ino_of(struct vsl_sqfs *fs, const char *path)
{
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };

	return vsl_sqfs_resolve(fs, path, &in, &err) == 0 ? in.ino : 0;
}

static void test_files(void)
{
	struct vsl_sqfs_source src = { .read = mem_read, .size = sizeof(img_gzip) };
	struct vsl_fuse_file_ref a, b, c, d;
	struct vsl_error err = { 0 };
	struct vsl_fuse_files *t;
	struct vsl_sqfs *fs;
	uint64_t data, hello, deep;
	char buf[16];

	if (!ok(vsl_sqfs_open(&fs, &src, NULL, &err) == 0, "open the test image"))
		return;
	data = ino_of(fs, "sub/data");
	hello = ino_of(fs, "hello");
	deep = ino_of(fs, "sub/deeper/file");
	t = vsl_fuse_files_new(fs, 2);
	ok(t && vsl_fuse_files_get(t, hello, &a, &err) == 0 && a.slot, "a file gets a slot");
	ok(vsl_sqfs_file_read(fs, a.file, buf, 5, 0, &err) == 5 && memcmp(buf, "hello", 5) == 0,
	   "and reads");
	ok(vsl_fuse_files_get(t, hello, &b, &err) == 0 && b.file == a.file, "the same file again");
	ok(vsl_fuse_files_get(t, data, &c, &err) == 0 && c.slot, "a second file, the second slot");
	ok(vsl_fuse_files_get(t, deep, &d, &err) == 0 && !d.slot && d.file,
	   "both slots in use: a private handle");
	vsl_fuse_files_put(t, &d);
	vsl_fuse_files_put(t, &a);
	vsl_fuse_files_put(t, &b);
	vsl_fuse_files_put(t, &c);
	ok(vsl_fuse_files_get(t, deep, &d, &err) == 0 && d.slot, "unused slots are taken again");
	vsl_fuse_files_put(t, &d);
	ok(vsl_fuse_files_get(t, data, &c, &err) == 0 && c.slot, "data was used last: still kept");
	vsl_fuse_files_put(t, &c);
	ok(vsl_fuse_files_get(t, hello, &a, &err) == 0 && a.slot, "hello comes back");
	vsl_fuse_files_put(t, &a);
	is_int(vsl_fuse_files_get(t, ino_of(fs, "sub"), &a, &err), -EISDIR, "a directory: EISDIR");
	ok(a.file == NULL && err.msg, "with a message, and nothing to put back");
	vsl_error_release(&err);
	is_int(vsl_fuse_files_get(t, 999, &a, &err), -ESTALE, "an unknown number: ESTALE");
	vsl_error_release(&err);
	vsl_fuse_files_free(t);
	vsl_sqfs_close(fs);
}

static void test_resolve(void)
{
	struct vsl_sqfs_source src = { .read = mem_read, .size = sizeof(img_gzip) };
	struct vsl_sqfs_inode in;
	struct vsl_error err = { 0 };
	struct vsl_sqfs *fs;

	if (!ok(vsl_sqfs_open(&fs, &src, NULL, &err) == 0, "open the test image"))
		return;
	ok(vsl_fuse_resolve(fs, "/link", &in) == 0 && in.ino == ino_of(fs, "hello"),
	   "a symlink is followed to its target");
	ok(vsl_fuse_resolve(fs, "/sub/deeper/../../link", &in) == 0 &&
		   in.ino == ino_of(fs, "hello"),
	   ".. and a symlink");
	ok(vsl_fuse_resolve(fs, "/../../sub/./deeper/file", &in) == 0 &&
		   in.ino == ino_of(fs, "sub/deeper/file"),
	   ".. stops at the image's root");
	is_int(vsl_fuse_resolve(fs, "/link/x", &in), -ENOENT, "a file is not a directory");
	is_int(vsl_fuse_resolve(fs, "/nothing", &in), -ENOENT, "a missing name");
	vsl_sqfs_close(fs);
}

static void test_elf_interp(void)
{
	uint8_t b[256] = { 0x7f, 'E', 'L', 'F', 2, 1 };
	char out[64];

	/* 64-bit: e_phoff 64, e_phentsize 56, e_phnum 2; PT_LOAD, then PT_INTERP at 200 */
	b[32] = 64, b[54] = 56, b[56] = 2;
	b[64] = 1;
	b[120] = 3, b[128] = 200, b[152] = 11;
	memcpy(b + 200, "/lib/ld.so", 11);
	vsl_fuse_elf_interp(b, sizeof b, out, sizeof out);
	is_str(out, "/lib/ld.so", "PT_INTERP of a 64-bit ELF");
	vsl_fuse_elf_interp(b, 205, out, sizeof out);
	is_str(out, "", "an interpreter past the bytes read is ignored");
	b[152] = 12, b[211] = 'x';
	vsl_fuse_elf_interp(b, sizeof b, out, sizeof out);
	is_str(out, "", "one without its NUL too");
	b[152] = 11, b[54] = 32;
	vsl_fuse_elf_interp(b, sizeof b, out, sizeof out);
	is_str(out, "", "program headers too small for 64-bit are refused");
	memset(b, 0, sizeof b);
	memcpy(b, "\177ELF\1\1", 6);
	/* 32-bit: e_phoff 52, e_phentsize 32, e_phnum 1: PT_INTERP at 100, 8 bytes */
	b[28] = 52, b[42] = 32, b[44] = 1;
	b[52] = 3, b[56] = 100, b[68] = 8;
	memcpy(b + 100, "/ld32.x", 8);
	vsl_fuse_elf_interp(b, sizeof b, out, sizeof out);
	is_str(out, "/ld32.x", "PT_INTERP of a 32-bit ELF");
	vsl_fuse_elf_interp((const uint8_t *)"#!/bin/sh\n", 10, out, sizeof out);
	is_str(out, "", "a script has none");
}

/* A file for vsl_fuse_elf_needed: reads of a byte array, short at its end. */
struct elf_file {
	const uint8_t *b;
	size_t n;
};

static ssize_t elf_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct elf_file *f = ctx;

	if (off >= f->n)
		return 0;
	if (len > f->n - off)
		len = f->n - (size_t)off;
	memcpy(buf, f->b + off, len);
	return (ssize_t)len;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_elf_needed(void)
{
	uint8_t b[1024] = { 0x7f, 'E', 'L', 'F', 2, 1 };
	struct elf_file f = { b, sizeof b };
	char names[4][VSL_FUSE_NEEDED_NAME];
	static const char str[] = "\0libc.so.6\0libm.so.6\0/abs/lib.so\0";

	/* 64-bit, 2 program headers at 64: PT_LOAD of file 0..1024 at vaddr 0x400000, then
	 * PT_DYNAMIC at 512 (6 entries); the string table at file 800 (vaddr 0x400320) */
	b[32] = 64, b[54] = 56, b[56] = 2;
	b[64] = 1, put64(b + 64 + 16, 0x400000), put64(b + 64 + 32, 1024);
	b[120] = 2, put64(b + 120 + 8, 512), put64(b + 120 + 32, 6 * 16);
	put64(b + 512, 1), put64(b + 520, 1);		/* DT_NEEDED libc.so.6 */
	put64(b + 528, 1), put64(b + 536, 11);		/* DT_NEEDED libm.so.6 */
	put64(b + 544, 1), put64(b + 552, 21);		/* DT_NEEDED /abs/lib.so: skipped */
	put64(b + 560, 5), put64(b + 568, 0x400320);	/* DT_STRTAB */
	put64(b + 576, 10), put64(b + 584, sizeof str); /* DT_STRSZ */
	memcpy(b + 800, str, sizeof str);
	is_int(vsl_fuse_elf_needed(b, 64 + 2 * 56, elf_read, &f, names, 4), 2,
	       "DT_NEEDED: two bare names, the one with a slash skipped");
	is_str(names[0], "libc.so.6", "the first, in order");
	is_str(names[1], "libm.so.6", "the second");
	is_int(vsl_fuse_elf_needed(b, 64 + 2 * 56, elf_read, &f, names, 1), 1,
	       "no more than the caller's room");
	put64(b + 536, 5000);
	is_int(vsl_fuse_elf_needed(b, 64 + 2 * 56, elf_read, &f, names, 4), 1,
	       "a name offset past the string table is skipped");
	put64(b + 536, 11);
	f.n = 805;
	is_int(vsl_fuse_elf_needed(b, 64 + 2 * 56, elf_read, &f, names, 4), 0,
	       "a string table cut short: no name without its NUL");
	f.n = sizeof b;
	put64(b + 568, 0x900000);
	is_int(vsl_fuse_elf_needed(b, 64 + 2 * 56, elf_read, &f, names, 4), 0,
	       "a string table outside every PT_LOAD: none");
	is_int(vsl_fuse_elf_needed(b, 100, elf_read, &f, names, 4), 0,
	       "program headers past the bytes read: none");
	is_int(vsl_fuse_elf_needed((const uint8_t *)"#!/bin/sh\n", 10, elf_read, &f, names, 4), 0,
	       "a script has none");
}

int main(void)
{
	test_mount_options();
	test_owner();
	test_files();
	test_resolve();
	test_elf_interp();
	test_elf_needed();
	return done_testing();
}
