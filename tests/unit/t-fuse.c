/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure pieces of the FUSE path: the mount(2) option string and the owner rule (an owner
 * our user namespace maps is reported as stored, any other as 0). The server itself needs
 * /dev/fuse and a mount, so tests/integration/t0420-fuse.sh and t0430-userns-ids.sh cover it.
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

int main(void)
{
	test_mount_options();
	test_owner();
	return done_testing();
}
