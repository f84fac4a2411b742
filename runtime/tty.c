/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's own terminal (-t): see tty.h. The relay is one poll loop over a signalfd (the
 * forwarded signals and SIGCHLD are blocked already, so signals need no handler and cannot race
 * the loop), the master and our stdin. Input to the container waits in a small buffer written
 * only when the master takes it, so a container that does not read its terminal while it
 * writes a lot cannot block us: we keep draining its output.
 */
#define _GNU_SOURCE
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "signals.h"

/* Our terminal, for its size: the first of stdin, stdout, stderr that is one, or -1. */
static int our_tty(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd))
			return fd;
	return -1;
}

static void copy_winsize(int to)
{
	struct winsize ws;
	int from = our_tty();

	if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0 && ioctl(to, TIOCSWINSZ, &ws) < 0)
		vsl_debug("tty: set the window size: %s", strerror(errno));
}

int vsl_tty_open(int *master, int *slave, struct vsl_error *err)
{
	cleanup_close int m = -1;
	char name[64];
	int s;

	/* /dev/ptmx is the container's link to its own devpts instance (mounts.c). */
	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return vsl_error_set(err, errno, "-t: open /dev/ptmx in the container");
	if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0)
		return vsl_error_set(err, errno, "-t: unlock the new pty");
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return vsl_error_set(err, errno, "-t: open %s", name);
	copy_winsize(s);
	vsl_debug("tty: %s for the container", name);
	*master = steal_fd(&m);
	*slave = s;
	return 0;
}

int vsl_tty_make_controlling(int slave, struct vsl_error *err)
{
	if (setsid() < 0)
		return vsl_error_set(err, errno, "-t: setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return vsl_error_set(err, errno, "-t: make the pty the controlling terminal");
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			return vsl_error_set(err, errno, "-t: dup2 the pty to fd %d", fd);
	if (slave > 2)
		close(slave);
	return 0;
}

struct relay {
	int master; /* -1 once the container side is gone (EIO: every slave fd closed) */
	int sigfd;
	pid_t pid;
	bool in_open;  /* still reading our stdin */
	bool out_open; /* our stdout still takes writes */
	char last_in;  /* the last byte sent, to end a pending line before an EOF */
	char in[4096]; /* bytes read from stdin, not yet taken by the master */
	size_t in_len, in_off;
	bool raw;
	struct termios saved;
};

static void raw_mode(struct relay *r)
{
	struct termios t;

	if (!r->in_open || !isatty(0) || tcgetattr(0, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSADRAIN, &t) < 0) {
		vsl_debug("tty: raw mode: %s", strerror(errno));
		return;
	}
	r->raw = true;
}

/* Our stdin ended: the container's terminal ends the pending line, then reads EOF. */
static void queue_eof(struct relay *r)
{
	struct termios t;

	r->in_open = false;
	if (r->master < 0 || tcgetattr(r->master, &t) < 0 || !(t.c_lflag & ICANON))
		return;
	if (r->last_in && r->last_in != '\n')
		r->in[r->in_len++] = (char)t.c_cc[VEOF];
	r->in[r->in_len++] = (char)t.c_cc[VEOF];
}

static void read_stdin(struct relay *r)
{
	ssize_t n = read(0, r->in, sizeof r->in - 2); /* room for queue_eof */

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		vsl_debug("tty: stdin %s", n < 0 ? strerror(errno) : "ended");
		queue_eof(r);
		return;
	}
	r->in_len = (size_t)n;
	r->in_off = 0;
	r->last_in = r->in[n - 1];
}

static void write_master(struct relay *r)
{
	ssize_t n = write(r->master, r->in + r->in_off, r->in_len - r->in_off);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		r->in_len = r->in_off = 0;
		return;
	}
	r->in_off += (size_t)n;
	if (r->in_off == r->in_len)
		r->in_len = r->in_off = 0;
}

/* Copy what the container wrote; false when there is nothing more to read for now. */
static bool read_master(struct relay *r)
{
	char buf[16384];
	ssize_t n = read(r->master, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		/* EIO: the last slave fd closed. */
		close(r->master);
		r->master = -1;
		return false;
	}
	if (r->out_open && vsl_fs_write_all(1, buf, (size_t)n) < 0) {
		vsl_debug("tty: stdout: %s; dropping the container's output", strerror(errno));
		r->out_open = false;
	}
	return true;
}

/* One signal from the signalfd; true when the container has exited (*status set). */
static bool take_signal(struct relay *r, int *status)
{
	struct signalfd_siginfo si;
	ssize_t n = read(r->sigfd, &si, sizeof si);

	if (n != (ssize_t)sizeof si)
		return false;
	if (si.ssi_signo == SIGCHLD)
		return vsl_signals_reaped(r->pid, false, status);
	if (si.ssi_signo == SIGWINCH && r->master >= 0)
		copy_winsize(r->master); /* the kernel signals the container's terminal */
	if (si.ssi_signo == SIGWINCH && si.ssi_code == SI_KERNEL)
		return false;
	vsl_signals_forward(r->pid, (int)si.ssi_signo, si.ssi_code, true);
	return false;
}

/* One round of the loop; -1 when poll itself fails (not for EINTR). */
static int poll_once(struct relay *r, int *status, bool *done)
{
	struct pollfd p[3] = {
		{ .fd = r->sigfd, .events = POLLIN },
		{ .fd = r->master, .events = POLLIN | (r->in_len ? POLLOUT : 0) },
		{ .fd = r->in_open && !r->in_len && r->master >= 0 ? 0 : -1, .events = POLLIN },
	};

	if (poll(p, 3, -1) < 0)
		return errno == EINTR ? 0 : -1; /* EINTR: a stop/continue */
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
		read_master(r);
	if (r->master >= 0 && (p[1].revents & POLLOUT))
		write_master(r);
	if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
		read_stdin(r);
	if (p[0].revents & POLLIN)
		*done = take_signal(r, status);
	return 0;
}

int vsl_tty_relay(int master, pid_t pid, bool interactive)
{
	struct relay r = { .master = master, .pid = pid, .in_open = interactive, .out_open = true };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	int status = VSL_EXIT_VESSEL << 8;
	bool done = false;
	sigset_t set;

	vsl_signals_set(&set);
	r.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (r.sigfd < 0) {
		vsl_warn("-t: signalfd: %s; the container's terminal is not relayed",
			 strerror(errno));
		close(master);
		return vsl_signals_forward_wait(pid, false);
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	/* A closed stdout must not kill us with the terminal left raw. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	raw_mode(&r);
	copy_winsize(master);
	while (!done)
		if (poll_once(&r, &status, &done) < 0) {
			vsl_warn("-t: poll: %s; no longer relaying the terminal", strerror(errno));
			break;
		}
	/* What the container wrote before it ended; stragglers outside a PID namespace may keep
	 * the pty open, so stop at the first "nothing now". */
	while (done && r.master >= 0 && read_master(&r))
		;
	if (r.raw && tcsetattr(0, TCSADRAIN, &r.saved) < 0)
		vsl_warn("-t: restore the terminal: %s (try `stty sane`)", strerror(errno));
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (r.master >= 0)
		close(r.master);
	close(r.sigfd);
	return done ? vsl_signals_exit_code(status) : vsl_signals_forward_wait(pid, false);
}
