/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the libcrun config patcher (runtime/crunspec.c). The input is the
 * embedded config.json; the launch spec is fixed, with a volume, a tmpfs with options and
 * --net none so every patch path runs. Properties, on top of the sanitizers:
 *   - a refused config always says why, and leaves no output;
 *   - an accepted one gives JSON that yajl parses, with our root.path, and that the patcher
 *     accepts in turn (its output is always a valid input).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Iruntime \
 *         tests/fuzz/fuzz-crunspec.c runtime/crunspec.c common/error.c common/log.c \
 *         -lyajl -o fuzz-crunspec
 */
#include "crunspec.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static char *argv_[] = { "sh", "-c", "echo hi", NULL };
static char *envp_[] = { "PATH=/bin", NULL };
static struct vsl_volume vol = { "/host/data", "/data", true };
static struct vsl_tmpfs tmp = { "/run", "size=1m,mode=1777" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsl_launch_spec s = {
		.rootfs = "/merged",
		.argv = argv_,
		.envp = envp_,
		.cwd = "/",
		.hostname = "h",
		.volumes = &vol,
		.n_volumes = 1,
		.tmpfs = &tmp,
		.n_tmpfs = 1,
		.net = VSL_NET_NONE,
	};
	struct vsl_crunspec_extra x = { "/etc/resolv.conf", NULL, false };
	struct vsl_error err = { 0 };
	char *out = NULL, *again = NULL;
	const char *path[] = { "root", "path", NULL };
	yajl_val v;

	if (vsl_crunspec_build((const char *)data, size, &s, &x, &out, &err) < 0) {
		if (!err.msg || out)
			abort();
		vsl_error_release(&err);
		return 0;
	}
	v = yajl_tree_parse(out, NULL, 0);
	if (!v || !YAJL_GET_STRING(yajl_tree_get(v, path, yajl_t_string)) ||
	    strcmp(YAJL_GET_STRING(yajl_tree_get(v, path, yajl_t_string)), "/merged") != 0)
		abort();
	yajl_tree_free(v);
	if (vsl_crunspec_build(out, strlen(out), &s, &x, &again, &err) < 0)
		abort();
	free(again);
	free(out);
	return 0;
}
