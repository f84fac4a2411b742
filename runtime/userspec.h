/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u/--user uid[:gid]` with names: the spec parser and the /etc/passwd and /etc/group lookups
 * are pure functions over buffers. The runner reads the files from inside the container (after
 * pivot_root, so that the image's own symlinks resolve inside the image) and calls
 * vsl_userspec_resolve.
 */
#ifndef VSL_RUNTIME_USERSPEC_H
#define VSL_RUNTIME_USERSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct vsl_userspec {
	char *user;  /* name or decimal uid, never empty */
	char *group; /* name or decimal gid, or NULL when the spec has no ":group" */
};

int vsl_userspec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err);
void vsl_userspec_free(struct vsl_userspec *s);

/* Decimal id in [0, 2^32-2]; false for anything else (names, signs, overflow, "-1"). */
bool vsl_userspec_parse_id(const char *s, uint32_t *id);

/*
 * Resolve a spec against the image's passwd/group contents (either may be NULL when the file
 * does not exist). As docker does: a numeric user not in passwd runs with gid 0; a user name
 * must be found; the primary gid comes from the passwd entry unless a group is given; a group
 * name must be found in group.
 */
int vsl_userspec_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
			 const char *group, size_t group_len, uint32_t *uid, uint32_t *gid,
			 struct vsl_error *err);

#endif
