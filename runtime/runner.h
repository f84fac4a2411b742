/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The direct runner: the launcher that needs nothing but the kernel. It is exported as
 * vsl_launcher_direct (launch.h); this header holds the pieces the unit tests reach: the
 * child -> parent sync protocol and the PATH lookup.
 *
 * Parent                                  Child (pid 1 of a new PID namespace when possible)
 *   block forwarded signals, socketpair,
 *   fork
 *                                           own mount (+UTS, IPC; NET for --net none)
 *                                           namespace, mounts, hostname, ids, cwd,
 *                                           no_new_privs
 *   read the socket: VSL_SYNC_PTY + fd   <- -t: the master of the container's new pty
 *                                           then as pid 1 fork the command and act as its
 *                                           init, else exec (with -t the command first makes
 *                                           the pty its controlling terminal and stdio)
 *   read the socket: EOF                 <- the command exec'd (the socket is O_CLOEXEC)
 *                    a struct vsl_sync   <- setup or exec failed; the child exits
 *   forward signals (with -t: relay the terminal too, tty.h) until the child exits, return
 *   its status
 */
#ifndef VSL_RUNTIME_RUNNER_H
#define VSL_RUNTIME_RUNNER_H

#include <stdint.h>

#include "launch.h"

/* The messages a child sends before it execs; after a successful exec it sends nothing. */
enum vsl_sync_msg {
	VSL_SYNC_SETUP_FAILED = 1, /* building the container failed; text says why; exit 125 */
	VSL_SYNC_EXEC_FAILED = 2,  /* execve of the command failed; errnum picks 126 or 127 */
	VSL_SYNC_PTY = 3,	   /* -t: carries the pty master as SCM_RIGHTS; setup goes on */
};

/* One message, sent with a single sendmsg on the SOCK_STREAM socketpair (the receiver reads
 * until it has the whole struct). */
struct vsl_sync {
	uint32_t msg;	/* enum vsl_sync_msg */
	int32_t errnum; /* errno of the failure */
	char text[1000];
};

/* The default PATH when the container's environment has none (docker's). */
#define VSL_RUNNER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * execve argv[0] as execvp does, but searching the PATH of envp (the container's), not ours.
 * Returns only on failure, with the errno that matters most: EACCES if some candidate was
 * not executable, else the last error (ENOENT when nothing was found).
 */
int vsl_runner_exec(char *const argv[], char *const envp[]);

/* The exit code and message for an exec failure: 127 "not found", 126 otherwise. */
int vsl_runner_exec_error(const char *cmd, int errnum, char *buf, size_t size);

/* Become the container's user: spec->user resolved in the image's /etc/passwd and /etc/group
 * (read from "/", so call it after pivot_root), else spec->uid/gid and its additional gids. Also
 * used by the libcrun launcher's in-container step (crun_exec.c), so both behave alike. */
int vsl_runner_switch_ids(const struct vsl_launch_spec *spec, struct vsl_error *err);

/* The last steps in the container before the command, after its mounts and pivot_root, for
 * both launchers: make a missing workdir (as docker does), switch ids, chdir, no_new_privs,
 * and die with our parent. */
int vsl_runner_enter(const struct vsl_launch_spec *spec, struct vsl_error *err);

#endif
