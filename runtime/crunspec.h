/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config libcrun runs: the embedded config.json (the builder's, from the image) patched with
 * what is only known at run time. A pure function from (JSON, launch spec) to JSON, so it is
 * unit-tested and fuzzed on its own; crun.c feeds its output to libcrun.
 *
 * What it sets:
 *   root           {path: spec->rootfs, readonly: spec->readonly_root}
 *   process        args, env, terminal; user 0:0 and cwd "/", because the user switch and the
 *                  working directory are done inside the container by crun_exec.c exactly as
 *                  the direct runner does them (-u resolved in the image's /etc/passwd after
 *                  pivot_root, a missing WorkingDir created, the single-id fallback). Other
 *                  process fields (capabilities, rlimits, noNewPrivileges, ...) are kept.
 *   hostname       spec->hostname when set, else the config's
 *   mounts         the config's, preceded by whichever of /proc, /dev, /dev/pts, /dev/shm and
 *                  /sys it lacks (what the direct runner always mounts), then the -v volumes,
 *                  the host's /etc/resolv.conf and /etc/hosts (read-only), and --tmpfs mounts
 *   linux          no "user" namespace (we are already in our own) and no id mappings; a
 *                  "network" namespace only for --net none
 *   annotations    without run.oci.* and io.kubernetes.cri.* keys: those steer crun itself
 *                  (hooks output files, seccomp data, handlers), and the builder turns image
 *                  labels, which anyone who writes a Dockerfile controls, into annotations
 * Everything else passes through untouched, numbers as written.
 */
#ifndef VSL_RUNTIME_CRUNSPEC_H
#define VSL_RUNTIME_CRUNSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "launch.h"

/* What the patch needs besides the spec: facts about the host, gathered by the caller. */
struct vsl_crunspec_extra {
	const char *resolv_conf; /* host file bound read-only on /etc/resolv.conf, or NULL */
	const char *hosts;	 /* host file bound read-only on /etc/hosts, or NULL */
	bool terminal;		 /* process.terminal: give the container a pseudo-terminal */
};

/*
 * Patch json[0..len) (need not be NUL-terminated) for spec. *out gets a NUL-terminated heap
 * string. A config that is not a JSON object, or whose root, process, mounts or linux has the
 * wrong type, is an error naming the field.
 */
int vsl_crunspec_build(const char *json, size_t len, const struct vsl_launch_spec *spec,
		       const struct vsl_crunspec_extra *x, char **out, struct vsl_error *err);

#endif
