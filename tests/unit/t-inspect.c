/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel inspect`'s pure half: the meta section parsed, the text report and the JSON document
 * rendered from fixed bytes (every documented key present, null where the file has no value,
 * strings escaped), and the verify column. Also the small pure helpers of the progress display
 * (sizes, the mode for a verbosity) and the parser of the /proc/PID/io that follows mksquashfs.
 */
#define _GNU_SOURCE
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "config.h"
#include "inspect.h"
#include "progress.h"
#include "squashfs.h"

static const char meta_full[] =
	"{\"vessel_version\":\"0.1.0\",\"digest\":\"sha256:1234abcd\",\"arch\":\"arm64\","
	"\"created\":\"2023-11-14T22:13:20Z\",\"built\":\"2024-01-02T03:04:05Z\","
	"\"formats\":[\"squashfs\",\"tar.zst\"],\"entrypoint\":[\"/bin/echo\",\"entry:\"],"
	"\"cmd\":[\"say \\\"hi\\\"\\tnow\"],\"future\":{\"a\":1}}";

static const char config[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":1000,\"gid\":100,"
	"\"additionalGids\":[10,20]},\"args\":[\"/bin/echo\",\"entry:\",\"say\"],"
	"\"env\":[\"PATH=/usr/bin:/bin\",\"GREETING=hi\"],\"cwd\":\"/home/app\"},"
	"\"root\":{\"path\":\"rootfs\"}}";

/* An info as vsl_inspect_cmd fills it, for a file with config, meta and tarzst sections. */
static void fill(struct vsl_inspect_info *in, const char *meta)
{
	struct vsl_error err = { 0 };

	memset(in, 0, sizeof *in);
	in->name = "app";
	in->size = 20992;
	in->trailer.version = 1;
	in->trailer.count = 3;
	in->trailer.stub_length = 4000;
	in->trailer.sections[0] =
		(struct vsl_section){ .kind = VSL_SECTION_CONFIG, .offset = 4096, .length = 300 };
	in->trailer.sections[1] =
		(struct vsl_section){ .kind = VSL_SECTION_META, .offset = 8192, .length = 200 };
	in->trailer.sections[2] =
		(struct vsl_section){ .kind = VSL_SECTION_TARZST, .offset = 12288, .length = 8192 };
	memset(in->trailer.sections[2].sha256, 0xab, 32);
	if (meta && vsl_inspect_parse_meta(in, meta, strlen(meta), &err) < 0)
		bail_out("meta: %s", err.msg);
	if (vsl_config_parse(config, strlen(config), &in->config, &err) < 0)
		bail_out("config: %s", err.msg);
	in->have_config = true;
}

static char *text_of(const struct vsl_inspect_info *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		bail_out("open_memstream");
	ok(vsl_inspect_print_text(in, f) == 0, "text report written");
	fclose(f);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	diag("no line \"%s\" in:\n%s", line, text);
	return false;
}

static void test_meta(void)
{
	struct vsl_inspect_info in;
	struct vsl_error err = { 0 };

	fill(&in, meta_full);
	ok(in.have_meta, "meta parsed");
	is_str(in.digest, "sha256:1234abcd", "image ID");
	is_str(in.arch, "arm64", "arch");
	is_str(in.built, "2024-01-02T03:04:05Z", "build time");
	is_str(in.formats[1], "tar.zst", "formats");
	is_str(in.entrypoint[0], "/bin/echo", "entrypoint");
	ok(in.cmd && !in.cmd[1], "one cmd word");
	vsl_inspect_info_free(&in);

	fill(&in, "{\"digest\":\"sha256:x\"}");
	ok(in.have_meta && !in.built && !in.entrypoint && !in.cmd && !in.formats,
	   "absent fields stay NULL");
	vsl_inspect_info_free(&in);

	memset(&in, 0, sizeof in);
	ok(vsl_inspect_parse_meta(&in, "[1]", 3, &err) < 0 && err.msg &&
		   strstr(err.msg, "not a JSON object"),
	   "a meta that is not an object is refused: %s", err.msg);
	vsl_error_release(&err);
	ok(vsl_inspect_parse_meta(&in, "{\"cmd\":[1]}", 11, &err) < 0, "cmd of numbers refused");
	vsl_error_release(&err);
	ok(vsl_inspect_parse_meta(&in, "{\"x\":", 5, &err) < 0 && err.msg &&
		   strstr(err.msg, "meta section"),
	   "malformed JSON names the section: %s", err.msg);
	vsl_error_release(&err);
	vsl_inspect_info_free(&in);
}

static void test_text(void)
{
	struct vsl_inspect_info in;
	char *t;

	fill(&in, meta_full);
	t = text_of(&in);
	ok(has_line(t, "File:         app (21.0 KB, 20992 bytes, vessel format 1)"), "file line");
	ok(has_line(t, "Image ID:     sha256:1234abcd"), "image ID line");
	ok(has_line(t, "Arch:         arm64"), "arch line");
	ok(has_line(t, "Built:        2024-01-02T03:04:05Z by vessel 0.1.0"), "built line");
	ok(has_line(t, "Formats:      squashfs, tar.zst"), "formats line");
	ok(has_line(t, "Entrypoint:   [\"/bin/echo\", \"entry:\"]"), "entrypoint line");
	ok(has_line(t, "Cmd:          [\"say \\\"hi\\\"\\u0009now\"]"), "cmd escaped as JSON");
	ok(has_line(t, "Env:          PATH=/usr/bin:/bin"), "env, first");
	ok(has_line(t, "              GREETING=hi"), "env, second, aligned");
	ok(has_line(t, "Workdir:      /home/app"), "workdir");
	ok(has_line(t, "User:         1000:100 (groups 10,20)"), "user and groups");
	ok(has_line(t, "  stub                 0         4000    4.0 KB  -"), "stub row");
	ok(has_line(t, "  tarzst           12288         8192    8.2 KB  abababababababab"),
	   "section row, sha256 cut to 16 digits, no check column without --verify");
	ok(has_line(t, "  trailer          20480          512     512 B  -"), "trailer row");
	ok(!strstr(t, "CHECK") && !strstr(t, " \n"), "no CHECK column, no trailing blanks");
	free(t);

	in.verified = true;
	in.check[0] = in.check[1] = VSL_CHECK_OK;
	in.check[2] = VSL_CHECK_CORRUPT;
	t = text_of(&in);
	ok(strstr(t, "  SHA256            CHECK\n") != NULL, "CHECK column with --verify");
	ok(has_line(t, "  trailer          20480          512     512 B  -                 -"),
	   "trailer row with --verify");
	ok(strstr(t, "abababababababab  CORRUPT\n") != NULL, "the corrupt section says so");
	free(t);
	vsl_inspect_info_free(&in);

	fill(&in, "{\"digest\":\"sha256:x\"}");
	t = text_of(&in);
	ok(has_line(t, "Built:        (time not recorded: no SOURCE_DATE_EPOCH) by vessel "
		       "(unknown)"),
	   "no build time");
	ok(has_line(t, "Entrypoint:   (none)") && has_line(t, "Created:      (not recorded)"),
	   "absent fields said so");
	free(t);
	vsl_inspect_info_free(&in);
}

static yajl_val json_of(const struct vsl_inspect_info *in)
{
	struct vsl_error err = { 0 };
	char *json = NULL, ebuf[128];
	size_t len;
	yajl_val v;

	ok(vsl_inspect_json(in, &json, &len, &err) == 0, "JSON made");
	v = json ? yajl_tree_parse(json, ebuf, sizeof ebuf) : NULL;
	ok(v && YAJL_IS_OBJECT(v), "JSON parses to an object");
	free(json);
	if (!v)
		bail_out("no JSON");
	return v;
}

static yajl_val at(yajl_val root, const char *a, const char *b)
{
	const char *path[] = { a, b, NULL };

	return yajl_tree_get(root, path, yajl_t_any);
}

static void test_json(void)
{
	static const char *const keys[] = {
		"file",	    "size",	"format_version", "vessel_version", "image",
		"arch",	    "built",	"formats",	  "entrypoint",	    "cmd",
		"args",	    "env",	"workdir",	  "user",	    "stub",
		"sections", "verified",
	};
	struct vsl_inspect_info in;
	yajl_val v, s;

	fill(&in, "{\"digest\":\"sha256:x\",\"cmd\":[\"a\\\"b\"]}");
	v = json_of(&in);
	is_int(v->u.object.len, sizeof keys / sizeof keys[0], "exactly the documented keys");
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ok(at(v, keys[i], NULL) != NULL, "key %s present", keys[i]);
	is_str(YAJL_GET_STRING(at(v, "image", "id")), "sha256:x", "image.id");
	ok(YAJL_IS_NULL(at(v, "image", "created")), "image.created null when absent");
	ok(YAJL_IS_NULL(at(v, "built", NULL)) && YAJL_IS_NULL(at(v, "entrypoint", NULL)),
	   "built and entrypoint null when absent");
	is_str(YAJL_GET_STRING(at(v, "cmd", NULL)->u.array.values[0]), "a\"b", "cmd round-trips");
	is_int(YAJL_GET_INTEGER(at(v, "user", "uid")), 1000, "user.uid");
	is_int(at(v, "user", "additional_gids")->u.array.len, 2, "user.additional_gids");
	is_int(YAJL_GET_INTEGER(at(v, "stub", "length")), 4000, "stub.length");
	s = at(v, "sections", NULL);
	is_int(s->u.array.len, 3, "three sections");
	is_str(YAJL_GET_STRING(at(s->u.array.values[2], "kind", NULL)), "tarzst", "kind");
	is_int(YAJL_GET_INTEGER(at(s->u.array.values[2], "offset", NULL)), 12288, "offset");
	{
		const char *h = YAJL_GET_STRING(at(s->u.array.values[2], "sha256", NULL));

		is_int(h ? strlen(h) : 0, 64, "sha256 in full");
	}
	ok(YAJL_IS_NULL(at(s->u.array.values[2], "verified", NULL)) &&
		   YAJL_IS_NULL(at(v, "verified", NULL)),
	   "verified null without --verify");
	yajl_tree_free(v);

	in.verified = true;
	in.check[0] = in.check[1] = in.check[2] = VSL_CHECK_OK;
	v = json_of(&in);
	ok(YAJL_IS_TRUE(at(v, "verified", NULL)), "all verified: true");
	yajl_tree_free(v);
	in.check[1] = VSL_CHECK_CORRUPT;
	v = json_of(&in);
	s = at(v, "sections", NULL);
	ok(YAJL_IS_FALSE(at(v, "verified", NULL)) &&
		   YAJL_IS_FALSE(at(s->u.array.values[1], "verified", NULL)) &&
		   YAJL_IS_TRUE(at(s->u.array.values[0], "verified", NULL)),
	   "one corrupt: false there and overall, true elsewhere");
	yajl_tree_free(v);
	vsl_inspect_info_free(&in);

	/* a corrupt meta and config under --verify: their keys are null, the rest is there */
	fill(&in, NULL);
	vsl_config_free(&in.config);
	in.have_config = false;
	v = json_of(&in);
	ok(YAJL_IS_NULL(at(v, "image", "id")) && YAJL_IS_NULL(at(v, "args", NULL)) &&
		   YAJL_IS_NULL(at(v, "user", NULL)) && YAJL_IS_ARRAY(at(v, "sections", NULL)),
	   "without meta and config: nulls, sections still listed");
	yajl_tree_free(v);
	vsl_inspect_info_free(&in);
}

static void test_progress_helpers(void)
{
	char b[32];
	uint64_t d = 0;

	vsl_progress_size(999, b, sizeof b);
	is_str(b, "999 B", "bytes");
	vsl_progress_size(1000, b, sizeof b);
	is_str(b, "1.0 KB", "1000 bytes is 1.0 KB (decimal)");
	vsl_progress_size(170 * 1000 * 1000ull + 400000, b, sizeof b);
	is_str(b, "170.4 MB", "megabytes");
	vsl_progress_size(999990000ull, b, sizeof b);
	is_str(b, "1.0 GB", "rounds up into the next unit, never \"1000.0 MB\"");

	is_int(vsl_progress_mode_for(VSL_VERBOSITY_NORMAL, true, "xterm"), VSL_PROGRESS_LIVE,
	       "terminal: live");
	is_int(vsl_progress_mode_for(VSL_VERBOSITY_NORMAL, false, "xterm"), VSL_PROGRESS_OFF,
	       "not a terminal: off");
	is_int(vsl_progress_mode_for(VSL_VERBOSITY_NORMAL, true, "dumb"), VSL_PROGRESS_OFF,
	       "TERM=dumb: off");
	is_int(vsl_progress_mode_for(VSL_VERBOSITY_QUIET, true, "xterm"), VSL_PROGRESS_OFF,
	       "quiet on a terminal: off");
	is_int(vsl_progress_mode_for(VSL_VERBOSITY_VERBOSE, false, NULL), VSL_PROGRESS_LOG,
	       "verbose, not a terminal: log");
	is_int(vsl_progress_mode_for(VSL_VERBOSITY_VERBOSE, true, "xterm"), VSL_PROGRESS_LOG,
	       "verbose on a terminal: log");

	ok(vsl_squashfs_parse_rchar("rchar: 116553414\nwchar: 46563328\nsyscr: 10851\n", &d) == 0 &&
		   d == 116553414,
	   "rchar of /proc/PID/io parsed");
	ok(vsl_squashfs_parse_rchar("wchar: 5\nxrchar: 7\nrchar: 9\n", &d) == 0 && d == 9,
	   "only a line that starts with rchar counts");
	ok(vsl_squashfs_parse_rchar("wchar: 5\n", &d) < 0, "no rchar: -1");
}

int main(void)
{
	test_meta();
	test_text();
	test_json();
	test_progress_helpers();
	return done_testing();
}
