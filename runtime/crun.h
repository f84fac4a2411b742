/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libcrun launcher. Linked into the stub only (with libcrun, libseccomp and libcap); this
 * header itself needs no libcrun header, so main.c stays free of them.
 *
 * Processes (the stub's own run, inside its user + mount namespace, serves FUSE from a sibling):
 *
 *   stub (launcher)                 crun driver                      container init (crun's)
 *     block forwarded signals,
 *     pipe (the report pipe), fork ->  own mount namespace, tmpfs
 *                                      over a hybrid /sys/fs/cgroup,
 *                                      patched config (crunspec.h),
 *                                      libcrun_container_run:
 *                                        namespaces, mounts, pivot_root, caps -> handler (crun_exec.c)
 *                                                                           STARTED -> report pipe
 *                                                                           cwd, user, then as pid 1
 *                                                                           fork + exec the command
 *     forward signals to the driver    forwards them to the init         forwards them to it
 *     until it exits; read the pipe    exit with the container's status   (EXEC_FAILED on failure)
 *
 * The driver is a separate process because libcrun makes its caller a child subreaper and reaps
 * every child it has: the stub's FUSE server must never be one of them. libcrun's exec step is
 * replaced by a custom handler (crun_exec.c), so the user switch, the working directory and the
 * command lookup are the direct runner's own code, with the same exit codes (126/127) and
 * messages.
 *
 * Until STARTED arrives nothing of the container's command has run, so a failure there (libcrun
 * refuses the config, a mount it cannot make, an emulator) may fall back to the direct runner;
 * vsl_launcher_crun does, vsl_launcher_crun_strict (VESSEL_RUNTIME=crun) reports it instead.
 */
#ifndef VSL_RUNTIME_CRUN_H
#define VSL_RUNTIME_CRUN_H

#include "launch.h"

/* Falls back to the direct runner when libcrun cannot set the container up. */
extern const struct vsl_launcher vsl_launcher_crun;
/* Reports that as an error (exit 125) instead. */
extern const struct vsl_launcher vsl_launcher_crun_strict;

/* The report pipe's messages (struct vsl_sync of runner.h, one write each). */
enum vsl_crun_msg {
	VSL_CRUN_SETUP_FAILED = 1, /* the in-container step failed (cwd, user); text says why */
	VSL_CRUN_EXEC_FAILED = 2,  /* execve of the command failed; errnum picks 126 or 127 */
	VSL_CRUN_STARTED = 16,	   /* the in-container step began: libcrun set the container up */
	VSL_CRUN_FAILED = 17,	   /* the driver: libcrun failed; text is its error */
};

/* The fd of the report pipe inside the container: libcrun keeps fds up to 2 + preserve_fds. */
#define VSL_CRUN_REPORT_FD 3

#endif
