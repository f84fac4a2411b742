/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the id range parsers: /etc/subuid text (vsl_subid_find) and
 * /proc/PID/uid_map text (vsl_idmap_parse), and the rootless map built from what was found.
 * Properties, on top of the sanitizers:
 *   - every range found is non-empty, ends at or before 4294967294, and overlaps no other;
 *   - the rootless map starts with 0 -> self, its inside ids run on without gaps or overlap,
 *     and its size is at most 2^32 - 1;
 *   - a parsed /proc map has no line past the last id, and a failed parse says why.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Iruntime \
 *         tests/fuzz/fuzz-subid.c runtime/subid.c runtime/idmap.c common/sha256.c \
 *         common/error.c common/log.c -o fuzz-subid
 */
#include "idmap.h"
#include "subid.h"

#include <stdlib.h>
#include <string.h>

#define MAXR 32

static void check_subids(const char *buf, size_t len)
{
	struct vsl_subid_range r[MAXR];
	static struct vsl_idmap m;
	size_t n = vsl_subid_find(buf, len, "alice", 1000, r, MAXR);
	uint64_t next = 1;

	if (n > MAXR)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (r[i].count == 0 || (uint64_t)r[i].start + r[i].count - 1 > 4294967294u)
			abort();
		for (size_t k = 0; k < i; k++)
			if ((uint64_t)r[k].start < (uint64_t)r[i].start + r[i].count &&
			    (uint64_t)r[i].start < (uint64_t)r[k].start + r[k].count)
				abort();
	}
	if (vsl_idmap_rootless(1000, r, n, &m) < 1 || m.e[0].inside != 0 ||
	    m.e[0].outside != 1000 || m.e[0].count != 1)
		abort();
	for (size_t i = 1; i < m.n; i++) {
		if (m.e[i].inside != next || m.e[i].count == 0)
			abort();
		next += m.e[i].count;
	}
	if (vsl_idmap_size(&m) > 4294967295u)
		abort();
}

static void check_procmap(const char *buf, size_t len)
{
	static struct vsl_idmap m;
	struct vsl_error err = { 0 };

	if (vsl_idmap_parse(buf, len, &m, &err) < 0) {
		if (!err.msg)
			abort();
		vsl_error_release(&err);
		return;
	}
	for (size_t i = 0; i < m.n; i++)
		if (m.e[i].count == 0 || (uint64_t)m.e[i].inside + m.e[i].count > 4294967295u ||
		    (uint64_t)m.e[i].outside + m.e[i].count > 4294967295u)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_subids((const char *)data, size);
	check_procmap((const char *)data, size);
	return 0;
}
