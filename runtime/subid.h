/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading /etc/subuid and /etc/subgid: which subordinate id ranges the administrator gave a
 * user, so that the runtime can ask newuidmap/newgidmap for exactly those (newuidmap checks
 * them again: it is the authority, we only avoid asking for what it would refuse). Pure: the
 * caller reads the file. The format (subuid(5)) is one "owner:start:count" per line, where
 * owner is a login name or a decimal uid. Both files are keyed by the *user* (a subgid line
 * names a user, not a group), the same way newgidmap reads them.
 */
#ifndef VSL_RUNTIME_SUBID_H
#define VSL_RUNTIME_SUBID_H

#include <stddef.h>
#include <stdint.h>

struct vsl_subid_range {
	uint32_t start; /* first host id */
	uint32_t count; /* >= 1; start + count - 1 <= 4294967294 (never the invalid id -1) */
};

/*
 * The ranges of text[0..len) that belong to the user called name (may be NULL) or with the
 * decimal uid id, in file order, up to max of them; returns how many were stored. Blank
 * lines, lines whose first non-blank character is '#', and malformed lines (not three
 * fields, a number that is empty, signed, not decimal or too big, a count of 0, a range
 * that wraps past 4294967294) are skipped, as newuidmap skips them. A range that overlaps
 * one found earlier (the same range listed by name and by uid) is skipped too: the kernel
 * refuses overlapping map lines. The text needs no NUL terminator.
 */
size_t vsl_subid_find(const char *text, size_t len, const char *name, uint32_t id,
		      struct vsl_subid_range *out, size_t max);

#endif
