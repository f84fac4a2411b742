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
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "userspec.h"

enum opt_id {
	OPT_ENV,
	OPT_ENV_FILE,
	OPT_VOLUME,
	OPT_WORKDIR,
	OPT_ENTRYPOINT,
	OPT_USER,
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
	{ OPT_HELP, 'h', "help", false },
	{ OPT_VERSION, 0, "version", false },
};

#define N_OPTS (sizeof opt_defs / sizeof opt_defs[0])

const char *vsl_options_help(void)
{
	return "Runs the container image packed into this file.\n"
	       "\n"
	       "Options (stop at -- or at the first argument that is not an option; the\n"
	       "arguments from there on replace the image's CMD):\n"
	       "  -e, --env KEY=VALUE      set a variable (KEY alone: take it from this shell)\n"
	       "      --env-file FILE      read KEY=VALUE lines (# comments) from FILE\n"
	       "  -v, --volume HOST:CTR[:ro|rw]\n"
	       "                           bind-mount HOST (must exist) at CTR (absolute)\n"
	       "  -w, --workdir DIR        working directory inside the container\n"
	       "      --entrypoint CMD     replace the image's entrypoint (\"\" clears it)\n"
	       "  -u, --user USER[:GROUP]  user to run as (names from the image's /etc/passwd)\n"
	       "  -h, --help               show this help\n"
	       "      --version            show the vessel version and the packed image\n"
	       "\n"
	       "Environment: VESSEL_DEBUG=1 logs each decision; VESSEL_CACHE_DIR and\n"
	       "VESSEL_TMPDIR choose where the image is unpacked and where runs keep state.\n";
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
	if (c1[1] != '/' || ctr_len == 1)
		return vsl_error_set(err, 0,
				     "invalid volume '%s': the container path must be absolute "
				     "and not /",
				     spec);
	if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		return vsl_error_set(err, 0, "invalid volume '%s': mode '%s' is not ro or rw", spec,
				     mode);
	v->readonly = mode && strcmp(mode, "ro") == 0;
	v->host = strndup(spec, (size_t)(c1 - spec));
	v->ctr = strndup(c1 + 1, ctr_len);
	if (!v->host || !v->ctr) {
		free(v->host);
		free(v->ctr);
		v->host = v->ctr = NULL;
		return vsl_error_set(err, ENOMEM, "volume '%s'", spec);
	}
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
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_VERSION:
		o->version = true;
		return 0;
	}
	return 0;
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

/*
 * Handle argv[*i], an option. Accepted forms: --name, --name=value, --name value, -x value,
 * -xvalue. Advances *i past any separate value.
 */
static int parse_one(int argc, char *const argv[], int *i, char *const host_env[],
		     struct vsl_options *o, struct vsl_error *err)
{
	const char *arg = argv[*i], *inline_val = NULL;
	const struct opt_def *d;

	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');

		d = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (d && eq && !d->has_arg)
			return vsl_error_set(err, 0, "option --%s takes no value", d->long_name);
		inline_val = eq ? eq + 1 : NULL;
	} else {
		d = find_short(arg[1]);
		if (d && arg[2] && !d->has_arg)
			d = NULL; /* "-hx": no bundling of flags; treat as unknown */
		inline_val = arg[2] ? arg + 2 : NULL;
	}
	if (!d) {
		const char *eq = strchr(arg, '=');

		return vsl_error_set(err, 0,
				     "unknown option %.*s (use -- to pass it to the container)",
				     eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	}
	if (d->has_arg && !inline_val) {
		if (*i + 1 >= argc)
			return vsl_error_set(err, 0, "option %s needs a value", arg);
		inline_val = argv[++*i];
	}
	return apply(o, d->id, inline_val, host_env, err);
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
	vsl_strlist_free(&o->args);
	memset(o, 0, sizeof *o);
}
