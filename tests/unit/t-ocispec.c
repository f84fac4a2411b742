/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json and meta from an image config: the runtime fields, the rootless defaults (no
 * network namespace, no id mappings), annotations, deterministic output. USER resolution is
 * t-passwd.c's.
 */
#define _GNU_SOURCE
#include "tap.h"

#include <string.h>

#include <yajl/yajl_tree.h>

#include "json.h"
#include "ocispec.h"

static const char image_config[] =
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
	"\"config\":{\"User\":\"app\",\"Env\":[\"FOO=bar\",\"HOME=/custom\"],"
	"\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],\"WorkingDir\":\"work\","
	"\"Labels\":{\"z\":\"last\",\"a\":\"first\","
	"\"org.opencontainers.image.stopSignal\":\"no\"},"
	"\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},\"StopSignal\":\"SIGINT\","
	"\"Volumes\":{\"/data\":{}}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

static bool has(const struct vsl_error *e, const char *needle)
{
	bool r = e->msg && strstr(e->msg, needle);

	if (!r)
		diag("message: %s (want \"%s\")", e->msg ? e->msg : "(none)", needle);
	return r;
}

static yajl_val get(yajl_val root, const char *a, const char *b)
{
	const char *path[] = { a, b, NULL };

	return yajl_tree_get(root, path, yajl_t_any);
}

static bool strv_has(yajl_val arr, const char *s)
{
	for (size_t i = 0; YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++)
		if (YAJL_IS_STRING(arr->u.array.values[i]) &&
		    !strcmp(arr->u.array.values[i]->u.string, s))
			return true;
	return false;
}

static void test_config_json(void)
{
	struct vsl_image_config c;
	struct vsl_error e = { 0 };
	uint32_t gids[] = { 2000, 2001 };
	struct vsl_user u = {
		.uid = 1000, .gid = 1000, .n_gids = 2, .gids = gids, .home = (char *)"/home/app"
	};
	char *out, *again;
	size_t len, len2;
	yajl_val root, v;

	if (!ok(vsl_image_config_parse(image_config, strlen(image_config), &c, &e) == 0,
		"parse an image config"))
		bail_out("%s", e.msg);
	is_str(c.user, "app", "User");
	is_int(c.n_labels, 3, "labels");
	is_str(c.label_keys[0], "a", "labels sorted by key");
	is_str(c.exposed_ports[0], "53/udp", "ports sorted");
	if (!ok(vsl_ocispec_config(&c, &u, &out, &len, &e) == 0, "make config.json"))
		bail_out("%s", e.msg);
	is_int(strlen(out), len, "length excludes the NUL");
	root = vsl_json_parse(out, len, "config.json", &e);
	if (!ok(root != NULL, "config.json is JSON"))
		bail_out("%s", e.msg);
	is_str(vsl_json_str(root, "ociVersion"), "1.0.2", "ociVersion");
	v = get(root, "process", "args");
	ok(v && v->u.array.len == 3 && !strcmp(v->u.array.values[0]->u.string, "/bin/sh") &&
		   !strcmp(v->u.array.values[2]->u.string, "echo hi"),
	   "args = Entrypoint + Cmd");
	v = get(root, "process", "env");
	ok(strv_has(v, "FOO=bar") && strv_has(v, "HOME=/custom") && strv_has(v, VSL_DEFAULT_PATH) &&
		   v->u.array.len == 3,
	   "env: the image's, a default PATH, its own HOME kept");
	is_str(YAJL_GET_STRING(get(root, "process", "cwd")), "/work", "relative WorkingDir from /");
	v = get(root, "process", "user");
	ok(YAJL_GET_INTEGER(vsl_json_get(v, "uid")) == 1000 &&
		   YAJL_GET_INTEGER(vsl_json_get(v, "gid")) == 1000 &&
		   vsl_json_arr(v, "additionalGids")->u.array.len == 2,
	   "user uid, gid, groups");
	ok(!strstr(out, "uidMappings") && !strstr(out, "gidMappings"), "no id mappings baked in");
	ok(!strstr(out, "\"network\"") && strstr(out, "\"user\"") && strstr(out, "\"mount\""),
	   "user + mount namespaces, no network namespace");
	ok(!strstr(out, "\"resources\"") && !strstr(out, "cgroupsPath"), "no cgroup settings");
	v = vsl_json_obj(root, "annotations");
	ok(v && v->u.object.len == 4 && !strcmp(v->u.object.keys[0], "a") &&
		   !strcmp(v->u.object.keys[3], "z"),
	   "annotations sorted, one per key");
	is_str(vsl_json_str(v, "org.opencontainers.image.stopSignal"), "SIGINT",
	       "StopSignal wins over a label of the same name");
	is_str(vsl_json_str(v, "org.opencontainers.image.exposedPorts"), "53/udp,8080/tcp",
	       "ExposedPorts");
	ok(strstr(out, "\"/dev/mqueue\"") && strstr(out, "\"/sys\"") && strstr(out, "\"rbind\""),
	   "standard mounts");
	yajl_tree_free(root);
	ok(vsl_ocispec_config(&c, &u, &again, &len2, &e) == 0 && len2 == len &&
		   !memcmp(out, again, len),
	   "the same input gives the same bytes");
	free(again);
	free(out);
	vsl_image_config_free(&c);
}

/* Labels in another order, same image: the same config.json. */
static void test_deterministic(void)
{
	static const char a[] = "{\"config\":{\"Labels\":{\"x\":\"1\",\"b\":\"2\",\"m\":\"3\"}}}";
	static const char b[] = "{\"config\":{\"Labels\":{\"m\":\"3\",\"x\":\"1\",\"b\":\"2\"}}}";
	struct vsl_user u = { .home = (char *)"/root" };
	struct vsl_image_config ca, cb;
	char *oa, *ob;
	size_t la, lb;

	if (vsl_image_config_parse(a, strlen(a), &ca, NULL) < 0 ||
	    vsl_image_config_parse(b, strlen(b), &cb, NULL) < 0 ||
	    vsl_ocispec_config(&ca, &u, &oa, &la, NULL) < 0 ||
	    vsl_ocispec_config(&cb, &u, &ob, &lb, NULL) < 0)
		bail_out("config");
	ok(la == lb && !memcmp(oa, ob, la), "label order in the image does not matter");
	ok(strstr(oa, "\"args\": []") || strstr(oa, "\"args\": [\n"),
	   "no Entrypoint/Cmd: empty args for the runtime to fill");
	ok(strstr(oa, "\"cwd\": \"/\""), "no WorkingDir: /");
	ok(strstr(oa, "\"HOME=/root\""), "HOME from the user");
	free(oa);
	free(ob);
	vsl_image_config_free(&ca);
	vsl_image_config_free(&cb);
}

static int parse_str(const char *json, struct vsl_image_config *c, struct vsl_error *e)
{
	return vsl_image_config_parse(json, strlen(json), c, e);
}

static void test_config_errors(void)
{
	struct vsl_image_config c;
	struct vsl_error e = { 0 };

	ok(parse_str("not json", &c, &e) < 0 && has(&e, "not valid JSON"),
	   "a config that is not JSON");
	vsl_error_release(&e);
	ok(parse_str("{\"config\":{\"User\":5}}", &c, &e) < 0 && has(&e, "User must be a string"),
	   "a User that is not a string");
	vsl_error_release(&e);
	ok(parse_str("{\"config\":{\"Cmd\":[1]}}", &c, &e) < 0 && has(&e, "Cmd[0] is not a string"),
	   "a Cmd with a number");
	vsl_error_release(&e);
	ok(parse_str("{\"config\":{\"Cmd\":null}}", &c, &e) == 0 && !c.cmd, "a null Cmd is no Cmd");
	vsl_image_config_free(&c);
	ok(parse_str("[]", &c, &e) < 0 && has(&e, "not a JSON object"), "an array");
	vsl_error_release(&e);
}

static void test_meta(void)
{
	static const char *const formats[] = { "tar.zst", NULL };
	struct vsl_meta m = { "1.2.3", "sha256:bb", "arm64", formats, -1 };
	struct vsl_image_config c;
	yajl_val root;
	char *out;
	size_t len;

	if (vsl_image_config_parse(image_config, strlen(image_config), &c, NULL) < 0 ||
	    vsl_ocispec_meta(&m, &c, &out, &len, NULL) < 0)
		bail_out("meta");
	root = vsl_json_parse(out, len, "meta", NULL);
	ok(root && !strcmp(vsl_json_str(root, "vessel_version"), "1.2.3") &&
		   !vsl_json_get(root, "image") && !vsl_json_get(root, "config_digest") &&
		   !strcmp(vsl_json_str(root, "digest"), "sha256:bb") &&
		   !strcmp(vsl_json_str(root, "arch"), "arm64") &&
		   !strcmp(vsl_json_str(root, "created"), "2024-01-02T03:04:05Z"),
	   "meta fields");
	ok(!vsl_json_get(root, "built"), "no build time without SOURCE_DATE_EPOCH");
	ok(strv_has(vsl_json_arr(root, "formats"), "tar.zst"), "formats");
	ok(vsl_json_arr(root, "entrypoint")->u.array.len == 2 &&
		   vsl_json_arr(root, "cmd")->u.array.len == 1,
	   "entrypoint and cmd kept apart");
	yajl_tree_free(root);
	free(out);
	m.source_date_epoch = 1700000000;
	if (vsl_ocispec_meta(&m, &c, &out, &len, NULL) < 0)
		bail_out("meta");
	ok(strstr(out, "\"built\": \"2023-11-14T22:13:20Z\""), "built from SOURCE_DATE_EPOCH");
	free(out);
	vsl_image_config_free(&c);
}

int main(void)
{
	test_config_json();
	test_deterministic();
	test_config_errors();
	test_meta();
	return done_testing();
}
