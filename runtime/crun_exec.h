/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last step of a libcrun launch, inside the container: a libcrun "custom handler" whose
 * run function libcrun calls instead of execv, after it has made the namespaces and mounts,
 * pivoted into the root and set the capabilities, still as uid 0. It does what the direct
 * runner's child does at the same point, with the same code: create a missing working
 * directory, switch to the container's user (vsl_runner_switch_ids), change directory, set
 * no_new_privs and the parent-death signal; then, as pid 1 of the PID namespace, stay a minimal
 * init that forwards signals to the forked command and reaps orphans, and otherwise exec.
 * Outcomes go to the stub over the report pipe (crun.h).
 */
#ifndef VSL_RUNTIME_CRUN_EXEC_H
#define VSL_RUNTIME_CRUN_EXEC_H

#include "launch.h"

/* The name libcrun finds the handler by (libcrun_context_t.handler). */
#define VSL_CRUN_HANDLER_NAME "vessel"

struct custom_handler_s;
extern struct custom_handler_s vsl_crun_exec_handler;

/* What the handler runs. Set in the crun driver before libcrun forks the container; the
 * container's init is a fork of the driver, so it sees it. */
void vsl_crun_exec_arm(const struct vsl_launch_spec *spec);

#endif
