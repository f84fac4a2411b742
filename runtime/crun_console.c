/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console socket of the libcrun launcher: see crun_console.h.
 */
#define _GNU_SOURCE
#include "crun_console.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

int vsl_crun_console_listen(const char *run_dir, struct vsl_crun_console *c, struct vsl_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/console.sock", run_dir);

	c->listen_fd = -1;
	c->path = NULL;
	if (n < 0 || (size_t)n >= sizeof sa.sun_path)
		return vsl_error_set(err, ENAMETOOLONG,
				     "console socket in %s: the path is too long for a socket "
				     "(set VESSEL_TMPDIR to a shorter directory)",
				     run_dir);
	c->path = strdup(sa.sun_path);
	if (!c->path)
		return vsl_error_set(err, ENOMEM, "console socket");
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(c->listen_fd, 1) < 0) {
		int e = errno;

		vsl_crun_console_close(c);
		return vsl_error_set(err, e, "console socket %s", sa.sun_path);
	}
	return 0;
}

/* One fd sent with SCM_RIGHTS on conn, or -1 (the sender closed first, or sent none). */
static int receive_fd(int conn)
{
	char data[1], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do
		n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

int vsl_crun_console_receive(struct vsl_crun_console *c, int report_fd)
{
	struct pollfd p[2] = {
		{ .fd = c->listen_fd, .events = POLLIN },
		{ .fd = report_fd, .events = POLLIN },
	};
	cleanup_close int conn = -1;
	int fd;

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return -1;
	/* A report first means the driver failed; a hang-up, that it is gone. */
	if (!(p[0].revents & POLLIN))
		return -1;
	conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -1;
	fd = receive_fd(conn);
	vsl_debug("crun: console socket: %s", fd >= 0 ? "got the container's terminal" : "no fd");
	return fd;
}

void vsl_crun_console_close(struct vsl_crun_console *c)
{
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->path)
		unlink(c->path);
	free(c->path);
	c->listen_fd = -1;
	c->path = NULL;
}
