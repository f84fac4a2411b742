/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u/--user USER[:GROUP]` with names or ids. The reading of passwd/group and the rules are
 * common/passwd.h's, shared with the builder's USER; what is the stub's own is the stricter
 * syntax of the option and errors worded as docker words them at run time. The runner reads the
 * files from inside the container (after pivot_root, so that the image's own symlinks resolve
 * inside the image) and calls vsl_userspec_resolve.
 */
#ifndef VSL_RUNTIME_USERSPEC_H
#define VSL_RUNTIME_USERSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "passwd.h"

/* Parse -u's value: USER or USER:GROUP, neither part empty. Free s with vsl_passwd_spec_free. */
int vsl_userspec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err);

/*
 * Resolve a spec against the image's passwd/group contents (either may be NULL when the file
 * does not exist), by vsl_passwd_resolve's rules. Only the uid and primary gid are used: -u
 * leaves the supplementary groups empty.
 */
int vsl_userspec_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
			 const char *group, size_t group_len, uint32_t *uid, uint32_t *gid,
			 struct vsl_error *err);

#endif
