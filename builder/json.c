/* SPDX-License-Identifier: Apache-2.0 */
/* yajl helpers for the builder: see json.h. */
#define _GNU_SOURCE
#include "json.h"

#include <stdarg.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

yajl_val vsl_json_parse(const void *buf, size_t len, const char *what, struct vsl_error *err)
{
	cleanup_free char *copy = NULL;
	char ebuf[256] = "";
	yajl_val v;

	/* yajl_tree wants a C string: an embedded NUL would silently cut the document short. */
	if (memchr(buf, '\0', len)) {
		vsl_error_set(err, 0, "%s is not JSON (it contains a NUL byte)", what);
		return NULL;
	}
	copy = malloc(len + 1);
	if (!copy) {
		vsl_error_set(err, ENOMEM, "%s", what);
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	v = yajl_tree_parse(copy, ebuf, sizeof ebuf);
	if (!v) {
		/* yajl's message spans lines and quotes the input; keep the first line. */
		ebuf[strcspn(ebuf, "\n")] = '\0';
		vsl_error_set(err, 0, "%s is not valid JSON: %s", what,
			      ebuf[0] ? ebuf : "parse error");
		return NULL;
	}
	return v;
}

yajl_val vsl_json_get(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	/* The last duplicate wins, as in most JSON readers (Go's encoding/json included). */
	for (i = obj->u.object.len; i-- > 0;)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

const char *vsl_json_str(yajl_val obj, const char *key)
{
	yajl_val v = vsl_json_get(obj, key);

	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

yajl_val vsl_json_obj(yajl_val obj, const char *key)
{
	yajl_val v = vsl_json_get(obj, key);

	return YAJL_IS_OBJECT(v) ? v : NULL;
}

yajl_val vsl_json_arr(yajl_val obj, const char *key)
{
	yajl_val v = vsl_json_get(obj, key);

	return YAJL_IS_ARRAY(v) ? v : NULL;
}

void vsl_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t vsl_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int vsl_json_strv(yajl_val v, const char *what, char ***out, struct vsl_error *err)
{
	char **r;
	size_t i, n;

	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return vsl_error_set(err, 0, "%s must be an array of strings", what);
	n = v->u.array.len;
	r = calloc(n + 1, sizeof *r);
	if (!r)
		return vsl_error_set(err, ENOMEM, "%s", what);
	for (i = 0; i < n; i++) {
		yajl_val item = v->u.array.values[i];

		if (!YAJL_IS_STRING(item)) {
			vsl_strv_free(r);
			return vsl_error_set(err, 0, "%s[%zu] is not a string", what, i);
		}
		r[i] = strdup(item->u.string);
		if (!r[i]) {
			vsl_strv_free(r);
			return vsl_error_set(err, ENOMEM, "%s", what);
		}
	}
	*out = r;
	return 0;
}

int vsl_gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

int vsl_gen_kv_str(yajl_gen g, const char *key, const char *val)
{
	return vsl_gen_str(g, key) | vsl_gen_str(g, val);
}

int vsl_gen_kv_u64(yajl_gen g, const char *key, uint64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)val);

	/* yajl_gen_integer takes a signed long long; a uid near 2^32 fits, but be exact anyway. */
	return vsl_gen_str(g, key) | yajl_gen_number(g, num, (size_t)n);
}

int vsl_gen_kv_bool(yajl_gen g, const char *key, bool val)
{
	return vsl_gen_str(g, key) | yajl_gen_bool(g, val);
}

int vsl_gen_kv_strv(yajl_gen g, const char *key, char *const *v)
{
	int st = vsl_gen_str(g, key) | yajl_gen_array_open(g);

	for (; v && *v; v++)
		st |= vsl_gen_str(g, *v);
	return st | yajl_gen_array_close(g);
}

int vsl_gen_take(yajl_gen g, char **out, size_t *len, struct vsl_error *err)
{
	const unsigned char *buf;
	size_t n;
	char *r;

	if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok)
		return vsl_error_set(err, 0, "generating JSON failed (this is a bug in vessel)");
	r = malloc(n + 1);
	if (!r)
		return vsl_error_set(err, ENOMEM, "generating JSON");
	memcpy(r, buf, n);
	r[n] = '\0';
	*out = r;
	*len = n;
	return 0;
}

char *vsl_strf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}
