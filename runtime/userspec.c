/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u/--user` resolution against the image's /etc/passwd and /etc/group: see user.h. Pure: the
 * caller reads the files. Lines are colon-separated records; malformed lines are skipped, as
 * getpwnam() implementations do, rather than failing the whole lookup.
 */
#define _GNU_SOURCE
#include "userspec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vsl_userspec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err)
{
	const char *colon = strchr(spec, ':');

	s->user = s->group = NULL;
	if (!*spec || colon == spec || (colon && (!colon[1] || strchr(colon + 1, ':'))))
		return vsl_error_set(err, 0, "invalid user '%s' (want USER[:GROUP], names or ids)",
				     spec);
	s->user = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (colon)
		s->group = strdup(colon + 1);
	if (!s->user || (colon && !s->group)) {
		vsl_userspec_free(s);
		return vsl_error_set(err, ENOMEM, "user '%s'", spec);
	}
	return 0;
}

void vsl_userspec_free(struct vsl_userspec *s)
{
	free(s->user);
	free(s->group);
	s->user = s->group = NULL;
}

static bool parse_id_n(const char *s, size_t n, uint32_t *id)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* (uint32_t)-1 means "no change" to setresuid, so it is never a valid id. */
	if (v >= UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

bool vsl_userspec_parse_id(const char *s, uint32_t *id)
{
	return parse_id_n(s, strlen(s), id);
}

struct field {
	const char *p;
	size_t n;
};

/* Split one line into up to max colon-separated fields; returns the count. */
static size_t split_line(const char *line, size_t len, struct field *f, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < max; i++) {
		if (i == len || line[i] == ':') {
			f[n].p = line + start;
			f[n].n = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static bool field_is(const struct field *f, const char *s)
{
	return strlen(s) == f->n && memcmp(f->p, s, f->n) == 0;
}

/*
 * Find the record whose field key_field equals key (or, when key is numeric, whose field
 * id_field has that value) and return its id_field and extra_field as ids.
 */
static bool db_find(const char *buf, size_t len, const char *key, size_t key_field, size_t id_field,
		    size_t extra_field, uint32_t *id, uint32_t *extra)
{
	uint32_t want;
	bool numeric = vsl_userspec_parse_id(key, &want);
	size_t at = 0;

	while (buf && at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len;
		struct field f[4];
		uint32_t got, ex = 0;

		if (split_line(buf + at, end - at, f, 4) > extra_field &&
		    parse_id_n(f[id_field].p, f[id_field].n, &got) &&
		    (extra_field == id_field ||
		     parse_id_n(f[extra_field].p, f[extra_field].n, &ex)) &&
		    (numeric ? got == want : field_is(&f[key_field], key))) {
			*id = got;
			if (extra)
				*extra = ex;
			return true;
		}
		at = end + 1;
	}
	return false;
}

int vsl_userspec_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
			 const char *group, size_t group_len, uint32_t *uid, uint32_t *gid,
			 struct vsl_error *err)
{
	uint32_t pw_gid = 0;

	/* passwd: name:pw:uid:gid:...; group: name:pw:gid:members. */
	if (!db_find(passwd, passwd_len, s->user, 0, 2, 3, uid, &pw_gid)) {
		if (!vsl_userspec_parse_id(s->user, uid))
			return vsl_error_set(err, 0,
					     "unable to find user %s: no matching entries in the "
					     "image's /etc/passwd",
					     s->user);
		pw_gid = 0;
	}
	*gid = pw_gid;
	if (!s->group)
		return 0;
	if (db_find(group, group_len, s->group, 0, 2, 2, gid, NULL))
		return 0;
	if (vsl_userspec_parse_id(s->group, gid))
		return 0;
	return vsl_error_set(
		err, 0, "unable to find group %s: no matching entries in the image's /etc/group",
		s->group);
}
