/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub's option parser: see options.h. It is table-driven and hand-written rather than
 * getopt_long because getopt keeps its state in globals (optind, optarg) and prints its own
 * errors, while we need a reentrant pure function, docker's "stop at the first non-option"
 * rule, and our own message for unknown options.
 */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "userspec.h"

enum opt_id {
	OPT_ENV,
	OPT_ENV_FILE,
	OPT_VOLUME,
	OPT_WORKDIR,
	OPT_ENTRYPOINT,
	OPT_USER,
	OPT_READ_ONLY,
	OPT_TMPFS,
	OPT_NET,
	OPT_HOSTNAME,
	OPT_TTY,
	OPT_INTERACTIVE,
	OPT_HELP,
	OPT_VERSION
};

struct opt_def {
	enum opt_id id;
	char short_name; /* 0 if none */
	const char *long_name;
	bool has_arg;
};

static const struct opt_def opt_defs[] = {
	{ OPT_ENV, 'e', "env", true },
	{ OPT_ENV_FILE, 0, "env-file", true },
	{ OPT_VOLUME, 'v', "volume", true },
	{ OPT_WORKDIR, 'w', "workdir", true },
	{ OPT_ENTRYPOINT, 0, "entrypoint", true },
	{ OPT_USER, 'u', "user", true },
	{ OPT_READ_ONLY, 0, "read-only", false },
	{ OPT_TMPFS, 0, "tmpfs", true },
	{ OPT_NET, 0, "net", true },
	{ OPT_NET, 0, "network", true },
	{ OPT_HOSTNAME, 0, "hostname", true },
	{ OPT_TTY, 't', "tty", false },
	{ OPT_INTERACTIVE, 'i', "interactive", false },
	{ OPT_HELP, 'h', "help", false },
	{ OPT_VERSION, 0, "version", false },
};

#define N_OPTS (sizeof opt_defs / sizeof opt_defs[0])

const char *vsl_options_help(void)
{
	return "Runs the container image packed into this file, like `docker run IMAGE`.\n"
	       "\n"
	       "Options (stop at -- or at the first argument that is not an option; the\n"
	       "arguments from there on replace the image's CMD; short flags bundle: -it):\n"
	       "  -e, --env KEY=VALUE      set a variable (KEY alone: take it from this shell)\n"
	       "      --env-file FILE      read KEY=VALUE lines (# comments) from FILE\n"
	       "  -v, --volume HOST:CTR[:ro|rw]\n"
	       "                           bind-mount HOST (a dir or a file that must exist;\n"
	       "                           relative to the current dir) at CTR (absolute)\n"
	       "  -w, --workdir DIR        working directory inside the container\n"
	       "      --entrypoint CMD     replace the image's entrypoint (\"\" clears it)\n"
	       "  -u, --user USER[:GROUP]  user to run as (names from the image's /etc/passwd)\n"
	       "      --read-only          make the container's root read-only (no writable\n"
	       "                           layer; /tmp, --tmpfs and -v mounts stay writable)\n"
	       "      --tmpfs PATH[:OPTS]  a fresh tmpfs at PATH; OPTS as docker's:\n"
	       "                           size=64m,mode=1777,uid=N,gid=N,exec,ro,...\n"
	       "                           (default: nosuid,nodev,noexec)\n"
	       "      --net host|none      the host's network (default), or only loopback\n"
	       "      --hostname NAME      the container's host name\n"
	       "  -t, --tty                give the container a terminal of its own\n"
	       "  -i, --interactive        with -t: pass what you type to it (without -t the\n"
	       "                           container always reads this command's stdin)\n"
	       "  -h, --help               show this help\n"
	       "      --version            show the vessel version and the packed image\n"
	       "\n"
	       "Examples:\n"
	       "  ./app                                  run the image's command\n"
	       "  ./app -- ls -l /                       run another command (-- is optional)\n"
	       "  ./app -it sh                           an interactive shell\n"
	       "  ./app -e DEBUG=1 --env-file ./env      set variables\n"
	       "  ./app -v ./data:/data -v /etc/ssl/certs/ca-certificates.crt:/etc/ca.pem:ro\n"
	       "  ./app --read-only --tmpfs /run:size=16m -u nobody\n"
	       "  ./app --net none --hostname sandbox -w /tmp -- sh -c 'hostname; pwd'\n"
	       "\n"
	       "Exit status: the command's own; 125 when vessel itself fails (bad option,\n"
	       "setup), 126 when the command cannot be executed, 127 when it is not found,\n"
	       "128+N when it was killed by signal N (130 for Ctrl-C).\n"
	       "\n"
	       "Environment: VESSEL_DEBUG=1 logs each decision; VESSEL_CACHE_DIR and\n"
	       "VESSEL_TMPDIR choose where the image is unpacked and where runs keep state.\n";
}

char *vsl_path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = malloc(len + 2), *o = out;

	if (!out)
		return NULL;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else if (n && !(n == 1 && p[0] == '.')) {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/* *out = cleaned copy of the container path ctr (len bytes), which must be absolute, not "/". */
static int ctr_path(const char *ctr, size_t len, const char *what, const char *spec, char **out,
		    struct vsl_error *err)
{
	cleanup_free char *raw = strndup(ctr, len);

	*out = NULL;
	if (!raw)
		return vsl_error_set(err, ENOMEM, "%s '%s'", what, spec);
	if (raw[0] != '/')
		return vsl_error_set(err, 0,
				     "invalid %s '%s': the container path must be absolute "
				     "and not /",
				     what, spec);
	*out = vsl_path_clean(raw);
	if (!*out)
		return vsl_error_set(err, ENOMEM, "%s '%s'", what, spec);
	if (strcmp(*out, "/") == 0) {
		free(*out);
		*out = NULL;
		return vsl_error_set(err, 0,
				     "invalid %s '%s': the container path must be absolute "
				     "and not /",
				     what, spec);
	}
	return 0;
}

int vsl_volume_parse(const char *spec, struct vsl_volume *v, struct vsl_error *err)
{
	const char *c1 = strchr(spec, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *mode = c2 ? c2 + 1 : NULL;
	size_t ctr_len;

	memset(v, 0, sizeof *v);
	if (!c1 || c1 == spec || (mode && strchr(mode, ':')))
		return vsl_error_set(err, 0, "invalid volume '%s' (want HOST:CONTAINER[:ro|rw])",
				     spec);
	ctr_len = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		return vsl_error_set(err, 0, "invalid volume '%s': mode '%s' is not ro or rw", spec,
				     mode);
	if (ctr_path(c1 + 1, ctr_len, "volume", spec, &v->ctr, err) < 0)
		return -1;
	v->readonly = mode && strcmp(mode, "ro") == 0;
	v->host = strndup(spec, (size_t)(c1 - spec));
	if (!v->host) {
		free(v->ctr);
		v->ctr = NULL;
		return vsl_error_set(err, ENOMEM, "volume '%s'", spec);
	}
	return 0;
}

struct flag_word {
	const char *name;
	unsigned long set, clear;
};

static const struct flag_word flag_words[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "exec", 0, MS_NOEXEC },
	{ "noexec", MS_NOEXEC, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nosuid", MS_NOSUID, 0 },
	{ "dev", 0, MS_NODEV },
	{ "nodev", MS_NODEV, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "atime", 0, MS_NOATIME },
	{ "noatime", MS_NOATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, MS_STRICTATIME },
	{ "strictatime", MS_STRICTATIME, MS_RELATIME },
};

/* The tmpfs value grammar: digits, then (when allowed) one of k m g (any case) or %. */
static bool tmpfs_value_ok(const char *key, const char *v)
{
	bool octal = strcmp(key, "mode") == 0;
	bool suffix = strcmp(key, "size") == 0 || strcmp(key, "nr_inodes") == 0 ||
		      strcmp(key, "nr_blocks") == 0;
	const char *p = v;

	while (*p >= '0' && *p <= (octal ? '7' : '9'))
		p++;
	if (p == v || p - v > 20)
		return false;
	if (octal)
		return !*p && strtoul(v, NULL, 8) <= 07777;
	if (suffix && *p && strchr(strcmp(key, "size") == 0 ? "kKmMgG%" : "kKmMgG", *p))
		p++;
	return !*p;
}

static bool tmpfs_data_key(const char *word, size_t len)
{
	static const char *const keys[] = {
		"size", "nr_blocks", "nr_inodes", "mode", "uid", "gid"
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], word, len) == 0)
			return true;
	return false;
}

/* One comma-separated word of --tmpfs options: a flag word, or key=value appended to data. */
static int tmpfs_word(const char *word, unsigned long *flags, char *data, struct vsl_error *err)
{
	const char *eq = strchr(word, '=');
	char key[16];

	if (!eq) {
		for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
			if (strcmp(flag_words[i].name, word) == 0) {
				*flags = (*flags & ~flag_words[i].clear) | flag_words[i].set;
				return 0;
			}
	} else if (tmpfs_data_key(word, (size_t)(eq - word))) {
		snprintf(key, sizeof key, "%.*s", (int)(eq - word), word);
		if (!tmpfs_value_ok(key, eq + 1))
			return vsl_error_set(err, 0, "bad value in tmpfs option '%s'", word);
		if (*data)
			strcat(data, ",");
		strcat(data, word);
		return 0;
	}
	return vsl_error_set(err, 0,
			     "unknown tmpfs option '%s' (known: size= mode= uid= gid= nr_inodes= "
			     "nr_blocks= ro rw exec noexec suid nosuid dev nodev and atime words)",
			     word);
}

int vsl_tmpfs_options(const char *opts, unsigned long *flags, char **data, struct vsl_error *err)
{
	cleanup_free char *copy = strdup(opts ? opts : "");
	cleanup_free char *out = malloc(copy ? strlen(copy) + 1 : 1);
	char *save = NULL;

	*data = NULL;
	*flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (!copy || !out)
		return vsl_error_set(err, ENOMEM, "tmpfs options");
	out[0] = '\0';
	if (copy[0] && (copy[0] == ',' || copy[strlen(copy) - 1] == ',' || strstr(copy, ",,")))
		return vsl_error_set(err, 0, "empty word in tmpfs options '%s'", copy);
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (tmpfs_word(w, flags, out, err) < 0)
			return -1;
	*data = steal_pointer(&out);
	return 0;
}

int vsl_tmpfs_parse(const char *spec, struct vsl_tmpfs *t, struct vsl_error *err)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long flags;
	char *data = NULL;

	memset(t, 0, sizeof *t);
	if (len == 0 || spec[0] != '/')
		return vsl_error_set(err, 0,
				     "invalid --tmpfs '%s': the path must be absolute, e.g. "
				     "--tmpfs /scratch:size=64m",
				     spec);
	if (ctr_path(spec, len, "--tmpfs", spec, &t->path, err) < 0)
		return -1;
	if (vsl_tmpfs_options(colon ? colon + 1 : NULL, &flags, &data, err) < 0) {
		free(t->path);
		t->path = NULL;
		return vsl_error_wrap(err, "invalid --tmpfs '%s'", spec);
	}
	free(data);
	if (colon && colon[1] && !(t->options = strdup(colon + 1))) {
		free(t->path);
		t->path = NULL;
		return vsl_error_set(err, ENOMEM, "--tmpfs '%s'", spec);
	}
	return 0;
}

int vsl_hostname_check(const char *name, struct vsl_error *err)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 64 && name[0] != '-' && name[0] != '.';

	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '.';
	}
	if (!ok)
		return vsl_error_set(err, 0,
				     "invalid --hostname '%s': use 1 to 64 letters, digits, '-' "
				     "and '.', not starting with '-' or '.'",
				     name);
	return 0;
}

static int set_string(char **slot, const char *val, struct vsl_error *err)
{
	char *dup = strdup(val);

	if (!dup)
		return vsl_error_set(err, ENOMEM, "options");
	free(*slot);
	*slot = dup;
	return 0;
}

static int add_volume(struct vsl_options *o, const char *val, struct vsl_error *err)
{
	struct vsl_volume v, *nv;

	if (vsl_volume_parse(val, &v, err) < 0)
		return -1;
	nv = realloc(o->volumes, (o->n_volumes + 1) * sizeof *nv);
	if (!nv) {
		free(v.host);
		free(v.ctr);
		return vsl_error_set(err, ENOMEM, "options");
	}
	nv[o->n_volumes++] = v;
	o->volumes = nv;
	return 0;
}

static int add_tmpfs(struct vsl_options *o, const char *val, struct vsl_error *err)
{
	struct vsl_tmpfs t, *nt;

	if (vsl_tmpfs_parse(val, &t, err) < 0)
		return -1;
	nt = realloc(o->tmpfs, (o->n_tmpfs + 1) * sizeof *nt);
	if (!nt) {
		free(t.path);
		free(t.options);
		return vsl_error_set(err, ENOMEM, "options");
	}
	nt[o->n_tmpfs++] = t;
	o->tmpfs = nt;
	return 0;
}

static int set_net(struct vsl_options *o, const char *val, struct vsl_error *err)
{
	if (strcmp(val, "host") == 0)
		o->net = VSL_NET_HOST;
	else if (strcmp(val, "none") == 0)
		o->net = VSL_NET_NONE;
	else
		return vsl_error_set(err, 0,
				     "invalid --net '%s': use host (the host's network, the "
				     "default) or none (only a loopback interface)",
				     val);
	return 0;
}

/* The options that only set a flag. */
static void apply_flag(struct vsl_options *o, enum opt_id id)
{
	switch (id) {
	case OPT_READ_ONLY:
		o->read_only = true;
		break;
	case OPT_TTY:
		o->tty = true;
		break;
	case OPT_INTERACTIVE:
		o->interactive = true;
		break;
	case OPT_HELP:
		o->help = true;
		break;
	case OPT_VERSION:
		o->version = true;
		break;
	default:
		break;
	}
}

static int apply(struct vsl_options *o, enum opt_id id, const char *val, char *const host_env[],
		 struct vsl_error *err)
{
	struct vsl_userspec us;
	char *kv;

	switch (id) {
	case OPT_ENV:
		if (vsl_env_resolve(val, host_env, "--env", &kv, err) < 0)
			return -1;
		return kv ? vsl_strlist_push_owned(&o->env, kv, err) : 0;
	case OPT_ENV_FILE:
		return vsl_strlist_push(&o->env_files, val, err);
	case OPT_VOLUME:
		return add_volume(o, val, err);
	case OPT_WORKDIR:
		if (val[0] != '/')
			return vsl_error_set(
				err, 0, "invalid --workdir '%s': it must be an absolute path", val);
		return set_string(&o->workdir, val, err);
	case OPT_ENTRYPOINT:
		return set_string(&o->entrypoint, val, err);
	case OPT_USER:
		if (vsl_userspec_parse(val, &us, err) < 0)
			return -1;
		vsl_passwd_spec_free(&us);
		return set_string(&o->user, val, err);
	case OPT_TMPFS:
		return add_tmpfs(o, val, err);
	case OPT_NET:
		return set_net(o, val, err);
	case OPT_HOSTNAME:
		if (vsl_hostname_check(val, err) < 0)
			return -1;
		return set_string(&o->hostname, val, err);
	default:
		apply_flag(o, id);
		return 0;
	}
}

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (strlen(opt_defs[i].long_name) == len &&
		    memcmp(opt_defs[i].long_name, name, len) == 0)
			return &opt_defs[i];
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (opt_defs[i].short_name == c)
			return &opt_defs[i];
	return NULL;
}

static int unknown(const char *arg, struct vsl_error *err)
{
	const char *eq = strchr(arg, '=');

	return vsl_error_set(err, 0, "unknown option %.*s (use -- to pass it to the container)",
			     eq ? (int)(eq - arg) : (int)strlen(arg), arg);
}

/* The value of an option that takes one: inline, or the next argument (advancing *i). */
static const char *value_of(int argc, char *const argv[], int *i, const char *inline_val,
			    struct vsl_error *err)
{
	if (inline_val)
		return inline_val;
	if (*i + 1 >= argc)
		return vsl_error_set(err, 0, "option %s needs a value", argv[*i]), NULL;
	return argv[++*i];
}

/* "-x", "-xVALUE", "-x VALUE", and bundles of flags that may end in one taking a value, as
 * docker's -it or -ite K=V. A bundle with an unknown letter is reported whole. */
static int parse_short(int argc, char *const argv[], int *i, char *const host_env[],
		       struct vsl_options *o, struct vsl_error *err)
{
	const char *arg = argv[*i];

	for (const char *c = arg + 1; *c; c++) {
		const struct opt_def *d = find_short(*c);
		const char *val;

		if (!d)
			return unknown(arg, err);
		if (!d->has_arg) {
			apply_flag(o, d->id);
			continue;
		}
		val = value_of(argc, argv, i, c[1] ? c + 1 : NULL, err);
		if (!val)
			return -1;
		return apply(o, d->id, val, host_env, err);
	}
	return 0;
}

/*
 * Handle argv[*i], an option. Accepted forms: --name, --name=value, --name value, and the
 * short forms of parse_short. Advances *i past any separate value.
 */
static int parse_one(int argc, char *const argv[], int *i, char *const host_env[],
		     struct vsl_options *o, struct vsl_error *err)
{
	const char *arg = argv[*i], *eq, *val = NULL;
	const struct opt_def *d;

	if (arg[1] != '-')
		return parse_short(argc, argv, i, host_env, o, err);
	eq = strchr(arg + 2, '=');
	d = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
	if (!d)
		return unknown(arg, err);
	if (eq && !d->has_arg)
		return vsl_error_set(err, 0, "option --%s takes no value", d->long_name);
	if (d->has_arg && !(val = value_of(argc, argv, i, eq ? eq + 1 : NULL, err)))
		return -1;
	return apply(o, d->id, val, host_env, err);
}

int vsl_options_parse(int argc, char *const argv[], char *const host_env[], struct vsl_options *o,
		      struct vsl_error *err)
{
	int i;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		/* "-" alone is an argument, like a file name meaning stdin. */
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (parse_one(argc, argv, &i, host_env, o, err) < 0)
			goto fail;
	}
	for (; i < argc; i++)
		if (vsl_strlist_push(&o->args, argv[i], err) < 0)
			goto fail;
	return 0;
fail:
	vsl_options_free(o);
	return -1;
}

void vsl_options_free(struct vsl_options *o)
{
	vsl_strlist_free(&o->env);
	vsl_strlist_free(&o->env_files);
	for (size_t i = 0; i < o->n_volumes; i++) {
		free(o->volumes[i].host);
		free(o->volumes[i].ctr);
	}
	free(o->volumes);
	free(o->workdir);
	free(o->entrypoint);
	free(o->user);
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		free(o->tmpfs[i].path);
		free(o->tmpfs[i].options);
	}
	free(o->tmpfs);
	free(o->hostname);
	vsl_strlist_free(&o->args);
	memset(o, 0, sizeof *o);
}
