/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Environment lists and the docker --env-file format: see env.h. No syscalls in here.
 */
#define _GNU_SOURCE
#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

int vsl_strlist_push_owned(struct vsl_strlist *sv, char *s, struct vsl_error *err)
{
	char **nv;

	if (!s)
		return vsl_error_set(err, ENOMEM, "environment");
	nv = realloc(sv->v, (sv->n + 2) * sizeof *nv);
	if (!nv) {
		free(s);
		return vsl_error_set(err, ENOMEM, "environment");
	}
	nv[sv->n++] = s;
	nv[sv->n] = NULL;
	sv->v = nv;
	return 0;
}

int vsl_strlist_push(struct vsl_strlist *sv, const char *s, struct vsl_error *err)
{
	return vsl_strlist_push_owned(sv, strdup(s), err);
}

void vsl_strlist_free(struct vsl_strlist *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

const char *vsl_env_get(char *const env[], const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

int vsl_env_resolve(const char *entry, char *const host_env[], const char *where, char **out,
		    struct vsl_error *err)
{
	size_t klen = key_len(entry);
	const char *val;

	*out = NULL;
	if (klen == 0)
		return vsl_error_set(err, 0, "%s: '%s' has no variable name (want KEY=VALUE)",
				     where, entry);
	for (size_t i = 0; i < klen; i++)
		if (entry[i] == ' ' || entry[i] == '\t' || entry[i] == '\n')
			return vsl_error_set(err, 0, "%s: variable name '%.*s' contains whitespace",
					     where, (int)klen, entry);
	if (entry[klen] == '=') {
		*out = strdup(entry);
		return *out ? 0 : vsl_error_set(err, ENOMEM, "%s", where);
	}
	val = vsl_env_get(host_env, entry);
	if (!val)
		return 0;
	if (asprintf(out, "%s=%s", entry, val) < 0) {
		*out = NULL;
		return vsl_error_set(err, ENOMEM, "%s", where);
	}
	return 0;
}

static int envfile_line(const char *line, size_t len, const char *name, unsigned lineno,
			char *const host_env[], struct vsl_strlist *out, struct vsl_error *err)
{
	cleanup_free char *copy = NULL, *where = NULL;
	char *kv = NULL;

	/* docker trims leading blanks only; the value keeps its trailing spaces. */
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0 || *line == '#')
		return 0;
	copy = strndup(line, len);
	if (!copy || asprintf(&where, "%s:%u", name, lineno) < 0) {
		where = NULL;
		return vsl_error_set(err, ENOMEM, "%s", name);
	}
	if (strlen(copy) != len)
		return vsl_error_set(err, 0, "%s: contains a NUL byte", where);
	if (vsl_env_resolve(copy, host_env, where, &kv, err) < 0)
		return -1;
	return kv ? vsl_strlist_push_owned(out, kv, err) : 0;
}

int vsl_envfile_parse(const char *buf, size_t len, const char *name, char *const host_env[],
		      struct vsl_strlist *out, struct vsl_error *err)
{
	unsigned lineno = 0;
	size_t at = 0;

	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (envfile_line(buf + at, end - at, name, ++lineno, host_env, out, err) < 0)
			return -1;
		at = end + 1;
	}
	return 0;
}

int vsl_env_merge(struct vsl_strlist *env, char *const add[], size_t n_add, struct vsl_error *err)
{
	for (size_t i = 0; i < n_add; i++) {
		size_t klen = key_len(add[i]);
		size_t j;

		for (j = 0; j < env->n; j++)
			if (key_len(env->v[j]) == klen && strncmp(env->v[j], add[i], klen) == 0)
				break;
		if (j == env->n) {
			if (vsl_strlist_push(env, add[i], err) < 0)
				return -1;
			continue;
		}
		char *dup = strdup(add[i]);

		if (!dup)
			return vsl_error_set(err, ENOMEM, "environment");
		free(env->v[j]);
		env->v[j] = dup;
	}
	return 0;
}
