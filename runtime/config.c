/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json and meta parsing with yajl_tree: see config.h. Unknown fields are ignored, as
 * the OCI spec asks; a known field of the wrong type is an error naming the field, because a
 * silently ignored "args" would run the wrong program.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"

#define CONFIG_NAME "config.json"

static void tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_tree __attribute__((cleanup(tree_freep)))

/* yajl_tree wants a NUL-terminated string and stops at an embedded NUL: refuse those. */
static yajl_val parse_tree(const char *buf, size_t len, const char *what, struct vsl_error *err)
{
	cleanup_free char *copy = NULL;
	char ebuf[256] = "";
	yajl_val root;

	if (memchr(buf, '\0', len))
		return vsl_error_set(err, 0, "%s: contains a NUL byte", what), NULL;
	copy = strndup(buf, len);
	if (!copy)
		return vsl_error_set(err, ENOMEM, "%s", what), NULL;
	root = yajl_tree_parse(copy, ebuf, sizeof ebuf);
	if (!root) {
		ebuf[strcspn(ebuf, "\n")] = '\0';
		return vsl_error_set(err, 0, "%s: invalid JSON: %s", what, *ebuf ? ebuf : "?"),
		       NULL;
	}
	if (!YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return vsl_error_set(err, 0, "%s: not a JSON object", what), NULL;
	}
	return root;
}

static yajl_val get(yajl_val root, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };

	return yajl_tree_get(root, path, yajl_t_any);
}

static int get_strv_in(yajl_val v, const char *what, const char *field, struct vsl_strlist *out,
		       struct vsl_error *err)
{
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return vsl_error_set(err, 0, "%s: %s must be an array of strings", what, field);
	for (size_t i = 0; i < v->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);

		if (!s)
			return vsl_error_set(err, 0, "%s: %s[%zu] must be a string", what, field,
					     i);
		if (vsl_strlist_push(out, s, err) < 0)
			return -1;
	}
	return 0;
}

static int get_strv(yajl_val v, const char *field, struct vsl_strlist *out, struct vsl_error *err)
{
	return get_strv_in(v, CONFIG_NAME, field, out, err);
}

static int get_id(yajl_val v, const char *field, uint32_t *out, struct vsl_error *err)
{
	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v) || v->u.number.i < 0 || v->u.number.i >= (long long)UINT32_MAX)
		return vsl_error_set(err, 0, CONFIG_NAME ": %s must be an id in [0, %u)", field,
				     UINT32_MAX);
	*out = (uint32_t)v->u.number.i;
	return 0;
}

static int get_str(yajl_val v, const char *field, char **out, struct vsl_error *err)
{
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return vsl_error_set(err, 0, CONFIG_NAME ": %s must be a string", field);
	*out = strdup(v->u.string);
	return *out ? 0 : vsl_error_set(err, ENOMEM, CONFIG_NAME);
}

static int get_bool(yajl_val v, const char *field, bool *out, struct vsl_error *err)
{
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return vsl_error_set(err, 0, CONFIG_NAME ": %s must be true or false", field);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

static int get_gids(yajl_val v, struct vsl_config *c, struct vsl_error *err)
{
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return vsl_error_set(err, 0,
				     CONFIG_NAME ": process.user.additionalGids must be an "
						 "array of ids");
	if (v->u.array.len == 0)
		return 0;
	c->additional_gids = calloc(v->u.array.len, sizeof *c->additional_gids);
	if (!c->additional_gids)
		return vsl_error_set(err, ENOMEM, CONFIG_NAME);
	for (size_t i = 0; i < v->u.array.len; i++)
		if (get_id(v->u.array.values[i], "process.user.additionalGids[]",
			   &c->additional_gids[c->n_additional_gids++], err) < 0)
			return -1;
	return 0;
}

static int fill(yajl_val root, struct vsl_config *c, struct vsl_error *err)
{
	if (get_strv(get(root, "process", "args", NULL), "process.args", &c->args, err) < 0 ||
	    get_strv(get(root, "process", "env", NULL), "process.env", &c->env, err) < 0 ||
	    get_str(get(root, "process", "cwd", NULL), "process.cwd", &c->cwd, err) < 0 ||
	    get_id(get(root, "process", "user", "uid"), "process.user.uid", &c->uid, err) < 0 ||
	    get_id(get(root, "process", "user", "gid"), "process.user.gid", &c->gid, err) < 0 ||
	    get_gids(get(root, "process", "user", "additionalGids"), c, err) < 0 ||
	    get_bool(get(root, "process", "terminal", NULL), "process.terminal", &c->terminal,
		     err) < 0 ||
	    get_str(get(root, "hostname", NULL, NULL), "hostname", &c->hostname, err) < 0 ||
	    get_bool(get(root, "root", "readonly", NULL), "root.readonly", &c->root_readonly, err) <
		    0)
		return -1;
	if (c->cwd && c->cwd[0] != '/')
		return vsl_error_set(err, 0, CONFIG_NAME ": process.cwd '%s' must be absolute",
				     c->cwd);
	if (!c->cwd && !(c->cwd = strdup("/")))
		return vsl_error_set(err, ENOMEM, CONFIG_NAME);
	return 0;
}

int vsl_config_parse(const char *buf, size_t len, struct vsl_config *c, struct vsl_error *err)
{
	cleanup_tree yajl_val root = NULL;

	memset(c, 0, sizeof *c);
	root = parse_tree(buf, len, CONFIG_NAME, err);
	if (!root)
		return -1;
	if (fill(root, c, err) < 0) {
		vsl_config_free(c);
		return -1;
	}
	return 0;
}

void vsl_config_free(struct vsl_config *c)
{
	vsl_strlist_free(&c->args);
	vsl_strlist_free(&c->env);
	free(c->cwd);
	free(c->additional_gids);
	free(c->hostname);
	memset(c, 0, sizeof *c);
}

/* Append sep and the scalar v to *line as text; false if v is not a scalar. */
static bool scalar_text(yajl_val v, const char *sep, char **line)
{
	const char *s = YAJL_IS_STRING(v)   ? v->u.string
			: YAJL_IS_NUMBER(v) ? v->u.number.r
			: YAJL_IS_TRUE(v)   ? "true"
			: YAJL_IS_FALSE(v)  ? "false"
					    : NULL;
	char *n = NULL;

	if (!s || asprintf(&n, "%s%s%s", *line, sep, s) < 0)
		return false;
	free(*line);
	*line = n;
	return true;
}

int vsl_meta_describe(const char *buf, size_t len, struct vsl_strlist *lines, struct vsl_error *err)
{
	cleanup_tree yajl_val root = parse_tree(buf, len, "meta", err);

	if (!root)
		return -1;
	for (size_t i = 0; i < root->u.object.len; i++) {
		yajl_val v = root->u.object.values[i];
		char *line = NULL;
		bool any = false;

		if (asprintf(&line, "%s: ", root->u.object.keys[i]) < 0)
			return vsl_error_set(err, ENOMEM, "meta");
		if (YAJL_IS_ARRAY(v)) {
			for (size_t j = 0; j < v->u.array.len; j++)
				if (scalar_text(v->u.array.values[j], any ? ", " : "", &line))
					any = true;
		} else {
			any = scalar_text(v, "", &line);
		}
		if (!any) {
			free(line);
			continue;
		}
		if (vsl_strlist_push_owned(lines, line, err) < 0)
			return -1;
	}
	return 0;
}

int vsl_meta_cmd_parse(const char *buf, size_t len, struct vsl_meta_cmd *m, struct vsl_error *err)
{
	cleanup_tree yajl_val root = NULL;

	memset(m, 0, sizeof *m);
	root = parse_tree(buf, len, "meta", err);
	if (!root)
		return -1;
	if (get_strv_in(get(root, "entrypoint", NULL, NULL), "meta", "entrypoint", &m->entrypoint,
			err) < 0 ||
	    get_strv_in(get(root, "cmd", NULL, NULL), "meta", "cmd", &m->cmd, err) < 0) {
		vsl_meta_cmd_free(m);
		return -1;
	}
	return 0;
}

void vsl_meta_cmd_free(struct vsl_meta_cmd *m)
{
	vsl_strlist_free(&m->entrypoint);
	vsl_strlist_free(&m->cmd);
}
