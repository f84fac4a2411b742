/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure pieces of the FUSE path: the mount(2) option string and the "only one id is
 * mapped" test that decides whether the server squashes owners to 0:0. The server itself
 * needs /dev/fuse and a mount, so tests/integration/t0420-fuse.sh covers it.
 */
#include "fuse.h"
#include "../tap.h"

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

int main(void)
{
	test_mount_options();
	test_single_id_map();
	return done_testing();
}
