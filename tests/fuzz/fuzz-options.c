/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the stub's option parser. Input: NUL-separated arguments (argv[1..]).
 * Properties, on top of the sanitizers:
 *   - a failed parse always says why and leaves the struct empty;
 *   - after a successful parse every container path (-v, --tmpfs) is absolute, not "/", and
 *     clean (cleaning it again changes nothing, and it has no "." or ".." component), so it
 *     can be joined to a root; every --tmpfs option string is accepted by the mount side; a
 *     --hostname passes its check;
 *   - vsl_path_clean of any absolute input is clean and idempotent.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Iruntime \
 *         tests/fuzz/fuzz-options.c runtime/options.c runtime/env.c runtime/userspec.c \
 *         common/passwd.c common/error.c common/log.c -o fuzz-options
 */
#include "options.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *host_env[] = { "HOME=/root", "TERM=xterm", NULL };

static void check_clean(const char *p)
{
	char *again = vsl_path_clean(p);

	if (!again || p[0] != '/' || strcmp(again, p) != 0 || strstr(p, "//") || strstr(p, "/./") ||
	    strstr(p, "/../"))
		abort();
	if (strlen(p) > 1 && p[strlen(p) - 1] == '/')
		abort();
	if ((strlen(p) >= 2 && strcmp(p + strlen(p) - 2, "/.") == 0) ||
	    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0))
		abort();
	free(again);
}

static void check_parsed(const struct vsl_options *o)
{
	struct vsl_error err = { 0 };

	for (size_t i = 0; i < o->n_volumes; i++) {
		if (!o->volumes[i].host || !o->volumes[i].host[0] ||
		    strcmp(o->volumes[i].ctr, "/") == 0)
			abort();
		check_clean(o->volumes[i].ctr);
	}
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		unsigned long flags;
		char *data = NULL;

		if (strcmp(o->tmpfs[i].path, "/") == 0)
			abort();
		check_clean(o->tmpfs[i].path);
		if (vsl_tmpfs_options(o->tmpfs[i].options, &flags, &data, &err) < 0 || !data)
			abort();
		free(data);
	}
	if (o->hostname && vsl_hostname_check(o->hostname, &err) < 0)
		abort();
	if (o->workdir && o->workdir[0] != '/')
		abort();
	if (o->net != VSL_NET_HOST && o->net != VSL_NET_NONE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), **argv;
	struct vsl_options o;
	struct vsl_error err = { 0 };
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i < size; i++)
		argc += buf[i] == '\0';
	argv = calloc((size_t)argc + 2, sizeof *argv);
	if (!argv) {
		free(buf);
		return 0;
	}
	argv[0] = "./app";
	argc = 1;
	for (char *p = buf; p <= buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	if (vsl_options_parse(argc, argv, host_env, &o, &err) < 0) {
		if (!err.msg || o.volumes || o.tmpfs || o.env.v || o.args.v)
			abort();
		vsl_error_release(&err);
	} else {
		check_parsed(&o);
		vsl_options_free(&o);
	}
	if (buf[0] == '/') {
		char *c = vsl_path_clean(buf);

		if (!c)
			abort();
		check_clean(c);
		free(c);
	}
	free(argv);
	free(buf);
	return 0;
}
