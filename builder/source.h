/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image sources, read natively: oci:DIR[:TAG], oci-archive:TAR[:TAG] (read in place through an
 * index of member offsets, never unpacked) and docker-archive:TAR[:REF] (`docker save`). The
 * other transports (docker://, docker-daemon:, containers-storage:, dir:) are copied by
 * `skopeo copy` into a temporary oci: layout for the one platform asked for, which is then read
 * natively and removed when the source is closed (source_skopeo.c). A reference with no
 * transport is a docker reference (docker://), as `docker pull` reads it.
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
	/* Through skopeo: */
	VSL_TRANSPORT_DOCKER,		  /* docker://REF (also a reference with no transport) */
	VSL_TRANSPORT_DOCKER_DAEMON,	  /* docker-daemon:REF */
	VSL_TRANSPORT_CONTAINERS_STORAGE, /* containers-storage:REF */
	VSL_TRANSPORT_DIR,		  /* dir:PATH */
};

/*
 * "oci:DIR[:TAG]" split as skopeo splits it: at the first colon after the transport. For the
 * skopeo transports, path is everything after the transport, tag is NULL, and skopeo holds the
 * reference to hand to skopeo ("docker://busybox:latest" also for a bare "busybox:latest").
 */
struct vsl_image_ref {
	enum vsl_transport transport;
	char *path;
	char *tag;     /* NULL when absent */
	char *skopeo;  /* the skopeo transports only, else NULL */
	bool implicit; /* no transport was written: docker:// was assumed */
};

/*
 * Pure. A reference without a known transport that is a valid docker reference
 * ([DOMAIN[:PORT]/]NAME[:TAG][@DIGEST]) becomes docker://; anything else gets an error naming
 * the transports vessel reads. (vsl_source_open first takes a bare path naming an existing
 * OCI layout directory as oci:, which needs a syscall and so is not done here.)
 */
int vsl_image_ref_parse(const char *ref, struct vsl_image_ref *out, struct vsl_error *err);
void vsl_image_ref_free(struct vsl_image_ref *r);
/* Whether ref starts with a transport vessel knows ("oci:", "docker://", ...). */
bool vsl_image_ref_has_transport(const char *ref);
/* True for the transports that go through skopeo. */
bool vsl_transport_is_skopeo(enum vsl_transport t);
/* Pure: whether ref is a docker reference ([DOMAIN[:PORT]/]NAME[:TAG][@sha256:HEX]). */
bool vsl_docker_ref_valid(const char *ref);
/*
 * Pure: whether the registry of a docker reference (as after docker://) is on this machine:
 * localhost, 127.0.0.0/8 or [::1], with any port. Such registries are reached without TLS
 * verification, as docker treats them as insecure registries by default.
 */
bool vsl_docker_ref_loopback(const char *ref);

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
	int64_t created; /* the config's "created" in seconds since 1970, or -1 when absent/bad */
};

void vsl_image_free(struct vsl_image *img);

/* Pure: an RFC 3339 time ("2023-11-14T22:13:20.5Z", "...+01:00") in seconds since 1970
 * (fractions dropped). 0, or -1 when s is NULL or malformed. */
int vsl_time_parse_rfc3339(const char *s, int64_t *out);

struct vsl_source;

/*
 * Open the source named by ref (as the user wrote it; kept for messages). For the skopeo
 * transports this runs `skopeo copy` for arch's platform into a temp dir under tmpdir (NULL:
 * $TMPDIR or /tmp), removed by vsl_source_close. A missing skopeo is an error naming the
 * Debian package.
 */
int vsl_source_open(const char *ref, const struct vsl_arch *arch, const char *tmpdir,
		    struct vsl_source **out, struct vsl_error *err);
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
