/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image's USER at build time (see user.h): common/passwd.c does the work; this says what
 * went wrong in terms of the image and how to fix it.
 */
#include "user.h"

#include <stdbool.h>

static int no_name(const char *what, const char *name, const char *file, bool have_file,
		   struct vsl_error *err)
{
	if (!have_file)
		return vsl_error_set(err, 0,
				     "image USER: %s \"%s\" cannot be looked up, the image "
				     "has no %s; use a numeric USER (uid[:gid])",
				     what, name, file);
	return vsl_error_set(err, 0,
			     "image USER: no %s \"%s\" in the image's %s; add it to the "
			     "image or use a numeric USER (uid[:gid])",
			     what, name, file);
}

int vsl_user_resolve(const char *spec, const char *passwd, size_t passwd_len, const char *group,
		     size_t group_len, struct vsl_user *out, struct vsl_error *err)
{
	struct vsl_userspec s;
	int r;

	if (vsl_passwd_spec_parse(spec, &s, err) < 0)
		return vsl_error_wrap(err, "image USER");
	r = vsl_passwd_resolve(&s, passwd, passwd_len, group, group_len, out, err);
	if (r == VSL_PASSWD_NO_USER)
		r = no_name("user", s.user, "/etc/passwd", passwd != NULL, err);
	else if (r == VSL_PASSWD_NO_GROUP)
		r = no_name("group", s.group, "/etc/group", group != NULL, err);
	else if (r < 0)
		vsl_error_wrap(err, "image USER");
	vsl_passwd_spec_free(&s);
	return r;
}
