/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Id maps: reading /proc/PID/uid_map text, membership, the rootless map made from subid
 * ranges (what newuidmap is asked for), and the extract cache's tag.
 */
#include "idmap.h"
#include "../tap.h"

#include <string.h>

static struct vsl_idmap m, m2;

static int parse(const char *text, struct vsl_idmap *out)
{
	struct vsl_error err = { 0 };
	int r = vsl_idmap_parse(text, strlen(text), out, &err);

	if (r < 0 && !err.msg)
		bail_out("a failed parse of '%s' says nothing", text);
	vsl_error_release(&err);
	return r;
}

static void test_parse(void)
{
	is_int(parse("         0        999          1\n", &m), 0, "one id, as /proc prints it");
	is_int(m.n, 1, "one line");
	is_int(m.e[0].outside, 999, "outside");
	is_u64(vsl_idmap_size(&m), 1, "size 1");
	is_int(parse("         0          0 4294967295\n", &m), 0, "the initial namespace");
	is_u64(vsl_idmap_size(&m), 4294967295u, "every id");
	is_int(parse("0 1000 1\n1 100000 65536\n", &m), 0, "rootless podman's map");
	is_int(m.n, 2, "two lines");
	is_u64(vsl_idmap_size(&m), 65537, "65537 ids");
	ok(vsl_idmap_contains(&m, 0) && vsl_idmap_contains(&m, 1) && vsl_idmap_contains(&m, 65536),
	   "0, 1 and 65536 are mapped");
	ok(!vsl_idmap_contains(&m, 65537) && !vsl_idmap_contains(&m, 4294967295u),
	   "65537 and -1 are not");
	is_int(parse("", &m), 0, "empty: nothing mapped yet");
	is_int(m.n, 0, "no lines");
	ok(!vsl_idmap_contains(&m, 0), "empty map has no 0");
	is_int(parse("0 1000 1", &m), 0, "no final newline");
	is_int(parse("0 1000\n", &m), -1, "two fields");
	is_int(parse("0 1000 1 5\n", &m), -1, "four fields");
	is_int(parse("0 1000 0\n", &m), -1, "count 0");
	is_int(parse("1 0 4294967295\n", &m), -1, "inside range past the last id");
	is_int(parse("0 1 4294967295\n", &m), -1, "outside range past the last id");
	is_int(parse("0 -1 1\n", &m), -1, "signed");
	is_int(parse("0 4294967296 1\n", &m), -1, "too big");
	is_int(parse("0 1000 1\n\n", &m), -1, "a blank line");
}

static void test_parse_limit(void)
{
	static char text[VSL_IDMAP_MAX * 24 + 32];
	size_t n = 0;

	for (unsigned i = 0; i < VSL_IDMAP_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%u %u 1\n", i, 5000 + i);
	is_int(parse(text, &m), 0, "%d lines, the kernel's limit", VSL_IDMAP_MAX);
	snprintf(text + n, sizeof text - n, "9999 9999 1\n");
	is_int(parse(text, &m), -1, "one more is refused");
}

static void test_rootless(void)
{
	struct vsl_subid_range r[3] = { { 100000, 65536 }, { 300000, 10 }, { 999, 5 } };

	is_int(vsl_idmap_rootless(1000, r, 2, &m), 3, "0 -> self, then two ranges");
	ok(m.e[0].inside == 0 && m.e[0].outside == 1000 && m.e[0].count == 1, "0 -> 1000");
	ok(m.e[1].inside == 1 && m.e[1].outside == 100000 && m.e[1].count == 65536,
	   "1..65536 -> the first range");
	ok(m.e[2].inside == 65537 && m.e[2].outside == 300000 && m.e[2].count == 10,
	   "then the second, right after");
	is_int(vsl_idmap_rootless(1000, r, 3, &m), 3, "a range holding self is left out");
	is_int(vsl_idmap_rootless(1000, NULL, 0, &m), 1, "no ranges: one id");
	is_u64(vsl_idmap_size(&m), 1, "... of size 1");
	/* disjoint ranges without self never need more inside ids than there are; ranges the
	 * caller did not deduplicate can */
	r[0] = (struct vsl_subid_range){ 10, 4294967000u };
	r[1] = r[0];
	is_int(vsl_idmap_rootless(0, r, 2, &m), 3, "a range too long for what is left...");
	is_u64(m.e[2].count, 294, "... is cut at the last id");
	is_u64(vsl_idmap_size(&m), 4294967295u, "every id, none past the last");
	r[2] = r[0];
	is_int(vsl_idmap_rootless(0, r, 3, &m), 3, "once full, the rest is dropped");
}

static void test_tag(void)
{
	char a[32], b[32];

	parse("0 999 1\n", &m);
	parse("0 995 1\n", &m2);
	vsl_idmap_tag(&m, &m2, a, sizeof a);
	is_str(a, "", "single ids: no tag (the cache entries made before ranges)");
	parse("0 999 1\n1 100000 65536\n", &m);
	vsl_idmap_tag(&m, &m2, a, sizeof a);
	ok(strncmp(a, "ids-", 4) == 0 && strlen(a) == 16, "a range: ids-<12 hex>: %s", a);
	parse("0 999 1\n1 200000 65536\n", &m);
	vsl_idmap_tag(&m, &m2, b, sizeof b);
	ok(strcmp(a, b) != 0, "another range, another tag");
	vsl_idmap_tag(&m2, &m, b, sizeof b);
	ok(strcmp(a, b) != 0, "uids and gids are told apart");
	vsl_idmap_tag(&m, &m2, b, 5);
	is_str(b, "ids-", "cut to the buffer");
}

int main(void)
{
	test_parse();
	test_parse_limit();
	test_rootless();
	test_tag();
	return done_testing();
}
