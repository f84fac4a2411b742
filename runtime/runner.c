/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The direct runner: see runner.h for the parent/child protocol. It is the launcher of last
 * resort, so it asks only for what every kernel we support gives a user namespace, and it
 * degrades (no PID or UTS namespace, no hostname, staying uid 0) with a debug line instead of
 * failing where a container can still run.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "env.h"
#include "fsutil.h"
#include "log.h"
#include "mounts.h"
#include "signals.h"
#include "userspec.h"

/* /etc/passwd or /etc/group of the image, bigger than this is not a passwd file. */
#define DB_MAX (4u << 20)

int vsl_runner_exec(char *const argv[], char *const envp[])
{
	const char *file = argv[0], *path, *p;
	size_t flen;
	bool eacces = false;

	if (!file || !*file)
		return ENOENT;
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return errno;
	}
	path = vsl_env_get(envp, "PATH");
	if (!path)
		path = VSL_RUNNER_DEFAULT_PATH;
	flen = strlen(file);
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		char buf[PATH_MAX];

		/* An empty PATH element means the current directory, as in execvp. */
		if (dlen + 1 + flen < sizeof buf) {
			memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
			dlen = dlen ? dlen : 1;
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, file, flen + 1);
			execve(buf, argv, envp);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG &&
				 errno != ELOOP)
				return errno;
		}
		p = end;
		if (!*p)
			break;
	}
	return eacces ? EACCES : ENOENT;
}

int vsl_runner_exec_error(const char *cmd, int errnum, char *buf, size_t size)
{
	switch (errnum) {
	case ENOENT:
		snprintf(buf, size, "%s: %s", cmd,
			 strchr(cmd, '/') ? "no such file or directory" : "command not found");
		return VSL_EXIT_NOTFOUND;
	case EACCES:
		snprintf(buf, size, "%s: permission denied", cmd);
		return VSL_EXIT_NOEXEC;
	case ENOEXEC:
		snprintf(buf, size, "%s: exec format error", cmd);
		return VSL_EXIT_NOEXEC;
	default:
		snprintf(buf, size, "%s: cannot execute: %s", cmd, strerror(errnum));
		return VSL_EXIT_NOEXEC;
	}
}

/* Read a small file of the image; a missing file gives *buf NULL and 0. */
static int read_db(const char *path, char **buf, size_t *len, struct vsl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *b = NULL;
	size_t n = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : vsl_error_set(err, errno, "open the image's %s", path);
	b = malloc(DB_MAX);
	if (!b)
		return vsl_error_set(err, ENOMEM, "%s", path);
	while (n < DB_MAX) {
		ssize_t r = read(fd, b + n, DB_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vsl_error_set(err, errno, "read the image's %s", path);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = steal_pointer(&b);
	*len = n;
	return 0;
}

static int resolve_user(const char *spec, uint32_t *uid, uint32_t *gid, struct vsl_error *err)
{
	cleanup_free char *pw = NULL, *gr = NULL;
	struct vsl_userspec us;
	size_t pw_len, gr_len;
	int r;

	if (vsl_userspec_parse(spec, &us, err) < 0)
		return -1;
	r = read_db("/etc/passwd", &pw, &pw_len, err);
	if (r == 0)
		r = read_db("/etc/group", &gr, &gr_len, err);
	if (r == 0)
		r = vsl_userspec_resolve(&us, pw, pw_len, gr, gr_len, uid, gid, err);
	vsl_passwd_spec_free(&us);
	return r;
}

int vsl_runner_switch_ids(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	uint32_t uid = spec->uid, gid = spec->gid;
	size_t n = spec->user ? 0 : spec->n_additional_gids;
	gid_t groups[64];

	if (spec->user && resolve_user(spec->user, &uid, &gid, err) < 0)
		return -1;
	if (n > sizeof groups / sizeof groups[0])
		n = sizeof groups / sizeof groups[0];
	for (size_t i = 0; i < n; i++)
		groups[i] = spec->additional_gids[i];
	/* A user namespace whose setgroups is "deny" refuses this; the host's groups stay. */
	if (setgroups(n, groups) < 0)
		vsl_debug("runner: setgroups: %s; supplementary groups unchanged", strerror(errno));
	if (setresgid(gid, gid, gid) == 0 && setresuid(uid, uid, uid) == 0) {
		vsl_debug("runner: running as uid %u gid %u", uid, gid);
		return 0;
	}
	if (errno != EINVAL)
		return vsl_error_set(err, errno, "switch to uid %u gid %u", uid, gid);
	/* EINVAL: the id has no mapping in our single-id user namespace. */
	vsl_warn("the image runs as uid %u gid %u, but only uid 0 (you) is mapped here; running as "
		 "uid 0 (subordinate id ranges are not supported yet)",
		 uid, gid);
	return 0;
}

/* Own mount namespace (pivot_root would move every process in ours), plus UTS for the
 * hostname and IPC for /dev/shm when the kernel lets us. */
static int enter_namespaces(bool *uts, struct vsl_error *err)
{
	*uts = unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) == 0;
	if (*uts)
		return 0;
	vsl_debug("runner: unshare(NEWNS|NEWUTS|NEWIPC): %s; mount namespace only",
		  strerror(errno));
	if (unshare(CLONE_NEWNS) < 0)
		return vsl_error_set(err, errno, "unshare(CLONE_NEWNS)");
	return 0;
}

static int child_setup(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	bool uts;

	if (enter_namespaces(&uts, err) < 0 || vsl_mounts_setup(spec, err) < 0)
		return -1;
	if (spec->hostname && !uts)
		vsl_debug("runner: no UTS namespace; hostname %s not set", spec->hostname);
	else if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		vsl_debug("runner: sethostname %s: %s", spec->hostname, strerror(errno));
	/* docker creates a missing workdir; do it while we are still root. */
	if (vsl_fs_mkdir_p(spec->cwd, 0755, err) < 0)
		return vsl_error_wrap(err, "workdir");
	if (vsl_runner_switch_ids(spec, err) < 0)
		return -1;
	if (chdir(spec->cwd) < 0)
		return vsl_error_set(err, errno, "chdir to the workdir %s", spec->cwd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vsl_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	/* After the id switch, which would clear it. The parent waits for us, so it is alive. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return vsl_error_set(err, errno, "prctl(PR_SET_PDEATHSIG)");
	return 0;
}

static __attribute__((noreturn)) void child_report(int fd, enum vsl_sync_msg msg, int errnum,
						   const char *text, int code)
{
	struct vsl_sync s;

	memset(&s, 0, sizeof s);
	s.msg = msg;
	s.errnum = errnum;
	snprintf(s.text, sizeof s.text, "%s", text ? text : "unknown error");
	if (write(fd, &s, sizeof s) != (ssize_t)sizeof s) {
		/* The parent is gone or the pipe broke: nobody else can report it. */
	}
	_exit(code);
}

static __attribute__((noreturn)) void exec_command(const struct vsl_launch_spec *spec, int fd,
						   const sigset_t *old)
{
	char text[sizeof((struct vsl_sync *)0)->text];
	int e, code;

	sigprocmask(SIG_SETMASK, old, NULL);
	e = vsl_runner_exec(spec->argv, spec->envp);
	code = vsl_runner_exec_error(spec->argv[0], e, text, sizeof text);
	child_report(fd, VSL_SYNC_EXEC_FAILED, e, text, code);
}

/*
 * As pid 1 of a PID namespace the kernel ignores every signal we have no handler for, so a
 * command run as pid 1 could not be stopped by SIGTERM, nor die of `kill $$`. We stay pid 1
 * as a minimal init instead (docker run --init): fork the command, forward signals to it,
 * reap orphans, and exit with its status (128+N for signal N).
 */
static __attribute__((noreturn)) void child_main(const struct vsl_launch_spec *spec, int fd,
						 const sigset_t *old)
{
	struct vsl_error err = { 0 };
	pid_t cmd;

	if (child_setup(spec, &err) < 0)
		child_report(fd, VSL_SYNC_SETUP_FAILED, err.errnum, err.msg, VSL_EXIT_VESSEL);
	if (getpid() != 1)
		exec_command(spec, fd, old);
	cmd = fork();
	if (cmd < 0)
		child_report(fd, VSL_SYNC_SETUP_FAILED, errno, "fork the command", VSL_EXIT_VESSEL);
	if (cmd == 0)
		exec_command(spec, fd, old);
	/* The parent's EOF must come from the command's exec, not from our exit. */
	close(fd);
	_exit(vsl_signals_forward_wait(cmd, true));
}

/* Read one whole message; 0 at EOF (the child exec'd or died before saying anything). */
static ssize_t read_sync(int fd, struct vsl_sync *s)
{
	size_t got = 0;

	while (got < sizeof *s) {
		ssize_t r = read(fd, (char *)s + got, sizeof *s - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int parent_side(const struct vsl_launch_spec *spec, pid_t pid, int fd, int *exit_code,
		       struct vsl_error *err)
{
	struct vsl_sync s;
	ssize_t n = read_sync(fd, &s);
	char text[sizeof s.text];
	int status;

	if (n == 0) {
		*exit_code = vsl_signals_forward_wait(pid, false);
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof s)
		return vsl_error_set(err, 0, "the container process died during setup");
	s.text[sizeof s.text - 1] = '\0';
	if (s.msg == VSL_SYNC_EXEC_FAILED) {
		*exit_code = vsl_runner_exec_error(spec->argv[0], s.errnum, text, sizeof text);
		return vsl_error_set(err, 0, "%s", text);
	}
	return vsl_error_set(err, 0, "%s", s.text);
}

static int run_direct(const struct vsl_launcher *self, const struct vsl_launch_spec *spec,
		      int *exit_code, struct vsl_error *err)
{
	cleanup_close int rd = -1;
	int fds[2], r;
	sigset_t old;
	pid_t pid;

	(void)self;
	*exit_code = VSL_EXIT_VESSEL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return vsl_error_set(err, errno, "pipe");
	rd = fds[0];
	vsl_signals_block(&old);
	/* Only our next fork goes into it, so the container's command is its pid 1. */
	if (unshare(CLONE_NEWPID) < 0)
		vsl_debug("runner: unshare(CLONE_NEWPID): %s; sharing the PID namespace",
			  strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(rd);
		child_main(spec, fds[1], &old);
	}
	close(fds[1]);
	if (pid < 0) {
		r = vsl_error_set(err, errno, "fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	vsl_debug("runner: container process %ld", (long)pid);
	return parent_side(spec, pid, rd, exit_code, err);
}

const struct vsl_launcher vsl_launcher_direct = {
	.name = "direct",
	.run = run_direct,
};
