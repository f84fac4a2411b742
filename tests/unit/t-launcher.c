/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launcher choice as a table (libcrun or the direct runner, from the knobs and whether we
 * run under an emulator), the emulator judgement and the /proc/self/status parser behind it,
 * and the terminal rule of the libcrun launcher.
 */
#define _GNU_SOURCE
#include "crunspec.h"
#include "emulation.h"
#include "launch.h"
#include "../tap.h"

#include <errno.h>
#include <string.h>

struct choice_case {
	bool built;
	const char *runtime, *disable;
	bool emulated;
	enum vsl_launcher_kind want;
	bool forced;
	const char *text; /* substring of the reason, or of the error when want is NONE */
};

static void test_choice(void)
{
	static const struct choice_case cases[] = {
		/* automatic */
		{ true, NULL, NULL, false, VSL_LAUNCHER_CRUN, false, "default" },
		{ true, "", "", false, VSL_LAUNCHER_CRUN, false, "default" },
		{ true, NULL, "0", false, VSL_LAUNCHER_CRUN, false, "default" },
		{ true, NULL, NULL, true, VSL_LAUNCHER_DIRECT, false, "emulator (qemu says no)" },
		{ false, NULL, NULL, false, VSL_LAUNCHER_DIRECT, false, "not built in" },
		{ true, NULL, "1", false, VSL_LAUNCHER_DIRECT, true, "DISABLE_CRUN=1" },
		{ true, NULL, "1", true, VSL_LAUNCHER_DIRECT, true, "DISABLE_CRUN=1" },
		/* by name */
		{ true, "direct", NULL, false, VSL_LAUNCHER_DIRECT, true, "VESSEL_RUNTIME=direct" },
		{ true, "direct", "1", true, VSL_LAUNCHER_DIRECT, true, "VESSEL_RUNTIME=direct" },
		{ true, "crun", NULL, false, VSL_LAUNCHER_CRUN, true, "VESSEL_RUNTIME=crun" },
		{ true, "crun", "0", false, VSL_LAUNCHER_CRUN, true, "VESSEL_RUNTIME=crun" },
		{ true, "crun", NULL, true, VSL_LAUNCHER_NONE, true,
		  "cannot run under an emulator" },
		{ false, "crun", NULL, false, VSL_LAUNCHER_NONE, true, "no libcrun built in" },
		{ true, "crun", "1", false, VSL_LAUNCHER_NONE, true, "contradicts" },
		{ true, "runc", NULL, false, VSL_LAUNCHER_NONE, false, "'runc' is not one of" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct choice_case *c = &cases[i];
		struct vsl_launcher_inputs in = { c->built, c->runtime, c->disable, c->emulated,
						  "qemu says no" };
		struct vsl_launcher_choice ch;
		struct vsl_error err = { 0 };
		enum vsl_launcher_kind got = vsl_launcher_choose(&in, &ch, &err);
		const char *text = got == VSL_LAUNCHER_NONE ? err.msg : ch.why;

		is_str(vsl_launcher_kind_name(got), vsl_launcher_kind_name(c->want),
		       "case %zu: launcher", i);
		is_int(ch.kind, got, "case %zu: the choice says the same", i);
		if (got != VSL_LAUNCHER_NONE)
			is_int(ch.forced, c->forced, "case %zu: forced", i);
		ok(text && strstr(text, c->text), "case %zu: '%s' has '%s'", i, text ? text : "",
		   c->text);
		ok(got == VSL_LAUNCHER_NONE || !err.msg,
		   "case %zu: an error only without a launcher", i);
		vsl_error_release(&err);
	}
}

static void test_status_threads(void)
{
	static const char status[] = "Name:\tapp\nUmask:\t0022\nState:\tR (running)\n"
				     "Tgid:\t7\nThreads:\t2\nSigQ:\t0/63\n";

	is_int(vsl_emulation_status_threads(status, strlen(status)), 2, "Threads: 2");
	is_int(vsl_emulation_status_threads("Threads:\t1\n", 11), 1, "first line");
	is_int(vsl_emulation_status_threads("Threads:  13", 12), 13, "no newline, blanks");
	is_int(vsl_emulation_status_threads("Name:\tx\n", 8), -1, "no Threads line");
	is_int(vsl_emulation_status_threads("Threads:\n", 9), -1, "no number");
	is_int(vsl_emulation_status_threads("Threads:\t3x\n", 12), -1, "trailing junk");
	is_int(vsl_emulation_status_threads("Threads:\t99999999999\n", 21), -1, "absurd");
	is_int(vsl_emulation_status_threads("XThreads:\t3\n", 12), -1, "only at a line start");
	/* the buffer's length is the limit: no read past it */
	is_int(vsl_emulation_status_threads("Threads:\t45", 10), 4, "stops at len");
	is_int(vsl_emulation_status_threads("", 0), -1, "empty");
}

static void test_judge(void)
{
	struct vsl_emulation_probe native = { 0, 1 }, qemu = { EINVAL, 2 }, unknown = { 0, -1 };
	struct vsl_emulation_probe threads_only = { 0, 3 }, prctl_only = { EINVAL, 1 };
	char why[200];

	ok(!vsl_emulation_judge(&native, why, sizeof why), "native: not emulated");
	is_str(why, "", "native: no evidence");
	ok(!vsl_emulation_judge(&unknown, why, sizeof why), "no /proc: not emulated");
	ok(vsl_emulation_judge(&qemu, why, sizeof why), "qemu: emulated");
	ok(strstr(why, "PR_GET_CHILD_SUBREAPER") && strstr(why, "2 threads"),
	   "qemu: both pieces of evidence: %s", why);
	ok(vsl_emulation_judge(&threads_only, why, sizeof why) && strstr(why, "3 threads"),
	   "extra threads alone: %s", why);
	ok(vsl_emulation_judge(&prctl_only, why, sizeof why) && !strstr(why, "threads"),
	   "the prctl alone: %s", why);
	ok(vsl_emulation_judge(&qemu, NULL, 0), "why is optional");
}

int main(void)
{
	test_choice();
	test_status_threads();
	test_judge();
	return done_testing();
}
