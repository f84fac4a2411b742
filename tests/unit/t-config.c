/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded config.json as the direct runner reads it (fields, defaults, the entrypoint
 * annotation, wrong types, malformed JSON) and the meta section as --version prints it.
 */
#include "config.h"
#include "../tap.h"

#include <string.h>

static const char full[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"user\":{\"uid\":1000,"
	"\"gid\":100,\"additionalGids\":[10,20]},\"args\":[\"/entry.sh\",\"--flag\",\"cmd\"],"
	"\"env\":[\"PATH=/usr/bin:/bin\",\"LANG=C.UTF-8\"],\"cwd\":\"/srv\","
	"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},\"root\":{\"path\":\"rootfs\","
	"\"readonly\":true},\"hostname\":\"box\",\"annotations\":{\"other\":\"x\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}";

static int parse(const char *json, struct vsl_config *c, struct vsl_error *err)
{
	return vsl_config_parse(json, strlen(json), c, err);
}

static void test_full(void)
{
	struct vsl_config c;
	struct vsl_error err = { 0 };

	/* Not NUL-terminated: the parser must honour len. */
	char buf[sizeof full + 8];

	memcpy(buf, full, sizeof full - 1);
	memset(buf + sizeof full - 1, 'x', 8);
	if (!is_int(vsl_config_parse(buf, sizeof full - 1, &c, &err), 0, "full config: %s",
		    err.msg ? err.msg : ""))
		return;
	is_int(c.args.n, 3, "args");
	is_str(c.args.v[0], "/entry.sh", "args[0]");
	is_str(c.args.v[2], "cmd", "args[2]");
	is_int(c.env.n, 2, "env");
	is_str(c.env.v[1], "LANG=C.UTF-8", "env[1]");
	is_str(c.cwd, "/srv", "cwd");
	is_int(c.uid, 1000, "uid");
	is_int(c.gid, 100, "gid");
	is_int(c.n_additional_gids, 2, "additionalGids");
	is_int(c.additional_gids[1], 20, "additionalGids[1]");
	ok(c.terminal, "terminal");
	is_str(c.hostname, "box", "hostname");
	ok(c.root_readonly, "root.readonly");
	vsl_config_free(&c);
	ok(c.args.v == NULL && c.cwd == NULL, "free clears");
}

static void test_defaults(void)
{
	struct vsl_config c;
	struct vsl_error err = { 0 };

	is_int(parse("{}", &c, &err), 0, "empty object");
	is_int(c.args.n, 0, "no args");
	is_str(c.cwd, "/", "cwd defaults to /");
	ok(c.uid == 0 && c.gid == 0 && !c.terminal && !c.root_readonly && !c.hostname,
	   "zero defaults");
	vsl_config_free(&c);

	is_int(parse("{\"process\":{\"args\":[\"sh\"],\"env\":null,\"user\":{}},"
		     "\"hostname\":null}",
		     &c, &err),
	       0, "nulls and empty user");
	is_int(c.args.n, 1, "one arg");
	is_int(c.env.n, 0, "null env");
	vsl_config_free(&c);
}

static void expect_error(const char *json, const char *want, const char *what)
{
	struct vsl_config c;
	struct vsl_error err = { 0 };

	is_int(parse(json, &c, &err), -1, "%s fails", what);
	ok(err.msg && strstr(err.msg, want), "%s: '%s' has '%s'", what, err.msg ? err.msg : "",
	   want);
	ok(c.args.v == NULL && c.env.v == NULL && c.cwd == NULL, "%s: nothing leaks", what);
	vsl_error_release(&err);
}

static void test_errors(void)
{
	expect_error("", "invalid JSON", "empty input");
	expect_error("{\"process\":", "invalid JSON", "truncated");
	expect_error("{\"a\":1,}", "invalid JSON", "trailing comma");
	expect_error("[1,2]", "not a JSON object", "array at the top");
	expect_error("{\"process\":{\"args\":\"sh\"}}", "process.args must be an array",
		     "args as a string");
	expect_error("{\"process\":{\"args\":[\"sh\",1]}}", "process.args[1] must be a string",
		     "number in args");
	expect_error("{\"process\":{\"env\":[\"A=1\",true]}}", "process.env[1]", "bool in env");
	expect_error("{\"process\":{\"cwd\":5}}", "process.cwd must be a string", "cwd number");
	expect_error("{\"process\":{\"cwd\":\"rel\"}}", "must be absolute", "relative cwd");
	expect_error("{\"process\":{\"user\":{\"uid\":-1}}}", "process.user.uid", "negative uid");
	expect_error("{\"process\":{\"user\":{\"uid\":4294967295}}}", "process.user.uid",
		     "uid -1 as unsigned");
	expect_error("{\"process\":{\"user\":{\"gid\":1.5}}}", "process.user.gid", "float gid");
	expect_error("{\"process\":{\"user\":{\"additionalGids\":[1,\"x\"]}}}", "additionalGids",
		     "string in additionalGids");
	expect_error("{\"process\":{\"terminal\":1}}", "process.terminal", "terminal number");
	expect_error("{\"root\":{\"readonly\":\"yes\"}}", "root.readonly", "readonly string");
	expect_error("{\"hostname\":[]}", "hostname must be a string", "hostname array");
	struct vsl_config c;
	struct vsl_error err = { 0 };

	is_int(vsl_config_parse("{}\0{}", 5, &c, &err), -1, "embedded NUL fails");
	ok(err.msg && strstr(err.msg, "NUL"), "NUL named (%s)", err.msg ? err.msg : "");
	vsl_error_release(&err);
}

static void test_meta(void)
{
	static const char meta[] =
		"{\"image\":\"docker.io/library/busybox:latest\",\"digest\":\"sha256:abc\","
		"\"arch\":\"amd64\",\"vessel_version\":\"0.1.0\",\"build_time\":1700000000,"
		"\"reproducible\":true,\"formats\":[\"squashfs\",\"tarzst\"],\"nested\":{\"a\":1},"
		"\"empty\":[]}";
	struct vsl_strlist lines = { 0 };
	struct vsl_error err = { 0 };

	is_int(vsl_meta_describe(meta, strlen(meta), &lines, &err), 0, "meta parses");
	is_int(lines.n, 7, "seven printable fields (objects and empty arrays skipped)");
	is_str(lines.v[0], "image: docker.io/library/busybox:latest", "image first, file order");
	is_str(lines.v[1], "digest: sha256:abc", "digest");
	is_str(lines.v[4], "build_time: 1700000000", "number as written");
	is_str(lines.v[5], "reproducible: true", "boolean");
	is_str(lines.v[6], "formats: squashfs, tarzst", "array joined");
	vsl_strlist_free(&lines);
	is_int(vsl_meta_describe("nope", 4, &lines, &err), -1, "bad meta fails");
	ok(err.msg && strstr(err.msg, "meta"), "error names meta (%s)", err.msg ? err.msg : "");
	vsl_error_release(&err);
}

static void test_meta_cmd(void)
{
	static const char meta[] = "{\"image\":\"x\",\"entrypoint\":[\"/e\",\"-a\"],"
				   "\"cmd\":[\"c\"]}";
	struct vsl_meta_cmd m;
	struct vsl_error err = { 0 };

	is_int(vsl_meta_cmd_parse(meta, strlen(meta), &m, &err), 0, "meta entrypoint/cmd parse");
	is_int(m.entrypoint.n, 2, "entrypoint");
	is_str(m.entrypoint.v[1], "-a", "entrypoint[1]");
	is_int(m.cmd.n, 1, "cmd");
	is_str(m.cmd.v[0], "c", "cmd[0]");
	vsl_meta_cmd_free(&m);
	is_int(vsl_meta_cmd_parse("{}", 2, &m, &err), 0, "neither");
	ok(m.entrypoint.n == 0 && m.cmd.n == 0, "both empty");
	is_int(vsl_meta_cmd_parse("{\"cmd\":\"sh\"}", 12, &m, &err), -1, "cmd as a string fails");
	ok(err.msg && strstr(err.msg, "meta: cmd must be an array"), "named (%s)",
	   err.msg ? err.msg : "");
	ok(m.cmd.v == NULL, "nothing leaks");
	vsl_error_release(&err);
}

int main(void)
{
	test_full();
	test_defaults();
	test_errors();
	test_meta();
	test_meta_cmd();
	return done_testing();
}
