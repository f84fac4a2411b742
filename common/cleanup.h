/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scope-bound ownership, as crun and bubblewrap do it: a variable declared cleanup_free or
 * cleanup_close releases itself when it leaves scope; steal_pointer()/steal_fd() hand the
 * ownership to someone else.
 */
#ifndef VSL_CLEANUP_H
#define VSL_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vsl_freep(void *p)
{
	free(*(void **)p);
}
static inline void vsl_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define cleanup_free __attribute__((cleanup(vsl_freep)))
#define cleanup_close __attribute__((cleanup(vsl_closep)))
#define cleanup_fd cleanup_close

static inline void *vsl_steal_pointer(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}
static inline int vsl_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
#define steal_pointer(pp) vsl_steal_pointer(pp)
#define steal_fd(p) vsl_steal_fd(p)

#endif
