/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime stub's main: `./app [runtime options] [--] [container args]`. It only wires the
 * modules together in the order the design fixes: options, trailer, config, namespaces,
 * payload path, run dir, overlay, launcher, teardown. Every failure of vessel's own is one
 * line and exit 125; the container's status is passed through (126/127 when its command
 * cannot be executed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "crun.h"
#include "emulation.h"
#include "env.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "fuse.h"
#include "launch.h"
#include "log.h"
#include "mounts.h"
#include "options.h"
#include "overlay.h"
#include "payload.h"
#include "rundir.h"
#include "userns.h"

#ifndef VSL_VERSION
#define VSL_VERSION "0.0.0-dev"
#endif

/* An --env-file bigger than this is a mistake, not an env file. */
#define ENV_FILE_MAX (1u << 20)

extern char **environ;

static int read_env_file(const char *path, struct vsl_strlist *out, struct vsl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *buf = malloc(ENV_FILE_MAX);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return vsl_error_set(err, errno, "--env-file %s", path);
	if (!buf)
		return vsl_error_set(err, ENOMEM, "--env-file %s", path);
	while (n < ENV_FILE_MAX && (r = read(fd, buf + n, ENV_FILE_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vsl_error_set(err, errno, "read --env-file %s", path);
		n += (size_t)r;
	}
	if (n == ENV_FILE_MAX)
		return vsl_error_set(err, EFBIG, "--env-file %s", path);
	return vsl_envfile_parse(buf, n, path, environ, out, err);
}

/* image Env < --env-file (in order) < -e (in order). */
static int build_env(const struct vsl_options *o, const struct vsl_config *c,
		     struct vsl_strlist *env, struct vsl_error *err)
{
	if (vsl_env_merge(env, c->env.v, c->env.n, err) < 0)
		return -1;
	for (size_t i = 0; i < o->env_files.n; i++) {
		struct vsl_strlist file = { 0 };
		int r = read_env_file(o->env_files.v[i], &file, err);

		if (r == 0)
			r = vsl_env_merge(env, file.v, file.n, err);
		vsl_strlist_free(&file);
		if (r < 0)
			return -1;
	}
	return vsl_env_merge(env, o->env.v, o->env.n, err);
}

static int push_all(struct vsl_strlist *av, const struct vsl_strlist *from, struct vsl_error *err)
{
	for (size_t i = 0; i < from->n; i++)
		if (vsl_strlist_push(av, from->v[i], err) < 0)
			return -1;
	return 0;
}

/*
 * Entrypoint then Cmd, docker's way: ARGS replace Cmd, --entrypoint replaces Entrypoint and
 * also drops the image's Cmd. Without either, process.args is the answer and the meta section
 * (which keeps the two apart) is not even read.
 */
static int build_argv(const struct vsl_options *o, const struct vsl_config *c,
		      const struct vsl_payload *p, struct vsl_strlist *av, struct vsl_error *err)
{
	struct vsl_meta_cmd m = { 0 };
	cleanup_free char *meta = NULL;
	size_t len;
	int r = 0;

	if (!o->entrypoint && o->args.n == 0) {
		r = push_all(av, &c->args, err);
	} else {
		meta = vsl_payload_read_small(p, VSL_SECTION_META, &len, err);
		if (!meta || vsl_meta_cmd_parse(meta, len, &m, err) < 0)
			return -1;
		if (o->entrypoint && *o->entrypoint)
			r = vsl_strlist_push(av, o->entrypoint, err);
		if (r == 0 && !o->entrypoint)
			r = push_all(av, &m.entrypoint, err);
		if (r == 0)
			r = push_all(av, o->args.n || o->entrypoint ? &o->args : &m.cmd, err);
		vsl_meta_cmd_free(&m);
	}
	if (r == 0 && av->n == 0)
		return vsl_error_set(err, 0,
				     "no command to run: the image has no entrypoint or cmd; give "
				     "one after the options (./app [--] CMD [ARGS...])");
	return r;
}

/* The host side of each -v must exist; make it absolute and symlink-free. */
static int resolve_volumes(struct vsl_options *o, struct vsl_error *err)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		char *real = realpath(o->volumes[i].host, NULL);

		if (!real)
			return vsl_error_set(
				err, errno, "volume %s:%s: the host path must exist: %s",
				o->volumes[i].host, o->volumes[i].ctr, o->volumes[i].host);
		free(o->volumes[i].host);
		o->volumes[i].host = real;
	}
	return 0;
}

static char *cache_root(struct vsl_error *err)
{
	const char *v = getenv("VESSEL_CACHE_DIR");
	const char *suffix = "";
	char *out;

	if (!v || !*v) {
		v = getenv("XDG_CACHE_HOME");
		suffix = "/vessel";
	}
	if (!v || !*v) {
		v = getenv("HOME");
		suffix = "/.cache/vessel";
	}
	if (!v || !*v)
		return vsl_error_set(err, 0, "no cache directory: set VESSEL_CACHE_DIR or HOME"),
		       NULL;
	if (asprintf(&out, "%s%s", v, suffix) < 0)
		return vsl_error_set(err, ENOMEM, "cache directory"), NULL;
	return out;
}

static int print_version(const struct vsl_payload *p)
{
	struct vsl_error err = { 0 };
	struct vsl_strlist lines = { 0 };
	cleanup_free char *meta = NULL;
	size_t len;

	printf("vessel %s\n", VSL_VERSION);
	meta = vsl_payload_read_small(p, VSL_SECTION_META, &len, &err);
	if (!meta || vsl_meta_describe(meta, len, &lines, &err) < 0)
		vsl_die_err(VSL_EXIT_VESSEL, &err);
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	vsl_strlist_free(&lines);
	return fflush(stdout) == 0 ? 0 : VSL_EXIT_VESSEL;
}

struct run_state {
	struct vsl_options opt;
	struct vsl_payload payload;
	struct vsl_config cfg;
	char *config_json; /* the config section as it is, for libcrun */
	size_t config_len;
	const struct vsl_launcher *launcher;
	struct vsl_strlist env;
	struct vsl_strlist argv;
	struct vsl_ns ns;
	char *rootfs_lower;
	struct vsl_rundir rd;
	bool mounted;
	int fuse_dev;	    /* /dev/fuse until the server has it, else -1 */
	char fuse_why[200]; /* why not, for the path choice's messages */
	struct vsl_fuse fuse;
};

static int load_config(struct run_state *s, struct vsl_error *err)
{
	s->config_json =
		vsl_payload_read_small(&s->payload, VSL_SECTION_CONFIG, &s->config_len, err);
	if (!s->config_json || vsl_config_parse(s->config_json, s->config_len, &s->cfg, err) < 0)
		return -1;
	if (build_env(&s->opt, &s->cfg, &s->env, err) < 0 ||
	    build_argv(&s->opt, &s->cfg, &s->payload, &s->argv, err) < 0 ||
	    resolve_volumes(&s->opt, err) < 0)
		return -1;
	return 0;
}

static enum vsl_path choose_path(struct run_state *s, struct vsl_error *err)
{
	struct vsl_path_inputs in = {
		.has_squashfs = vsl_payload_section(&s->payload, VSL_SECTION_SQUASHFS) != NULL,
		.has_tarzst = vsl_payload_section(&s->payload, VSL_SECTION_TARZST) != NULL,
		.forced = getenv("VESSEL_PAYLOAD"),
		.fuse_why = s->fuse_why,
	};
	bool want_fuse = in.has_squashfs && !(in.forced && strcmp(in.forced, "extract") == 0);
	enum vsl_path path;

	snprintf(s->fuse_why, sizeof s->fuse_why, "%s",
		 in.has_squashfs ? "not tried" : "no squashfs section");
	if (want_fuse) {
		struct vsl_error ferr = { 0 };

		/* A probe: the fd that mounts must be opened inside the user namespace that
		 * mounts (the kernel insists), but the device's permissions are the same here. */
		int fd = vsl_fuse_open_dev(&ferr);

		in.fuse_usable = fd >= 0;
		if (fd >= 0)
			close(fd);
		else
			snprintf(s->fuse_why, sizeof s->fuse_why, "%s", ferr.msg);
		vsl_debug("fuse: /dev/fuse %s%s", in.fuse_usable ? "opens" : "is not usable: ",
			  in.fuse_usable ? "" : ferr.msg);
		vsl_error_release(&ferr);
	}
	path = vsl_path_choose(&in, err);
	if (path != VSL_PATH_NONE)
		vsl_debug("payload path: %s (squashfs section: %s, tar.zst section: %s)",
			  vsl_path_name(path), in.has_squashfs ? "yes" : "no",
			  in.has_tarzst ? "yes" : "no");
	return path;
}

/* The squashfs section served on <run dir>/lower. */
static int mount_fuse(struct run_state *s, struct vsl_error *err)
{
	const struct vsl_section *sq = vsl_payload_section(&s->payload, VSL_SECTION_SQUASHFS);
	const char *ext = getenv("VESSEL_SQUASHFUSE");
	struct vsl_fuse_config cfg = {
		.payload_fd = s->payload.fd,
		.offset = sq->offset,
		.size = sq->length,
		/* owners our namespace lacks are reported as 0, as extraction leaves them */
		.uids = &s->ns.uids,
		.gids = &s->ns.gids,
		.external = ext && *ext ? ext : NULL,
		.warm_cmd = s->argv.v[0],
	};
	cleanup_free char *mnt = NULL;

	if (asprintf(&mnt, "%s/lower", s->rd.path) < 0) {
		mnt = NULL;
		return vsl_error_set(err, ENOMEM, "FUSE mount point");
	}
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return vsl_error_set(err, errno, "mkdir %s", mnt);
	for (char **e = s->env.v; e && *e && !cfg.warm_path; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			cfg.warm_path = *e + 5;
	s->fuse_dev = vsl_fuse_open_dev(err);
	if (s->fuse_dev < 0)
		return -1;
	if (vsl_fuse_start(&s->fuse_dev, mnt, &cfg, &s->fuse, err) != VSL_FUSE_OK)
		return -1;
	s->rootfs_lower = steal_pointer(&mnt);
	return 0;
}

/* The image's rootfs as a directory nobody writes to: the lower layer of the overlay. A FUSE
 * path that fails falls back to extraction when the file has a tar.zst and nobody forced FUSE. */
static int prepare_lower(struct run_state *s, enum vsl_path path, const char *cache,
			 struct vsl_error *err)
{
	const struct vsl_section *tarzst = vsl_payload_section(&s->payload, VSL_SECTION_TARZST);
	const char *forced = getenv("VESSEL_PAYLOAD");
	char tag[32];

	switch (path) {
	case VSL_PATH_FUSE:
		if (mount_fuse(s, err) == 0)
			return 0;
		if (!tarzst || (forced && strcmp(forced, "fuse") == 0))
			return vsl_error_wrap(err, "the FUSE path (%s)",
					      tarzst ? "forced by VESSEL_PAYLOAD=fuse"
						     : "the file has no tar.zst fallback");
		vsl_debug("fuse: %s; falling back to extracting the tar.zst", err->msg);
		vsl_error_release(err);
		/* fall through */
	case VSL_PATH_EXTRACT:
		/* Inside the namespace: extraction chowns as its root, to the ids it maps. */
		vsl_idmap_tag(&s->ns.uids, &s->ns.gids, tag, sizeof tag);
		s->rootfs_lower = vsl_extract_cached(s->payload.fd, tarzst, cache, tag, err);
		if (!s->rootfs_lower)
			return -1;
		vsl_debug("rootfs: %s", s->rootfs_lower);
		return 0;
	case VSL_PATH_NONE:
		break;
	}
	return vsl_error_set(err, 0, "payload path %s is not implemented", vsl_path_name(path));
}

/* The run dir: the private tmpfs on <cache>/run unless VESSEL_TMPDIR asks for a directory, or
 * the tmpfs cannot do (see rundir.h). */
static int prepare_rundir(struct run_state *s, const char *cache, bool userns,
			  struct vsl_error *err)
{
	const char *tmp = vsl_rundir_root();

	if (!tmp) {
		struct vsl_error perr = { 0 };
		cleanup_free char *mnt = NULL;

		if (asprintf(&mnt, "%s/run", cache) < 0)
			return vsl_error_set(err, ENOMEM, "run dir");
		/* the FUSE path comes here before anything else made the cache */
		if (vsl_fs_mkdir_p(cache, 0700, &perr) < 0)
			vsl_error_release(&perr);
		if (vsl_rundir_create_private(mnt, userns, &s->rd, &perr) == 0)
			return 0;
		tmp = vsl_rundir_fallback_root();
		vsl_debug("rundir: no private tmpfs (%s); using %s", perr.msg, tmp);
		vsl_error_release(&perr);
	}
	vsl_rundir_reap(tmp);
	return vsl_rundir_create(tmp, &s->rd, err);
}

/* What to run, for any launcher: the image config under the options. */
static void fill_spec(const struct run_state *s, struct vsl_launch_spec *spec)
{
	bool terminal, interactive;

	vsl_terminal_choose(s->opt.tty, s->opt.interactive, isatty(STDIN_FILENO) == 1,
			    isatty(STDOUT_FILENO) == 1, &terminal, &interactive);
	*spec = (struct vsl_launch_spec){
		.rootfs = s->rd.merged,
		.argv = s->argv.v,
		.envp = s->env.v,
		.cwd = s->opt.workdir ? s->opt.workdir : s->cfg.cwd,
		.user = s->opt.user,
		.uid = s->cfg.uid,
		.gid = s->cfg.gid,
		.additional_gids = s->cfg.additional_gids,
		.n_additional_gids = s->cfg.n_additional_gids,
		.hostname = s->opt.hostname ? s->opt.hostname : s->cfg.hostname,
		.readonly_root = s->cfg.root_readonly || s->opt.read_only,
		.terminal = terminal,
		.volumes = s->opt.volumes,
		.n_volumes = s->opt.n_volumes,
		.tmpfs = s->opt.tmpfs,
		.n_tmpfs = s->opt.n_tmpfs,
		.net = s->opt.net,
		.interactive = interactive,
		.config_json = s->config_json,
		.config_len = s->config_len,
		.run_dir = s->rd.path,
	};
}

/* The container's root on rd.merged: writable, or read-only without a writable layer. */
static int setup_root(struct run_state *s, bool userns, struct vsl_error *err)
{
	cleanup_free struct vsl_mountpoint *mp = NULL;
	struct vsl_launch_spec spec;
	enum vsl_overlay_result r;
	size_t n;

	fill_spec(s, &spec);
	if (!spec.readonly_root)
		r = vsl_overlay_setup(s->rootfs_lower, &s->rd, userns, err);
	else if (vsl_mounts_points(&spec, &mp, &n, err) < 0)
		return -1;
	else
		r = vsl_overlay_setup_readonly(s->rootfs_lower, &s->rd, mp, n, userns, err);
	return r == VSL_OVERLAY_FAILED ? -1 : 0;
}

static int prepare_root(struct run_state *s, struct vsl_error *err)
{
	enum vsl_path path = choose_path(s, err);
	cleanup_free char *cache = NULL;
	bool userns;

	/* every path needs the cache: for the extraction, or as the tmpfs's mount point */
	if (path == VSL_PATH_NONE || !(cache = cache_root(err)) ||
	    vsl_userns_enter(&s->ns, err) != VSL_USERNS_OK)
		return -1;
	userns = !(s->ns.mode == VSL_NS_MOUNT_ONLY && s->ns.init_userns);
	/* the run dir first: the FUSE mount point lives in it */
	if (prepare_rundir(s, cache, userns, err) < 0 || prepare_lower(s, path, cache, err) < 0)
		return -1;
	if (setup_root(s, userns, err) < 0)
		return -1;
	s->mounted = true;
	return 0;
}

/* libcrun where it can run, else the direct runner (launch.h has the rules). */
static const struct vsl_launcher *choose_launcher(struct vsl_error *err)
{
	struct vsl_emulation_probe probe;
	struct vsl_launcher_choice c;
	char why[160];
	struct vsl_launcher_inputs in = {
		.crun_built = true,
		.runtime = getenv("VESSEL_RUNTIME"),
		.disable_crun = getenv("VESSEL_RUNTIME_DISABLE_CRUN"),
		.emulated_why = why,
	};

	vsl_emulation_probe(&probe);
	in.emulated = vsl_emulation_judge(&probe, why, sizeof why);
	switch (vsl_launcher_choose(&in, &c, err)) {
	case VSL_LAUNCHER_CRUN:
		vsl_debug("launcher: crun: %s", c.why);
		return c.forced ? &vsl_launcher_crun_strict : &vsl_launcher_crun;
	case VSL_LAUNCHER_DIRECT:
		vsl_debug("launcher: direct: %s", c.why);
		return &vsl_launcher_direct;
	case VSL_LAUNCHER_NONE:
		break;
	}
	return NULL;
}

static int launch(struct run_state *s, int *exit_code, struct vsl_error *err)
{
	const struct vsl_launcher *l = s->launcher;
	struct vsl_launch_spec spec;
	struct vsl_error ferr = { 0 };
	int r;

	fill_spec(s, &spec);
	vsl_debug("launching %s with %s", s->argv.v[0], l->name);
	r = l->run(l, &spec, exit_code, err);
	/* the container's status means little if its root failed under it */
	if (vsl_fuse_check(&s->fuse, &ferr) < 0) {
		vsl_error_release(err);
		*err = ferr;
		*exit_code = VSL_EXIT_VESSEL;
		return -1;
	}
	return r;
}

/*
 * Unmount before removing: the run dir must not be removed through a live overlay. A private
 * tmpfs run dir and the overlay in it vanish with our mount namespace when we exit, all in
 * one go; unmounting them first would cost an RCU grace period each.
 */
static void teardown(struct run_state *s)
{
	struct vsl_error err = { 0 };

	/*
	 * The server is in our mount namespace and keeps it, and so every mount in it, alive: it
	 * must go first. With a private tmpfs, killing it is enough (the connection aborts, the
	 * container is gone, the mounts go with the namespace when we exit). A run dir on disk
	 * is removed below, so there the overlay and the FUSE mount are unmounted first.
	 */
	if (s->fuse.pid > 0 || s->fuse.mountpoint) {
		if (!s->rd.private_tmpfs && s->mounted &&
		    vsl_overlay_teardown(s->rd.merged, &err) < 0) {
			vsl_debug("%s", err.msg);
			vsl_error_release(&err);
		}
		vsl_fuse_stop(&s->fuse, !s->rd.private_tmpfs);
	}
	if (s->fuse_dev >= 0)
		close(s->fuse_dev);
	if (s->rd.private_tmpfs) {
		vsl_rundir_release(&s->rd);
	} else if (s->mounted && vsl_overlay_teardown(s->rd.merged, &err) < 0) {
		vsl_warn("%s; leaving %s for the next run to remove", err.msg, s->rd.path);
		vsl_error_release(&err);
		vsl_rundir_release(&s->rd);
	} else if (s->rd.path && vsl_rundir_remove(&s->rd, &err) < 0) {
		vsl_warn("%s", err.msg);
		vsl_error_release(&err);
	}
	free(s->rootfs_lower);
	vsl_strlist_free(&s->argv);
	vsl_strlist_free(&s->env);
	vsl_config_free(&s->cfg);
	free(s->config_json);
	vsl_payload_close(&s->payload);
	vsl_options_free(&s->opt);
}

int main(int argc, char *argv[])
{
	struct run_state s = { .payload.fd = -1, .rd.lock_fd = -1, .fuse_dev = -1 };
	struct vsl_error err = { 0 };
	int code = VSL_EXIT_VESSEL;

	vsl_log_init("vessel");
	if (vsl_options_parse(argc, argv, environ, &s.opt, &err) < 0)
		vsl_die_err(VSL_EXIT_VESSEL, &err);
	if (s.opt.help) {
		printf("Usage: %s [OPTIONS] [--] [COMMAND [ARG...]]\n\n%s", argv[0],
		       vsl_options_help());
		return 0;
	}
	if (vsl_payload_open(&s.payload, "/proc/self/exe", &err) < 0)
		vsl_die_err(VSL_EXIT_VESSEL, &err);
	if (s.opt.version)
		return print_version(&s.payload);
	if (load_config(&s, &err) < 0 || !(s.launcher = choose_launcher(&err)) ||
	    prepare_root(&s, &err) < 0 || launch(&s, &code, &err) < 0) {
		teardown(&s);
		vsl_die_err(code, &err);
	}
	teardown(&s);
	return code;
}
