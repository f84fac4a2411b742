/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Environment lists ("K=V" string arrays, NULL-terminated) and the docker --env-file format.
 * Everything here is pure: the host environment is passed in, never read with getenv(), so the
 * precedence rules (image Env < --env-file < -e) can be unit-tested and fuzzed.
 */
#ifndef VSL_RUNTIME_ENV_H
#define VSL_RUNTIME_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* A growable NULL-terminated list of heap strings. */
struct vsl_strlist {
	char **v; /* NULL until the first push; v[n] == NULL afterwards */
	size_t n;
};

int vsl_strlist_push(struct vsl_strlist *sv, const char *s, struct vsl_error *err);
/* Takes ownership of s (freed on failure too). */
int vsl_strlist_push_owned(struct vsl_strlist *sv, char *s, struct vsl_error *err);
void vsl_strlist_free(struct vsl_strlist *sv);

/* The value of name in a "K=V" list, or NULL. env may be NULL. */
const char *vsl_env_get(char *const env[], const char *name);

/*
 * Resolve one -e / env-file entry: "K=V" is taken as is; "K" alone takes K's value from
 * host_env and is dropped (*out = NULL, return 0) when the host does not have it, as docker
 * does. A name that is empty or contains whitespace is an error naming `where`.
 */
int vsl_env_resolve(const char *entry, char *const host_env[], const char *where, char **out,
		    struct vsl_error *err);

/*
 * Parse a docker env file held in buf[0..len): one K=V or K per line; lines whose first
 * non-blank character is '#' and blank lines are skipped; a trailing "\r" is dropped; values
 * are taken literally (no quotes, no expansion). `name` is the file name for messages.
 */
int vsl_envfile_parse(const char *buf, size_t len, const char *name, char *const host_env[],
		      struct vsl_strlist *out, struct vsl_error *err);

/*
 * Set or replace each "K=V" of add in env, in order: a later entry with the same key wins and
 * keeps the position of the key's first appearance. Used for image Env < --env-file < -e.
 */
int vsl_env_merge(struct vsl_strlist *env, char *const add[], size_t n_add, struct vsl_error *err);

#endif
