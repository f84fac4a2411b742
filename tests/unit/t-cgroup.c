/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup layout from /proc/self/mountinfo buffers: hybrid (this kind of host, the one
 * libcrun refuses), unified v2-only (most current distributions), pure v1, nothing, and the
 * corner cases (mounts stacked on /sys/fs/cgroup, escaped names, truncated lines). Plus the
 * decision of when libcrun needs the tmpfs cover.
 */
#define _GNU_SOURCE
#include "cgroup.h"
#include "../tap.h"

#include <string.h>

#define SYS "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"

static const char hybrid[] =
	SYS "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char unified[] =
	SYS "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 "
	    "cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	    "27 22 0:24 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore "
	    "rw\n";

static const char legacy[] = SYS
	"30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:9 - cgroup cgroup rw,memory\n"
	"32 30 0:29 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,name=systemd\n";

/* Our own cover on a hybrid host: what libcrun then sees. */
static const char covered[] =
	SYS "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	    "99 30 0:90 / /sys/fs/cgroup rw,nosuid,nodev,noexec - tmpfs tmpfs rw,size=4k\n";

/* A container that mounted cgroup2 over the hybrid tmpfs. */
static const char v2_over_hybrid[] =
	SYS "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	    "99 30 0:91 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

/* Optional fields (shared:, master:) vary in number; the type comes after " - ". */
static const char optional_fields[] =
	"30 22 0:27 / /sys/fs/cgroup rw shared:8 master:3 propagate_from:2 - tmpfs tmpfs rw\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw shared:9 master:4 - cgroup2 cgroup2 rw\n";

struct layout_case {
	const char *name, *buf;
	enum vsl_cgroup_layout want;
	bool cover;
};

static void test_layouts(void)
{
	static const struct layout_case cases[] = {
		{ "hybrid", hybrid, VSL_CGROUP_HYBRID, true },
		{ "unified", unified, VSL_CGROUP_V2, false },
		{ "legacy", legacy, VSL_CGROUP_V1, false },
		{ "covered hybrid", covered, VSL_CGROUP_V1, false },
		{ "cgroup2 over hybrid", v2_over_hybrid, VSL_CGROUP_V2, false },
		{ "optional fields", optional_fields, VSL_CGROUP_HYBRID, true },
		{ "nothing mounted", SYS, VSL_CGROUP_NONE, true },
		{ "empty buffer", "", VSL_CGROUP_NONE, true },
		{ "another fs", "1 0 0:1 / /sys/fs/cgroup rw - sysfs sysfs rw\n", VSL_CGROUP_OTHER,
		  true },
		{ "a lookalike path",
		  "1 0 0:1 / /sys/fs/cgroupx rw - cgroup2 cgroup2 rw\n"
		  "2 0 0:2 / /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw\n",
		  VSL_CGROUP_NONE, true },
		{ "unified outside a tmpfs root",
		  "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", VSL_CGROUP_NONE,
		  true },
		{ "no separator", "30 22 0:27 / /sys/fs/cgroup rw tmpfs tmpfs rw\n",
		  VSL_CGROUP_NONE, true },
		{ "truncated line", "30 22 0:27 / /sys/fs/cgr", VSL_CGROUP_NONE, true },
		{ "no trailing newline",
		  "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		  "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
		  VSL_CGROUP_HYBRID, true },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct layout_case *c = &cases[i];
		enum vsl_cgroup_layout got = vsl_cgroup_layout_parse(c->buf, strlen(c->buf));

		is_str(vsl_cgroup_layout_name(got), vsl_cgroup_layout_name(c->want), "%s", c->name);
		is_int(vsl_cgroup_needs_cover(got), c->cover, "%s: cover %s", c->name,
		       c->cover ? "needed" : "not needed");
	}
}

/* The length is the limit: a layout beyond it is not seen. */
static void test_bounds(void)
{
	size_t cut = strstr(hybrid, "40 30") - hybrid;

	is_int(vsl_cgroup_layout_parse(hybrid, cut), VSL_CGROUP_V1, "hybrid cut before unified");
	is_int(vsl_cgroup_layout_parse(hybrid, strlen(hybrid)), VSL_CGROUP_HYBRID, "whole");
}

int main(void)
{
	test_layouts();
	test_bounds();
	return done_testing();
}
