/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel build` from start to end: open the source, resolve the image for the arch, apply its
 * layers into a staging dir, make config.json and meta, write the tar.zst, and assemble the
 * output with the stub. The staging dir (under $TMPDIR) is removed whatever happens.
 */
#ifndef VSL_BUILDER_BUILD_H
#define VSL_BUILDER_BUILD_H

#include "cli.h"
#include "error.h"

int vsl_build(const struct vsl_build_opts *o, struct vsl_error *err);

#endif
