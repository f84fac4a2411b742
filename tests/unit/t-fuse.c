/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of the FUSE path that need no mount: the mount(2) option string, the "only one id
 * is mapped" test that decides whether the server squashes owners to 0:0, and the server's
 * table of open files (fuse_files.c) over a tiny image. The server itself needs /dev/fuse and a
 * mount, so tests/integration/t0400 (conformance), t0420 and t0425 cover it.
 */
#include "fuse.h"
#include "fuse_files.h"
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

static void test_single_id_map(void)
{
	ok(vsl_fuse_single_id_map("         0        999          1\n"), "unshare -U: one id");
	ok(!vsl_fuse_single_id_map("         0          0 4294967295\n"), "initial namespace");
	ok(!vsl_fuse_single_id_map("0 1000 1\n1 100000 65536\n"), "subuid range: many ids");
	ok(!vsl_fuse_single_id_map(""), "no map (nothing mapped yet) is not one id");
	ok(!vsl_fuse_single_id_map("garbage"), "garbage is not one id");
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

int main(void)
{
	test_mount_options();
	test_single_id_map();
	test_files();
	return done_testing();
}
