/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A private copy of a rootfs, for when overlay is not available: directories, regular files,
 * symlinks, fifos, hardlinks (kept as links), modes, owners and mtimes; device nodes only where
 * mknod is allowed (never in a user namespace; they are skipped there). Nothing is followed:
 * every source is opened O_NOFOLLOW relative to its parent fd.
 */
#ifndef VSL_RUNTIME_COPYTREE_H
#define VSL_RUNTIME_COPYTREE_H

#include "error.h"

/* Copy the contents of directory src into the existing directory dst. */
int vsl_copytree(const char *src, const char *dst, struct vsl_error *err);

#endif
