/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two choices the stub makes, and the seams where new paths and launchers plug in:
 *   - the payload path: how the image's rootfs becomes a directory (FUSE over the squashfs
 *     section, or the tar.zst extracted into the cache);
 *   - the launcher: what turns that directory plus a spec into a running container: libcrun
 *     (crun.c) where it can run, else the direct runner (runner.c). Every launcher takes the
 *     same vsl_launch_spec.
 * The choice functions are pure, so the fallback rules are unit-tested as a table.
 */
#ifndef VSL_RUNTIME_LAUNCH_H
#define VSL_RUNTIME_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "options.h"

enum vsl_path {
	VSL_PATH_NONE = 0, /* nothing usable: err says why */
	VSL_PATH_FUSE,	   /* squashfs section served by our FUSE server, overlay on top */
	VSL_PATH_EXTRACT,  /* tar.zst section extracted once into the cache, overlay on top */
};

struct vsl_path_inputs {
	bool has_squashfs;
	bool has_tarzst;
	bool fuse_usable;     /* FUSE support is built in and /dev/fuse can be opened */
	const char *forced;   /* $VESSEL_PAYLOAD: "fuse", "extract", or NULL/"" */
	const char *fuse_why; /* why FUSE is not usable (e.g. "open /dev/fuse: ..."), or NULL */
};

enum vsl_path vsl_path_choose(const struct vsl_path_inputs *in, struct vsl_error *err);
const char *vsl_path_name(enum vsl_path p);

/*
 * Whether the container gets a terminal of its own, and our input relayed to it: -t asks for
 * one, -i alone for none (docker's rules). With neither, a run from an interactive terminal
 * (stdin and stdout both terminals) gets one, keys passed on, as `docker run -it` would: a shell
 * then has job control under either launcher. Output to a pipe or a file never goes through a
 * pty, which would turn \n into \r\n. Pure.
 */
void vsl_terminal_choose(bool tty_opt, bool interactive_opt, bool stdin_tty, bool stdout_tty,
			 bool *terminal, bool *interactive);

/* What to run and how, ready for any launcher. Host paths are absolute and symlink-free. */
struct vsl_launch_spec {
	const char *rootfs; /* the container's "/" (a mount point: overlay or bind) */
	char *const *argv;  /* the command; argv[0] is looked up in envp's PATH */
	char *const *envp;  /* the final environment */
	const char *cwd;    /* absolute; created when missing, as docker does */
	const char *user;   /* -u spec to resolve in the image's /etc/passwd, or NULL */
	uint32_t uid;	    /* used when user is NULL */
	uint32_t gid;
	const uint32_t *additional_gids;
	size_t n_additional_gids;
	const char *hostname; /* or NULL */
	bool readonly_root;   /* no writable layer; /tmp is a tmpfs (as podman's --read-only) */
	bool terminal; /* -t: a pty of the container's own (tty.h); else it shares our stdio */
	const struct vsl_volume *volumes; /* host paths resolved by the caller */
	size_t n_volumes;
	const struct vsl_tmpfs *tmpfs; /* --tmpfs mounts, in order */
	size_t n_tmpfs;
	enum vsl_net net; /* VSL_NET_NONE: own network namespace, lo only */
	bool interactive; /* -i: with terminal, our stdin is relayed to it (raw mode when a tty);
			   * without terminal stdin is shared whatever -i says */
	const char *config_json; /* the embedded config.json (libcrun patches it), not NUL-ended */
	size_t config_len;
	const char *run_dir; /* the per-run dir (rundir.h): libcrun keeps its state in it */
};

/*
 * The -v and --tmpfs mounts in the order both launchers mount them: shallower container paths
 * first; at one depth the tmpfs mounts before the volumes, each kind in command-line order. So
 * `-v /data/vol --tmpfs /data` stacks the volume on the tmpfs whichever comes first. out has
 * room for n_volumes + n_tmpfs entries; returns how many it filled. Pure.
 */
struct vsl_user_mount {
	bool tmpfs; /* spec->tmpfs[index], else spec->volumes[index] */
	size_t index;
};
size_t vsl_user_mounts_order(const struct vsl_launch_spec *spec, struct vsl_user_mount *out);

/* Does a -v or --tmpfs mount something on path (cleaned, absolute)? Pure. */
bool vsl_user_mounts_on(const struct vsl_launch_spec *spec, const char *path);

struct vsl_launcher {
	const char *name;
	/*
	 * Run the container to its end. Returns 0 with *exit_code set to the container's status
	 * (its exit code, or 128+N for a death by signal N). Returns -1 with err set and *exit_code
	 * set to what the stub should exit with: VSL_EXIT_VESSEL for a setup failure,
	 * VSL_EXIT_NOEXEC or VSL_EXIT_NOTFOUND when the command could not be executed.
	 */
	int (*run)(const struct vsl_launcher *self, const struct vsl_launch_spec *spec,
		   int *exit_code, struct vsl_error *err);
};

/* The direct runner (runner.c): fork, pivot_root, exec. Works everywhere, including qemu. */
extern const struct vsl_launcher vsl_launcher_direct;

enum vsl_launcher_kind {
	VSL_LAUNCHER_NONE = 0, /* a contradiction in the knobs: err says which */
	VSL_LAUNCHER_DIRECT,
	VSL_LAUNCHER_CRUN,
};

struct vsl_launcher_inputs {
	bool crun_built;	  /* libcrun is linked into this stub */
	const char *runtime;	  /* $VESSEL_RUNTIME: "crun", "direct", or NULL/"" (automatic) */
	const char *disable_crun; /* $VESSEL_RUNTIME_DISABLE_CRUN: "1" forces the direct runner */
	bool emulated;		  /* running under an emulator such as qemu-user (emulation.h) */
	const char *emulated_why; /* what gave it away, for the messages */
};

struct vsl_launcher_choice {
	enum vsl_launcher_kind kind;
	/* The user asked for this launcher by name (VESSEL_RUNTIME): when libcrun then fails to
	 * set up, that is an error instead of a fallback to the direct runner. */
	bool forced;
	char why[200]; /* the reason, for the VESSEL_DEBUG=1 line */
};

/*
 * The launcher to use: libcrun where it is built in and can run, else the direct runner.
 * VESSEL_RUNTIME_DISABLE_CRUN=1 and VESSEL_RUNTIME=direct force the direct runner;
 * VESSEL_RUNTIME=crun forces libcrun, and is an error (VSL_LAUNCHER_NONE) where libcrun cannot
 * run (not built in, emulated) or when the other knob disables it. Pure.
 */
enum vsl_launcher_kind vsl_launcher_choose(const struct vsl_launcher_inputs *in,
					   struct vsl_launcher_choice *out, struct vsl_error *err);
const char *vsl_launcher_kind_name(enum vsl_launcher_kind k);

#endif
