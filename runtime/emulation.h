/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Are we running under a user-mode emulator (qemu-user, as an aarch64 app on an x86_64 host)?
 * libcrun cannot run there: qemu-user refuses PR_SET_CHILD_SUBREAPER with EINVAL and clones
 * with namespace flags from a multithreaded process, so the direct runner must be used. A
 * static binary sees the same auxv and /proc/self/exe under qemu as natively (qemu fakes both),
 * so the probe asks the kernel instead: the subreaper prctl, and the number of threads of a
 * process that never makes one (qemu adds its own). The judgement is a pure function of the
 * probe, unit-tested as a table.
 */
#ifndef VSL_RUNTIME_EMULATION_H
#define VSL_RUNTIME_EMULATION_H

#include <stdbool.h>
#include <stddef.h>

struct vsl_emulation_probe {
	int subreaper_errno; /* errno of prctl(PR_GET_CHILD_SUBREAPER), 0 when it worked */
	long threads;	     /* "Threads:" of /proc/self/status, -1 when unknown */
};

/* Probe this process. Call it while the process is still single-threaded (the stub always is). */
void vsl_emulation_probe(struct vsl_emulation_probe *p);

/* True when the probe shows an emulator; why (if not NULL) gets the evidence, for the logs. */
bool vsl_emulation_judge(const struct vsl_emulation_probe *p, char *why, size_t why_size);

/* The "Threads:" count in a /proc/<pid>/status buffer (need not be NUL-terminated), or -1. */
long vsl_emulation_status_threads(const char *buf, size_t len);

#endif
