/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mounts every container of ours gets, in the OCI runtime spec's terms: the builder writes
 * them into config.json (builder/ocispec.c), and the libcrun launcher adds whichever an older
 * or hand-made config lacks (runtime/crunspec.c). One table, so the two cannot drift apart.
 */
#ifndef VSL_COMMON_OCIMOUNTS_H
#define VSL_COMMON_OCIMOUNTS_H

#include <stddef.h>

struct vsl_oci_mount {
	const char *dest, *type, *source;
	const char *const options[6]; /* NULL-terminated */
};

extern const struct vsl_oci_mount vsl_oci_mounts[];
extern const size_t vsl_oci_n_mounts;

#endif
