/* SPDX-License-Identifier: Apache-2.0 */
/*
 * passwd/group parsing and USER resolution (see user.h). Lines are split in place over the
 * caller's buffer with lengths, never NUL-terminated copies of the whole file, so a hostile
 * /etc/passwd costs nothing but a scan.
 */
#include "user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

#define MAX_FIELDS 8

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

bool vsl_id_parse(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
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
 * Call match(line fields) for each line until it returns nonzero; returns that value or 0.
 * Comment lines and NIS "+"/"-" lines are skipped.
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

struct pw_query {
	const char *name;
	uint32_t uid;
	struct vsl_pwent *out;
};

static int pw_match(const struct field *f, size_t n, void *ctx)
{
	struct pw_query *q = ctx;
	uint32_t uid, gid;

	(void)n;
	if (!vsl_id_parse(f[2].p, f[2].n, &uid) || !vsl_id_parse(f[3].p, f[3].n, &gid))
		return 0;
	if (q->name ? !field_is(&f[0], q->name) : uid != q->uid)
		return 0;
	q->out->uid = uid;
	q->out->gid = gid;
	q->out->name = strndup(f[0].p, f[0].n);
	q->out->home = strndup(f[5].p, f[5].n);
	return q->out->name && q->out->home ? 1 : -1;
}

void vsl_pwent_free(struct vsl_pwent *p)
{
	free(p->name);
	free(p->home);
	memset(p, 0, sizeof *p);
}

int vsl_passwd_find(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct vsl_pwent *out)
{
	struct pw_query q = { name, uid, out };
	int r;

	memset(out, 0, sizeof *out);
	r = scan(buf, len, 7, pw_match, &q);
	if (r < 0)
		vsl_pwent_free(out);
	return r;
}

struct gr_query {
	const char *name;
	uint32_t gid;
	struct vsl_grent *out;
};

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
			vsl_strv_free(v);
			return NULL;
		}
		p += l + 1;
	}
	return v;
}

static int gr_match(const struct field *f, size_t n, void *ctx)
{
	struct gr_query *q = ctx;
	uint32_t gid;

	if (!vsl_id_parse(f[2].p, f[2].n, &gid))
		return 0;
	if (q->name ? !field_is(&f[0], q->name) : gid != q->gid)
		return 0;
	q->out->gid = gid;
	q->out->name = strndup(f[0].p, f[0].n);
	q->out->members = n > 3 ? split_members(&f[3]) : calloc(1, sizeof(char *));
	return q->out->name && q->out->members ? 1 : -1;
}

void vsl_grent_free(struct vsl_grent *g)
{
	free(g->name);
	vsl_strv_free(g->members);
	memset(g, 0, sizeof *g);
}

int vsl_group_find(const char *buf, size_t len, const char *name, uint32_t gid,
		   struct vsl_grent *out)
{
	struct gr_query q = { name, gid, out };
	int r;

	memset(out, 0, sizeof *out);
	r = scan(buf, len, 3, gr_match, &q);
	if (r < 0)
		vsl_grent_free(out);
	return r;
}

void vsl_user_free(struct vsl_user *u)
{
	free(u->gids);
	free(u->home);
	memset(u, 0, sizeof *u);
}

struct sgid_query {
	const char *user;
	struct vsl_user *out;
};

static int sgid_match(const struct field *f, size_t n, void *ctx)
{
	struct sgid_query *q = ctx;
	uint32_t gid, *nv;
	char **members;
	bool member = false;

	if (n < 4 || !vsl_id_parse(f[2].p, f[2].n, &gid))
		return 0;
	members = split_members(&f[3]);
	if (!members)
		return -1;
	for (char **m = members; *m && !member; m++)
		member = strcmp(*m, q->user) == 0;
	vsl_strv_free(members);
	for (size_t i = 0; member && i < q->out->n_gids; i++)
		member = q->out->gids[i] != gid;
	if (!member)
		return 0;
	nv = realloc(q->out->gids, (q->out->n_gids + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[q->out->n_gids++] = gid;
	q->out->gids = nv;
	return 0;
}

static int no_name(const char *what, const char *name, const char *file, bool have_file,
		   struct vsl_error *err)
{
	if (!have_file)
		return vsl_error_set(err, 0,
				     "image USER: %s \"%s\" cannot be looked up, the image "
				     "has no %s; use a numeric USER (uid[:gid])",
				     what, name, file);
	return vsl_error_set(err, 0,
			     "image USER: no %s \"%s\" in the image's %s; add it to the "
			     "image or use a numeric USER (uid[:gid])",
			     what, name, file);
}

static int resolve_user(const char *spec, size_t ulen, const char *passwd, size_t plen,
			struct vsl_pwent *pw, struct vsl_user *out, struct vsl_error *err)
{
	cleanup_free char *name = strndup(spec, ulen);
	int r;

	if (!name)
		return vsl_error_set(err, ENOMEM, "resolving USER");
	if (vsl_id_parse(spec, ulen, &out->uid) || ulen == 0) {
		/* A numeric uid needs no entry; if there is one, it gives the group and home. */
		r = vsl_passwd_find(passwd, plen, NULL, out->uid, pw);
	} else {
		r = vsl_passwd_find(passwd, plen, name, 0, pw);
		if (r == 0)
			return no_name("user", name, "/etc/passwd", passwd != NULL, err);
	}
	if (r < 0)
		return vsl_error_set(err, ENOMEM, "resolving USER");
	return r;
}

int vsl_user_resolve(const char *spec, const char *passwd, size_t passwd_len, const char *group,
		     size_t group_len, struct vsl_user *out, struct vsl_error *err)
{
	const char *colon, *gspec = NULL;
	struct vsl_pwent pw;
	size_t ulen;
	int found;

	memset(out, 0, sizeof *out);
	if (!spec)
		spec = "";
	colon = strchr(spec, ':');
	ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (colon && colon[1])
		gspec = colon + 1;
	found = resolve_user(spec, ulen, passwd, passwd_len, &pw, out, err);
	if (found < 0)
		return -1;
	out->uid = found ? pw.uid : out->uid;
	out->gid = found ? pw.gid : 0;
	out->home = strdup(found && pw.home[0] ? pw.home : "/");
	if (!out->home)
		goto nomem;
	if (gspec && !vsl_id_parse(gspec, strlen(gspec), &out->gid)) {
		struct vsl_grent gr;
		int r = vsl_group_find(group, group_len, gspec, 0, &gr);

		if (r <= 0) {
			vsl_pwent_free(&pw);
			vsl_user_free(out);
			return r < 0 ? vsl_error_set(err, ENOMEM, "resolving USER")
				     : no_name("group", gspec, "/etc/group", group != NULL, err);
		}
		out->gid = gr.gid;
		vsl_grent_free(&gr);
	}
	if (!gspec && found) {
		struct sgid_query q = { pw.name, out };

		if (scan(group, group_len, 4, sgid_match, &q) < 0)
			goto nomem;
	}
	vsl_pwent_free(&pw);
	return 0;
nomem:
	vsl_pwent_free(&pw);
	vsl_user_free(out);
	return vsl_error_set(err, ENOMEM, "resolving USER");
}
