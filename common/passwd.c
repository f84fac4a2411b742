/* SPDX-License-Identifier: Apache-2.0 */
/*
 * passwd/group parsing and USER[:GROUP] resolution (see passwd.h). Lines are split in place over
 * the caller's buffer with lengths, never NUL-terminated copies of the whole file, so a hostile
 * /etc/passwd costs nothing but a scan; only the entry that matches is copied.
 */
#include "passwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 8
#define PASSWD_MIN_FIELDS 4 /* name:pw:uid:gid; gecos, home and shell may be missing */
#define GROUP_MIN_FIELDS 3  /* name:pw:gid; members may be missing */

struct field {
	const char *p;
	size_t n;
};

/* Split one line at ':' into at most MAX_FIELDS fields; returns the count. */
static size_t split(const char *line, size_t len, struct field *f)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < MAX_FIELDS; i++) {
		if (i == len || line[i] == ':') {
			f[n].p = line + start;
			f[n].n = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

bool vsl_passwd_id_parse(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* (uint32_t)-1 means "no change" to setresuid, so it is never a valid id. */
	if (v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool field_is(const struct field *f, const char *s)
{
	return s && f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/*
 * Call match(line fields) for each line with at least min_fields fields until it returns
 * nonzero; returns that value or 0. Comment lines and NIS "+"/"-" lines are skipped.
 */
static int scan(const char *buf, size_t len, size_t min_fields,
		int (*match)(const struct field *f, size_t n, void *ctx), void *ctx)
{
	const char *p = buf, *end = buf + len;

	while (buf && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct field f[MAX_FIELDS];
		size_t n = split(p, l, f);

		p += l + 1;
		if (l == 0 || *f[0].p == '#' || *f[0].p == '+' || *f[0].p == '-' || n < min_fields)
			continue;
		int r = match(f, n, ctx);
		if (r)
			return r;
	}
	return 0;
}

/* One lookup: by name when name != NULL, else by id. */
struct query {
	const char *name;
	uint32_t id;
	void *out;
};

/*
 * The first entry that match() accepts, into out. out is zeroed first, so that it is always safe
 * to free, found or not.
 */
static int lookup(const char *buf, size_t len, size_t min_fields,
		  int (*match)(const struct field *f, size_t n, void *ctx), const char *name,
		  uint32_t id, void *out, size_t out_size)
{
	struct query q = { name, id, out };

	memset(out, 0, out_size);
	return scan(buf, len, min_fields, match, &q);
}

static int pw_match(const struct field *f, size_t n, void *ctx)
{
	struct query *q = ctx;
	struct vsl_pwent *pw = q->out;
	uint32_t uid, gid;

	if (!vsl_passwd_id_parse(f[2].p, f[2].n, &uid) ||
	    !vsl_passwd_id_parse(f[3].p, f[3].n, &gid))
		return 0;
	if (q->name ? !field_is(&f[0], q->name) : uid != q->id)
		return 0;
	pw->uid = uid;
	pw->gid = gid;
	pw->name = strndup(f[0].p, f[0].n);
	pw->home = n > 5 ? strndup(f[5].p, f[5].n) : strdup("");
	if (pw->name && pw->home)
		return 1;
	vsl_passwd_pwent_free(pw);
	return -1;
}

void vsl_passwd_pwent_free(struct vsl_pwent *p)
{
	free(p->name);
	free(p->home);
	memset(p, 0, sizeof *p);
}

int vsl_passwd_find(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct vsl_pwent *out)
{
	return lookup(buf, len, PASSWD_MIN_FIELDS, pw_match, name, uid, out, sizeof *out);
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* "a,b,,c" -> {"a", "b", "c", NULL}: empty names are dropped. */
static char **split_members(const struct field *f)
{
	size_t count = 1, k = 0;
	const char *p = f->p, *end = f->p + f->n;
	char **v;

	for (size_t i = 0; i < f->n; i++)
		count += f->p[i] == ',';
	v = calloc(count + 1, sizeof *v);
	while (v && p <= end && f->n) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = c ? (size_t)(c - p) : (size_t)(end - p);

		if (l && !(v[k++] = strndup(p, l))) {
			free_strv(v);
			return NULL;
		}
		p += l + 1;
	}
	return v;
}

static int gr_match(const struct field *f, size_t n, void *ctx)
{
	struct query *q = ctx;
	struct vsl_grent *gr = q->out;
	uint32_t gid;

	if (!vsl_passwd_id_parse(f[2].p, f[2].n, &gid))
		return 0;
	if (q->name ? !field_is(&f[0], q->name) : gid != q->id)
		return 0;
	gr->gid = gid;
	gr->name = strndup(f[0].p, f[0].n);
	gr->members = n > 3 ? split_members(&f[3]) : calloc(1, sizeof(char *));
	if (gr->name && gr->members)
		return 1;
	vsl_passwd_grent_free(gr);
	return -1;
}

void vsl_passwd_grent_free(struct vsl_grent *g)
{
	free(g->name);
	free_strv(g->members);
	memset(g, 0, sizeof *g);
}

int vsl_passwd_group_find(const char *buf, size_t len, const char *name, uint32_t gid,
			  struct vsl_grent *out)
{
	return lookup(buf, len, GROUP_MIN_FIELDS, gr_match, name, gid, out, sizeof *out);
}

int vsl_passwd_spec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err)
{
	const char *colon;

	if (!spec)
		spec = "";
	colon = strchr(spec, ':');
	s->user = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	s->group = colon && colon[1] ? strdup(colon + 1) : NULL;
	if (s->user && (!colon || !colon[1] || s->group))
		return 0;
	vsl_passwd_spec_free(s);
	return vsl_error_set(err, ENOMEM, "user \"%s\"", spec);
}

void vsl_passwd_spec_free(struct vsl_userspec *s)
{
	free(s->user);
	free(s->group);
	s->user = s->group = NULL;
}

void vsl_passwd_user_free(struct vsl_user *u)
{
	free(u->gids);
	free(u->home);
	memset(u, 0, sizeof *u);
}

/* Whether the comma-separated member list f names user. */
static bool has_member(const struct field *f, const char *user)
{
	const char *p = f->p, *end = f->p + f->n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		struct field m = { p, c ? (size_t)(c - p) : (size_t)(end - p) };

		if (m.n && field_is(&m, user))
			return true;
		p += m.n + 1;
	}
	return false;
}

struct sgid_query {
	const char *user;
	struct vsl_user *out;
};

/* Collect every group that lists the user, once each, in file order. */
static int sgid_match(const struct field *f, size_t n, void *ctx)
{
	struct sgid_query *q = ctx;
	uint32_t gid, *nv;

	(void)n;
	if (!vsl_passwd_id_parse(f[2].p, f[2].n, &gid) || !has_member(&f[3], q->user))
		return 0;
	for (size_t i = 0; i < q->out->n_gids; i++)
		if (q->out->gids[i] == gid)
			return 0;
	nv = realloc(q->out->gids, (q->out->n_gids + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[q->out->n_gids++] = gid;
	q->out->gids = nv;
	return 0;
}

/* A numeric group needs no entry; a name does. Returns 0, VSL_PASSWD_NO_GROUP or -1. */
static int resolve_group(const char *name, const char *group, size_t group_len, uint32_t *gid)
{
	struct vsl_grent gr;
	int r;

	if (vsl_passwd_id_parse(name, strlen(name), gid))
		return 0;
	r = vsl_passwd_group_find(group, group_len, name, 0, &gr);
	if (r > 0)
		*gid = gr.gid;
	vsl_passwd_grent_free(&gr);
	return r < 0 ? -1 : r ? 0 : VSL_PASSWD_NO_GROUP;
}

int vsl_passwd_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
		       const char *group, size_t group_len, struct vsl_user *out,
		       struct vsl_error *err)
{
	const char *user = s->user ? s->user : "";
	struct vsl_pwent pw;
	bool numeric;
	int found, r = 0;

	memset(out, 0, sizeof *out);
	/* Digits are always a uid, even if some user is named "1000", as runc does; "" is root. */
	numeric = !*user || vsl_passwd_id_parse(user, strlen(user), &out->uid);
	found = vsl_passwd_find(passwd, passwd_len, numeric ? NULL : user, out->uid, &pw);
	if (found < 0)
		return vsl_error_set(err, ENOMEM, "resolving user \"%s\"", user);
	if (!found && !numeric)
		return VSL_PASSWD_NO_USER;
	if (found) {
		out->uid = pw.uid;
		out->gid = pw.gid;
	}
	out->home = strdup(found && pw.home[0] ? pw.home : "/");
	if (!out->home) {
		r = -1;
	} else if (s->group) {
		r = resolve_group(s->group, group, group_len, &out->gid);
	} else if (found) {
		struct sgid_query q = { pw.name, out };

		r = scan(group, group_len, GROUP_MIN_FIELDS + 1, sgid_match, &q);
	}
	vsl_passwd_pwent_free(&pw);
	if (r != 0)
		vsl_passwd_user_free(out);
	return r < 0 ? vsl_error_set(err, ENOMEM, "resolving user \"%s\"", user) : r;
}
