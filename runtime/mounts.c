/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's mounts, made in the direct runner's child: see mounts.h. Order matters:
 * pivot_root first (so container paths resolve inside the image), then the kernel file
 * systems, then the /tmp of a read-only root, then the user's -v and --tmpfs mounts (which may
 * sit on top of all these, as in docker; shallower paths first, so that -v /a and --tmpfs /a/b
 * stack whatever their order on the command line), then detach the old root, and only then
 * make "/" read-only, because detaching needs the mount point.
 */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "options.h"

int vsl_mounts_remount_ro(const char *path, struct vsl_error *err)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	struct statvfs sv;

	/* In a user namespace the flags inherited from the outer mount are locked: dropping
	 * nosuid/nodev/noexec/atime flags in a remount fails with EPERM, so repeat them. */
	if (statvfs(path, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
		if (sv.f_flag & ST_NOATIME)
			flags |= MS_NOATIME;
		if (sv.f_flag & ST_NODIRATIME)
			flags |= MS_NODIRATIME;
		if (sv.f_flag & ST_RELATIME)
			flags |= MS_RELATIME;
	}
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return vsl_error_set(err, errno, "remount %s read-only", path);
	return 0;
}

/* A host file to bind in later, as a symlink-free path, or NULL when the host has none. */
static char *host_file(const char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		vsl_debug("rootfs: host %s: %s; not bound", path, strerror(errno));
	return real;
}

static int pivot(const char *root, struct vsl_error *err)
{
	if (chdir(root) < 0)
		return vsl_error_set(err, errno, "chdir %s", root);
	if (mkdir(VSL_OLDROOT + 1, 0700) < 0 && errno != EEXIST)
		return vsl_error_set(err, errno, "mkdir %s/%s", root, VSL_OLDROOT + 1);
	/* musl has no pivot_root wrapper. */
	if (syscall(SYS_pivot_root, ".", VSL_OLDROOT + 1) < 0)
		return vsl_error_set(err, errno, "pivot_root to %s", root);
	if (chdir("/") < 0)
		return vsl_error_set(err, errno, "chdir /");
	return 0;
}

/* Create what a bind mount of a dir (or a file) needs at path, inside the container. An
 * existing target is used as it is (a read-only root has every target already: see
 * vsl_mounts_points). */
static int make_target(const char *path, bool dir, struct vsl_error *err)
{
	cleanup_free char *parent = strdup(path);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	struct stat st;
	int fd;

	if (!parent)
		return vsl_error_set(err, ENOMEM, "%s", path);
	if (stat(path, &st) == 0 && (!dir || S_ISDIR(st.st_mode)))
		return 0;
	if (dir)
		return vsl_fs_mkdir_p(path, 0755, err);
	if (slash && slash != parent) {
		*slash = '\0';
		if (vsl_fs_mkdir_p(parent, 0755, err) < 0)
			return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EISDIR)
		return vsl_error_set(err, errno, "create %s", path);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Bind the host's path (relative to the old root) onto the container's target. */
static int bind_host(const char *host, const char *target, bool readonly, struct vsl_error *err)
{
	cleanup_free char *src = NULL;
	struct stat st;

	if (asprintf(&src, VSL_OLDROOT "%s", host) < 0)
		return vsl_error_set(err, ENOMEM, "%s", host);
	if (stat(src, &st) < 0)
		return vsl_error_set(err, errno, "host path %s", host);
	if (make_target(target, S_ISDIR(st.st_mode), err) < 0)
		return -1;
	/* MS_REC: in a user namespace a bind without its submounts is refused when they are
	 * locked, and docker's volumes include submounts too. */
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vsl_error_set(err, errno, "bind-mount host %s on %s", host, target);
	if (readonly)
		return vsl_mounts_remount_ro(target, err);
	return 0;
}

static int mount_proc(struct vsl_error *err)
{
	if (vsl_fs_mkdir_p("/proc", 0555, err) < 0)
		return -1;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return 0;
	/* No PID namespace of our own (qemu-user), or a /proc with locked overmounts. */
	vsl_debug("rootfs: mount proc: %s; binding the host's /proc", strerror(errno));
	return bind_host("/proc", "/proc", false, err);
}

static int mount_sys(struct vsl_error *err)
{
	if (vsl_fs_mkdir_p("/sys", 0555, err) < 0)
		return -1;
	if (mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ==
	    0)
		return 0;
	/* A fresh sysfs needs a network namespace we own; we share the host's network. */
	vsl_debug("rootfs: mount sysfs: %s; binding the host's /sys read-only", strerror(errno));
	return bind_host("/sys", "/sys", true, err);
}

static int mount_dev_extras(struct vsl_error *err)
{
	static const char *const links[][2] = {
		{ "pts/ptmx", "/dev/ptmx" },	      { "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },  { "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
	};

	if (mkdir("/dev/pts", 0755) < 0 || mkdir("/dev/shm", 01777) < 0)
		return vsl_error_set(err, errno, "mkdir in /dev");
	/* No gid=5: a single-id user namespace cannot map the tty group. */
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		vsl_debug("rootfs: mount devpts: %s; no /dev/pts", strerror(errno));
	if (mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777,size=65536k") < 0)
		return vsl_error_set(err, errno, "mount tmpfs on /dev/shm");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return vsl_error_set(err, errno, "symlink %s", links[i][1]);
	return 0;
}

static int mount_dev(struct vsl_error *err)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

	if (vsl_fs_mkdir_p("/dev", 0755, err) < 0)
		return -1;
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		return vsl_error_set(err, errno, "mount tmpfs on /dev");
	/* mknod is refused in a user namespace: bind the host's nodes instead. */
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		char path[32];

		snprintf(path, sizeof path, "/dev/%s", nodes[i]);
		if (bind_host(path, path, false, err) < 0) {
			vsl_debug("rootfs: %s; skipped", err->msg);
			vsl_error_release(err);
		}
	}
	return mount_dev_extras(err);
}

/* resolv.conf and hosts are the host's, read-only: the container must not edit the host's. */
static void bind_host_file(const char *real, const char *target)
{
	struct vsl_error err = { 0 };

	if (!real)
		return;
	if (bind_host(real, target, true, &err) < 0) {
		vsl_debug("rootfs: %s; the image's own %s stays", err.msg, target);
		vsl_error_release(&err);
	}
}

/* --tmpfs PATH[:OPTIONS], and the /tmp of a read-only root. */
static int mount_tmpfs(const char *path, const char *options, struct vsl_error *err)
{
	cleanup_free char *data = NULL;
	unsigned long flags;

	if (vsl_tmpfs_options(options, &flags, &data, err) < 0 || make_target(path, true, err) < 0)
		return -1;
	if (mount("tmpfs", path, "tmpfs", flags, *data ? data : NULL) < 0)
		return vsl_error_set(err, errno, "mount tmpfs on %s%s%s", path,
				     *data ? " with " : "", data);
	return 0;
}

/* The -v and --tmpfs mounts, in vsl_user_mounts_order's order. */
static int user_mounts(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	cleanup_free struct vsl_user_mount *order =
		calloc(spec->n_volumes + spec->n_tmpfs + 1, sizeof *order);
	size_t n;

	if (!order)
		return vsl_error_set(err, ENOMEM, "mounts");
	n = vsl_user_mounts_order(spec, order);
	for (size_t k = 0; k < n; k++) {
		const struct vsl_volume *v = &spec->volumes[order[k].index];
		const struct vsl_tmpfs *t = &spec->tmpfs[order[k].index];

		if (order[k].tmpfs && mount_tmpfs(t->path, t->options, err) < 0)
			return vsl_error_wrap(err, "--tmpfs %s", t->path);
		if (!order[k].tmpfs && bind_host(v->host, v->ctr, v->readonly, err) < 0)
			return vsl_error_wrap(err, "volume %s:%s", v->host, v->ctr);
	}
	return 0;
}

int vsl_mounts_setup(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	cleanup_free char *resolv = host_file("/etc/resolv.conf");
	cleanup_free char *hosts = host_file("/etc/hosts");

	if (pivot(spec->rootfs, err) < 0 || mount_proc(err) < 0 || mount_dev(err) < 0 ||
	    mount_sys(err) < 0)
		return -1;
	/* A read-only root keeps a writable /tmp, as podman's --read-only does. */
	if (spec->readonly_root && !vsl_user_mounts_on(spec, "/tmp") &&
	    mount_tmpfs("/tmp", "exec,mode=1777", err) < 0)
		return vsl_error_wrap(err, "the /tmp of the read-only root");
	if (user_mounts(spec, err) < 0)
		return -1;
	bind_host_file(resolv, "/etc/resolv.conf");
	bind_host_file(hosts, "/etc/hosts");
	if (umount2(VSL_OLDROOT, MNT_DETACH) < 0)
		return vsl_error_set(err, errno, "detach the old root");
	if (rmdir(VSL_OLDROOT) < 0)
		vsl_debug("rootfs: rmdir %s: %s", VSL_OLDROOT, strerror(errno));
	if (spec->readonly_root && vsl_mounts_remount_ro("/", err) < 0)
		return -1;
	return 0;
}

static int add_point(struct vsl_mountpoint **v, size_t *n, const char *path, bool dir,
		     struct vsl_error *err)
{
	struct vsl_mountpoint *nv = realloc(*v, (*n + 1) * sizeof *nv);

	if (!nv)
		return vsl_error_set(err, ENOMEM, "mount points");
	nv[*n].path = path;
	nv[(*n)++].dir = dir;
	*v = nv;
	return 0;
}

int vsl_mounts_points(const struct vsl_launch_spec *spec, struct vsl_mountpoint **out, size_t *n,
		      struct vsl_error *err)
{
	static const char *const dirs[] = { VSL_OLDROOT, "/proc", "/dev", "/sys", "/tmp" };
	static const char *const files[] = { "/etc/resolv.conf", "/etc/hosts" };
	cleanup_free struct vsl_mountpoint *v = NULL;
	size_t k = 0;
	struct stat st;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof dirs / sizeof dirs[0]; i++)
		r = add_point(&v, &k, dirs[i], true, err);
	for (size_t i = 0; r == 0 && i < sizeof files / sizeof files[0]; i++)
		r = add_point(&v, &k, files[i], false, err);
	if (r == 0 && spec->cwd)
		r = add_point(&v, &k, spec->cwd, true, err);
	for (size_t i = 0; r == 0 && i < spec->n_tmpfs; i++)
		r = add_point(&v, &k, spec->tmpfs[i].path, true, err);
	/* The host side decides, as bind_host does; a missing one fails there, with its name. */
	for (size_t i = 0; r == 0 && i < spec->n_volumes; i++)
		r = add_point(&v, &k, spec->volumes[i].ctr,
			      stat(spec->volumes[i].host, &st) < 0 || S_ISDIR(st.st_mode), err);
	if (r < 0)
		return -1;
	*out = steal_pointer(&v);
	*n = k;
	return 0;
}
