/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From the image config to the two JSON sections: the OCI runtime config.json (runtime-spec
 * 1.0.2, rootless defaults) and the meta document. Pure: the build resolves the user against
 * the staged rootfs first (user.h) and passes the result in. Output is deterministic: fixed key
 * order, annotations sorted, nothing from the build host (no uid mappings, no time unless
 * SOURCE_DATE_EPOCH gives one).
 */
#ifndef VSL_BUILDER_OCISPEC_H
#define VSL_BUILDER_OCISPEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "passwd.h"

/* The parts of an image config (OCI or Docker, the same JSON) that the runtime needs. */
struct vsl_image_config {
	char *os, *arch, *variant, *created;
	char *user, *workdir, *stop_signal;
	char **env, **entrypoint, **cmd; /* NULL when absent (not the same as empty for cmd) */
	size_t n_labels;
	char **label_keys, **label_values; /* sorted by key */
	char **exposed_ports;		   /* sorted keys of ExposedPorts, or NULL */
};

int vsl_image_config_parse(const char *buf, size_t len, struct vsl_image_config *c,
			   struct vsl_error *err);
void vsl_image_config_free(struct vsl_image_config *c);

#define VSL_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* config.json for the image, run as u. *out is NUL-terminated; *len excludes the NUL. */
int vsl_ocispec_config(const struct vsl_image_config *c, const struct vsl_user *u, char **out,
		       size_t *len, struct vsl_error *err);

struct vsl_meta {
	const char *vessel_version;
	/* The image ID (sha256 of the image config). Not the manifest digest and not the source
	 * reference: those differ between oci:, oci-archive: and docker-archive: copies of the same
	 * image (and the reference holds a local path), while the output must not. */
	const char *digest;
	const char *arch;	    /* OCI arch name */
	const char *const *formats; /* NULL-terminated: "tar.zst", "squashfs" */
	int64_t source_date_epoch;  /* < 0: not set, so no build time is written */
};

/*
 * The meta section: {"vessel_version", "digest" (the image ID), "arch", "created"
 * (from the image, when it has one), "built" (only from SOURCE_DATE_EPOCH), "formats",
 * "entrypoint" and "cmd" (kept apart so the runtime can replace CMD alone, as docker run does;
 * absent when the image has none)}.
 */
int vsl_ocispec_meta(const struct vsl_meta *m, const struct vsl_image_config *c, char **out,
		     size_t *len, struct vsl_error *err);

#endif
