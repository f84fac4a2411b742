/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-run directories: their layout, the owner lock that marks them live, and the reaping of
 * the ones whose owner died (a forked child that exits without cleaning up), and the no-
 * overlay fallback's tree copy. Needs no privileges: scratch dirs under $TMPDIR or /tmp.
 */
#define _GNU_SOURCE
#include "copytree.h"
#include "rundir.h"
#include "../tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int count_runs(void)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -d '%s'/" VSL_RUNDIR_PREFIX "* 2>/dev/null | wc -l", root);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void test_create_remove(void)
{
	struct vsl_rundir rd;
	struct vsl_error err = { 0 };
	char path[600], buf[32] = "";
	int fd;

	if (!is_int(vsl_rundir_create(root, &rd, &err), 0, "create (%s)", err.msg ? err.msg : ""))
		return;
	ok(strncmp(rd.path, root, strlen(root)) == 0, "under the root");
	ok(exists(rd.upper) && exists(rd.work) && exists(rd.merged), "upper, work, merged");
	snprintf(path, sizeof path, "%s/owner", rd.path);
	fd = open(path, O_RDONLY);
	ok(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0 && atol(buf) == getpid(),
	   "owner holds our pid");
	if (fd >= 0)
		close(fd);
	vsl_rundir_reap(root);
	ok(exists(rd.path), "a live run dir is not reaped");
	/* A directory the image made unreadable must not stop the removal. */
	snprintf(path, sizeof path, "%s/locked", rd.upper);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/locked/file", rd.upper);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof path, "%s/locked", rd.upper);
	chmod(path, 0);
	snprintf(path, sizeof path, "%s", rd.path);
	is_int(vsl_rundir_remove(&rd, &err), 0, "remove (%s)", err.msg ? err.msg : "");
	ok(!exists(path), "gone");
	ok(rd.path == NULL && rd.lock_fd == -1, "released");
}

static void test_reap(void)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	char young[300], aged[300];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct vsl_rundir rd;
		struct vsl_error err = { 0 };

		_exit(vsl_rundir_create(root, &rd, &err) == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "a child made a run dir and died");
	is_int(count_runs(), 1, "its dir is left behind");
	/* Without an owner file: one being created right now, or one killed long ago. */
	snprintf(young, sizeof young, "%s/" VSL_RUNDIR_PREFIX "young", root);
	snprintf(aged, sizeof aged, "%s/" VSL_RUNDIR_PREFIX "aged", root);
	mkdir(young, 0700);
	mkdir(aged, 0700);
	utimensat(AT_FDCWD, aged, old, 0);
	vsl_rundir_reap(root);
	is_int(count_runs(), 1, "the dead owner's dir and the aged one are reaped");
	ok(exists(young), "a young dir without an owner file is left alone");
	rmdir(young);
}

static void make_tree(const char *src)
{
	char p[600], q[600];

	snprintf(p, sizeof p, "%s/dir", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/dir/sub", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/dir/sub/data", src);
	FILE *f = fopen(p, "w");
	fputs("payload\n", f);
	fclose(f);
	chmod(p, 0640);
	snprintf(q, sizeof q, "%s/dir/hard", src);
	link(p, q);
	snprintf(p, sizeof p, "%s/link", src);
	symlink("/etc/passwd", p);
	snprintf(p, sizeof p, "%s/fifo", src);
	mkfifo(p, 0600);
	snprintf(p, sizeof p, "%s/dir/sub", src);
	chmod(p, 0500);
}

static void test_copytree(void)
{
	char src[300], dst[300], p[600], q[600], target[64] = "";
	struct vsl_error err = { 0 };
	struct stat a, b;

	snprintf(src, sizeof src, "%s/src", root);
	snprintf(dst, sizeof dst, "%s/dst", root);
	mkdir(src, 0755);
	mkdir(dst, 0755);
	make_tree(src);
	if (!is_int(vsl_copytree(src, dst, &err), 0, "copy (%s)", err.msg ? err.msg : ""))
		return;
	snprintf(p, sizeof p, "%s/dir/sub/data", dst);
	snprintf(q, sizeof q, "%s/dir/hard", dst);
	ok(stat(p, &a) == 0 && (a.st_mode & 07777) == 0640, "file mode kept");
	ok(stat(q, &b) == 0 && a.st_ino == b.st_ino, "hard link kept as a link");
	snprintf(p, sizeof p, "%s/dir/sub", dst);
	ok(stat(p, &a) == 0 && (a.st_mode & 07777) == 0500, "read-only dir mode set last");
	snprintf(p, sizeof p, "%s/link", dst);
	ok(readlink(p, target, sizeof target - 1) > 0 && strcmp(target, "/etc/passwd") == 0,
	   "symlink copied, not followed");
	snprintf(p, sizeof p, "%s/fifo", dst);
	ok(lstat(p, &a) == 0 && S_ISFIFO(a.st_mode), "fifo");
	snprintf(p, sizeof p, "%s/dir/sub/data", src);
	snprintf(q, sizeof q, "%s/dir/sub/data", dst);
	ok(stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
		   a.st_size == b.st_size,
	   "mtime and size kept");
	snprintf(p, sizeof p, "%s/nope", root);
	is_int(vsl_copytree(p, dst, &err), -1, "a missing source fails");
	vsl_error_release(&err);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[300];

	snprintf(root, sizeof root, "%s/t-rundir.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		bail_out("mkdtemp %s: %s", root, strerror(errno));
	test_create_remove();
	test_reap();
	test_copytree();
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", root, root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
	return done_testing();
}
