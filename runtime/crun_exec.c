/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-container step of a libcrun launch: see crun_exec.h. libcrun's handler interface has
 * no argument for the caller's data, so the spec is kept in a file-scope pointer; only the crun
 * driver (a process of its own) sets it.
 */
#define _GNU_SOURCE
#include "crun_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <libcrun/container.h>
#include <libcrun/custom-handler.h>

#include "crun.h"
#include "fsutil.h"
#include "runner.h"
#include "signals.h"

static const struct vsl_launch_spec *armed;

void vsl_crun_exec_arm(const struct vsl_launch_spec *spec)
{
	armed = spec;
}

/* One message on the report pipe (atomic: smaller than PIPE_BUF). */
static void report(enum vsl_crun_msg msg, int errnum, const char *text)
{
	struct vsl_sync s;

	memset(&s, 0, sizeof s);
	s.msg = msg;
	s.errnum = errnum;
	snprintf(s.text, sizeof s.text, "%s", text ? text : "");
	if (write(VSL_CRUN_REPORT_FD, &s, sizeof s) != (ssize_t)sizeof s) {
		/* The stub is gone: nobody is left to tell. */
	}
}

static __attribute__((noreturn)) void report_exit(enum vsl_crun_msg msg, int errnum,
						  const char *text, int code)
{
	report(msg, errnum, text);
	_exit(code);
}

static __attribute__((noreturn)) void exec_command(const struct vsl_launch_spec *spec,
						   const sigset_t *mask)
{
	char text[sizeof((struct vsl_sync *)0)->text];
	int e, code;

	/* The report pipe must not reach the command; a successful exec closes it. */
	fcntl(VSL_CRUN_REPORT_FD, F_SETFD, FD_CLOEXEC);
	sigprocmask(SIG_SETMASK, mask, NULL);
	e = vsl_runner_exec(spec->argv, spec->envp);
	code = vsl_runner_exec_error(spec->argv[0], e, text, sizeof text);
	report_exit(VSL_CRUN_EXEC_FAILED, e, text, code);
}

/*
 * libcrun calls this with every signal unblocked and at its default action. As pid 1 the kernel
 * would ignore any signal the command has no handler for, so we stay its init, as the direct
 * runner does (docker run --init).
 */
static int run_func(void *cookie, libcrun_container_t *container, const char *pathname,
		    char *const argv[])
{
	struct vsl_error err = { 0 };
	const struct vsl_launch_spec *spec = armed;
	sigset_t mask;
	pid_t cmd;

	(void)cookie, (void)container, (void)pathname, (void)argv;
	report(VSL_CRUN_STARTED, 0, NULL);
	if (!spec)
		report_exit(VSL_CRUN_SETUP_FAILED, 0, "internal error: no launch spec",
			    VSL_EXIT_VESSEL);
	if (vsl_runner_enter(spec, &err) < 0)
		report_exit(VSL_CRUN_SETUP_FAILED, err.errnum, err.msg, VSL_EXIT_VESSEL);
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (getpid() != 1)
		exec_command(spec, &mask);
	vsl_signals_block(&mask);
	cmd = fork();
	if (cmd < 0)
		report_exit(VSL_CRUN_SETUP_FAILED, errno, "fork the command", VSL_EXIT_VESSEL);
	if (cmd == 0)
		exec_command(spec, &mask);
	close(VSL_CRUN_REPORT_FD);
	_exit(vsl_signals_forward_wait(cmd, true));
}

static int load(void **cookie, libcrun_error_t *err)
{
	(void)err;
	*cookie = NULL;
	return 0;
}

static int unload(void *cookie, libcrun_error_t *err)
{
	(void)cookie, (void)err;
	return 0;
}

struct custom_handler_s vsl_crun_exec_handler = {
	.name = VSL_CRUN_HANDLER_NAME,
	.feature_string = NULL,
	.load = load,
	.unload = unload,
	.run_func = run_func,
};
