/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common/passwd.c and its two callers: the image's USER at build time (builder/user.c) and
 * -u/--user at run time (runtime/userspec.c). The lookups, docker's rules for numeric ids,
 * names, missing files and bad lines, and each side's own spec syntax and error wording; and
 * that both sides give the same ids for the same spec and files.
 */
#include "tap.h"

#include <string.h>

#include "passwd.h"
#include "user.h"
#include "userspec.h"

/* The builder's fixtures (from t-ocispec.c). */
static const char passwd[] = "# a comment\n"
			     "root:x:0:0:root:/root:/bin/sh\n"
			     "broken line\n"
			     "bad:x:notanumber:0::/:/bin/sh\n"
			     "app:x:1000:1000:App:/home/app:/bin/sh\n"
			     "nohome:x:1001:1001:::/bin/sh\n"
			     "dup:x:1002:1002::/first:/bin/sh\n"
			     "dup:x:1003:1003::/second:/bin/sh"; /* no final newline */

static const char group[] = "root:x:0:\n"
			    "app:x:1000:\n"
			    "extra:x:2000:app,other\n"
			    "more:x:2001:other,app\n"
			    "none:x:2002:\n"
			    "garbage\n";

/* The stub's fixtures (from t-userspec.c). */
static const char rpasswd[] = "root:x:0:0:root:/root:/bin/sh\n"
			      "# not a comment in passwd, just a bad line\n"
			      "broken:x:notanumber:1::/:/bin/sh\n"
			      "short:x\n"
			      "app:x:1000:1001:App:/home/app:/bin/sh\n"
			      "nobody:x:65534:65534::/:/sbin/nologin";
static const char rgroup[] = "root:x:0:\n"
			     "staff:x:50:app\n"
			     "appgrp:x:1001:\n"
			     "odd:x:-1:\n";

/* Lines the two sides used to read differently, now read one way. */
static const char xpasswd[] = "#app:x:7:7::/c:/bin/sh\n"
			      "+nis:x:8:8::/n:/bin/sh\n"
			      "-gone:x:9:9::/g:/bin/sh\n"
			      "+::::::\n"
			      "\n"
			      "short:x:1500:1501\n"
			      "nohomefield:x:1600:1601:gecos\n"
			      "1000:x:42:42::/numeric-name:/bin/sh\n"
			      "app:x:1000:1000:App:/home/app:/bin/sh\n"
			      "max:x:4294967294:0::/m:/bin/sh\n"
			      "over:x:4294967295:0::/o:/bin/sh\n";
static const char xgroup[] = "#extra:x:7:app\n"
			     "+nisgrp:x:8:app\n"
			     "g1:x:3000:,app,,\n"
			     "g2:x:3001:application,ap\n"
			     "g1again:x:3000:app\n"
			     "50:x:51:\n";

static bool has(const struct vsl_error *e, const char *needle)
{
	bool r = e->msg && strstr(e->msg, needle);

	if (!r)
		diag("message: %s (want \"%s\")", e->msg ? e->msg : "(none)", needle);
	return r;
}

static void test_find(void)
{
	struct vsl_pwent pw;
	struct vsl_grent gr;

	ok(vsl_passwd_find(passwd, strlen(passwd), "app", 0, &pw) == 1 && pw.uid == 1000 &&
		   pw.gid == 1000 && !strcmp(pw.home, "/home/app"),
	   "passwd: by name");
	vsl_passwd_pwent_free(&pw);
	ok(vsl_passwd_find(passwd, strlen(passwd), NULL, 0, &pw) == 1 && !strcmp(pw.name, "root"),
	   "passwd: by uid");
	vsl_passwd_pwent_free(&pw);
	ok(vsl_passwd_find(passwd, strlen(passwd), "dup", 0, &pw) == 1 &&
		   !strcmp(pw.home, "/first"),
	   "passwd: the first of two entries wins");
	vsl_passwd_pwent_free(&pw);
	is_int(vsl_passwd_find(passwd, strlen(passwd), "bad", 0, &pw), 0,
	       "passwd: a malformed line is skipped");
	is_int(vsl_passwd_find(passwd, strlen(passwd), "broken line", 0, &pw), 0,
	       "passwd: a line with too few fields is skipped");
	is_int(vsl_passwd_find(passwd, strlen(passwd), "ap", 0, &pw), 0, "passwd: no prefix match");
	is_int(vsl_passwd_find(NULL, 0, "app", 0, &pw), 0, "passwd: no file");
	ok(vsl_passwd_group_find(group, strlen(group), "extra", 0, &gr) == 1 && gr.gid == 2000 &&
		   gr.members[0] && !strcmp(gr.members[0], "app") && gr.members[1] &&
		   !strcmp(gr.members[1], "other") && !gr.members[2],
	   "group: by name, with members");
	vsl_passwd_grent_free(&gr);
	ok(vsl_passwd_group_find(group, strlen(group), NULL, 2002, &gr) == 1 && !gr.members[0],
	   "group: by gid, no members");
	vsl_passwd_grent_free(&gr);
	is_int(vsl_passwd_group_find(group, strlen(group), "garbage", 0, &gr), 0,
	       "group: a line with too few fields is skipped");
	is_int(vsl_passwd_group_find(NULL, 0, "root", 0, &gr), 0, "group: no file");
}

static void test_find_lines(void)
{
	struct vsl_pwent pw;
	struct vsl_grent gr;

	is_int(vsl_passwd_find(xpasswd, strlen(xpasswd), "#app", 0, &pw), 0,
	       "passwd: a comment line is no entry, by name");
	is_int(vsl_passwd_find(xpasswd, strlen(xpasswd), NULL, 7, &pw), 0,
	       "passwd: a comment line is no entry, by uid");
	is_int(vsl_passwd_find(xpasswd, strlen(xpasswd), "+nis", 0, &pw), 0,
	       "passwd: a NIS + line is no entry");
	is_int(vsl_passwd_find(xpasswd, strlen(xpasswd), NULL, 9, &pw), 0,
	       "passwd: a NIS - line is no entry");
	ok(vsl_passwd_find(xpasswd, strlen(xpasswd), "short", 0, &pw) == 1 && pw.uid == 1500 &&
		   pw.gid == 1501 && !strcmp(pw.home, ""),
	   "passwd: name:pw:uid:gid is enough, as glibc and runc read it");
	vsl_passwd_pwent_free(&pw);
	ok(vsl_passwd_find(xpasswd, strlen(xpasswd), NULL, 1600, &pw) == 1 &&
		   !strcmp(pw.name, "nohomefield") && !strcmp(pw.home, ""),
	   "passwd: a line without a home field has home \"\"");
	vsl_passwd_pwent_free(&pw);
	ok(vsl_passwd_find(xpasswd, strlen(xpasswd), NULL, 4294967294u, &pw) == 1 &&
		   !strcmp(pw.name, "max"),
	   "passwd: the largest uid");
	vsl_passwd_pwent_free(&pw);
	is_int(vsl_passwd_find(xpasswd, strlen(xpasswd), "over", 0, &pw), 0,
	       "passwd: a line with uid (uid_t)-1 is skipped");
	is_int(vsl_passwd_group_find(xgroup, strlen(xgroup), "#extra", 0, &gr), 0,
	       "group: a comment line is no entry");
	is_int(vsl_passwd_group_find(xgroup, strlen(xgroup), NULL, 8, &gr), 0,
	       "group: a NIS line is no entry");
	ok(vsl_passwd_group_find(xgroup, strlen(xgroup), "g1", 0, &gr) == 1 && gr.members[0] &&
		   !strcmp(gr.members[0], "app") && !gr.members[1],
	   "group: empty member names are dropped");
	vsl_passwd_grent_free(&gr);
}

static void test_id(void)
{
	uint32_t id;

	ok(vsl_passwd_id_parse("0", 1, &id) && id == 0, "id 0");
	ok(vsl_passwd_id_parse("4294967294", 10, &id) && id == 4294967294u, "id: the largest");
	ok(!vsl_passwd_id_parse("4294967295", 10, &id), "id: (uid_t)-1 refused");
	ok(!vsl_passwd_id_parse("99999999999", 11, &id), "id: overflow refused");
	ok(!vsl_passwd_id_parse("-1", 2, &id) && !vsl_passwd_id_parse("+1", 2, &id),
	   "id: signs refused");
	ok(!vsl_passwd_id_parse("12a", 3, &id) && !vsl_passwd_id_parse("", 0, &id) &&
		   !vsl_passwd_id_parse("1a", 2, &id),
	   "id: junk refused");
	ok(vsl_passwd_id_parse("12a", 2, &id) && id == 12, "id: only len bytes are read");
}

static void test_spec(void)
{
	struct vsl_userspec s;

	ok(vsl_passwd_spec_parse(NULL, &s, NULL) == 0 && !strcmp(s.user, "") && !s.group,
	   "spec: NULL is root");
	vsl_passwd_spec_free(&s);
	ok(vsl_passwd_spec_parse("app:", &s, NULL) == 0 && !strcmp(s.user, "app") && !s.group,
	   "spec: an empty group is none");
	vsl_passwd_spec_free(&s);
	ok(vsl_passwd_spec_parse(":staff", &s, NULL) == 0 && !strcmp(s.user, "") &&
		   !strcmp(s.group, "staff"),
	   "spec: an empty user is root");
	vsl_passwd_spec_free(&s);
	ok(vsl_passwd_spec_parse("a:b:c", &s, NULL) == 0 && !strcmp(s.user, "a") &&
		   !strcmp(s.group, "b:c"),
	   "spec: split at the first colon");
	vsl_passwd_spec_free(&s);
}

/* The builder's USER (was t-ocispec.c's test_user). */
static void check_user(const char *spec, uint32_t uid, uint32_t gid, size_t n_gids,
		       const char *home)
{
	struct vsl_error e = { 0 };
	struct vsl_user u;

	if (!ok(vsl_user_resolve(spec, passwd, strlen(passwd), group, strlen(group), &u, &e) == 0,
		"USER \"%s\" resolves", spec ? spec : "(null)")) {
		diag("%s", e.msg);
		vsl_error_release(&e);
		return;
	}
	ok(u.uid == uid && u.gid == gid && u.n_gids == n_gids && !strcmp(u.home, home),
	   "USER \"%s\" is %u:%u (+%zu groups), home %s", spec ? spec : "(null)", uid, gid, n_gids,
	   home);
	if (u.uid != uid || u.gid != gid || u.n_gids != n_gids)
		diag("got %u:%u +%zu %s", u.uid, u.gid, u.n_gids, u.home);
	vsl_passwd_user_free(&u);
}

static void check_user_fails(const char *spec, const char *pw, const char *gr, const char *needle)
{
	struct vsl_error e = { 0 };
	struct vsl_user u;

	ok(vsl_user_resolve(spec, pw, pw ? strlen(pw) : 0, gr, gr ? strlen(gr) : 0, &u, &e) < 0 &&
		   has(&e, needle),
	   "USER \"%s\" fails: %s", spec, needle);
	vsl_error_release(&e);
}

static void test_image_user(void)
{
	struct vsl_user u;

	check_user(NULL, 0, 0, 0, "/root");
	check_user("", 0, 0, 0, "/root");
	check_user("app", 1000, 1000, 2, "/home/app");
	check_user("app:extra", 1000, 2000, 0, "/home/app");
	check_user("app:5", 1000, 5, 0, "/home/app");
	check_user("1000", 1000, 1000, 2, "/home/app");
	check_user("1234", 1234, 0, 0, "/");
	check_user("1234:56", 1234, 56, 0, "/");
	check_user("nohome", 1001, 1001, 0, "/");
	check_user(":extra", 0, 2000, 0, "/root");
	check_user("app:", 1000, 1000, 2, "/home/app");
	check_user_fails("nobody", passwd, group, "no user \"nobody\" in the image's /etc/passwd");
	check_user_fails("app:nogroup", passwd, group,
			 "no group \"nogroup\" in the image's /etc/group");
	check_user_fails("app", NULL, group, "the image has no /etc/passwd");
	check_user_fails("app:staff", passwd, NULL, "the image has no /etc/group");
	check_user_fails("app:b:c", passwd, group, "no group \"b:c\"");
	ok(vsl_user_resolve("app", passwd, strlen(passwd), group, strlen(group), &u, NULL) == 0 &&
		   u.gids[0] == 2000 && u.gids[1] == 2001,
	   "supplementary groups in file order");
	vsl_passwd_user_free(&u);
}

/* The stub's -u (was t-userspec.c). */
static int run_resolve(const char *spec, uint32_t *uid, uint32_t *gid, struct vsl_error *err)
{
	struct vsl_userspec s;
	int r;

	if (vsl_userspec_parse(spec, &s, err) < 0)
		return -1;
	r = vsl_userspec_resolve(&s, rpasswd, strlen(rpasswd), rgroup, strlen(rgroup), uid, gid,
				 err);
	vsl_passwd_spec_free(&s);
	return r;
}

static void expect(const char *spec, uint32_t want_uid, uint32_t want_gid)
{
	struct vsl_error err = { 0 };
	uint32_t uid = 12345, gid = 12345;

	if (!is_int(run_resolve(spec, &uid, &gid, &err), 0, "%s resolves (%s)", spec,
		    err.msg ? err.msg : ""))
		return;
	is_int(uid, want_uid, "%s: uid", spec);
	is_int(gid, want_gid, "%s: gid", spec);
}

static void expect_fail(const char *spec, const char *want)
{
	struct vsl_error err = { 0 };
	uint32_t uid, gid;

	is_int(run_resolve(spec, &uid, &gid, &err), -1, "%s fails", spec);
	ok(err.msg && strstr(err.msg, want), "%s: '%s' has '%s'", spec, err.msg ? err.msg : "",
	   want);
	vsl_error_release(&err);
}

static void test_run_spec(void)
{
	struct vsl_userspec s;
	struct vsl_error err = { 0 };
	static const char *const bad[] = { "", ":5", "app:", "a:b:c" };

	is_int(vsl_userspec_parse("app:staff", &s, &err), 0, "user:group parses");
	is_str(s.user, "app", "user part");
	is_str(s.group, "staff", "group part");
	vsl_passwd_spec_free(&s);
	is_int(vsl_userspec_parse("1000", &s, &err), 0, "uid alone parses");
	ok(s.group == NULL, "no group");
	vsl_passwd_spec_free(&s);
	is_int(vsl_userspec_parse(":5", &s, &err), -1, ":gid alone is refused");
	vsl_error_release(&err);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ok(vsl_userspec_parse(bad[i], &s, &err) < 0 && has(&err, "invalid user") &&
			   !s.user && !s.group,
		   "-u '%s' is refused", bad[i]);
		vsl_error_release(&err);
	}
}

static void test_run_user(void)
{
	struct vsl_userspec s;
	struct vsl_error err = { 0 };
	uint32_t uid, gid;

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

	is_int(vsl_userspec_parse("5:6", &s, &err), 0, "5:6 parses");
	is_int(vsl_userspec_resolve(&s, NULL, 0, NULL, 0, &uid, &gid, &err), 0,
	       "numeric ids need no passwd or group");
	ok(uid == 5 && gid == 6, "5:6 without files");
	vsl_passwd_spec_free(&s);
	is_int(vsl_userspec_parse("app", &s, &err), 0, "app parses");
	is_int(vsl_userspec_resolve(&s, NULL, 0, NULL, 0, &uid, &gid, &err), -1,
	       "a name without passwd fails");
	vsl_error_release(&err);
	vsl_passwd_spec_free(&s);
}

/* Build time and run time must agree on every spec both accept. */
static void agree(const char *spec, uint32_t want_uid, uint32_t want_gid)
{
	struct vsl_error e = { 0 };
	struct vsl_userspec s;
	struct vsl_user u = { 0 };
	uint32_t uid = 12345, gid = 12345;
	int rb, rr = -1;

	rb = vsl_user_resolve(spec, xpasswd, strlen(xpasswd), xgroup, strlen(xgroup), &u, &e);
	vsl_error_release(&e);
	if (vsl_userspec_parse(spec, &s, &e) == 0)
		rr = vsl_userspec_resolve(&s, xpasswd, strlen(xpasswd), xgroup, strlen(xgroup),
					  &uid, &gid, &e);
	vsl_passwd_spec_free(&s);
	vsl_error_release(&e);
	ok(rb == 0 && rr == 0 && u.uid == want_uid && u.gid == want_gid && uid == want_uid &&
		   gid == want_gid,
	   "'%s' is %u:%u at build and at run time", spec, want_uid, want_gid);
	if (rb || rr || u.uid != uid || u.gid != gid)
		diag("build %d %u:%u, run %d %u:%u", rb, u.uid, u.gid, rr, uid, gid);
	vsl_passwd_user_free(&u);
}

static void both_refuse(const char *spec, const char *build_msg, const char *run_msg)
{
	struct vsl_error e = { 0 };
	struct vsl_userspec s;
	struct vsl_user u;
	uint32_t uid, gid;

	ok(vsl_user_resolve(spec, xpasswd, strlen(xpasswd), xgroup, strlen(xgroup), &u, &e) < 0 &&
		   has(&e, build_msg),
	   "'%s' fails at build time", spec);
	vsl_error_release(&e);
	ok(vsl_userspec_parse(spec, &s, &e) == 0 &&
		   vsl_userspec_resolve(&s, xpasswd, strlen(xpasswd), xgroup, strlen(xgroup), &uid,
					&gid, &e) < 0 &&
		   has(&e, run_msg),
	   "'%s' fails at run time", spec);
	vsl_passwd_spec_free(&s);
	vsl_error_release(&e);
}

static void test_both_sides(void)
{
	struct vsl_user u;

	agree("1000", 1000, 1000);	 /* digits are a uid, not the user named "1000" */
	agree("42", 42, 42);		 /* ...which is found by its uid */
	agree("short", 1500, 1501);	 /* a 4-field line */
	agree("app:50", 1000, 50);	 /* a numeric group is a gid, not the group named "50" */
	agree("app:g1again", 1000, 3000);
	agree("7", 7, 0);		 /* the comment line does not give uid 7 a group */
	agree("4294967294", 4294967294u, 0);
	both_refuse("#app", "no user \"#app\"", "unable to find user #app");
	both_refuse("+nis", "no user \"+nis\"", "unable to find user +nis");
	both_refuse("app:+nisgrp", "no group \"+nisgrp\"", "unable to find group +nisgrp");
	both_refuse("4294967295", "no user \"4294967295\"", "unable to find user 4294967295");
	both_refuse("over", "no user \"over\"", "unable to find user over");
	ok(vsl_user_resolve("app", xpasswd, strlen(xpasswd), xgroup, strlen(xgroup), &u, NULL) ==
			   0 &&
		   u.n_gids == 1 && u.gids[0] == 3000 && !strcmp(u.home, "/home/app"),
	   "supplementary groups: once each, exact names, no comment or NIS lines");
	vsl_passwd_user_free(&u);
	ok(vsl_user_resolve("short", xpasswd, strlen(xpasswd), NULL, 0, &u, NULL) == 0 &&
		   !strcmp(u.home, "/") && u.n_gids == 0,
	   "no home field: home /; no group file: no supplementary groups");
	vsl_passwd_user_free(&u);
}

int main(void)
{
	test_find();
	test_find_lines();
	test_id();
	test_spec();
	test_image_user();
	test_run_spec();
	test_run_user();
	test_both_sides();
	return done_testing();
}
