/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libcrun launcher: the stub's side and the crun driver (see crun.h for the processes).
 * libcrun is called through its public API plus one private detail: the handler manager, whose
 * layout is mirrored below because crun 1.8.1 offers no call to register a handler without
 * dlopen (which our static build has not).
 */
#define _GNU_SOURCE
#include "crun.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <libcrun/container.h>
#include <libcrun/custom-handler.h>
#include <libcrun/error.h>
/* libcrun's utils.h has cleanup_free and cleanup_close too, with the same meaning: ours win. */
#undef cleanup_free
#undef cleanup_close

#include "cgroup.h"
#include "cleanup.h"
#include "crun_console.h"
#include "crun_exec.h"
#include "crunspec.h"
#include "log.h"
#include "runner.h"
#include "signals.h"
#include "tty.h"

/*
 * crun 1.8.1's struct custom_handler_manager_s (src/libcrun/custom-handler.c), which its header
 * leaves incomplete. libcrun is pinned (toolchain/versions.lock); t0160 and t0260 fail loudly
 * if a new version changes it, because then no command runs through the handler.
 */
struct custom_handler_manager_s {
	struct custom_handler_s **handlers;
	void **handles;
	size_t handlers_len;
};

/* libcrun's messages (warnings in the driver) become debug lines: a helper never prints. */
static void crun_log(int errnum, const char *msg, bool warning, void *arg)
{
	(void)arg;
	vsl_debug("crun: %s%s%s%s", warning ? "warning: " : "", msg, errnum ? ": " : "",
		  errnum ? strerror(errnum) : "");
}

/* A few of libcrun's warnings go to a FILE (context.output_handler_arg, else stderr): this one
 * makes them debug lines too. */
static ssize_t debug_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	vsl_debug("crun: %.*s", (int)(n && buf[n - 1] == '\n' ? n - 1 : n), buf);
	return (ssize_t)n;
}

static FILE *debug_stream(void)
{
	cookie_io_functions_t io = { .write = debug_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* libcrun_error_t -> struct vsl_error, releasing the former. */
static int from_crun(libcrun_error_t *cerr, struct vsl_error *err, const char *what)
{
	int r = vsl_error_set(err, *cerr ? (*cerr)->status : 0, "%s: %s", what,
			      *cerr && (*cerr)->msg ? (*cerr)->msg : "unknown error");

	if (*cerr)
		crun_error_release(cerr);
	return r;
}

/* A host file to bind into the container, symlink-free, or NULL when the host has none. */
static char *host_file(const char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		vsl_debug("crun: host %s: %s; not bound", path, strerror(errno));
	return real;
}

static char *patched_config(const struct vsl_launch_spec *spec, struct vsl_error *err)
{
	cleanup_free char *resolv = host_file("/etc/resolv.conf");
	cleanup_free char *hosts = host_file("/etc/hosts");
	struct vsl_crunspec_extra x = {
		.resolv_conf = resolv,
		.hosts = hosts,
		.terminal = spec->terminal,
	};
	char *json = NULL;

	if (vsl_crunspec_build(spec->config_json, spec->config_len, spec, &x, &json, err) < 0)
		return NULL;
	vsl_debug("crun: terminal %s", x.terminal ? "yes" : "no");
	return json;
}

/* The report pipe as the fd libcrun keeps open in the container (preserve_fds = 1). Whatever
 * the driver had as fd 3 is the stub's, and the driver does not need it. */
static int report_fd_to_3(int *fd, struct vsl_error *err)
{
	if (*fd == VSL_CRUN_REPORT_FD)
		return fcntl(*fd, F_SETFD, 0) < 0 ? vsl_error_set(err, errno, "report pipe") : 0;
	if (dup2(*fd, VSL_CRUN_REPORT_FD) < 0)
		return vsl_error_set(err, errno, "dup2 the report pipe");
	close(*fd);
	*fd = VSL_CRUN_REPORT_FD;
	return 0;
}

/*
 * /sys/fs/cgroup as libcrun can take it, in the stub's own mount namespace. Not in one of the
 * driver's: a mount namespace more costs a copy of the mount table and, when it goes, an RCU
 * grace period that the stub would wait for. The cover hides nothing a container of ours needs
 * (neither launcher gives it cgroups), so it may stay for a fallback to the direct runner.
 */
static int prepare_cgroups(struct vsl_error *err)
{
	enum vsl_cgroup_layout layout = VSL_CGROUP_NONE;
	bool covered = false;

	if (vsl_cgroup_prepare(&layout, &covered, err) < 0)
		return -1;
	vsl_debug("crun: cgroups are %s%s", vsl_cgroup_layout_name(layout),
		  covered ? "; a private tmpfs covers " VSL_CGROUP_ROOT : "");
	return 0;
}

static int run_container(const struct vsl_launch_spec *spec, const char *json, const char *state,
			 const char *console, struct vsl_error *err)
{
	static struct custom_handler_s *handlers[] = { &vsl_crun_exec_handler };
	struct custom_handler_manager_s manager = { handlers, NULL, 1 };
	libcrun_error_t cerr = NULL;
	char id[32];
	libcrun_context_t ctx;
	libcrun_container_t *c;
	int r;

	snprintf(id, sizeof id, "vessel-%ld", (long)getpid());
	memset(&ctx, 0, sizeof ctx);
	ctx.state_root = state;
	ctx.id = id;
	ctx.bundle = spec->run_dir;
	ctx.handler = VSL_CRUN_HANDLER_NAME;
	ctx.handler_manager = &manager;
	ctx.preserve_fds = 1;
	ctx.fifo_exec_wait_fd = -1;
	ctx.output_handler = crun_log;
	ctx.output_handler_arg = debug_stream();
	ctx.force_no_cgroup = true;
	ctx.no_new_keyring = true;
	/* -t: the pty goes to the stub, which relays it (crun_console.h) */
	ctx.console_socket = console;
	c = libcrun_container_load_from_memory(json, &cerr);
	if (!c)
		return from_crun(&cerr, err, "libcrun rejects the embedded config.json");
	vsl_crun_exec_arm(spec);
	r = libcrun_container_run(&ctx, c, 0, &cerr);
	libcrun_container_free(c);
	return r < 0 ? from_crun(&cerr, err, "libcrun") : r;
}

/* The crun driver: a child of the stub; returns the container's status or -1. */
static int drive(const struct vsl_launch_spec *spec, pid_t stub, int *report_fd,
		 const char *console, struct vsl_error *err)
{
	cleanup_free char *json = NULL, *state = NULL;

	/* Checked after setting it: the stub may have died before. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != stub)
		return vsl_error_set(err, errno, "prctl(PR_SET_PDEATHSIG), or the stub is gone");
	crun_set_output_handler(crun_log, NULL, false);
	if (!(json = patched_config(spec, err)) || report_fd_to_3(report_fd, err) < 0)
		return -1;
	if (asprintf(&state, "%s/crun", spec->run_dir) < 0) {
		state = NULL;
		return vsl_error_set(err, ENOMEM, "crun state dir");
	}
	vsl_debug("crun: state dir %s", state);
	return run_container(spec, json, state, console, err);
}

static __attribute__((noreturn)) void driver_main(const struct vsl_launch_spec *spec, pid_t stub,
						  int report_fd, const char *console)
{
	struct vsl_error err = { 0 };
	struct vsl_sync s;
	int code = drive(spec, stub, &report_fd, console, &err);

	if (code >= 0)
		_exit(code);
	memset(&s, 0, sizeof s);
	s.msg = VSL_CRUN_FAILED;
	s.errnum = err.errnum;
	snprintf(s.text, sizeof s.text, "%s", err.msg ? err.msg : "unknown error");
	if (write(report_fd, &s, sizeof s) != (ssize_t)sizeof s) {
		/* The stub is gone. */
	}
	_exit(VSL_EXIT_VESSEL);
}

/* What the report pipe said: whether the in-container step began, and the first failure. */
struct outcome {
	bool started;
	struct vsl_sync failure; /* .msg 0 when none */
};

/* After the driver exited: the messages are all in the pipe (each one write < PIPE_BUF). */
static void read_reports(int fd, struct outcome *o)
{
	struct vsl_sync s;

	memset(o, 0, sizeof *o);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return;
	for (;;) {
		ssize_t n = read(fd, &s, sizeof s);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof s)
			break;
		if (s.msg == VSL_CRUN_STARTED)
			o->started = true;
		else if (o->failure.msg == 0)
			o->failure = s;
	}
	o->failure.text[sizeof o->failure.text - 1] = '\0';
}

/* libcrun names a mount that failed by its source and target ("mount `SRC` to `DST`: ..."):
 * when SRC is the host side of a -v, say which volume, as the direct runner does. */
static int failure_error(const struct vsl_launch_spec *spec, const char *text,
			 struct vsl_error *err)
{
	for (size_t i = 0; i < spec->n_volumes; i++) {
		char needle[PATH_MAX + 16];

		snprintf(needle, sizeof needle, "mount `%s`", spec->volumes[i].host);
		if (strstr(text, needle))
			return vsl_error_set(err, 0, "volume %s:%s: %s", spec->volumes[i].host,
					     spec->volumes[i].ctr, text);
	}
	return vsl_error_set(err, 0, "%s", text);
}

static int result(const struct vsl_launch_spec *spec, const struct outcome *o, int code,
		  int *exit_code, struct vsl_error *err)
{
	char text[sizeof o->failure.text];

	switch (o->failure.msg) {
	case 0:
		if (!o->started)
			return vsl_error_set(err, 0,
					     "the libcrun process ended (status %d) before the "
					     "container started",
					     code);
		*exit_code = code;
		return 0;
	case VSL_CRUN_EXEC_FAILED:
		*exit_code =
			vsl_runner_exec_error(spec->argv[0], o->failure.errnum, text, sizeof text);
		return vsl_error_set(err, 0, "%s", text);
	default:
		return failure_error(spec, o->failure.text, err);
	}
}

/*
 * libcrun chowns the container's stdin, stdout and stderr to the container's root (0:0 here)
 * before it hands over (maybe_chown_std_streams), unless they are terminals. For a pipe, or a
 * file of ours (0:0 in our namespace), that changes nothing. A file of someone else's that we
 * may chown (real root, or an id of a subordinate range) would change owner on the host: that
 * run goes to the direct runner, which leaves the fds alone. An id we may not chown shows as
 * the overflow id and fails harmlessly.
 */
#define OVERFLOW_ID 65534u
static int check_stdio(struct vsl_error *err)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
		    isatty(fd))
			continue;
		if ((st.st_uid == 0 && st.st_gid == 0) || st.st_uid == OVERFLOW_ID ||
		    st.st_gid == OVERFLOW_ID)
			continue;
		return vsl_error_set(err, 0,
				     "libcrun would chown the container's fd %d (owned by %u:%u "
				     "here) to root",
				     fd, (unsigned)st.st_uid, (unsigned)st.st_gid);
	}
	return 0;
}

/*
 * With a pseudo-terminal, libcrun puts our stdin's terminal in raw mode and, when done, gives it
 * the settings of the container's terminal. Keep the caller's and put them back whatever
 * happened to the driver. SIGTTOU is blocked meanwhile, so a run in the background is not
 * stopped for it.
 */
struct tty_state {
	bool saved;
	struct termios tio;
};

static void tty_save(struct tty_state *t)
{
	t->saved = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->tio) == 0;
}

static void tty_restore(const struct tty_state *t)
{
	sigset_t ttou, old;

	if (!t->saved)
		return;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetattr(STDIN_FILENO, TCSANOW, &t->tio);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* One launch through libcrun. *started: the container's own step began (no fallback then). */
static int attempt(const struct vsl_launch_spec *spec, int *exit_code, bool *started, sigset_t *old,
		   struct vsl_error *err)
{
	struct vsl_crun_console con = { .listen_fd = -1 };
	cleanup_close int rd = -1;
	struct tty_state tty;
	struct outcome o;
	int fds[2], code, master;
	pid_t pid, stub = getpid();

	*exit_code = VSL_EXIT_VESSEL;
	*started = false;
	sigprocmask(SIG_SETMASK, NULL, old);
	if (check_stdio(err) < 0 || prepare_cgroups(err) < 0 ||
	    (spec->terminal && vsl_crun_console_listen(spec->run_dir, &con, err) < 0))
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		vsl_crun_console_close(&con);
		return vsl_error_set(err, errno, "pipe");
	}
	rd = fds[0];
	tty_save(&tty);
	vsl_signals_block(old);
	pid = fork();
	if (pid == 0) {
		close(rd);
		if (con.listen_fd >= 0)
			close(con.listen_fd);
		driver_main(spec, stub, fds[1], con.path);
	}
	close(fds[1]);
	if (pid < 0) {
		vsl_crun_console_close(&con);
		return vsl_error_set(err, errno, "fork");
	}
	vsl_debug("crun: driver process %ld", (long)pid);
	master = con.listen_fd >= 0 ? vsl_crun_console_receive(&con, rd) : -1;
	vsl_crun_console_close(&con);
	code = master >= 0 ? vsl_tty_relay(master, pid, spec->interactive)
			   : vsl_signals_forward_wait(pid, false);
	tty_restore(&tty);
	read_reports(rd, &o);
	*started = o.started;
	return result(spec, &o, code, exit_code, err);
}

static int run(bool fallback, const struct vsl_launch_spec *spec, int *exit_code,
	       struct vsl_error *err)
{
	bool started;
	sigset_t old;
	int r = attempt(spec, exit_code, &started, &old, err);

	if (r == 0 || started)
		return r;
	if (!fallback) {
		struct vsl_error forced = { 0 };

		vsl_error_set(&forced, 0,
			      "%s (VESSEL_RUNTIME=crun: unset it to let vessel fall back to the "
			      "direct runner)",
			      err->msg);
		vsl_error_release(err);
		*err = forced;
		return -1;
	}
	vsl_debug("launcher: libcrun could not start the container (%s); falling back to the "
		  "direct runner",
		  err->msg);
	vsl_error_release(err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return vsl_launcher_direct.run(&vsl_launcher_direct, spec, exit_code, err);
}

static int run_fallback(const struct vsl_launcher *self, const struct vsl_launch_spec *spec,
			int *exit_code, struct vsl_error *err)
{
	(void)self;
	return run(true, spec, exit_code, err);
}

static int run_strict(const struct vsl_launcher *self, const struct vsl_launch_spec *spec,
		      int *exit_code, struct vsl_error *err)
{
	(void)self;
	return run(false, spec, exit_code, err);
}

const struct vsl_launcher vsl_launcher_crun = {
	.name = "crun",
	.run = run_fallback,
};

const struct vsl_launcher vsl_launcher_crun_strict = {
	.name = "crun",
	.run = run_strict,
};
