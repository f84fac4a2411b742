/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub's decisions as tables: which payload path, the exec error -> exit code mapping,
 * overlay option escaping, and the container-PATH command lookup (in forked children, on
 * scratch scripts).
 */
#define _GNU_SOURCE
#include "launch.h"
#include "overlay.h"
#include "runner.h"
#include "signals.h"
#include "../tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct path_case {
	bool sq, tz, fuse;
	const char *forced;
	enum vsl_path want;
	const char *msg; /* expected error substring when want is NONE */
};

static void test_path_choice(void)
{
	static const struct path_case cases[] = {
		{ true, true, true, NULL, VSL_PATH_FUSE, NULL },
		{ true, true, false, NULL, VSL_PATH_EXTRACT, NULL },
		{ false, true, true, NULL, VSL_PATH_EXTRACT, NULL },
		{ true, false, true, NULL, VSL_PATH_FUSE, NULL },
		{ true, false, false, NULL, VSL_PATH_NONE, "only a squashfs" },
		{ false, false, true, NULL, VSL_PATH_NONE, "no rootfs section" },
		{ true, true, true, "", VSL_PATH_FUSE, NULL },
		{ true, true, true, "extract", VSL_PATH_EXTRACT, NULL },
		{ true, false, true, "extract", VSL_PATH_NONE, "no tar.zst" },
		{ true, true, false, "fuse", VSL_PATH_NONE, "FUSE is not usable" },
		{ false, true, true, "fuse", VSL_PATH_NONE, "no squashfs" },
		{ true, true, true, "fast", VSL_PATH_NONE, "not one of" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct path_case *c = &cases[i];
		struct vsl_path_inputs in = { c->sq, c->tz, c->fuse, c->forced, NULL };
		struct vsl_error err = { 0 };
		enum vsl_path got = vsl_path_choose(&in, &err);

		is_str(vsl_path_name(got), vsl_path_name(c->want), "case %zu: path", i);
		if (c->msg)
			ok(err.msg && strstr(err.msg, c->msg), "case %zu: '%s' has '%s'", i,
			   err.msg ? err.msg : "", c->msg);
		else
			ok(!err.msg, "case %zu: no error", i);
		vsl_error_release(&err);
	}
	{
		struct vsl_path_inputs in = { .has_squashfs = true,
					      .fuse_why = "open /dev/fuse: Permission denied" };
		struct vsl_error err = { 0 };

		is_int(vsl_path_choose(&in, &err), VSL_PATH_NONE, "squashfs-only without FUSE");
		ok(err.msg && strstr(err.msg, "open /dev/fuse: Permission denied") &&
			   strstr(err.msg, "chmod 0666 /dev/fuse") &&
			   strstr(err.msg, "--payload-format squashfs"),
		   "the error names the cause and the fixes: %s", err.msg ? err.msg : "");
		vsl_error_release(&err);
	}
}

static void test_exec_errors(void)
{
	char buf[256];

	is_int(vsl_runner_exec_error("foo", ENOENT, buf, sizeof buf), 127, "ENOENT -> 127");
	is_str(buf, "foo: command not found", "not found message");
	is_int(vsl_runner_exec_error("/x/foo", ENOENT, buf, sizeof buf), 127, "path ENOENT");
	is_str(buf, "/x/foo: no such file or directory", "path message");
	is_int(vsl_runner_exec_error("foo", EACCES, buf, sizeof buf), 126, "EACCES -> 126");
	is_int(vsl_runner_exec_error("foo", ENOEXEC, buf, sizeof buf), 126, "ENOEXEC -> 126");
	is_str(buf, "foo: exec format error", "ENOEXEC message");
	is_int(vsl_runner_exec_error("foo", E2BIG, buf, sizeof buf), 126, "other -> 126");
	is_int(vsl_signals_exit_code(3 << 8), 3, "exit 3");
	is_int(vsl_signals_exit_code(9), 137, "SIGKILL -> 137");
}

static void test_escape(void)
{
	char *e = vsl_overlay_escape("/a,b:c\\d");

	is_str(e, "/a\\,b\\:c\\\\d", "overlay escape");
	free(e);
}

static void write_script(const char *path, int code, mode_t mode)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "#!/bin/sh\nexit %d\n", code);
	fclose(f);
	chmod(path, mode);
}

/* Run vsl_runner_exec in a child; its status, or 200+errno when exec failed. */
static int run_lookup(const char *cmd, const char *path_env)
{
	char *argv[] = { (char *)cmd, NULL };
	char pathvar[512];
	char *envp[] = { pathvar, NULL };
	int status;
	pid_t pid;

	snprintf(pathvar, sizeof pathvar, "PATH=%s", path_env);
	pid = fork();
	if (pid == 0)
		_exit(200 + vsl_runner_exec(argv, path_env ? envp : (char *[]){ NULL }));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_lookup(void)
{
	char dir[] = "/tmp/t-launch.XXXXXX", a[300], b[300], p[700];

	if (!mkdtemp(dir)) {
		skip(6, "no scratch dir");
		return;
	}
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	mkdir(a, 0755);
	mkdir(b, 0755);
	snprintf(p, sizeof p, "%s/tool", a);
	write_script(p, 0, 0644); /* not executable: skipped, but remembered as EACCES */
	snprintf(p, sizeof p, "%s/tool", b);
	write_script(p, 7, 0755);
	snprintf(p, sizeof p, "%s/only", a);
	write_script(p, 0, 0644);
	snprintf(p, sizeof p, "/nonexistent:%s:%s", a, b);
	is_int(run_lookup("tool", p), 7, "found in the second dir of the container PATH");
	is_int(run_lookup("only", p), 200 + EACCES, "only a non-executable: EACCES");
	is_int(run_lookup("missing", p), 200 + ENOENT, "missing: ENOENT");
	snprintf(p, sizeof p, "%s/tool", b);
	is_int(run_lookup(p, "/nonexistent"), 7, "a path with / ignores PATH");
	is_int(run_lookup("", p), 200 + ENOENT, "empty command: ENOENT");
	is_int(run_lookup("tool", "/nonexistent"), 200 + ENOENT, "the host PATH is not used");
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	if (system(p) != 0)
		diag("could not remove %s", dir);
}

/* {tty_opt, interactive_opt, stdin_tty, stdout_tty} -> {terminal, interactive} */
static void test_terminal_choice(void)
{
	static const struct {
		bool t, i, in, out, want_t, want_i;
		const char *name;
	} c[] = {
		{ 1, 0, 0, 0, 1, 0, "-t: a terminal, input not relayed, whatever stdio is" },
		{ 1, 1, 0, 0, 1, 1, "-it without terminals around" },
		{ 0, 1, 1, 1, 0, 1, "-i alone: no terminal, even at one" },
		{ 0, 0, 1, 1, 1, 1, "neither, run from a terminal: as -it" },
		{ 0, 0, 1, 0, 0, 0, "neither, stdout a pipe: no pty in the pipeline" },
		{ 0, 0, 0, 1, 0, 0, "neither, stdin a file: none" },
		{ 0, 0, 0, 0, 0, 0, "neither, no terminals: none" },
	};

	for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
		bool t = !c[k].want_t, i = !c[k].want_i;

		vsl_terminal_choose(c[k].t, c[k].i, c[k].in, c[k].out, &t, &i);
		ok(t == c[k].want_t && i == c[k].want_i, "%s", c[k].name);
	}
}

int main(void)
{
	test_path_choice();
	test_terminal_choice();
	test_exec_errors();
	test_escape();
	test_lookup();
	return done_testing();
}
