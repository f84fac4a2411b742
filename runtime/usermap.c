/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The newuidmap/newgidmap helper and its protocol (see usermap.h). The helper's argument
 * vectors are made before the fork, so the helper itself only forks, execs, reads and writes.
 */
#define _GNU_SOURCE
#include "usermap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"

/* Decimal digits of a uint32 or pid, with NUL. */
#define NUM_MAX 12

/* "newuidmap PID inside outside count ...", NULL-terminated, in one allocation. */
static char **make_argv(const char *tool, pid_t pid, const struct vsl_idmap *m)
{
	size_t nargs = 2 + 3 * m->n;
	char **v = malloc((nargs + 1) * sizeof(*v) + nargs * NUM_MAX);
	char *s;

	if (!v)
		return NULL;
	s = (char *)(v + nargs + 1);
	v[0] = (char *)tool;
	v[1] = s;
	snprintf(s, NUM_MAX, "%ld", (long)pid);
	for (size_t i = 0; i < m->n; i++) {
		uint32_t f[3] = { m->e[i].inside, m->e[i].outside, m->e[i].count };

		for (size_t k = 0; k < 3; k++) {
			s += NUM_MAX;
			snprintf(s, NUM_MAX, "%" PRIu32, f[k]);
			v[2 + 3 * i + k] = s;
		}
	}
	v[nargs] = NULL;
	return v;
}

/* The first line of what a tool said, for one-line messages. */
static void first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

/* One of the two tools, in the helper: its argv, pid, and the read end of its output. */
struct tool {
	char **argv;
	pid_t pid;
	int out;
};

/* Start t with its stdout and stderr into a pipe; 0, or an errno. */
static int spawn(struct tool *t)
{
	int p[2];

	t->pid = -1;
	t->out = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	t->pid = fork();
	if (t->pid < 0) {
		close(p[0]);
		close(p[1]);
		return errno;
	}
	if (t->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execvp(t->argv[0], t->argv);
		dprintf(STDERR_FILENO, "cannot execute %s: %s (install the uidmap package)\n",
			t->argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	t->out = p[0];
	return 0;
}

/* Collect t: 0 if it exited 0; else -1, and the first failure goes into out. */
static int collect(struct tool *t, struct vsl_usermap_msg *out)
{
	char said[sizeof out->text / 2] = "";
	size_t got = 0;
	int st = 0;
	ssize_t r;

	while (got < sizeof said - 1 &&
	       ((r = read(t->out, said + got, sizeof said - 1 - got)) > 0 ||
		(r < 0 && errno == EINTR)))
		got += r > 0 ? (size_t)r : 0;
	said[got] = '\0';
	close(t->out);
	while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (out->errnum)
		return -1;
	first_line(said);
	out->errnum = WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOENT : EPERM;
	snprintf(out->text, sizeof out->text, "%s failed (%s %d)%s%s", t->argv[0],
		 WIFEXITED(st) ? "exit status" : "signal",
		 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), *said ? ": " : "", said);
	return -1;
}

/* newuidmap and newgidmap side by side: each is a setuid program that costs an exec, a
 * dynamic link and a read of /etc/sub?id, which is most of what ranges add to a start. */
static void run_tools(char **uidv, char **gidv, struct vsl_usermap_msg *out)
{
	struct tool t[2] = { { .argv = uidv }, { .argv = gidv } };

	for (int i = 0; i < 2; i++) {
		int e = spawn(&t[i]);

		if (e && !out->errnum) {
			out->errnum = e;
			snprintf(out->text, sizeof out->text, "run %s: %s", t[i].argv[0],
				 strerror(e));
		}
	}
	for (int i = 0; i < 2; i++)
		if (t[i].pid > 0)
			collect(&t[i], out);
}

static bool read_msg(int fd, struct vsl_usermap_msg *m)
{
	size_t got = 0;

	while (got < sizeof *m) {
		ssize_t r = read(fd, (char *)m + got, sizeof *m - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static __attribute__((noreturn)) void helper_main(int fd, pid_t stub, char **uidv, char **gidv)
{
	struct vsl_usermap_msg m;

	/* Nobody is left to map if the stub is gone (then it is not our parent any more). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != stub)
		_exit(1);
	/* PLS, or EOF when the stub's unshare failed and it let us go */
	if (!read_msg(fd, &m) || m.msg != VSL_USERMAP_PLS)
		_exit(0);
	memset(&m, 0, sizeof m);
	m.msg = VSL_USERMAP_ACK;
	run_tools(uidv, gidv, &m);
	if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
		_exit(1); /* the stub sees EOF and reports the helper's death */
	_exit(0);
}

int vsl_usermap_start(const struct vsl_idmap *uids, const struct vsl_idmap *gids,
		      struct vsl_usermap *h, struct vsl_error *err)
{
	pid_t stub = getpid();
	cleanup_free char **uidv = make_argv("newuidmap", stub, uids);
	cleanup_free char **gidv = make_argv("newgidmap", stub, gids);
	int sv[2];

	h->pid = 0;
	h->fd = -1;
	if (!uidv || !gidv)
		return vsl_error_set(err, ENOMEM, "id map helper");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vsl_error_set(err, errno, "socketpair for the id map helper");
	h->pid = fork();
	if (h->pid == 0) {
		close(sv[0]);
		helper_main(sv[1], stub, uidv, gidv);
	}
	close(sv[1]);
	if (h->pid < 0) {
		h->pid = 0;
		close(sv[0]);
		return vsl_error_set(err, errno, "fork the id map helper");
	}
	h->fd = sv[0];
	return 0;
}

static void reap(struct vsl_usermap *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	while (h->pid > 0 && waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	h->pid = 0;
}

int vsl_usermap_finish(struct vsl_usermap *h, struct vsl_error *err)
{
	struct vsl_usermap_msg m = { .msg = VSL_USERMAP_PLS };
	bool answered;

	if (write(h->fd, &m, sizeof m) != (ssize_t)sizeof m) {
		vsl_error_set(err, errno, "talk to the id map helper");
		reap(h);
		return -1;
	}
	answered = read_msg(h->fd, &m) && m.msg == VSL_USERMAP_ACK;
	reap(h);
	if (!answered)
		return vsl_error_set(err, 0, "the id map helper died without an answer");
	if (m.errnum == 0)
		return 0;
	m.text[sizeof m.text - 1] = '\0';
	vsl_error_set(err, 0, "%s", m.text);
	if (err)
		err->errnum = m.errnum;
	return -1;
}

void vsl_usermap_abort(struct vsl_usermap *h)
{
	reap(h);
}
