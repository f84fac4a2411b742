/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /etc/subuid and /etc/subgid reader: lookups by name and by uid, several ranges, comments,
 * and the malformed lines it must skip rather than ask newuidmap for.
 */
#include "subid.h"
#include "../tap.h"

#include <string.h>

#define MAXR 8

static size_t find(const char *text, const char *name, uint32_t id, struct vsl_subid_range *r)
{
	return vsl_subid_find(text, strlen(text), name, id, r, MAXR);
}

static void test_lookup(void)
{
	static const char f[] = "# subordinate ids\n"
				"alice:100000:65536\n"
				"bob:165536:65536\n"
				"\n"
				"   # an indented comment\n"
				"1001:231072:1000\n"
				"alice:300000:10\n";
	struct vsl_subid_range r[MAXR];

	is_int(find(f, "alice", 1000, r), 2, "alice: two ranges, in file order");
	is_int(r[0].start, 100000, "first start");
	is_int(r[0].count, 65536, "first count");
	is_int(r[1].start, 300000, "second start");
	is_int(r[1].count, 10, "second count");
	is_int(find(f, "bob", 1001, r), 2, "bob: by name and by uid");
	is_int(r[0].start, 165536, "bob by name first");
	is_int(r[1].start, 231072, "then by uid");
	is_int(r[1].count, 1000, "by uid count");
	is_int(find(f, NULL, 1001, r), 1, "no name: the uid alone");
	is_int(find(f, "carol", 1002, r), 0, "nobody else");
	is_int(find(f, "ali", 1000, r), 0, "a name prefix is not a match");
	is_int(find(f, "alice:100000", 7, r), 0, "a name with a colon matches nothing");
	is_int(find("", "alice", 1000, r), 0, "empty file");
	is_int(vsl_subid_find(f, 0, "alice", 1000, r, MAXR), 0, "zero length");
	is_int(vsl_subid_find(f, strlen(f), "alice", 1000, r, 1), 1, "max is respected");
	is_int(find("alice:5:6", "alice", 0, r), 1, "no final newline");
	is_int(r[0].start, 5, "... still read");
	is_int(find("alice:5:6\r\n", "alice", 0, r), 1, "CRLF line end");
	is_int(r[0].count, 6, "... count without the CR");
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"alice:1:0\n",		 /* empty range */
		"alice:1\n",		 /* two fields */
		"alice:1:2:3\n",	 /* four fields */
		"alice::5\n",		 /* empty start */
		"alice:5:\n",		 /* empty count */
		"alice:-5:5\n",		 /* signed */
		"alice:+5:5\n",		 /* signed */
		"alice: 5:5\n",		 /* blank inside */
		"alice:0x10:5\n",	 /* not decimal */
		"alice:4294967295:1\n",	 /* the invalid id */
		"alice:4294967290:10\n", /* wraps past the last id */
		"alice:99999999999:1\n", /* too big */
		":1:2\n",		 /* no owner */
	};
	struct vsl_subid_range r[MAXR];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[64];

		snprintf(line, sizeof line, "%.*s", (int)strcspn(bad[i], "\n"), bad[i]);
		is_int(find(bad[i], "alice", 1000, r), 0, "skipped: '%s'", line);
	}
	is_int(find("alice:4294967294:1\n", "alice", 1000, r), 1, "the last id itself is fine");
	is_int(find("alice:4294967200:95\n", "alice", 1000, r), 1, "a range ending on it too");
	is_int(find("garbage\nalice:7:8\n\x01\xff:1:1\n", "alice", 1000, r), 1,
	       "good lines among bad ones are found");
	is_int(find("4294967296:1:1\n", NULL, 0, r), 0, "a uid owner that overflows is no uid");
}

static void test_overlap(void)
{
	static const char f[] = "alice:100000:65536\n"
				"1000:100000:65536\n" /* the same range by uid */
				"alice:150000:10\n"   /* inside the first */
				"alice:165536:5\n";   /* right after it */
	struct vsl_subid_range r[MAXR];

	is_int(find(f, "alice", 1000, r), 2, "overlapping ranges are skipped");
	is_int(r[1].start, 165536, "the adjacent one is kept");
}

int main(void)
{
	test_lookup();
	test_malformed();
	test_overlap();
	return done_testing();
}
