/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config patcher (runtime/crunspec.c): a config like the builder's in, the config libcrun
 * runs out. Each output is parsed back and its fields checked: what is replaced, what is added,
 * what passes through untouched, and what is refused.
 */
#define _GNU_SOURCE
#include "crunspec.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* The shape of builder/ocispec.c's output, with a few extras an image could bring. */
static const char builder_config[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,\"user\":{\"uid\":1000,"
	"\"gid\":1000,\"additionalGids\":[10]},\"args\":[\"/bin/sh\"],\"env\":[\"PATH=/bin\"],"
	"\"cwd\":\"/home/app\",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1048576,\"soft\":1.5e3}],"
	"\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
	"\"hostname\":\"img-host\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\"},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\"},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
	"{\"destination\":\"/sys\",\"type\":\"none\",\"source\":\"/sys\",\"options\":[\"rbind\"]}],"
	"\"annotations\":{\"org.opencontainers.image.stopSignal\":\"SIGQUIT\","
	"\"run.oci.hooks.stdout\":\"/etc/passwd\",\"run.oci.handler\":\"krun\","
	"\"io.kubernetes.cri.container-type\":\"sandbox\",\"app\":\"x\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	"{\"type\":\"mount\"},{\"type\":\"user\"},{\"type\":\"network\",\"path\":\"/x\"}],"
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
	"\"maskedPaths\":[\"/proc/kcore\"]}}";

static char *argv_[] = { "sh", "-c", "echo hi", NULL };
static char *envp_[] = { "PATH=/usr/bin:/bin", "A=1", NULL };

static struct vsl_launch_spec base_spec(void)
{
	struct vsl_launch_spec s;

	memset(&s, 0, sizeof s);
	s.rootfs = "/run/x/merged";
	s.argv = argv_;
	s.envp = envp_;
	s.cwd = "/home/app";
	s.uid = 1000;
	s.gid = 1000;
	return s;
}

static const struct vsl_crunspec_extra no_extra = { NULL, NULL, false };

/* Patch, parse the output back; NULL (and a failed test) if either fails. */
static yajl_val patch(const char *json, const struct vsl_launch_spec *s,
		      const struct vsl_crunspec_extra *x, char **text)
{
	struct vsl_error err = { 0 };
	char *out = NULL, ebuf[128];
	yajl_val v = NULL;

	if (vsl_crunspec_build(json, strlen(json), s, x, &out, &err) < 0) {
		ok(0, "patch: %s", err.msg);
		vsl_error_release(&err);
		return NULL;
	}
	v = yajl_tree_parse(out, ebuf, sizeof ebuf);
	ok(v != NULL, "the output is JSON%s%s", v ? "" : ": ", v ? "" : ebuf);
	if (text)
		*text = out;
	else
		free(out);
	return v;
}

static yajl_val at(yajl_val v, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };

	return v ? yajl_tree_get(v, path, yajl_t_any) : NULL;
}

static const char *str_at(yajl_val v, const char *a, const char *b, const char *c)
{
	const char *s = YAJL_GET_STRING(at(v, a, b, c));

	return s ? s : "(none)";
}

/* The values of a string array, joined with ",". */
static const char *joined(yajl_val arr)
{
	static char buf[512];

	buf[0] = '\0';
	for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(arr->u.array.values[i]);

		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "",
			 s ? s : "?");
	}
	return buf;
}

/* The values of a member of each object of an array, joined with ",". */
static const char *joined_member(yajl_val arr, const char *key)
{
	static char buf[1024];

	buf[0] = '\0';
	for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "",
			 str_at(arr->u.array.values[i], key, NULL, NULL));
	return buf;
}

static yajl_val mount_at(yajl_val root, const char *dest)
{
	yajl_val m = at(root, "mounts", NULL, NULL);

	for (size_t i = 0; m && YAJL_IS_ARRAY(m) && i < m->u.array.len; i++)
		if (strcmp(str_at(m->u.array.values[i], "destination", NULL, NULL), dest) == 0)
			return m->u.array.values[i];
	return NULL;
}

static void test_builder_config(void)
{
	struct vsl_launch_spec s = base_spec();
	struct vsl_crunspec_extra x = { "/etc/resolv.conf", "/run/hosts", true };
	char *text = NULL;
	yajl_val v;

	s.readonly_root = true;
	v = patch(builder_config, &s, &x, &text);
	is_str(str_at(v, "root", "path", NULL), "/run/x/merged", "root.path");
	ok(YAJL_IS_TRUE(at(v, "root", "readonly", NULL)), "root.readonly");
	is_str(joined(at(v, "process", "args", NULL)), "sh,-c,echo hi", "process.args");
	is_str(joined(at(v, "process", "env", NULL)), "PATH=/usr/bin:/bin,A=1", "process.env");
	ok(YAJL_IS_TRUE(at(v, "process", "terminal", NULL)), "process.terminal");
	is_str(str_at(v, "process", "cwd", NULL), "/", "process.cwd is / (crun_exec.c does it)");
	ok(YAJL_GET_INTEGER(at(v, "process", "user", "uid")) == 0 &&
		   YAJL_GET_INTEGER(at(v, "process", "user", "gid")) == 0 &&
		   !at(v, "process", "user", "additionalGids"),
	   "process.user is 0:0 (crun_exec.c switches)");
	is_str(joined(at(v, "process", "capabilities", "bounding")), "CAP_CHOWN",
	       "capabilities pass through");
	ok(YAJL_IS_TRUE(at(v, "process", "noNewPrivileges", NULL)), "noNewPrivileges kept");
	ok(text && strstr(text, "\"soft\":1.5e3") && strstr(text, "\"hard\":1048576"),
	   "numbers pass through as written");
	is_str(str_at(v, "hostname", NULL, NULL), "img-host", "the config's hostname stays");
	is_str(str_at(v, "ociVersion", NULL, NULL), "1.0.2", "ociVersion kept");
	is_str(joined_member(at(v, "linux", "namespaces", NULL), "type"), "pid,ipc,uts,mount",
	       "no user or network namespace");
	ok(!at(v, "linux", "uidMappings", NULL), "no uid mappings");
	is_str(joined(at(v, "linux", "maskedPaths", NULL)), "/proc/kcore", "maskedPaths kept");
	is_str(str_at(v, "annotations", "org.opencontainers.image.stopSignal", NULL), "SIGQUIT",
	       "other annotations kept");
	ok(!at(v, "annotations", "run.oci.hooks.stdout", NULL) &&
		   !at(v, "annotations", "run.oci.handler", NULL) &&
		   !at(v, "annotations", "io.kubernetes.cri.container-type", NULL),
	   "crun-steering annotations dropped");
	is_str(joined_member(at(v, "mounts", NULL, NULL), "destination"),
	       "/proc,/dev,/dev/pts,/dev/shm,/dev/mqueue,/sys,/tmp,/etc/resolv.conf,/etc/hosts",
	       "the config's mounts, a read-only root's /tmp, then the host files");
	is_str(joined(at(mount_at(v, "/tmp"), "options", NULL, NULL)),
	       "rw,nosuid,nodev,exec,mode=1777", "a read-only root's /tmp: writable, as podman's");
	is_str(str_at(mount_at(v, "/etc/hosts"), "source", NULL, NULL), "/run/hosts",
	       "hosts from the host path given");
	is_str(joined(at(mount_at(v, "/etc/resolv.conf"), "options", NULL, NULL)), "rbind,ro",
	       "host files read-only");
	yajl_tree_free(v);
	free(text);
}

static void test_run_mounts(void)
{
	struct vsl_launch_spec s = base_spec();
	struct vsl_volume vols[] = { { "/home/u/data", "/data", false },
				     { "/home/u/f.txt", "/etc/motd", true } };
	struct vsl_tmpfs tmp[] = { { "/run", "size=64m,mode=1777,exec" }, { "/scratch", NULL } };
	yajl_val v;

	s.volumes = vols;
	s.n_volumes = 2;
	s.tmpfs = tmp;
	s.n_tmpfs = 2;
	s.net = VSL_NET_NONE;
	s.hostname = "box";
	v = patch(builder_config, &s, &no_extra, NULL);
	is_str(joined_member(at(v, "mounts", NULL, NULL), "destination"),
	       "/proc,/dev,/dev/pts,/dev/shm,/dev/mqueue,/sys,/run,/scratch,/data,/etc/motd",
	       "shallower first, tmpfs before volumes at one depth; no host files when none");
	is_str(str_at(mount_at(v, "/data"), "source", NULL, NULL), "/home/u/data", "volume source");
	is_str(str_at(mount_at(v, "/data"), "type", NULL, NULL), "bind", "volume type");
	is_str(joined(at(mount_at(v, "/data"), "options", NULL, NULL)), "rbind,rw", "rw volume");
	is_str(joined(at(mount_at(v, "/etc/motd"), "options", NULL, NULL)), "rbind,ro",
	       "ro volume");
	is_str(str_at(mount_at(v, "/run"), "type", NULL, NULL), "tmpfs", "tmpfs type");
	is_str(joined(at(mount_at(v, "/run"), "options", NULL, NULL)),
	       "rw,nosuid,nodev,exec,size=64m,mode=1777",
	       "tmpfs: docker's defaults changed by the user's words, one word per flag");
	is_str(joined(at(mount_at(v, "/scratch"), "options", NULL, NULL)), "rw,nosuid,nodev,noexec",
	       "tmpfs without options: docker's defaults");
	is_str(joined_member(at(v, "linux", "namespaces", NULL), "type"),
	       "pid,ipc,uts,mount,network", "--net none: one new network namespace");
	is_str(str_at(v, "hostname", NULL, NULL), "box", "--hostname replaces the config's");
	yajl_tree_free(v);
}

static void test_minimal(void)
{
	struct vsl_launch_spec s = base_spec();
	yajl_val v;

	s.hostname = "h";
	v = patch("{}", &s, &no_extra, NULL);
	is_str(str_at(v, "root", "path", NULL), "/run/x/merged", "{}: root added");
	is_str(joined(at(v, "process", "args", NULL)), "sh,-c,echo hi", "{}: process added");
	is_str(joined_member(at(v, "mounts", NULL, NULL), "destination"),
	       "/proc,/dev,/dev/pts,/dev/shm,/dev/mqueue,/sys",
	       "{}: the default mounts (common/ocimounts.c)");
	is_str(joined_member(at(v, "linux", "namespaces", NULL), "type"), "pid,ipc,uts,mount",
	       "{}: default namespaces");
	is_str(str_at(v, "hostname", NULL, NULL), "h", "{}: hostname added");
	yajl_tree_free(v);

	v = patch("{\"mounts\":[{\"destination\":\"/dev/pts\",\"type\":\"devpts\"},"
		  "{\"destination\":\"/proc\",\"type\":\"proc\"}],\"linux\":{}}",
		  &s, &no_extra, NULL);
	is_str(joined_member(at(v, "mounts", NULL, NULL), "destination"),
	       "/dev,/dev/shm,/dev/mqueue,/sys,/dev/pts,/proc",
	       "missing base mounts go first (/dev before pts)");
	is_str(joined_member(at(v, "linux", "namespaces", NULL), "type"), "pid,ipc,uts,mount",
	       "linux without namespaces: defaults");
	yajl_tree_free(v);

	v = patch("{\"linux\":{\"namespaces\":[]}}", &s, &no_extra, NULL);
	is_str(joined_member(at(v, "linux", "namespaces", NULL), "type"), "",
	       "an empty namespace list stays empty");
	yajl_tree_free(v);
}

static void test_refused(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "", "invalid JSON" },
		{ "{\"a\":", "invalid JSON" },
		{ "[]", "not a JSON object" },
		{ "\"x\"", "not a JSON object" },
		{ "{\"process\":[]}", "process must be an object" },
		{ "{\"root\":\"/\"}", "root must be an object" },
		{ "{\"mounts\":{}}", "mounts must be an array" },
		{ "{\"linux\":[]}", "linux must be an object" },
		{ "{\"linux\":{\"namespaces\":{}}}", "linux.namespaces must be an array" },
		{ "{\"annotations\":[]}", "annotations must be an object" },
	};
	struct vsl_launch_spec s = base_spec();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct vsl_error err = { 0 };
		char *out = (char *)"unchanged";
		int r = vsl_crunspec_build(cases[i].json, strlen(cases[i].json), &s, &no_extra,
					   &out, &err);

		ok(r < 0 && !out && err.msg && strstr(err.msg, cases[i].msg) &&
			   strncmp(err.msg, "config.json: ", 13) == 0,
		   "'%s' refused: %s", cases[i].json, err.msg ? err.msg : "(no error)");
		vsl_error_release(&err);
	}
}

static void test_limits(void)
{
	struct vsl_launch_spec s = base_spec();
	struct vsl_error err = { 0 };
	char deep[1024], *out = NULL;
	size_t n = 0;
	int r;

	n += (size_t)snprintf(deep, sizeof deep, "{\"x\":");
	for (int i = 0; i < 300; i++)
		deep[n++] = '[';
	for (int i = 0; i < 300; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	r = vsl_crunspec_build(deep, n, &s, &no_extra, &out, &err);
	ok(r < 0 && err.msg && !out, "300 levels deep: refused (%s)",
	   err.msg ? err.msg : "accepted");
	vsl_error_release(&err);
	ok(vsl_crunspec_build("{}\0{}", 5, &s, &no_extra, &out, &err) < 0 && err.msg &&
		   strstr(err.msg, "NUL"),
	   "an embedded NUL: refused");
	vsl_error_release(&err);
	/* Only len bytes are read: the rest of the buffer is not part of the config. */
	ok(vsl_crunspec_build("{}garbage", 2, &s, &no_extra, &out, &err) == 0 && out,
	   "len bounds the input");
	free(out);
}

int main(void)
{
	test_builder_config();
	test_run_mounts();
	test_minimal();
	test_refused();
	test_limits();
	return done_testing();
}
