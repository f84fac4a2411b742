/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers over yajl for the builder: parse a bounded buffer into a tree with an error that
 * names the document, typed field look-ups that return NULL for "absent or wrong type", string
 * vectors, yajl_gen shorthands, and a printf-to-heap helper. All pure: no syscalls, so the parsers built on them can be
 * fuzzed.
 */
#ifndef VSL_BUILDER_JSON_H
#define VSL_BUILDER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "error.h"

/* Parse len bytes (no NUL needed). what names the document in the error, e.g. "manifest X". */
yajl_val vsl_json_parse(const void *buf, size_t len, const char *what, struct vsl_error *err);

/* Object member by key, or NULL when obj is not an object or has no such key. */
yajl_val vsl_json_get(yajl_val obj, const char *key);
/* The member if it is a string, else NULL. */
const char *vsl_json_str(yajl_val obj, const char *key);
/* The member if it is an object / an array, else NULL. */
yajl_val vsl_json_obj(yajl_val obj, const char *key);
yajl_val vsl_json_arr(yajl_val obj, const char *key);

/*
 * A NULL-terminated copy of an array of strings. *out is NULL when v is NULL or JSON null
 * (absent is not an error), else a vector (possibly empty). Non-string items are an error
 * naming what.
 */
int vsl_json_strv(yajl_val v, const char *what, char ***out, struct vsl_error *err);
void vsl_strv_free(char **v);
size_t vsl_strv_len(char *const *v);

/* yajl_gen shorthands; they return the yajl status so callers can OR them together. */
int vsl_gen_str(yajl_gen g, const char *s);
int vsl_gen_kv_str(yajl_gen g, const char *key, const char *val);
int vsl_gen_kv_u64(yajl_gen g, const char *key, uint64_t val);
int vsl_gen_kv_bool(yajl_gen g, const char *key, bool val);
int vsl_gen_kv_strv(yajl_gen g, const char *key, char *const *v);

/* A heap string from a printf format, or NULL on no memory (asprintf leaves its pointer
 * undefined on failure, which does not mix with cleanup_free). */
char *vsl_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy the generated document into a heap buffer (NUL-terminated; *len excludes the NUL). */
int vsl_gen_take(yajl_gen g, char **out, size_t *len, struct vsl_error *err);

#endif
