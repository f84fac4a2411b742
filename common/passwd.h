/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's /etc/passwd and /etc/group, and a USER[:GROUP] spec resolved against them the way
 * docker/runc do. One reader for both sides, so that the builder (the image config's USER, at
 * build time) and the stub (-u/--user, at run time) can never disagree about who a name is.
 * Pure functions over the files' contents: the caller reads the files (passing NULL when the
 * image has none) and words the errors for its own user.
 */
#ifndef VSL_COMMON_PASSWD_H
#define VSL_COMMON_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* "123" -> 123; false for anything else, or for 4294967295 (that is (uid_t)-1). */
bool vsl_passwd_id_parse(const char *s, size_t len, uint32_t *out);

/* One /etc/passwd line. Strings are heap copies. */
struct vsl_pwent {
	char *name;
	uint32_t uid, gid;
	char *home; /* "" when the line has no home field */
};

/* One /etc/group line; members is NULL-terminated. */
struct vsl_grent {
	char *name;
	uint32_t gid;
	char **members;
};

/*
 * Find the passwd entry by name (when name != NULL) or else by uid; the first matching line
 * wins, as getpwnam does. Returns 1 found, 0 not found, -1 on no memory. Lines that are empty,
 * comments, NIS "+"/"-" references, or malformed (fewer than name:pw:uid:gid, bad numbers) are
 * skipped, as libc does; the fields after gid may be missing, as glibc and runc allow.
 */
int vsl_passwd_find(const char *buf, size_t len, const char *name, uint32_t uid,
		    struct vsl_pwent *out);
void vsl_passwd_pwent_free(struct vsl_pwent *p);
/* The same for /etc/group (name:pw:gid[:members]). */
int vsl_passwd_group_find(const char *buf, size_t len, const char *name, uint32_t gid,
			  struct vsl_grent *out);
void vsl_passwd_grent_free(struct vsl_grent *g);

struct vsl_userspec {
	char *user;  /* name or decimal uid; "" means uid 0 */
	char *group; /* name or decimal gid, or NULL when the spec has no (or an empty) ":group" */
};

/*
 * Split USER[:GROUP] at its first colon. Lenient, like an image config's User: NULL or "" is
 * root, and the spec's syntax is never refused here (a side that wants it stricter checks
 * first). Fails only for lack of memory.
 */
int vsl_passwd_spec_parse(const char *spec, struct vsl_userspec *s, struct vsl_error *err);
void vsl_passwd_spec_free(struct vsl_userspec *s);

struct vsl_user {
	uint32_t uid, gid;
	size_t n_gids;
	uint32_t *gids; /* supplementary groups (only when no group was given, as runc does) */
	char *home;	/* from passwd; "/" when the user has no entry */
};

/* What vsl_passwd_resolve did not find; the caller says so in its own words. */
enum {
	VSL_PASSWD_NO_USER = 1,	 /* a user name with no passwd entry */
	VSL_PASSWD_NO_GROUP = 2, /* a group name with no group entry */
};

/*
 * Resolve s as docker does: a numeric user needs no entry (then gid 0 and home "/"), a user
 * name must have one; the primary gid comes from the entry unless a group is given; a group
 * name must be found, a numeric group need not be. Returns 0 with *out filled, or
 * VSL_PASSWD_NO_USER/VSL_PASSWD_NO_GROUP (err untouched, *out empty), or -1 on no memory.
 */
int vsl_passwd_resolve(const struct vsl_userspec *s, const char *passwd, size_t passwd_len,
		       const char *group, size_t group_len, struct vsl_user *out,
		       struct vsl_error *err);
void vsl_passwd_user_free(struct vsl_user *u);

#endif
