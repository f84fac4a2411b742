/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The direct runner: see runner.h for the parent/child protocol. It is the launcher of last
 * resort, so it asks only for what every kernel we support gives a user namespace, and it
 * degrades (no PID, UTS or IPC namespace, staying uid 0) with a debug line instead of failing
 * where a container can still run. What the user asked for by name (--hostname, --net none,
 * -t) is never dropped silently: it works or the run fails with a message.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "env.h"
#include "fsutil.h"
#include "log.h"
#include "mounts.h"
#include "signals.h"
#include "tty.h"
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
	/* EINVAL: the id has no mapping in our user namespace (one id: no subuid range). */
	vsl_warn("the image runs as uid %u gid %u, which this user namespace does not map; running "
		 "as uid 0 (you) instead. For the image's own users give yours subordinate ids in "
		 "/etc/subuid and /etc/subgid and install newuidmap (Debian package uidmap)",
		 uid, gid);
	return 0;
}

/* --net none: a network namespace has only a loopback interface, and it starts down. */
static int loopback_up(struct vsl_error *err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (fd < 0)
		return vsl_error_set(err, errno, "--net none: socket");
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return vsl_error_set(err, errno, "--net none: read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return vsl_error_set(err, errno, "--net none: bring lo up");
	return 0;
}

/* Own mount namespace (pivot_root would move every process in ours), plus UTS for the
 * hostname and IPC for /dev/shm when the kernel lets us, and NET for --net none. */
static int enter_namespaces(const struct vsl_launch_spec *spec, bool *uts, struct vsl_error *err)
{
	int net = spec->net == VSL_NET_NONE ? CLONE_NEWNET : 0;

	*uts = unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | net) == 0;
	if (!*uts) {
		vsl_debug("runner: unshare(NEWNS|NEWUTS|NEWIPC%s): %s; mount namespace only",
			  net ? "|NEWNET" : "", strerror(errno));
		if (net && unshare(CLONE_NEWNET) < 0)
			return vsl_error_set(err, errno,
					     "--net none: cannot make a network namespace");
		if (unshare(CLONE_NEWNS) < 0)
			return vsl_error_set(err, errno, "unshare(CLONE_NEWNS)");
	}
	return net ? loopback_up(err) : 0;
}

static int set_hostname(const char *name, bool uts, struct vsl_error *err)
{
	if (!uts)
		return vsl_error_set(err, 0,
				     "--hostname %s: no UTS namespace could be made here, so the "
				     "host name cannot change (drop --hostname)",
				     name);
	if (sethostname(name, strlen(name)) < 0)
		return vsl_error_set(err, errno, "--hostname %s", name);
	return 0;
}

int vsl_runner_enter(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	/* docker creates a missing workdir; do it while we are still root. (A read-only root
	 * has it already, from its skeleton layer: vsl_mounts_points.) */
	if (vsl_fs_mkdir_p(spec->cwd, 0755, err) < 0)
		return vsl_error_wrap(err, "workdir");
	if (vsl_runner_switch_ids(spec, err) < 0)
		return -1;
	if (chdir(spec->cwd) < 0)
		return vsl_error_set(err, errno, "chdir to the workdir %s", spec->cwd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vsl_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	/* After the id switch, which would clear it. Our parent (the runner's, or the crun
	 * driver) waits for us, so it is alive. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return vsl_error_set(err, errno, "prctl(PR_SET_PDEATHSIG)");
	return 0;
}

static int child_setup(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	bool uts;

	if (enter_namespaces(spec, &uts, err) < 0 || vsl_mounts_setup(spec, err) < 0)
		return -1;
	if (spec->hostname && set_hostname(spec->hostname, uts, err) < 0)
		return -1;
	return vsl_runner_enter(spec, err);
}

/* One message to the parent, with fd (>= 0) attached as SCM_RIGHTS. */
static int send_sync(int sock, enum vsl_sync_msg msg, int errnum, const char *text, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct vsl_sync s;
	struct iovec iov = { .iov_base = &s, .iov_len = sizeof s };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&s, 0, sizeof s);
	s.msg = msg;
	s.errnum = errnum;
	snprintf(s.text, sizeof s.text, "%s", text ? text : "");
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof ctl);
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof s ? 0 : -1;
}

static __attribute__((noreturn)) void child_report(int fd, enum vsl_sync_msg msg, int errnum,
						   const char *text, int code)
{
	/* If this fails the parent is gone or the socket broke: nobody else can report it. */
	send_sync(fd, msg, errnum, text ? text : "unknown error", -1);
	_exit(code);
}

/* -t: a pty from the container's devpts; the master goes to the parent, *slave stays. */
static int open_terminal(int sock, int *slave, struct vsl_error *err)
{
	cleanup_close int master = -1;

	if (vsl_tty_open(&master, slave, err) < 0)
		return -1;
	if (send_sync(sock, VSL_SYNC_PTY, 0, "pty", master) < 0)
		return vsl_error_set(err, errno, "-t: send the pty to vessel");
	return 0;
}

static __attribute__((noreturn)) void exec_command(const struct vsl_launch_spec *spec, int fd,
						   const sigset_t *old, int slave)
{
	char text[sizeof((struct vsl_sync *)0)->text];
	struct vsl_error err = { 0 };
	int e, code;

	if (slave >= 0 && vsl_tty_make_controlling(slave, &err) < 0)
		child_report(fd, VSL_SYNC_SETUP_FAILED, err.errnum, err.msg, VSL_EXIT_VESSEL);
	vsl_signals_restore(old);
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
	int slave = -1;
	pid_t cmd;

	if (child_setup(spec, &err) < 0 || (spec->terminal && open_terminal(fd, &slave, &err) < 0))
		child_report(fd, VSL_SYNC_SETUP_FAILED, err.errnum, err.msg, VSL_EXIT_VESSEL);
	if (getpid() != 1)
		exec_command(spec, fd, old, slave);
	cmd = fork();
	if (cmd < 0)
		child_report(fd, VSL_SYNC_SETUP_FAILED, errno, "fork the command", VSL_EXIT_VESSEL);
	if (cmd == 0)
		exec_command(spec, fd, old, slave);
	/* The parent's EOF must come from the command's exec, not from our exit; and the pty's
	 * end must come from the command's exit, not from ours. */
	close(fd);
	if (slave >= 0)
		close(slave);
	_exit(vsl_signals_forward_wait(cmd, true));
}

/* Keep the fd of an SCM_RIGHTS message in *fd (closing any earlier one). */
static void take_fd(struct msghdr *mh, int *fd)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			if (*fd >= 0)
				close(*fd);
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
		}
}

/* Read one whole message (and its fd, if any, into *fd); 0 at EOF (the child exec'd or died
 * before saying anything). */
static ssize_t read_sync(int sock, struct vsl_sync *s, int *fd)
{
	size_t got = 0;

	while (got < sizeof *s) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = (char *)s + got, .iov_len = sizeof *s - got };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof ctl.buf };
		ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		take_fd(&mh, fd);
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int parent_side(const struct vsl_launch_spec *spec, pid_t pid, int sock, int *exit_code,
		       struct vsl_error *err)
{
	struct vsl_sync s;
	cleanup_close int master = -1;
	ssize_t n = read_sync(sock, &s, &master);
	char text[sizeof s.text];
	int status;

	if (n == (ssize_t)sizeof s && s.msg == VSL_SYNC_PTY && master >= 0)
		n = read_sync(sock, &s, &master);
	if (n == 0) {
		*exit_code = master >= 0 ? vsl_tty_relay(steal_fd(&master), pid, spec->interactive)
					 : vsl_signals_forward_wait(pid, false);
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof s || s.msg == VSL_SYNC_PTY)
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
	/* A socket, not a pipe: -t passes the pty master over it. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return vsl_error_set(err, errno, "socketpair");
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
