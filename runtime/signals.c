/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal forwarding and waiting: see signals.h.
 */
#define _GNU_SOURCE
#include "signals.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "error.h"
#include "log.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

void vsl_signals_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

void vsl_signals_block(sigset_t *old)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	vsl_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

void vsl_signals_restore(const sigset_t *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		if (forwarded[i] != SIGHUP)
			sigaction(forwarded[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

int vsl_signals_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return VSL_EXIT_VESSEL;
}

bool vsl_signals_reaped(pid_t pid, bool reap_all, int *status)
{
	bool done = false;
	int st;

	for (;;) {
		pid_t r = waitpid(reap_all ? -1 : pid, &st, WNOHANG);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* ECHILD: nothing left to wait for; if pid was not seen, someone else
			 * reaped it and there is no status to report. */
			if (!done)
				*status = VSL_EXIT_VESSEL << 8;
			return true;
		}
		if (r == 0)
			return done;
		if (r == pid) {
			*status = st;
			done = true;
			if (!reap_all)
				return true;
		}
	}
}

int vsl_signals_forward_wait(pid_t pid, bool reap_all)
{
	siginfo_t si;
	sigset_t set;
	int status = 0;

	vsl_signals_set(&set);
	/* The child may have exited before we got here; its SIGCHLD is pending then. */
	if (vsl_signals_reaped(pid, reap_all, &status))
		return vsl_signals_exit_code(status);
	for (;;) {
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue; /* EINTR from a stop/continue */
		if (sig == SIGCHLD) {
			if (vsl_signals_reaped(pid, reap_all, &status))
				return vsl_signals_exit_code(status);
			continue;
		}
		vsl_signals_forward(pid, sig, si.si_code, false);
	}
}

void vsl_signals_forward(pid_t pid, int sig, int code, bool own_session)
{
	if (code == SI_KERNEL && !own_session) {
		vsl_debug("signal %d came from the terminal to the whole group: not forwarded",
			  sig);
		return;
	}
	vsl_debug("forwarding signal %d to %ld", sig, (long)pid);
	kill(pid, sig);
}
