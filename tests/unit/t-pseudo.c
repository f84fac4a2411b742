/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mksquashfs pseudo and exclude files made from rootfs table entries: one definition per
 * path with the image's mode (setuid included), owner and clamped time; devices and fifos as
 * definitions plus exclude lines for their placeholders; the root on the side; names with
 * spaces, quotes, backslashes and a leading '#' escaped the way mksquashfs 4.5.1 reads them;
 * newlines and out-of-range device numbers refused with the fix named.
 */
#include "pseudo.h"
#include "../tap.h"

#include <stdint.h>
#include <string.h>

static struct vsl_rootfs_entry ent(const char *path, enum vsl_tar_type type, uint32_t mode,
				   uint32_t uid, uint32_t gid, int64_t mtime)
{
	struct vsl_rootfs_entry e = {
		.path = path,
		.type = type,
		.inode_type = type,
		.mode = mode,
		.uid = uid,
		.gid = gid,
		.mtime = mtime,
		.nlink = 1,
	};

	return e;
}

static const char *text(const struct vsl_pseudo_text *t)
{
	return t->buf ? t->buf : "";
}

static void test_kinds(void)
{
	struct vsl_error err = { 0 };
	struct vsl_pseudo p;
	struct vsl_rootfs_entry e[8];
	int r = 0;

	e[0] = ent("", VSL_TAR_DIR, 0750, 0, 0, 1000);
	e[1] = ent("bin", VSL_TAR_DIR, 0755, 0, 0, 2000);
	e[2] = ent("bin/su", VSL_TAR_REG, 04755, 0, 0, 3000);
	e[3] = ent("bin/sh", VSL_TAR_SYMLINK, 0777, 0, 0, 4000);
	e[4] = ent("dev/null", VSL_TAR_CHR, 0666, 0, 5, 5000);
	e[4].devmajor = 1;
	e[4].devminor = 3;
	e[5] = ent("dev/sda", VSL_TAR_BLK, 0660, 0, 6, 5000);
	e[5].devmajor = 8;
	e[6] = ent("home/app/fifo", VSL_TAR_FIFO, 0600, 1000, 1000, 6000);
	e[7] = ent("home/app/link", VSL_TAR_HARDLINK, 02710, 1000, 1000, 7000);
	e[7].inode_type = VSL_TAR_REG;
	e[7].linkname = "bin/su";
	e[7].nxattrs = 1;

	vsl_pseudo_init(&p, -1);
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		r |= vsl_pseudo_add(&p, &e[i], &err);
	is_int(r, 0, "every kind accepted");
	is_str(text(&p.pseudo),
	       "bin m 755 0 0\n"
	       "bin/su M 3000 4755 0 0\n"
	       "bin/sh M 4000 777 0 0\n"
	       "dev/null C 5000 666 0 5 1 3\n"
	       "dev/sda B 5000 660 0 6 8 0\n"
	       "home/app/fifo I 6000 600 1000 1000 f\n"
	       "home/app/link M 7000 2710 1000 1000\n",
	       "one definition per path: dirs m, files and links M, devices C/B, fifos I");
	is_str(text(&p.exclude), "dev/null\ndev/sda\nhome/app/fifo\n",
	       "the placeholders of devices and fifos are excluded");
	ok(p.root_mode == 0750 && p.root_uid == 0 && p.root_mtime == 1000, "root on the side");
	is_int((int)p.newest, 7000, "newest time");
	is_int((int)p.xattr_paths, 1, "paths losing xattrs counted");
	is_int((int)p.paths, 8, "paths counted");
	vsl_pseudo_fini(&p);
}

static void test_times(void)
{
	struct vsl_error err = { 0 };
	struct vsl_pseudo p;
	struct vsl_rootfs_entry e = ent("f", VSL_TAR_REG, 0644, 1, 2, 2000000000);

	is_int((int)vsl_pseudo_time(5, 10), 5, "older than the epoch: kept");
	is_int((int)vsl_pseudo_time(20, 10), 10, "newer: clamped");
	is_int((int)vsl_pseudo_time(20, -1), 20, "no epoch: kept");
	is_int((int)vsl_pseudo_time(-5, -1), 0, "negative: 0");
	ok(vsl_pseudo_time(INT64_C(1) << 40, -1) == UINT32_MAX, "beyond 2106: the largest");
	vsl_pseudo_init(&p, 1700000000);
	ok(vsl_pseudo_add(&p, &e, &err) == 0, "add");
	is_str(text(&p.pseudo), "f M 1700000000 644 1 2\n", "SOURCE_DATE_EPOCH clamps");
	vsl_pseudo_fini(&p);
}

static void test_names(void)
{
	struct vsl_error err = { 0 };
	struct vsl_pseudo p;
	struct vsl_rootfs_entry e[4];
	int r = 0;

	e[0] = ent("a b/c\td", VSL_TAR_REG, 0644, 0, 0, 1);
	e[1] = ent("#x/q\"u\\o", VSL_TAR_REG, 0644, 0, 0, 1);
	e[2] = ent("x#y", VSL_TAR_REG, 0644, 0, 0, 1);
	e[3] = ent(" lead/#f", VSL_TAR_FIFO, 0644, 0, 0, 1);
	vsl_pseudo_init(&p, -1);
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		r |= vsl_pseudo_add(&p, &e[i], &err);
	is_int(r, 0, "odd names accepted");
	is_str(text(&p.pseudo),
	       "a\\ b/c\\\td M 1 644 0 0\n"
	       "\\#x/q\\\"u\\\\o M 1 644 0 0\n"
	       "x#y M 1 644 0 0\n"
	       "\\ lead/#f I 1 644 0 0 f\n",
	       "white space, quotes, backslashes and a leading # escaped");
	is_str(text(&p.exclude), "\\ lead/#f\n", "exclude: only a leading space escaped");
	vsl_pseudo_fini(&p);
}

static void test_refused(void)
{
	struct vsl_error err = { 0 };
	struct vsl_pseudo p;
	struct vsl_rootfs_entry nl = ent("etc/bad\nname", VSL_TAR_REG, 0644, 0, 0, 1);
	struct vsl_rootfs_entry dev = ent("dev/big", VSL_TAR_CHR, 0600, 0, 0, 1);
	int r;

	dev.devmajor = 4096;
	vsl_pseudo_init(&p, -1);
	r = vsl_pseudo_add(&p, &nl, &err);
	ok(r < 0 && err.msg && strstr(err.msg, "/etc/bad") && strstr(err.msg, "newline") &&
		   strstr(err.msg, "--payload-format tar.zst"),
	   "a newline in a name is refused, naming it and the fix: %s", err.msg);
	vsl_error_release(&err);
	r = vsl_pseudo_add(&p, &dev, &err);
	ok(r < 0 && err.msg && strstr(err.msg, "/dev/big") && strstr(err.msg, "4096:0"),
	   "a major beyond 4095 is refused: %s", err.msg);
	vsl_error_release(&err);
	dev.devmajor = 4095;
	dev.devminor = 0xfffff;
	ok(vsl_pseudo_add(&p, &dev, &err) == 0, "the largest device number is fine");
	vsl_pseudo_fini(&p);
}

int main(void)
{
	test_kinds();
	test_times();
	test_names();
	test_refused();
	return done_testing();
}
