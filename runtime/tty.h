/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -t: a terminal of the container's own, made the way runc and crun make it.
 *
 * Container side (the direct runner's child, after pivot_root and the id switch): open a pty
 * from the container's own devpts instance, so that `tty` inside names /dev/pts/N and the slave
 * belongs to the container's user; give the slave our window size before anything can ask for
 * it; send the master to the parent (runner.c's sync socket); make the slave the controlling
 * terminal and the stdio of the command, in a session of its own.
 *
 * Our side: relay bytes between our stdio and the master until the container ends. With -i and
 * a terminal on our stdin, that terminal is put in raw mode for the run (restored however the
 * run ends, short of SIGKILL), so ^C, ^Z and ^\ travel as bytes to the container's line
 * discipline, which signals the container's foreground process group, as with docker run -it.
 * A resize of our terminal (SIGWINCH) is copied to the master, which makes the kernel signal
 * the container. Without -t none of this exists: the container shares our stdio.
 */
#ifndef VSL_RUNTIME_TTY_H
#define VSL_RUNTIME_TTY_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* In the container: a new pty from /dev/ptmx, the slave sized like our terminal (the first of
 * fds 0, 1, 2 that is one). Both fds are O_CLOEXEC; the slave is not our controlling tty. */
int vsl_tty_open(int *master, int *slave, struct vsl_error *err);

/* In the command's process, before exec: a new session with slave as its controlling terminal
 * and as fds 0, 1 and 2. slave is closed (unless it is one of them). */
int vsl_tty_make_controlling(int slave, struct vsl_error *err);

/*
 * Relay between our stdio and master (ours, closed on return) until pid exits, forwarding the
 * signals vsl_signals_block blocked (the container has a session of its own, so a terminal's
 * signals are passed on too). stdin is relayed only when interactive; its EOF becomes the
 * terminal's EOF character when the container's terminal is in canonical mode. Returns pid's
 * exit status as vsl_signals_forward_wait does.
 */
int vsl_tty_relay(int master, pid_t pid, bool interactive);

#endif
