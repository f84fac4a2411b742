/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image's USER, resolved at build time against the image's own /etc/passwd and /etc/group
 * (never the build host's), the way docker/runc resolve it at run time: "NAME", "UID",
 * "NAME:GROUP", "UID:GID" and mixes. Pure functions over the files' contents.
 */
#ifndef VSL_BUILDER_USER_H
#define VSL_BUILDER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One /etc/passwd line. Strings are heap copies. */
struct vsl_pwent {
	char *name;
	uint32_t uid, gid;
	char *home;
};

/* One /etc/group line; members is NULL-terminated. */
struct vsl_grent {
	char *name;
	uint32_t gid;
	char **members;
};

/*
 * Find the passwd entry by name (when name != NULL) or else by uid; the first matching line
 * wins, as getpwnam does. Returns 1 found, 0 not found, -1 on no memory. Malformed lines
 * (too few fields, bad numbers) are skipped, as libc does.
 */
int vsl_passwd_find(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct vsl_pwent *out);
void vsl_pwent_free(struct vsl_pwent *p);
int vsl_group_find(const char *buf, size_t len, const char *name, uint32_t gid,
		   struct vsl_grent *out);
void vsl_grent_free(struct vsl_grent *g);

/* "123" -> 123; false for anything else, or for 4294967295 (that is (uid_t)-1). */
bool vsl_id_parse(const char *s, size_t len, uint32_t *out);

struct vsl_user {
	uint32_t uid, gid;
	size_t n_gids;
	uint32_t *gids; /* supplementary groups (only when no group was given, as runc does) */
	char *home;	/* from passwd; "/" when the user has no entry */
};

/*
 * Resolve spec (the image config's User; NULL or "" means root) using the passwd and group file
 * contents (NULL when the image has no such file). A name that is not found is an error that
 * names the user and the file.
 */
int vsl_user_resolve(const char *spec, const char *passwd, size_t passwd_len, const char *group,
		     size_t group_len, struct vsl_user *out, struct vsl_error *err);
void vsl_user_free(struct vsl_user *u);

#endif
