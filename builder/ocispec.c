/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image config in, config.json and meta out (see ocispec.h). The defaults mirror what
 * `docker run` gives a container, minus what a rootless run cannot or must not have: no
 * network namespace (the host's network is used), no cgroup resources, and no uid/gid mappings
 * (they depend on who runs the file, so the runtime writes them).
 */
#include "ocispec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "json.h"
#include "ocimounts.h"

void vsl_image_config_free(struct vsl_image_config *c)
{
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->created);
	free(c->user);
	free(c->workdir);
	free(c->stop_signal);
	vsl_strv_free(c->env);
	vsl_strv_free(c->entrypoint);
	vsl_strv_free(c->cmd);
	vsl_strv_free(c->label_keys);
	vsl_strv_free(c->label_values);
	vsl_strv_free(c->exposed_ports);
	memset(c, 0, sizeof *c);
}

/* A string member that may be absent or null, but not of another type. */
static int opt_str(yajl_val obj, const char *key, char **out, struct vsl_error *err)
{
	yajl_val v = vsl_json_get(obj, key);

	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return vsl_error_set(err, 0, "image config: %s must be a string", key);
	*out = strdup(v->u.string);
	return *out ? 0 : vsl_error_set(err, ENOMEM, "image config");
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_labels(yajl_val cfg, struct vsl_image_config *c, struct vsl_error *err)
{
	yajl_val l = vsl_json_obj(cfg, "Labels");
	size_t n = l ? l->u.object.len : 0, k = 0;
	cleanup_free char **pairs = calloc(n + 1, sizeof(char *));

	c->label_keys = calloc(n + 1, sizeof(char *));
	c->label_values = calloc(n + 1, sizeof(char *));
	if (!pairs || !c->label_keys || !c->label_values)
		return vsl_error_set(err, ENOMEM, "image config labels");
	/* Sort the keys, then find each value again: n is small and the order must not depend on
	 * how the image happened to be written. */
	for (size_t i = 0; i < n; i++)
		if (YAJL_IS_STRING(l->u.object.values[i]))
			pairs[k++] = (char *)l->u.object.keys[i];
	qsort(pairs, k, sizeof *pairs, strp_cmp);
	for (size_t i = 0; i < k; i++) {
		if (i && strcmp(pairs[i], pairs[i - 1]) == 0)
			continue;
		c->label_keys[c->n_labels] = strdup(pairs[i]);
		c->label_values[c->n_labels] = strdup(vsl_json_str(l, pairs[i]));
		if (!c->label_keys[c->n_labels] || !c->label_values[c->n_labels])
			return vsl_error_set(err, ENOMEM, "image config labels");
		c->n_labels++;
	}
	return 0;
}

static int parse_ports(yajl_val cfg, struct vsl_image_config *c, struct vsl_error *err)
{
	yajl_val p = vsl_json_obj(cfg, "ExposedPorts");
	size_t n = p ? p->u.object.len : 0;

	if (!n)
		return 0;
	c->exposed_ports = calloc(n + 1, sizeof(char *));
	if (!c->exposed_ports)
		return vsl_error_set(err, ENOMEM, "image config ports");
	for (size_t i = 0; i < n; i++)
		if (!(c->exposed_ports[i] = strdup(p->u.object.keys[i])))
			return vsl_error_set(err, ENOMEM, "image config ports");
	qsort(c->exposed_ports, n, sizeof(char *), strp_cmp);
	return 0;
}

static int parse_root(yajl_val root, struct vsl_image_config *c, struct vsl_error *err)
{
	yajl_val cfg = vsl_json_get(root, "config");

	if (cfg && !YAJL_IS_NULL(cfg) && !YAJL_IS_OBJECT(cfg))
		return vsl_error_set(err, 0, "image config: \"config\" must be an object");
	if (opt_str(root, "os", &c->os, err) < 0 ||
	    opt_str(root, "architecture", &c->arch, err) < 0 ||
	    opt_str(root, "variant", &c->variant, err) < 0 ||
	    opt_str(root, "created", &c->created, err) < 0 ||
	    opt_str(cfg, "User", &c->user, err) < 0 ||
	    opt_str(cfg, "WorkingDir", &c->workdir, err) < 0 ||
	    opt_str(cfg, "StopSignal", &c->stop_signal, err) < 0)
		return -1;
	if (vsl_json_strv(vsl_json_get(cfg, "Env"), "image config Env", &c->env, err) < 0 ||
	    vsl_json_strv(vsl_json_get(cfg, "Entrypoint"), "image config Entrypoint",
			  &c->entrypoint, err) < 0 ||
	    vsl_json_strv(vsl_json_get(cfg, "Cmd"), "image config Cmd", &c->cmd, err) < 0)
		return -1;
	return parse_labels(cfg, c, err) < 0 ? -1 : parse_ports(cfg, c, err);
}

int vsl_image_config_parse(const char *buf, size_t len, struct vsl_image_config *c,
			   struct vsl_error *err)
{
	yajl_val root;
	int r;

	memset(c, 0, sizeof *c);
	root = vsl_json_parse(buf, len, "image config", err);
	if (!root)
		return -1;
	if (YAJL_IS_OBJECT(root))
		r = parse_root(root, c, err);
	else
		r = vsl_error_set(err, 0, "image config is not a JSON object");
	yajl_tree_free(root);
	if (r < 0)
		vsl_image_config_free(c);
	return r;
}

static bool has_var(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return true;
	return false;
}

/* The image's Env plus what docker would add when missing: PATH, and HOME for the user. */
static char **make_env(const struct vsl_image_config *c, const struct vsl_user *u)
{
	size_t n = vsl_strv_len(c->env), k;
	char **env = calloc(n + 3, sizeof *env);

	if (!env)
		return NULL;
	for (k = 0; k < n; k++)
		if (!(env[k] = strdup(c->env[k])))
			goto fail;
	if (!has_var(c->env, "PATH") && !(env[k++] = strdup(VSL_DEFAULT_PATH)))
		goto fail;
	if (!has_var(c->env, "HOME") && !(env[k++] = vsl_strf("HOME=%s", u->home ? u->home : "/")))
		goto fail;
	return env;
fail:
	vsl_strv_free(env);
	return NULL;
}

/*
 * Docker's default capability set. In a user namespace these are powers over the container's
 * own namespaces only, and package managers and init scripts in images expect them.
 */
// clang-format off
static const char *const capabilities[] = {
	"CAP_AUDIT_WRITE",
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_MKNOD",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_RAW",
	"CAP_SETFCAP",
	"CAP_SETGID",
	"CAP_SETPCAP",
	"CAP_SETUID",
	"CAP_SYS_CHROOT",
	NULL,
};
// clang-format on

/* No "network": the container uses the host's network, as a plain program would. */
static const char *const namespaces[] = { "pid", "ipc", "uts", "mount", "user", NULL };

/* runc's defaults, as docker applies them. */
static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/scsi",
	"/proc/sched_debug",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/firmware",
	NULL,
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static int gen_user(yajl_gen g, const struct vsl_user *u)
{
	int st = vsl_gen_str(g, "user") | yajl_gen_map_open(g);

	st |= vsl_gen_kv_u64(g, "uid", u->uid) | vsl_gen_kv_u64(g, "gid", u->gid);
	if (u->n_gids) {
		st |= vsl_gen_str(g, "additionalGids") | yajl_gen_array_open(g);
		for (size_t i = 0; i < u->n_gids; i++)
			st |= yajl_gen_integer(g, u->gids[i]);
		st |= yajl_gen_array_close(g);
	}
	return st | yajl_gen_map_close(g);
}

static int gen_process(yajl_gen g, const struct vsl_image_config *c, const struct vsl_user *u,
		       char *const *env)
{
	const char *wd = c->workdir && *c->workdir ? c->workdir : "/";
	cleanup_free char *cwd = NULL;
	int st;

	/* runtime-spec wants an absolute cwd; docker reads a relative WorkingDir from "/". */
	cwd = vsl_strf("%s%s", wd[0] == '/' ? "" : "/", wd);
	if (!cwd)
		return -1;
	st = vsl_gen_str(g, "process") | yajl_gen_map_open(g);
	st |= vsl_gen_kv_bool(g, "terminal", false) | gen_user(g, u);
	st |= vsl_gen_str(g, "args") | yajl_gen_array_open(g);
	for (char **a = c->entrypoint; a && *a; a++)
		st |= vsl_gen_str(g, *a);
	for (char **a = c->cmd; a && *a; a++)
		st |= vsl_gen_str(g, *a);
	st |= yajl_gen_array_close(g);
	st |= vsl_gen_kv_strv(g, "env", env) | vsl_gen_kv_str(g, "cwd", cwd);
	st |= vsl_gen_str(g, "capabilities") | yajl_gen_map_open(g);
	st |= vsl_gen_kv_strv(g, "bounding", (char *const *)capabilities);
	st |= vsl_gen_kv_strv(g, "effective", (char *const *)capabilities);
	st |= vsl_gen_kv_strv(g, "permitted", (char *const *)capabilities);
	st |= yajl_gen_map_close(g);
	st |= vsl_gen_kv_bool(g, "noNewPrivileges", true);
	return st | yajl_gen_map_close(g);
}

static int gen_mounts(yajl_gen g)
{
	int st = vsl_gen_str(g, "mounts") | yajl_gen_array_open(g);

	for (size_t i = 0; i < vsl_oci_n_mounts; i++) {
		const struct vsl_oci_mount *m = &vsl_oci_mounts[i];

		st |= yajl_gen_map_open(g);
		st |= vsl_gen_kv_str(g, "destination", m->dest);
		st |= vsl_gen_kv_str(g, "type", m->type);
		st |= vsl_gen_kv_str(g, "source", m->source);
		if (m->options[0])
			st |= vsl_gen_kv_strv(g, "options", (char *const *)m->options);
		st |= yajl_gen_map_close(g);
	}
	return st | yajl_gen_array_close(g);
}

static int gen_linux(yajl_gen g)
{
	int st = vsl_gen_str(g, "linux") | yajl_gen_map_open(g);

	st |= vsl_gen_str(g, "namespaces") | yajl_gen_array_open(g);
	for (size_t i = 0; namespaces[i]; i++)
		st |= yajl_gen_map_open(g) | vsl_gen_kv_str(g, "type", namespaces[i]) |
		      yajl_gen_map_close(g);
	st |= yajl_gen_array_close(g);
	st |= vsl_gen_kv_strv(g, "maskedPaths", (char *const *)masked_paths);
	st |= vsl_gen_kv_strv(g, "readonlyPaths", (char *const *)readonly_paths);
	return st | yajl_gen_map_close(g);
}

/* OCI image-spec's conversion keys for what runtime-spec has no field for. */
#define ANNOT_PORTS "org.opencontainers.image.exposedPorts"
#define ANNOT_STOPSIGNAL "org.opencontainers.image.stopSignal"

struct kv {
	const char *k, *v;
};

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

/* "80/tcp,443/tcp" (keys come sorted), or NULL when the image exposes nothing. */
static char *join_ports(char *const *p)
{
	size_t len = 0;
	char *s;

	for (char *const *q = p; q && *q; q++)
		len += strlen(*q) + 1;
	if (!len || !(s = calloc(1, len)))
		return NULL;
	for (char *const *q = p; *q; q++) {
		if (q != p)
			strcat(s, ",");
		strcat(s, *q);
	}
	return s;
}

static int gen_annotations(yajl_gen g, const struct vsl_image_config *c)
{
	cleanup_free char *ports = join_ports(c->exposed_ports);
	cleanup_free struct kv *a = calloc(c->n_labels + 2, sizeof *a);
	size_t n = 0;
	int st;

	if (!a || (c->exposed_ports && !ports))
		return -1;
	/* The derived keys win over labels of the same name. */
	for (size_t i = 0; i < c->n_labels; i++)
		if (!(ports && strcmp(c->label_keys[i], ANNOT_PORTS) == 0) &&
		    !(c->stop_signal && strcmp(c->label_keys[i], ANNOT_STOPSIGNAL) == 0))
			a[n++] = (struct kv){ c->label_keys[i], c->label_values[i] };
	if (ports)
		a[n++] = (struct kv){ ANNOT_PORTS, ports };
	if (c->stop_signal)
		a[n++] = (struct kv){ ANNOT_STOPSIGNAL, c->stop_signal };
	if (!n)
		return 0;
	qsort(a, n, sizeof *a, kv_cmp);
	st = vsl_gen_str(g, "annotations") | yajl_gen_map_open(g);
	for (size_t i = 0; i < n; i++)
		st |= vsl_gen_kv_str(g, a[i].k, a[i].v);
	return st | yajl_gen_map_close(g);
}

static yajl_gen gen_new(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "\t");
	}
	return g;
}

int vsl_ocispec_config(const struct vsl_image_config *c, const struct vsl_user *u, char **out,
		       size_t *len, struct vsl_error *err)
{
	char **env = make_env(c, u);
	yajl_gen g = gen_new();
	int st, r;

	if (!env || !g) {
		vsl_strv_free(env);
		if (g)
			yajl_gen_free(g);
		return vsl_error_set(err, ENOMEM, "making config.json");
	}
	st = yajl_gen_map_open(g) | vsl_gen_kv_str(g, "ociVersion", "1.0.2");
	st |= gen_process(g, c, u, env);
	st |= vsl_gen_str(g, "root") | yajl_gen_map_open(g) | vsl_gen_kv_str(g, "path", "rootfs") |
	      vsl_gen_kv_bool(g, "readonly", false) | yajl_gen_map_close(g);
	st |= gen_mounts(g) | gen_annotations(g, c) | gen_linux(g) | yajl_gen_map_close(g);
	r = st ? vsl_error_set(err, 0,
			       "making config.json failed (yajl status %d; is a string in "
			       "the image config not UTF-8?)",
			       st)
	       : vsl_gen_take(g, out, len, err);
	yajl_gen_free(g);
	vsl_strv_free(env);
	return r;
}

static int gen_time(yajl_gen g, const char *key, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return vsl_gen_kv_str(g, key, buf);
}

int vsl_ocispec_meta(const struct vsl_meta *m, const struct vsl_image_config *c, char **out,
		     size_t *len, struct vsl_error *err)
{
	yajl_gen g = gen_new();
	int st, r;

	if (!g)
		return vsl_error_set(err, ENOMEM, "making meta");
	st = yajl_gen_map_open(g) | vsl_gen_kv_str(g, "vessel_version", m->vessel_version);
	st |= vsl_gen_kv_str(g, "digest", m->digest);
	st |= vsl_gen_kv_str(g, "arch", m->arch);
	if (c->created)
		st |= vsl_gen_kv_str(g, "created", c->created);
	if (m->source_date_epoch >= 0)
		st |= gen_time(g, "built", m->source_date_epoch);
	st |= vsl_gen_kv_strv(g, "formats", (char *const *)m->formats);
	if (c->entrypoint)
		st |= vsl_gen_kv_strv(g, "entrypoint", c->entrypoint);
	if (c->cmd)
		st |= vsl_gen_kv_strv(g, "cmd", c->cmd);
	st |= yajl_gen_map_close(g);
	r = st ? vsl_error_set(err, 0, "making the meta section failed (yajl status %d)", st)
	       : vsl_gen_take(g, out, len, err);
	yajl_gen_free(g);
	return r;
}
