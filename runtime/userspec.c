/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u/--user` (see userspec.h): common/passwd.c does the work; this checks the option's syntax
 * and says what was not found in the words docker uses at run time.
 */
#include "userspec.h"

#include <string.h>

int vsl_userspec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err)
{
	const char *colon = strchr(spec, ':');

	s->user = s->group = NULL;
	if (!*spec || colon == spec || (colon && (!colon[1] || strchr(colon + 1, ':'))))
		return vsl_error_set(err, 0, "invalid user '%s' (want USER[:GROUP], names or ids)",
				     spec);
	return vsl_passwd_spec_parse(spec, s, err);
}

int vsl_userspec_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
			 const char *group, size_t group_len, uint32_t *uid, uint32_t *gid,
			 struct vsl_error *err)
{
	struct vsl_user u;
	int r = vsl_passwd_resolve(s, passwd, passwd_len, group, group_len, &u, err);

	if (r < 0)
		return -1;
	if (r == VSL_PASSWD_NO_USER)
		return vsl_error_set(err, 0,
				     "unable to find user %s: no matching entries in the image's "
				     "/etc/passwd",
				     s->user);
	if (r == VSL_PASSWD_NO_GROUP)
		return vsl_error_set(err, 0,
				     "unable to find group %s: no matching entries in the "
				     "image's /etc/group",
				     s->group);
	*uid = u.uid;
	*gid = u.gid;
	vsl_passwd_user_free(&u);
	return 0;
}
