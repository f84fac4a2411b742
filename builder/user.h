/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image's USER, resolved at build time against the image's own /etc/passwd and /etc/group
 * (never the build host's). The reading and the rules are common/passwd.h's, shared with the
 * stub's -u; what is the builder's own is the lenient spec (an empty or absent USER is root)
 * and errors worded for whoever builds the image.
 */
#ifndef VSL_BUILDER_USER_H
#define VSL_BUILDER_USER_H

#include <stddef.h>

#include "error.h"
#include "passwd.h"

/*
 * Resolve spec (the image config's User; NULL or "" means root) using the passwd and group file
 * contents (NULL when the image has no such file). A name that is not found is an error that
 * names the user and the file. Free *out with vsl_passwd_user_free.
 */
int vsl_user_resolve(const char *spec, const char *passwd, size_t passwd_len, const char *group,
		     size_t group_len, struct vsl_user *out, struct vsl_error *err);

#endif
