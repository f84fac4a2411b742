/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel extract FILE DIR`: the root filesystem of a built file onto disk, from either
 * payload, through the runtime's own extractor (the tar.zst) or the SquashFS reader core (the
 * squashfs, builder/unsquash.h), so that no external tool is needed and both give the same
 * tree. DIR must be empty or missing; whatever happens, nothing is written outside it, and a
 * failed extraction leaves DIR as it was found (removed again if we made it).
 */
#ifndef VSL_BUILDER_EXTRACT_CMD_H
#define VSL_BUILDER_EXTRACT_CMD_H

#include "cli.h"
#include "error.h"

int vsl_extract_cmd(const struct vsl_extract_opts *o, struct vsl_error *err);

#endif
