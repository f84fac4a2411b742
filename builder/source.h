/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image sources, read natively: oci:DIR[:TAG], oci-archive:TAR[:TAG] (read in place through an
 * index of member offsets, never unpacked) and docker-archive:TAR[:REF] (`docker save`).
 *
 * A source resolves to one image for one platform (vsl_source_resolve): the manifest and config
 * are read fully (at most VSL_MANIFEST_MAX bytes) and their sha256 checked before they are
 * parsed. Layers are streamed one at a time with vsl_source_feed_layer, which hashes them while
 * they are applied (one pass, no window between check and use).
 */
#ifndef VSL_BUILDER_SOURCE_H
#define VSL_BUILDER_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "error.h"
#include "manifest.h"

enum vsl_transport {
	VSL_TRANSPORT_OCI = 1,
	VSL_TRANSPORT_OCI_ARCHIVE,
	VSL_TRANSPORT_DOCKER_ARCHIVE,
};

/* "oci:DIR[:TAG]" split as skopeo splits it: at the first colon after the transport. */
struct vsl_image_ref {
	enum vsl_transport transport;
	char *path;
	char *tag; /* NULL when absent */
};

/* Pure. Unknown transports get an error naming the ones vessel reads. */
int vsl_image_ref_parse(const char *ref, struct vsl_image_ref *out, struct vsl_error *err);
void vsl_image_ref_free(struct vsl_image_ref *r);

struct vsl_layer {
	char *digest;  /* expected sha256 of the blob */
	char *path;    /* where the blob lives inside the source */
	uint64_t size; /* expected size, or UINT64_MAX when the source does not say */
};

/* One image, resolved for one platform, with its verified config. */
struct vsl_image {
	char *manifest_digest; /* sha256:...; for docker-archive, the config digest (image ID) */
	char *config_digest;
	char *config; /* the config blob, NUL-terminated, hash checked */
	size_t config_len;
	size_t n_layers;
	struct vsl_layer *layers;
};

void vsl_image_free(struct vsl_image *img);

struct vsl_source;

/* Open the source named by ref (as the user wrote it; kept for messages and meta). */
int vsl_source_open(const char *ref, struct vsl_source **out, struct vsl_error *err);
void vsl_source_close(struct vsl_source *s);
/* "oci:/path/to/dir": for messages. */
const char *vsl_source_name(const struct vsl_source *s);

/*
 * Pick the image (tag, then platform through nested indexes) for arch and read its config.
 * Fails with the platforms on offer when none is linux/<arch>, and when the config says
 * another os/architecture.
 */
int vsl_source_resolve(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_image *img,
		       struct vsl_error *err);

/*
 * Called with the read end of a pipe that carries layer i's blob; name is its digest.
 * vsl_rootfs_apply_layer fits (through a small adapter).
 */
typedef int (*vsl_layer_consume_fn)(void *ctx, int fd, const char *name, struct vsl_error *err);

/*
 * Stream layer i into consume() and check its size and sha256 on the way: a second thread reads
 * the blob, hashes it and feeds the pipe, and hashes whatever consume() leaves unread. A missing
 * blob, a wrong size or a wrong hash fails the call and is reported in preference to consume()'s
 * own error, since a corrupt blob is what explains a failed unpack. The caller must discard what
 * consume() produced when this fails.
 */
int vsl_source_feed_layer(struct vsl_source *s, const struct vsl_image *img, size_t i,
			  vsl_layer_consume_fn consume, void *ctx, struct vsl_error *err);
/* The same, calling progress(pctx, n) (from the feeding thread) for every n blob bytes read. */
int vsl_source_feed_layer_progress(struct vsl_source *s, const struct vsl_image *img, size_t i,
				   vsl_layer_consume_fn consume, void *ctx,
				   void (*progress)(void *pctx, uint64_t n), void *pctx,
				   struct vsl_error *err);

#endif
