/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -u/--user: the spec syntax, and resolution against an image's passwd and group files,
 * with docker's rules for numeric ids, names, and missing files.
 */
#include "userspec.h"
#include "../tap.h"

#include <string.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# not a comment in passwd, just a bad line\n"
			     "broken:x:notanumber:1::/:/bin/sh\n"
			     "short:x\n"
			     "app:x:1000:1001:App:/home/app:/bin/sh\n"
			     "nobody:x:65534:65534::/:/sbin/nologin";
static const char group[] = "root:x:0:\n"
			    "staff:x:50:app\n"
			    "appgrp:x:1001:\n"
			    "odd:x:-1:\n";

static int resolve(const char *spec, uint32_t *uid, uint32_t *gid, struct vsl_error *err)
{
	struct vsl_userspec s;
	int r;

	if (vsl_userspec_parse(spec, &s, err) < 0)
		return -1;
	r = vsl_userspec_resolve(&s, passwd, strlen(passwd), group, strlen(group), uid, gid, err);
	vsl_userspec_free(&s);
	return r;
}

static void expect(const char *spec, uint32_t want_uid, uint32_t want_gid)
{
	struct vsl_error err = { 0 };
	uint32_t uid = 12345, gid = 12345;

	if (!is_int(resolve(spec, &uid, &gid, &err), 0, "%s resolves (%s)", spec,
		    err.msg ? err.msg : ""))
		return;
	is_int(uid, want_uid, "%s: uid", spec);
	is_int(gid, want_gid, "%s: gid", spec);
}

static void expect_fail(const char *spec, const char *want)
{
	struct vsl_error err = { 0 };
	uint32_t uid, gid;

	is_int(resolve(spec, &uid, &gid, &err), -1, "%s fails", spec);
	ok(err.msg && strstr(err.msg, want), "%s: '%s' has '%s'", spec, err.msg ? err.msg : "",
	   want);
	vsl_error_release(&err);
}

int main(void)
{
	struct vsl_userspec s;
	struct vsl_error err = { 0 };
	uint32_t id;

	is_int(vsl_userspec_parse("app:staff", &s, &err), 0, "user:group parses");
	is_str(s.user, "app", "user part");
	is_str(s.group, "staff", "group part");
	vsl_userspec_free(&s);
	is_int(vsl_userspec_parse("1000", &s, &err), 0, "uid alone parses");
	ok(s.group == NULL, "no group");
	vsl_userspec_free(&s);
	is_int(vsl_userspec_parse(":5", &s, &err), -1, ":gid alone is refused");
	vsl_error_release(&err);

	ok(vsl_userspec_parse_id("0", &id) && id == 0, "id 0");
	ok(vsl_userspec_parse_id("4294967294", &id) && id == 4294967294u, "largest id");
	ok(!vsl_userspec_parse_id("4294967295", &id), "(uid_t)-1 refused");
	ok(!vsl_userspec_parse_id("99999999999", &id), "overflow refused");
	ok(!vsl_userspec_parse_id("-1", &id) && !vsl_userspec_parse_id("+1", &id), "signs refused");
	ok(!vsl_userspec_parse_id("", &id) && !vsl_userspec_parse_id("1a", &id), "junk refused");

	expect("app", 1000, 1001);
	expect("1000", 1000, 1001);
	expect("app:staff", 1000, 50);
	expect("app:7", 1000, 7);
	expect("root", 0, 0);
	expect("4242", 4242, 0);
	expect("4242:50", 4242, 50);
	expect("nobody", 65534, 65534);
	expect_fail("ghost", "unable to find user ghost");
	expect_fail("broken", "unable to find user broken");
	expect_fail("app:nogroup", "unable to find group nogroup");
	expect_fail("app:odd", "unable to find group odd");

	uint32_t uid, gid;

	is_int(vsl_userspec_parse("5:6", &s, &err), 0, "5:6 parses");
	is_int(vsl_userspec_resolve(&s, NULL, 0, NULL, 0, &uid, &gid, &err), 0,
	       "numeric ids need no passwd or group");
	ok(uid == 5 && gid == 6, "5:6 without files");
	vsl_userspec_free(&s);
	is_int(vsl_userspec_parse("app", &s, &err), 0, "app parses");
	is_int(vsl_userspec_resolve(&s, NULL, 0, NULL, 0, &uid, &gid, &err), -1,
	       "a name without passwd fails");
	vsl_error_release(&err);
	vsl_userspec_free(&s);
	return done_testing();
}
