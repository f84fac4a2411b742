/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guard around a build (see guard.h). Why a process and not a signal handler: removing a
 * directory tree is not async-signal-safe, the build has threads (the layer feeder, libzstd's
 * workers) and children (mksquashfs, skopeo) that a handler cannot stop cleanly, and a process
 * that only waits can do all of it after the fact, with the worker gone.
 */
#define _GNU_SOURCE
#include "guard.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_FORWARDED (sizeof forwarded / sizeof forwarded[0])

/* The worker's process group, for the handler. */
static volatile sig_atomic_t worker_pgid;

static void forward(int sig)
{
	int e = errno;

	if (worker_pgid > 0)
		kill(-(pid_t)worker_pgid, sig);
	errno = e;
}

static void set_handlers(void (*h)(int))
{
	struct sigaction sa = { .sa_handler = h };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
}

static void block_forwarded(int how, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(how, &set, old);
}

/* The output's directory and the prefix of its temp files (".NAME.vessel-"). */
struct out_tmp {
	char *dir, *prefix;
	char **before; /* the matching names that existed before the build */
};

static char **list_tmp(const struct out_tmp *o)
{
	DIR *d = opendir(o->dir);
	size_t n = 0, cap = 8, plen = strlen(o->prefix);
	char **v = calloc(cap + 1, sizeof *v);
	struct dirent *de;

	while (d && v && (de = readdir(d))) {
		if (strncmp(de->d_name, o->prefix, plen) != 0 || strlen(de->d_name) != plen + 6)
			continue;
		if (n == cap) {
			char **nv = realloc(v, (2 * cap + 1) * sizeof *v);

			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		if ((v[n] = strdup(de->d_name)))
			v[++n] = NULL;
	}
	if (d)
		closedir(d);
	return v;
}

static bool listed(char **v, const char *name)
{
	for (; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

static void out_tmp_init(struct out_tmp *o, const char *output)
{
	const char *slash = strrchr(output, '/');

	o->dir = slash ? strndup(output, slash == output ? 1 : (size_t)(slash - output))
		       : strdup(".");
	o->prefix = vsl_strf(".%s.vessel-", slash ? slash + 1 : output);
	o->before = o->dir && o->prefix ? list_tmp(o) : NULL;
}

/* Remove the output temp files that appeared since out_tmp_init. */
static void out_tmp_clean(struct out_tmp *o)
{
	char **now = o->dir && o->prefix ? list_tmp(o) : NULL;

	for (char **p = now; p && *p; p++) {
		cleanup_free char *path =
			listed(o->before, *p) ? NULL : vsl_strf("%s/%s", o->dir, *p);

		if (path && unlink(path) == 0)
			vsl_debug("removed the interrupted output %s", path);
	}
	vsl_strv_free(now);
}

static void out_tmp_free(struct out_tmp *o)
{
	free(o->dir);
	free(o->prefix);
	vsl_strv_free(o->before);
}

static char *make_private_dir(struct vsl_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	dir = vsl_strf("%s/vessel-XXXXXX", tmp);
	if (!dir) {
		vsl_error_set(err, ENOMEM, "temp dir");
		return NULL;
	}
	if (!mkdtemp(dir)) {
		vsl_error_set(err, errno,
			      "cannot make a temp dir in %s (set TMPDIR to a writable directory "
			      "with room for the unpacked image)",
			      tmp);
		free(dir);
		return NULL;
	}
	return dir;
}

/* In the worker: own process group, default signals, TMPDIR inside the private dir. */
static void start_worker(const char *dir, const sigset_t *old, int (*fn)(void *), void *ctx)
{
	setpgid(0, 0);
	set_handlers(SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (setenv("TMPDIR", dir, 1) < 0)
		_exit(1);
	exit(fn(ctx));
}

/* Hand the terminal's foreground to pgid (or back) when stderr is our terminal. */
static bool give_terminal(pid_t pgid)
{
	void (*old)(int);
	bool ok;

	if (!isatty(STDERR_FILENO) || tcgetpgrp(STDERR_FILENO) != getpgrp())
		return false;
	old = signal(SIGTTOU, SIG_IGN); /* a background group may not change it otherwise */
	ok = tcsetpgrp(STDERR_FILENO, pgid) == 0;
	signal(SIGTTOU, old);
	return ok;
}

static void take_terminal_back(void)
{
	void (*old)(int) = signal(SIGTTOU, SIG_IGN);

	tcsetpgrp(STDERR_FILENO, getpgrp());
	signal(SIGTTOU, old);
}

/*
 * Wait for the worker, then kill and reap what is left of its group and any orphans. ^Z stops
 * the worker's group (it has the terminal): the guard then stops too, so that the shell sees
 * its job stopped and takes the terminal back; on `fg` it hands the terminal on again and
 * continues the group (on `bg`, with no terminal to hand on, the group runs in the background).
 */
static int wait_worker(pid_t pid, bool tty)
{
	int status = 0;

	for (;;) {
		if (waitpid(pid, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!WIFSTOPPED(status))
			break;
		if (tty)
			take_terminal_back();
		raise(SIGSTOP);
		if (tty)
			give_terminal(pid);
		kill(-pid, SIGCONT);
	}
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return status;
}

int vsl_guard_run(const char *output, int (*fn)(void *ctx), void *ctx, struct vsl_error *err)
{
	cleanup_free char *dir = make_private_dir(err);
	struct vsl_error rmerr = { 0 };
	struct out_tmp o = { 0 };
	bool tty = false;
	sigset_t old;
	int status, fork_errno;
	pid_t pid;

	if (!dir)
		return -1;
	out_tmp_init(&o, output);
	/* Orphaned helpers (mksquashfs, skopeo) come back to us; qemu-user may refuse it. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	block_forwarded(SIG_BLOCK, &old);
	set_handlers(forward);
	pid = fork();
	fork_errno = errno;
	if (pid == 0)
		start_worker(dir, &old, fn, ctx);
	if (pid > 0) {
		setpgid(pid, pid); /* also done by the worker: whichever runs first */
		worker_pgid = pid;
		tty = give_terminal(pid);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	status = pid > 0 ? wait_worker(pid, tty) : 0;
	worker_pgid = 0;
	if (tty)
		take_terminal_back();
	set_handlers(SIG_DFL);
	if (vsl_fs_rmtree(dir, &rmerr) < 0) {
		vsl_warn("could not remove the build's temp dir: %s", rmerr.msg);
		vsl_error_release(&rmerr);
	}
	if (pid > 0 && WIFSIGNALED(status))
		out_tmp_clean(&o);
	out_tmp_free(&o);
	if (pid < 0)
		return vsl_error_set(err, fork_errno, "fork for the build");
	if (WIFSIGNALED(status)) {
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
