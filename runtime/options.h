/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub's command line: `./app [runtime options] [--] [container args]`, docker-run style.
 * Parsing stops at `--` or at the first non-option; everything from there replaces the image's
 * CMD. Short flags bundle as in docker (-it, -ite K=V). The parser is a pure function over argv and a given host environment (for `-e KEY`),
 * with no global state, so it is unit-tested and fuzzed directly.
 */
#ifndef VSL_RUNTIME_OPTIONS_H
#define VSL_RUNTIME_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "error.h"

struct vsl_volume {
	char *host; /* as given (absolute or relative to cwd); main resolves it with realpath */
	char *ctr;  /* absolute path inside the container */
	bool readonly;
};

/* --tmpfs PATH[:OPTIONS]: a fresh tmpfs at PATH; OPTIONS as for mount -t tmpfs (size=64m,mode=1777). */
struct vsl_tmpfs {
	char *path;    /* absolute path inside the container */
	char *options; /* the text after the first ':', or NULL */
};

/* --net: the host's network (the default), or a fresh network namespace with only lo up. */
enum vsl_net {
	VSL_NET_HOST = 0,
	VSL_NET_NONE,
};

struct vsl_options {
	struct vsl_strlist env;	      /* -e entries in order, resolved to "K=V" */
	struct vsl_strlist env_files; /* --env-file paths in order (read by main, not here) */
	struct vsl_volume *volumes;
	size_t n_volumes;
	char *workdir;		 /* -w, absolute, or NULL */
	char *entrypoint;	 /* --entrypoint, or NULL; "" clears the image entrypoint */
	char *user;		 /* -u as given (checked by vsl_userspec_parse), or NULL */
	struct vsl_tmpfs *tmpfs; /* --tmpfs in order */
	size_t n_tmpfs;
	enum vsl_net net; /* --net host|none */
	char *hostname;	  /* --hostname, or NULL (the image config's, else the default) */
	bool read_only;	  /* --read-only: no writable layer over the image */
	bool tty;	  /* -t/--tty: give the container a terminal (a pty) of its own */
	bool interactive; /* -i/--interactive: with -t, relay our stdin to that terminal
			    * (without -t the container always shares our stdin) */
	bool help;
	bool version;
	struct vsl_strlist args; /* container args (replace CMD); args.n == 0 keeps the image CMD */
};

/*
 * Parse argv[1..argc). host_env supplies the values of `-e KEY` (a KEY the host does not have
 * is dropped, as docker does). On error *o is released and err says which option and why; the
 * caller exits with VSL_EXIT_VESSEL.
 */
int vsl_options_parse(int argc, char *const argv[], char *const host_env[], struct vsl_options *o,
		      struct vsl_error *err);
void vsl_options_free(struct vsl_options *o);

/* Split "HOST:CTR[:ro|rw]" into v; CTR comes back cleaned (vsl_path_clean). Pure; exported
 * for tests. */
int vsl_volume_parse(const char *spec, struct vsl_volume *v, struct vsl_error *err);

/* Split "PATH[:OPTIONS]" into t: PATH absolute (cleaned), not "/"; OPTIONS as
 * vsl_tmpfs_options accepts them (checked here, so a typo fails before anything runs). */
int vsl_tmpfs_parse(const char *spec, struct vsl_tmpfs *t, struct vsl_error *err);

/*
 * --tmpfs OPTIONS (docker's: comma-separated) as mount(2) wants them: *flags starts with
 * docker's defaults (nosuid, nodev, noexec) and the flag words change it (ro rw exec noexec suid
 * nosuid dev nodev sync async atime noatime diratime nodiratime relatime strictatime); the
 * tmpfs words size=N[k|m|g|%], nr_blocks=N, nr_inodes=N[k|m|g], mode=OCTAL, uid=N, gid=N go to
 * *data ("" when none; the caller frees it). opts may be NULL. Anything else is an error.
 */
int vsl_tmpfs_options(const char *opts, unsigned long *flags, char **data, struct vsl_error *err);

/* Lexically clean an absolute path: no "//", ".", ".." (which stops at "/") or trailing "/".
 * NULL on ENOMEM. Container paths are cleaned so that nothing can climb out of a root they
 * are joined to. */
char *vsl_path_clean(const char *path);

/* A name sethostname will take and other tools expect: 1..64 of [A-Za-z0-9.-], not starting
 * with '-' or '.'. */
int vsl_hostname_check(const char *name, struct vsl_error *err);

/* The --help text (without the program name line). */
const char *vsl_options_help(void);

#endif
