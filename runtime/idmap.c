/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Id maps (see idmap.h). Pure: /proc's map text is read by the caller.
 */
#include "idmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

/* One past the highest id: (uint32_t)-1 is the kernel's "no id". */
#define ID_END 4294967295ull

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next decimal field of [*p, end) on this line, skipping blanks before it. */
static bool next_u32(const char **p, const char *end, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	*p = s;
	return true;
}

static int parse_line(const char *p, const char *end, struct vsl_idmap_entry *e)
{
	if (!next_u32(&p, end, &e->inside) || !next_u32(&p, end, &e->outside) ||
	    !next_u32(&p, end, &e->count))
		return -1;
	while (p < end && is_blank(*p))
		p++;
	if (p != end || e->count == 0 || e->inside + (uint64_t)e->count > ID_END ||
	    e->outside + (uint64_t)e->count > ID_END)
		return -1;
	return 0;
}

int vsl_idmap_parse(const char *text, size_t len, struct vsl_idmap *m, struct vsl_error *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	m->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		line++;
		if (m->n == VSL_IDMAP_MAX)
			return vsl_error_set(err, 0, "id map: more than %d lines", VSL_IDMAP_MAX);
		if (parse_line(p, eol, &m->e[m->n]) < 0)
			return vsl_error_set(err, 0,
					     "id map: line %u is not 'inside outside count'", line);
		m->n++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

bool vsl_idmap_contains(const struct vsl_idmap *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (id >= m->e[i].inside && (uint64_t)id < (uint64_t)m->e[i].inside + m->e[i].count)
			return true;
	return false;
}

uint64_t vsl_idmap_size(const struct vsl_idmap *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->e[i].count;
	return n;
}

size_t vsl_idmap_rootless(uint32_t self, const struct vsl_subid_range *r, size_t n,
			  struct vsl_idmap *m)
{
	uint64_t next = 1;

	m->e[0] = (struct vsl_idmap_entry){ .inside = 0, .outside = self, .count = 1 };
	m->n = 1;
	for (size_t i = 0; i < n && m->n < VSL_IDMAP_MAX && next < ID_END; i++) {
		uint64_t count = r[i].count;

		if (self >= r[i].start && (uint64_t)self < (uint64_t)r[i].start + r[i].count)
			continue;
		if (next + count > ID_END)
			count = ID_END - next;
		m->e[m->n++] = (struct vsl_idmap_entry){ .inside = (uint32_t)next,
							 .outside = r[i].start,
							 .count = (uint32_t)count };
		next += count;
	}
	return m->n;
}

static void hash_map(struct vsl_sha256 *c, char kind, const struct vsl_idmap *m)
{
	char line[48];

	for (size_t i = 0; i < m->n; i++) {
		int k = snprintf(line, sizeof line, "%c %" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				 kind, m->e[i].inside, m->e[i].outside, m->e[i].count);

		vsl_sha256_update(c, line, (size_t)k);
	}
}

void vsl_idmap_tag(const struct vsl_idmap *uids, const struct vsl_idmap *gids, char *buf,
		   size_t size)
{
	struct vsl_sha256 c;
	uint8_t d[32];
	char hex[65];

	if (!size)
		return;
	if (vsl_idmap_size(uids) <= 1 && vsl_idmap_size(gids) <= 1) {
		buf[0] = '\0';
		return;
	}
	vsl_sha256_init(&c);
	hash_map(&c, 'u', uids);
	hash_map(&c, 'g', gids);
	vsl_sha256_final(&c, d);
	vsl_sha256_hex(d, hex);
	snprintf(buf, size, "ids-%.12s", hex);
}
