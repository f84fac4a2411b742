/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /etc/subuid and /etc/subgid reader (see subid.h). Pure: no syscalls, no allocation, so
 * it is unit-tested and fuzzed (tests/fuzz/fuzz-subid.c) over arbitrary bytes.
 */
#include "subid.h"

#include <stdbool.h>
#include <string.h>

/* The highest usable id: (uint32_t)-1 is the kernel's "no id". */
#define ID_MAX 4294967294u

/* A decimal number of [p, end) without sign or spaces, at most max. */
static bool parse_u32(const char *p, const char *end, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool owner_matches(const char *p, const char *end, const char *name, uint32_t id)
{
	size_t n = (size_t)(end - p);
	uint32_t v;

	if (name && strlen(name) == n && memcmp(p, name, n) == 0)
		return true;
	return parse_u32(p, end, ID_MAX, &v) && v == id;
}

/* One line [p, end) without its newline: 1 and *r if it is the user's range, else 0. */
static int parse_line(const char *p, const char *end, const char *name, uint32_t id,
		      struct vsl_subid_range *r)
{
	const char *c1, *c2;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	c1 = memchr(p, ':', (size_t)(end - p));
	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (!c2 || memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
		return 0;
	if (!owner_matches(p, c1, name, id))
		return 0;
	if (!parse_u32(c1 + 1, c2, ID_MAX, &r->start) || !parse_u32(c2 + 1, end, ID_MAX, &r->count))
		return 0;
	return r->count > 0 && (uint64_t)r->start + r->count - 1 <= ID_MAX;
}

static bool overlaps(const struct vsl_subid_range *a, const struct vsl_subid_range *b)
{
	return (uint64_t)a->start < (uint64_t)b->start + b->count &&
	       (uint64_t)b->start < (uint64_t)a->start + a->count;
}

size_t vsl_subid_find(const char *text, size_t len, const char *name, uint32_t id,
		      struct vsl_subid_range *out, size_t max)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct vsl_subid_range r;
		bool dup = false;

		/* tolerate files edited on Windows */
		if (parse_line(p, eol > p && eol[-1] == '\r' ? eol - 1 : eol, name, id, &r)) {
			for (size_t i = 0; i < n && !dup; i++)
				dup = overlaps(&out[i], &r);
			if (!dup)
				out[n++] = r;
		}
		p = nl ? nl + 1 : end;
	}
	return n;
}
