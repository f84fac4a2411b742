/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proves the toolchain: this program is linked statically against every third-party library the
 * stub and the builder use (libcrun, libfuse3, libzstd, yajl, libseccomp, libcap, zlib) with
 * our musl, and calls each one for real. It runs for every arch (aarch64 under qemu).
 */
#include <stdint.h>
#include <string.h>
#include <sys/utsname.h>

#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>
#include <libcrun/container.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <yajl/yajl_tree.h>
#include <zlib.h>
#include <zstd.h>

#include "tap.h"

static const char spec[] = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"echo hi\"],"
			   "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},"
			   "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";

static void check_zstd(void)
{
	static char src[64 * 1024], dst[64 * 1024], back[64 * 1024];
	size_t n, m;

	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (char)("vessel"[i % 6] + i / 4096);
	n = ZSTD_compress(dst, sizeof dst, src, sizeof src, 3);
	ok(!ZSTD_isError(n) && n < sizeof src / 4, "zstd compresses 64 KiB to %zu bytes", n);
	m = ZSTD_decompress(back, sizeof back, dst, n);
	ok(m == sizeof src && memcmp(src, back, m) == 0, "zstd round trip");
	ok(ZSTD_versionNumber() == 10504, "zstd is 1.5.4 (%u)", ZSTD_versionNumber());
}

static void check_zlib(void)
{
	unsigned char src[] = "vessel vessel vessel vessel", dst[128], back[128];
	uLongf n = sizeof dst, m = sizeof back;

	ok(compress(dst, &n, src, sizeof src) == Z_OK && uncompress(back, &m, dst, n) == Z_OK &&
		   m == sizeof src && memcmp(src, back, m) == 0,
	   "zlib round trip (%s)", zlibVersion());
}

static void check_yajl(void)
{
	char errbuf[128];
	const char *path[] = {"process", "args", NULL};
	yajl_val v = yajl_tree_parse(spec, errbuf, sizeof errbuf);
	yajl_val args = v ? yajl_tree_get(v, path, yajl_t_array) : NULL;

	ok(args && YAJL_GET_ARRAY(args)->len == 3, "yajl parses a runtime spec");
	yajl_tree_free(v);
}

static void check_crun(void)
{
	libcrun_error_t err = NULL;
	libcrun_container_t *c = libcrun_container_load_from_memory(spec, &err);

	ok(c && c->container_def && c->container_def->process &&
		   c->container_def->process->args_len == 3 &&
		   strcmp(c->container_def->process->args[2], "echo hi") == 0,
	   "libcrun loads a config from memory%s%s", err ? ": " : "", err ? err->msg : "");
	if (c)
		libcrun_container_free(c);
	if (err)
		crun_error_release(&err);
}

static void check_fuse(void)
{
	char *argv[] = {"t-toolchain", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_lowlevel_ops ops;
	struct fuse_session *se;

	memset(&ops, 0, sizeof ops);
	se = fuse_session_new(&args, &ops, sizeof ops, NULL);
	ok(se != NULL, "libfuse3 %s creates a lowlevel session", fuse_pkgversion());
	if (se)
		fuse_session_destroy(se);
	fuse_opt_free_args(&args);
}

static void check_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = ctx ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(mknodat), 0) : -1;
	const struct scmp_version *v = seccomp_version();

	ok(rc == 0, "libseccomp %u.%u.%u builds a filter", v->major, v->minor, v->micro);
	seccomp_release(ctx);
}

static void check_cap(void)
{
	cap_t c = cap_from_text("cap_net_bind_service=ep");
	char *txt = c ? cap_to_text(c, NULL) : NULL;

	ok(txt && strstr(txt, "cap_net_bind_service"), "libcap round trip (%s)", txt ? txt : "?");
	cap_free(txt);
	cap_free(c);
}

int main(void)
{
	struct utsname u;

	plan(9);
	check_zstd();
	check_zlib();
	check_yajl();
	check_crun();
	check_fuse();
	check_seccomp();
	check_cap();
	if (uname(&u) == 0)
		diag("running on %s", u.machine);
	return done_testing();
}
