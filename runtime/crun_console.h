/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -t under libcrun: the container's pty reaches the stub the way an OCI runtime's
 * --console-socket hands it over, and the stub relays it with the direct runner's relay
 * (tty.c). So both launchers behave alike: our terminal is raw only with -i, stdin need not be
 * a terminal, a resize is passed on. Left to itself, libcrun would relay in its driver process,
 * always put stdin in raw mode, and refuse a stdin that is no terminal.
 *
 *   stub                                       crun driver / container init
 *     listen on <run dir>/console.sock
 *     fork ----------------------------------> libcrun (context.console_socket = that path)
 *                                                connects before it creates the container
 *     accept   <-------------------------------  ... sends the pty master (SCM_RIGHTS) from
 *     recvmsg                                       the container's init, then closes
 *     vsl_tty_relay(master, driver)
 * If the driver ends (or reports a failure on the report pipe) before it connects, there is no
 * terminal to relay, and the stub just waits for it.
 */
#ifndef VSL_RUNTIME_CRUN_CONSOLE_H
#define VSL_RUNTIME_CRUN_CONSOLE_H

#include "error.h"

struct vsl_crun_console {
	int listen_fd; /* -1 when none */
	char *path;    /* the socket's path (in the run dir), or NULL */
};

/* Listen on <run_dir>/console.sock. A run dir too deep for a socket path is an error. */
int vsl_crun_console_listen(const char *run_dir, struct vsl_crun_console *c, struct vsl_error *err);

/* The pty master libcrun sent, or -1 when the driver ended, or wrote to report_fd, first (the
 * report pipe is only polled, never read). Blocked signals stay pending meanwhile. */
int vsl_crun_console_receive(struct vsl_crun_console *c, int report_fd);

/* Close the socket and remove its path. */
void vsl_crun_console_close(struct vsl_crun_console *c);

#endif
