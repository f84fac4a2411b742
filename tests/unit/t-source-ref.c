/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references (builder/source_ref.c): transports, references without one (docker://),
 * docker reference syntax, the loopback-registry rule, and RFC 3339 times from image configs.
 */
#include "tap.h"

#include <string.h>

#include "source.h"

static void parses(const char *ref, enum vsl_transport t, const char *path, const char *tag,
		   const char *skopeo)
{
	struct vsl_error e = { 0 };
	struct vsl_image_ref r;

	if (!ok(vsl_image_ref_parse(ref, &r, &e) == 0, "%s parses", ref)) {
		diag("%s", e.msg);
		vsl_error_release(&e);
		return;
	}
	is_int(r.transport, t, "%s: transport", ref);
	is_str(r.path, path, "%s: path", ref);
	is_str(r.tag, tag, "%s: tag", ref);
	is_str(r.skopeo, skopeo, "%s: skopeo reference", ref);
	is_int(r.implicit, !vsl_image_ref_has_transport(ref), "%s: implicit docker://", ref);
	vsl_image_ref_free(&r);
}

static void refused(const char *ref, const char *needle)
{
	struct vsl_error e = { 0 };
	struct vsl_image_ref r;

	if (vsl_image_ref_parse(ref, &r, &e) == 0) {
		ok(0, "%s is refused (it parsed)", ref);
		vsl_image_ref_free(&r);
		return;
	}
	ok(e.msg && strstr(e.msg, needle), "%s is refused naming \"%s\" (%s)", ref, needle,
	   e.msg ? e.msg : "no error");
	vsl_error_release(&e);
}

static void test_parse(void)
{
	parses("oci:img", VSL_TRANSPORT_OCI, "img", NULL, NULL);
	parses("oci:/a/b:v1", VSL_TRANSPORT_OCI, "/a/b", "v1", NULL);
	parses("oci-archive:x.tar:latest", VSL_TRANSPORT_OCI_ARCHIVE, "x.tar", "latest", NULL);
	parses("docker-archive:x.tar:busybox:1", VSL_TRANSPORT_DOCKER_ARCHIVE, "x.tar", "busybox:1",
	       NULL);
	parses("docker://busybox", VSL_TRANSPORT_DOCKER, "busybox", NULL, "docker://busybox");
	parses("busybox:latest", VSL_TRANSPORT_DOCKER, "busybox:latest", NULL,
	       "docker://busybox:latest");
	parses("localhost:5000/x:y", VSL_TRANSPORT_DOCKER, "localhost:5000/x:y", NULL,
	       "docker://localhost:5000/x:y");
	parses("ghcr.io/a/b-c__d.e@sha256:"
	       "1111111111111111111111111111111111111111111111111111111111111111",
	       VSL_TRANSPORT_DOCKER,
	       "ghcr.io/a/b-c__d.e@sha256:"
	       "1111111111111111111111111111111111111111111111111111111111111111",
	       NULL,
	       "docker://ghcr.io/a/b-c__d.e@sha256:"
	       "1111111111111111111111111111111111111111111111111111111111111111");
	parses("docker-daemon:busybox:latest", VSL_TRANSPORT_DOCKER_DAEMON, "busybox:latest", NULL,
	       "docker-daemon:busybox:latest");
	parses("containers-storage:[vfs@/r+/s]busybox", VSL_TRANSPORT_CONTAINERS_STORAGE,
	       "[vfs@/r+/s]busybox", NULL, "containers-storage:[vfs@/r+/s]busybox");
	parses("dir:/tmp/x", VSL_TRANSPORT_DIR, "/tmp/x", NULL, "dir:/tmp/x");
	ok(vsl_transport_is_skopeo(VSL_TRANSPORT_DIR) &&
		   !vsl_transport_is_skopeo(VSL_TRANSPORT_OCI),
	   "skopeo transports");

	refused("bogus-transport:/x", "bogus-transport");
	refused("Busybox", "neither a docker reference");
	refused("./img", "oci:, oci-archive:");
	refused("docker://", "names nothing");
	refused("docker://UPPER/x", "not a docker reference");
	refused("dir:", "names nothing");
	refused("oci:", "names no path");
}

static void test_docker_ref(void)
{
	static const char *good[] = {
		"busybox",
		"library/busybox:1.36",
		"docker.io/library/busybox:latest",
		"my-registry.example.com:5000/team/app_x:v1.2-rc.3",
		"[::1]:5000/x",
		"x:5000",
		"Registry.Example.COM/a",
		"a__b/c--d/e.f",
		NULL,
	};
	static const char *bad[] = {
		"",	   "Busybox",	  "a/",	  "/a",	  "a//b",  "a:",
		"a:-x",	   "a@sha256:12", "a_",	  "a.-b", "./img", "host:port/x",
		"-x.io/a", "x..io/a",	  "[]/a", NULL,
	};

	for (size_t i = 0; good[i]; i++)
		ok(vsl_docker_ref_valid(good[i]), "valid: %s", good[i]);
	for (size_t i = 0; bad[i]; i++)
		ok(!vsl_docker_ref_valid(bad[i]), "invalid: '%s'", bad[i]);
}

static void test_loopback(void)
{
	ok(vsl_docker_ref_loopback("localhost:5000/x"), "localhost:5000");
	ok(vsl_docker_ref_loopback("localhost/x"), "localhost");
	ok(vsl_docker_ref_loopback("127.0.0.1:41234/busybox:multi"), "127.0.0.1 with a port");
	ok(vsl_docker_ref_loopback("127.1.2.3/x"), "all of 127/8");
	ok(vsl_docker_ref_loopback("[::1]:5000/x"), "[::1]");
	ok(!vsl_docker_ref_loopback("busybox"), "docker hub is not");
	ok(!vsl_docker_ref_loopback("localhost.example.com/x"), "a name starting with localhost");
	ok(!vsl_docker_ref_loopback("127.0.0.1.example.com/x"), "a name starting with 127.");
	ok(!vsl_docker_ref_loopback("10.0.0.1:5000/x"), "a private address is not loopback");
	ok(!vsl_docker_ref_loopback("localhost"), "a repository named localhost");
}

static void test_time(void)
{
	int64_t t = 0;

	ok(vsl_time_parse_rfc3339("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "the epoch");
	ok(vsl_time_parse_rfc3339("2023-11-14T22:13:20Z", &t) == 0 && t == 1700000000,
	   "the fixtures' time");
	ok(vsl_time_parse_rfc3339("2023-11-14T22:13:20.123456789Z", &t) == 0 && t == 1700000000,
	   "fractions are dropped");
	ok(vsl_time_parse_rfc3339("2023-11-14T23:13:20+01:00", &t) == 0 && t == 1700000000,
	   "an offset");
	ok(vsl_time_parse_rfc3339("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800,
	   "a leap day");
	ok(vsl_time_parse_rfc3339(NULL, &t) < 0, "NULL");
	ok(vsl_time_parse_rfc3339("2023-11-14", &t) < 0, "a date alone");
	ok(vsl_time_parse_rfc3339("2023-13-14T22:13:20Z", &t) < 0, "month 13");
	ok(vsl_time_parse_rfc3339("2023-11-14T22:13:20", &t) < 0, "no zone");
	ok(vsl_time_parse_rfc3339("2023-11-14T22:13:20Zjunk", &t) < 0, "junk after");
}

int main(void)
{
	test_parse();
	test_docker_ref();
	test_loopback();
	test_time();
	return done_testing();
}
