/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config patcher: see crunspec.h. The embedded config is parsed with yajl_tree and written
 * again with yajl_gen, member by member, replacing the patched ones on the way, so that what
 * vessel does not know about reaches libcrun as the builder wrote it.
 */
#define _GNU_SOURCE
#include "crunspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "ocimounts.h"

#define WHAT "config.json"
/* Deeper than any real config, and shallow enough for the recursion below. */
#define MAX_DEPTH 100

/* Every generator returns 0 or a nonzero yajl status; statuses are OR-ed along the way. */
static int gstr(yajl_gen g, const char *s)
{
	return (int)yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static int kv_str(yajl_gen g, const char *k, const char *v)
{
	return gstr(g, k) | gstr(g, v);
}

static int kv_strv(yajl_gen g, const char *k, char *const *v)
{
	int st = gstr(g, k) | (int)yajl_gen_array_open(g);

	for (; v && *v; v++)
		st |= gstr(g, *v);
	return st | (int)yajl_gen_array_close(g);
}

static int gen_value(yajl_gen g, yajl_val v, int depth)
{
	int st = 0;

	if (depth > MAX_DEPTH)
		return (int)yajl_max_depth_exceeded;
	switch (v->type) {
	case yajl_t_string:
		return gstr(g, v->u.string);
	case yajl_t_number:
		return (int)yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	case yajl_t_object:
		st = (int)yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++)
			st |= gstr(g, v->u.object.keys[i]) |
			      gen_value(g, v->u.object.values[i], depth + 1);
		return st | (int)yajl_gen_map_close(g);
	case yajl_t_array:
		st = (int)yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			st |= gen_value(g, v->u.array.values[i], depth + 1);
		return st | (int)yajl_gen_array_close(g);
	case yajl_t_true:
	case yajl_t_false:
		return (int)yajl_gen_bool(g, v->type == yajl_t_true);
	case yajl_t_null:
	case yajl_t_any:
		break;
	}
	return (int)yajl_gen_null(g);
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* The members of object v (may be NULL) except those named in skip, as they are. */
static int gen_members_except(yajl_gen g, yajl_val v, const char *const *skip)
{
	int st = 0;

	for (size_t i = 0; v && i < v->u.object.len; i++)
		if (!in_list(v->u.object.keys[i], skip))
			st |= gstr(g, v->u.object.keys[i]) | gen_value(g, v->u.object.values[i], 2);
	return st;
}

static yajl_val member(yajl_val obj, const char *key)
{
	for (size_t i = 0; obj && YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

static int gen_root(yajl_gen g, const struct vsl_launch_spec *spec)
{
	return (int)yajl_gen_map_open(g) | kv_str(g, "path", spec->rootfs) | gstr(g, "readonly") |
	       (int)yajl_gen_bool(g, spec->readonly_root) | (int)yajl_gen_map_close(g);
}

/* User 0:0 and cwd "/": crun_exec.c switches ids and changes directory (see crunspec.h). */
static int gen_process(yajl_gen g, yajl_val v, const struct vsl_launch_spec *spec,
		       const struct vsl_crunspec_extra *x)
{
	static const char *const replaced[] = { "terminal", "user", "args", "env", "cwd", NULL };
	int st = (int)yajl_gen_map_open(g) | gen_members_except(g, v, replaced);

	st |= gstr(g, "terminal") | (int)yajl_gen_bool(g, x->terminal);
	st |= gstr(g, "user") | (int)yajl_gen_map_open(g) | gstr(g, "uid") |
	      (int)yajl_gen_integer(g, 0) | gstr(g, "gid") | (int)yajl_gen_integer(g, 0) |
	      (int)yajl_gen_map_close(g);
	st |= kv_strv(g, "args", spec->argv) | kv_strv(g, "env", spec->envp);
	return st | kv_str(g, "cwd", "/") | (int)yajl_gen_map_close(g);
}

static int gen_mount(yajl_gen g, const char *dest, const char *type, const char *source,
		     const char *const *options)
{
	int st = (int)yajl_gen_map_open(g) | kv_str(g, "destination", dest) |
		 kv_str(g, "type", type) | kv_str(g, "source", source);

	if (options && *options)
		st |= kv_strv(g, "options", (char *const *)options);
	return st | (int)yajl_gen_map_close(g);
}

static bool has_mount(yajl_val mounts, const char *dest)
{
	for (size_t i = 0; mounts && i < mounts->u.array.len; i++) {
		const char *d = YAJL_GET_STRING(member(mounts->u.array.values[i], "destination"));

		if (d && strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

/* The words libcrun reads for mount(2) flags, one per flag that --tmpfs may change. */
static const struct {
	unsigned long flag;
	const char *set, *clear;
} flag_words[] = {
	{ MS_RDONLY, "ro", "rw" },
	{ MS_NOSUID, "nosuid", "suid" },
	{ MS_NODEV, "nodev", "dev" },
	{ MS_NOEXEC, "noexec", "exec" },
	{ MS_SYNCHRONOUS, "sync", NULL },
	{ MS_NOATIME, "noatime", NULL },
	{ MS_NODIRATIME, "nodiratime", NULL },
	{ MS_RELATIME, "relatime", NULL },
	{ MS_STRICTATIME, "strictatime", NULL },
};

/* A tmpfs with options as vsl_tmpfs_options reads them (docker's defaults, then the user's
 * words, a later one winning): the resulting flags as one word each, then the tmpfs data
 * (size=, mode=, ...). libcrun then gets no contradicting words to weigh. */
static int gen_tmpfs(yajl_gen g, const char *path, const char *opts)
{
	struct vsl_error err = { 0 };
	cleanup_free char *data = NULL;
	unsigned long flags;
	const char *p;
	int st;

	if (vsl_tmpfs_options(opts, &flags, &data, &err) < 0) {
		vsl_error_release(&err); /* the option parser checked them already */
		return (int)yajl_gen_invalid_string;
	}
	st = (int)yajl_gen_map_open(g) | kv_str(g, "destination", path) |
	     kv_str(g, "type", "tmpfs") | kv_str(g, "source", "tmpfs") | gstr(g, "options") |
	     (int)yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
		if ((flags & flag_words[i].flag) || flag_words[i].clear)
			st |= gstr(g, flags & flag_words[i].flag ? flag_words[i].set
								 : flag_words[i].clear);
	for (p = data; *p;) {
		size_t n = strcspn(p, ",");

		if (n)
			st |= (int)yajl_gen_string(g, (const unsigned char *)p, n);
		p += n + (p[n] == ',');
	}
	return st | (int)yajl_gen_array_close(g) | (int)yajl_gen_map_close(g);
}

/* -v and --tmpfs in the order the direct runner mounts them (vsl_user_mounts_order). */
static int gen_user_mounts(yajl_gen g, const struct vsl_launch_spec *spec)
{
	static const char *const ro[] = { "rbind", "ro", NULL }, *const rw[] = { "rbind", "rw",
										 NULL };
	cleanup_free struct vsl_user_mount *order =
		calloc(spec->n_volumes + spec->n_tmpfs + 1, sizeof *order);
	size_t n;
	int st = 0;

	if (!order)
		return (int)yajl_gen_invalid_string;
	n = vsl_user_mounts_order(spec, order);
	for (size_t k = 0; k < n; k++) {
		const struct vsl_volume *v = &spec->volumes[order[k].index];
		const struct vsl_tmpfs *t = &spec->tmpfs[order[k].index];

		if (order[k].tmpfs)
			st |= gen_tmpfs(g, t->path, t->options);
		else
			st |= gen_mount(g, v->ctr, "bind", v->host, v->readonly ? ro : rw);
	}
	return st;
}

/* Base mounts the config lacks, the config's own, then the run's, in the direct runner's order. */
static int gen_mounts(yajl_gen g, yajl_val v, const struct vsl_launch_spec *spec,
		      const struct vsl_crunspec_extra *x)
{
	static const char *const ro[] = { "rbind", "ro", NULL };
	int st = (int)yajl_gen_array_open(g);

	for (size_t i = 0; i < vsl_oci_n_mounts; i++)
		if (!has_mount(v, vsl_oci_mounts[i].dest))
			st |= gen_mount(g, vsl_oci_mounts[i].dest, vsl_oci_mounts[i].type,
					vsl_oci_mounts[i].source, vsl_oci_mounts[i].options);
	for (size_t i = 0; v && i < v->u.array.len; i++)
		st |= gen_value(g, v->u.array.values[i], 2);
	/* A read-only root keeps a writable /tmp, as podman's --read-only does (as mounts.c). */
	if (spec->readonly_root && !vsl_user_mounts_on(spec, "/tmp"))
		st |= gen_tmpfs(g, "/tmp", "exec,mode=1777");
	st |= gen_user_mounts(g, spec);
	if (x->resolv_conf)
		st |= gen_mount(g, "/etc/resolv.conf", "bind", x->resolv_conf, ro);
	if (x->hosts)
		st |= gen_mount(g, "/etc/hosts", "bind", x->hosts, ro);
	return st | (int)yajl_gen_array_close(g);
}

static int gen_ns(yajl_gen g, const char *type)
{
	return (int)yajl_gen_map_open(g) | kv_str(g, "type", type) | (int)yajl_gen_map_close(g);
}

/* The config's namespaces without user and network (defaults when it has none), plus a new
 * network namespace for --net none. */
static int gen_namespaces(yajl_gen g, yajl_val ns, const struct vsl_launch_spec *spec)
{
	static const char *const defaults[] = { "pid", "ipc", "uts", "mount", NULL };
	static const char *const dropped[] = { "user", "network", NULL };
	int st = gstr(g, "namespaces") | (int)yajl_gen_array_open(g);

	for (size_t i = 0; !ns && defaults[i]; i++)
		st |= gen_ns(g, defaults[i]);
	for (size_t i = 0; ns && i < ns->u.array.len; i++) {
		const char *t = YAJL_GET_STRING(member(ns->u.array.values[i], "type"));

		if (!t || !in_list(t, dropped))
			st |= gen_value(g, ns->u.array.values[i], 3);
	}
	if (spec->net == VSL_NET_NONE)
		st |= gen_ns(g, "network");
	return st | (int)yajl_gen_array_close(g);
}

static int gen_linux(yajl_gen g, yajl_val v, const struct vsl_launch_spec *spec)
{
	static const char *const replaced[] = { "namespaces", "uidMappings", "gidMappings", NULL };

	return (int)yajl_gen_map_open(g) | gen_members_except(g, v, replaced) |
	       gen_namespaces(g, member(v, "namespaces"), spec) | (int)yajl_gen_map_close(g);
}

static int gen_annotations(yajl_gen g, yajl_val v)
{
	int st = (int)yajl_gen_map_open(g);

	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];

		if (strncmp(k, "run.oci.", 8) != 0 && strncmp(k, "io.kubernetes.cri.", 18) != 0)
			st |= gstr(g, k) | gen_value(g, v->u.object.values[i], 2);
	}
	return st | (int)yajl_gen_map_close(g);
}

struct seen {
	bool root, process, hostname, mounts, linux_;
};

static int gen_member(yajl_gen g, const char *k, yajl_val v, const struct vsl_launch_spec *spec,
		      const struct vsl_crunspec_extra *x, struct seen *seen)
{
	int st = gstr(g, k);

	if (strcmp(k, "root") == 0 && (seen->root = true))
		return st | gen_root(g, spec);
	if (strcmp(k, "process") == 0 && (seen->process = true))
		return st | gen_process(g, v, spec, x);
	if (strcmp(k, "hostname") == 0 && spec->hostname && (seen->hostname = true))
		return st | gstr(g, spec->hostname);
	if (strcmp(k, "mounts") == 0 && (seen->mounts = true))
		return st | gen_mounts(g, v, spec, x);
	if (strcmp(k, "linux") == 0 && (seen->linux_ = true))
		return st | gen_linux(g, v, spec);
	if (strcmp(k, "annotations") == 0)
		return st | gen_annotations(g, v);
	return st | gen_value(g, v, 1);
}

static int gen_config(yajl_gen g, yajl_val root, const struct vsl_launch_spec *spec,
		      const struct vsl_crunspec_extra *x)
{
	struct seen seen = { false, false, false, false, false };
	int st = (int)yajl_gen_map_open(g);

	for (size_t i = 0; i < root->u.object.len; i++)
		st |= gen_member(g, root->u.object.keys[i], root->u.object.values[i], spec, x,
				 &seen);
	if (!seen.root)
		st |= gstr(g, "root") | gen_root(g, spec);
	if (!seen.process)
		st |= gstr(g, "process") | gen_process(g, NULL, spec, x);
	if (!seen.hostname && spec->hostname)
		st |= kv_str(g, "hostname", spec->hostname);
	if (!seen.mounts)
		st |= gstr(g, "mounts") | gen_mounts(g, NULL, spec, x);
	if (!seen.linux_)
		st |= gstr(g, "linux") | gen_linux(g, NULL, spec);
	return st | (int)yajl_gen_map_close(g);
}

/* The members the patch walks into must have the type it expects. */
static int check_types(yajl_val root, struct vsl_error *err)
{
	static const struct {
		const char *key;
		yajl_type type;
		const char *what;
	} want[] = {
		{ "root", yajl_t_object, "an object" },
		{ "process", yajl_t_object, "an object" },
		{ "mounts", yajl_t_array, "an array" },
		{ "linux", yajl_t_object, "an object" },
		{ "annotations", yajl_t_object, "an object" },
	};

	for (size_t i = 0; i < root->u.object.len; i++)
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			if (strcmp(root->u.object.keys[i], want[k].key) == 0 &&
			    root->u.object.values[i]->type != want[k].type)
				return vsl_error_set(err, 0, WHAT ": %s must be %s", want[k].key,
						     want[k].what);
	for (size_t i = 0; i < root->u.object.len; i++) {
		yajl_val ns = member(root->u.object.values[i], "namespaces");

		if (strcmp(root->u.object.keys[i], "linux") == 0 && ns && !YAJL_IS_ARRAY(ns))
			return vsl_error_set(err, 0, WHAT ": linux.namespaces must be an array");
	}
	return 0;
}

static yajl_val parse(const char *json, size_t len, struct vsl_error *err)
{
	cleanup_free char *copy = NULL;
	char ebuf[256] = "";
	yajl_val root;

	if (memchr(json, '\0', len))
		return vsl_error_set(err, 0, WHAT ": contains a NUL byte"), NULL;
	if (!(copy = strndup(json, len)))
		return vsl_error_set(err, ENOMEM, WHAT), NULL;
	root = yajl_tree_parse(copy, ebuf, sizeof ebuf);
	if (!root) {
		ebuf[strcspn(ebuf, "\n")] = '\0';
		return vsl_error_set(err, 0, WHAT ": invalid JSON: %s", *ebuf ? ebuf : "?"), NULL;
	}
	if (!YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return vsl_error_set(err, 0, WHAT ": not a JSON object"), NULL;
	}
	return root;
}

int vsl_crunspec_build(const char *json, size_t len, const struct vsl_launch_spec *spec,
		       const struct vsl_crunspec_extra *x, char **out, struct vsl_error *err)
{
	yajl_val root = parse(json, len, err);
	yajl_gen g = NULL;
	const unsigned char *buf;
	size_t n;
	int st;

	*out = NULL;
	if (!root)
		return -1;
	if (check_types(root, err) < 0) {
		yajl_tree_free(root);
		return -1;
	}
	if (!(g = yajl_gen_alloc(NULL))) {
		yajl_tree_free(root);
		return vsl_error_set(err, ENOMEM, WHAT);
	}
	st = gen_config(g, root, spec, x);
	if (st == 0 && yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok &&
	    !(*out = strndup((const char *)buf, n)))
		st = -1;
	yajl_gen_free(g);
	yajl_tree_free(root);
	if (st == -1)
		return vsl_error_set(err, ENOMEM, WHAT);
	if (st || !*out)
		return vsl_error_set(err, 0,
				     WHAT ": cannot write the patched config (yajl status %d)", st);
	return 0;
}
