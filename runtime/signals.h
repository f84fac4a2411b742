/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parent's side of a running container: it blocks the signals it forwards (and SIGCHLD)
 * before forking, then waits for them with sigwaitinfo, so no handler and no race: a signal
 * that arrives before the child exists stays pending until the loop takes it.
 */
#ifndef VSL_RUNTIME_SIGNALS_H
#define VSL_RUNTIME_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Block SIGINT SIGTERM SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGWINCH and SIGCHLD; *old gets the mask
 * the child restores before exec. SIGCHLD's disposition is reset so that waitpid works even
 * when our caller ignored it. */
void vsl_signals_block(sigset_t *old);

/*
 * In the container's command, before exec: the mask *old again, and the forwarded signals
 * other than SIGHUP at their default action. A shell starts a background command with SIGINT
 * and SIGQUIT ignored, and an ignored signal stays ignored across exec: the container would
 * never see the ^C or the `kill -INT` we forward, where docker's container starts with every
 * signal at its default. SIGHUP keeps what it had, so `nohup ./app` still means nohup.
 */
void vsl_signals_restore(const sigset_t *old);

/*
 * Forward those signals to pid until it exits; return its exit status as a shell reports
 * it: the exit code, or 128+N after a death by signal N. Signals the kernel sent to our whole
 * process group (a terminal's ^C, ^\, resize or hangup: si_code SI_KERNEL) already reached
 * the child, which shares the group, so they are not sent twice. With reap_all (we are the
 * init of a PID namespace) every other child that exits is reaped too, so orphans of the
 * container do not pile up as zombies.
 */
int vsl_signals_forward_wait(pid_t pid, bool reap_all);

/* waitpid status -> exit code (code, or 128+signal). */
int vsl_signals_exit_code(int status);

/* The set vsl_signals_block blocks: the forwarded signals and SIGCHLD (for a signalfd). */
void vsl_signals_set(sigset_t *set);

/* Reap pid without blocking (and with reap_all any other exited child); true, with *status,
 * once pid is reaped (or cannot be: then *status says exit 125). */
bool vsl_signals_reaped(pid_t pid, bool reap_all, int *status);

/*
 * Pass signal sig (si_code code) on to pid. A signal the kernel sent (SI_KERNEL: a terminal's
 * ^C, ^\, resize or hangup) went to our whole process group; it is passed on only when pid
 * runs in a session of its own (own_session: a container with its own terminal), since
 * otherwise pid already got it.
 */
void vsl_signals_forward(pid_t pid, int sig, int code, bool own_session);

#endif
