/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-run directories and the reaping of stale ones: see rundir.h.
 */
#define _GNU_SOURCE
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"

#define OWNER_FILE "owner"
/* A dir with no pid written yet may be one being created right now; leave it this long. */
#define CREATE_GRACE_SECONDS 60

const char *vsl_rundir_root(void)
{
	const char *v = getenv("VESSEL_TMPDIR");

	return v && *v ? v : NULL;
}

/* Not $XDG_RUNTIME_DIR: it is a tmpfs too, so it fails where ours does. */
const char *vsl_rundir_fallback_root(void)
{
	return access("/var/tmp", W_OK | X_OK) == 0 ? "/var/tmp" : "/tmp";
}

/* True when the dir is stale: its owner lock is free and it was fully created (or is old). */
static bool is_stale(int dirfd, const struct stat *st, int *lock_fd)
{
	char buf[32];
	ssize_t n;
	int fd = openat(dirfd, OWNER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*lock_fd = -1;
	if (fd < 0)
		return errno == ENOENT && time(NULL) - st->st_mtime > CREATE_GRACE_SECONDS;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return false;
	}
	n = read(fd, buf, sizeof buf);
	if (n <= 0 && time(NULL) - st->st_mtime <= CREATE_GRACE_SECONDS) {
		close(fd);
		return false;
	}
	*lock_fd = fd;
	return true;
}

static void reap_one(int rootfd, const char *name)
{
	struct vsl_error err = { 0 };
	cleanup_close int dfd = -1, lock_fd = -1;
	struct stat st;

	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return;
	dfd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || !is_stale(dfd, &st, &lock_fd))
		return;
	/* We hold its lock while removing, so a concurrent reaper skips it. */
	if (vsl_fs_rmtree_at(rootfd, name, &err) < 0) {
		vsl_debug("rundir: cannot remove stale %s: %s", name, err.msg);
		vsl_error_release(&err);
		return;
	}
	vsl_debug("rundir: removed stale %s (its owner is gone)", name);
}

void vsl_rundir_reap(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, VSL_RUNDIR_PREFIX, strlen(VSL_RUNDIR_PREFIX)) == 0)
			reap_one(dirfd(d), de->d_name);
	closedir(d);
}

static int make_sub(const char *path, const char *sub, char **out, struct vsl_error *err)
{
	if (asprintf(out, "%s/%s", path, sub) < 0) {
		*out = NULL;
		return vsl_error_set(err, ENOMEM, "run dir");
	}
	/* upper/ becomes the container's "/", so it gets the usual mode of a root dir. */
	if (mkdir(*out, 0755) < 0)
		return vsl_error_set(err, errno, "mkdir %s", *out);
	return 0;
}

static int lock_owner(struct vsl_rundir *rd, struct vsl_error *err)
{
	cleanup_free char *owner = NULL;
	char pid[32];
	int n;

	if (asprintf(&owner, "%s/" OWNER_FILE, rd->path) < 0)
		return vsl_error_set(err, ENOMEM, "run dir");
	rd->lock_fd = open(owner, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (rd->lock_fd < 0)
		return vsl_error_set(err, errno, "create %s", owner);
	if (flock(rd->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return vsl_error_set(err, errno, "lock %s", owner);
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (vsl_fs_write_all(rd->lock_fd, pid, (size_t)n) < 0)
		return vsl_error_set(err, errno, "write %s", owner);
	return 0;
}

int vsl_rundir_create(const char *root, struct vsl_rundir *rd, struct vsl_error *err)
{
	memset(rd, 0, sizeof *rd);
	rd->lock_fd = -1;
	if (asprintf(&rd->path, "%s/" VSL_RUNDIR_PREFIX "XXXXXX", root) < 0) {
		rd->path = NULL;
		return vsl_error_set(err, ENOMEM, "run dir");
	}
	if (!mkdtemp(rd->path)) {
		vsl_error_set(err, errno,
			      "create a run dir in %s (set VESSEL_TMPDIR to a writable directory)",
			      root);
		free(rd->path);
		rd->path = NULL;
		return -1;
	}
	if (lock_owner(rd, err) < 0 || make_sub(rd->path, "upper", &rd->upper, err) < 0 ||
	    make_sub(rd->path, "work", &rd->work, err) < 0 ||
	    make_sub(rd->path, "merged", &rd->merged, err) < 0) {
		struct vsl_error ignored = { 0 };

		vsl_rundir_remove(rd, &ignored);
		vsl_error_release(&ignored);
		return -1;
	}
	vsl_debug("rundir: %s", rd->path);
	return 0;
}

/* Its size is tmpfs's default, spelled out: half of RAM. */
#define PRIVATE_TMPFS_OPTS "mode=0700,size=50%"

int vsl_rundir_create_private(const char *mountpoint, bool user_xattrs, struct vsl_rundir *rd,
			      struct vsl_error *err)
{
	memset(rd, 0, sizeof *rd);
	rd->lock_fd = -1;
	if (mkdir(mountpoint, 0700) < 0 && errno != EEXIST)
		return vsl_error_set(err, errno, "mkdir %s", mountpoint);
	if (mount("vessel", mountpoint, "tmpfs", 0, PRIVATE_TMPFS_OPTS) < 0)
		return vsl_error_set(err, errno, "mount a tmpfs on %s", mountpoint);
	rd->private_tmpfs = true;
	rd->path = strdup(mountpoint);
	if (!rd->path) {
		vsl_error_set(err, ENOMEM, "run dir");
		goto fail;
	}
	if (make_sub(rd->path, "upper", &rd->upper, err) < 0 ||
	    make_sub(rd->path, "work", &rd->work, err) < 0 ||
	    make_sub(rd->path, "merged", &rd->merged, err) < 0)
		goto fail;
	/* the very probe overlay makes, on the dir it makes it on */
	if (user_xattrs && setxattr(rd->work, "user.vessel", "1", 1, 0) < 0) {
		vsl_error_set(err, errno, "tmpfs without user xattrs (Linux < 6.6)");
		goto fail;
	}
	vsl_debug("rundir: private tmpfs on %s", rd->path);
	return 0;
fail:
	umount2(mountpoint, MNT_DETACH);
	vsl_rundir_release(rd);
	return -1;
}

int vsl_rundir_remove(struct vsl_rundir *rd, struct vsl_error *err)
{
	int r = 0;

	if (rd->path && !rd->private_tmpfs && vsl_fs_rmtree(rd->path, err) < 0)
		r = vsl_error_wrap(err, "remove the run dir");
	vsl_rundir_release(rd);
	return r;
}

void vsl_rundir_release(struct vsl_rundir *rd)
{
	if (rd->lock_fd >= 0)
		close(rd->lock_fd);
	free(rd->path);
	free(rd->upper);
	free(rd->work);
	free(rd->merged);
	memset(rd, 0, sizeof *rd);
	rd->lock_fd = -1;
}
