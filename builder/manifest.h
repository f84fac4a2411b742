/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image indexes and manifests, OCI and Docker flavours, and docker-archive's manifest.json:
 * parsing them and choosing an entry by tag or by platform. Pure functions over buffers (no
 * syscalls) so they can be unit-tested and fuzzed; reading blobs is source.c's job.
 */
#ifndef VSL_BUILDER_MANIFEST_H
#define VSL_BUILDER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

#define VSL_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define VSL_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define VSL_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define VSL_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define VSL_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define VSL_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

#define VSL_ANNOT_REF_NAME "org.opencontainers.image.ref.name"
/* Largest manifest, index or config we read into memory. Real ones are a few KiB. */
#define VSL_MANIFEST_MAX (16u << 20)
/* How deep indexes may nest before we call it a loop. */
#define VSL_INDEX_DEPTH_MAX 8
/* "sha256:" + 64 hex digits + NUL */
#define VSL_DIGEST_BUFSZ 72

enum vsl_compression { VSL_COMPRESSION_NONE, VSL_COMPRESSION_GZIP, VSL_COMPRESSION_ZSTD };

struct vsl_descriptor {
	char *media_type; /* NULL when the document did not say */
	char *digest;	  /* always a valid "sha256:<64 lowercase hex>" */
	uint64_t size;
	char *ref_name;		   /* org.opencontainers.image.ref.name, or NULL */
	char *os, *arch, *variant; /* platform; all NULL when the entry has none */
};

enum vsl_manifest_kind { VSL_MANIFEST_INDEX = 1, VSL_MANIFEST_IMAGE = 2 };

struct vsl_manifest {
	enum vsl_manifest_kind kind;
	/* VSL_MANIFEST_INDEX: the entries, in document order. */
	size_t n_manifests;
	struct vsl_descriptor *manifests;
	/* VSL_MANIFEST_IMAGE: config and layers, base first. No layers at all is legal (OCI 1.1:
	 * the root is an empty directory; docker makes such images FROM scratch). */
	struct vsl_descriptor config;
	size_t n_layers;
	struct vsl_descriptor *layers;
};

/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool vsl_digest_valid(const char *d);

/*
 * Parse an index or an image manifest. The kind comes from the document's own mediaType, else
 * from hint_media_type (the descriptor that pointed here, may be NULL), else from its shape.
 * what names the document in errors ("manifest sha256:... in oci:DIR"). Checks every digest,
 * the config media type (an image config, i.e. JSON), each layer's media type.
 */
int vsl_manifest_parse(const void *buf, size_t len, const char *what, const char *hint_media_type,
		       struct vsl_manifest *m, struct vsl_error *err);
void vsl_manifest_free(struct vsl_manifest *m);

void vsl_descriptor_free(struct vsl_descriptor *d);

/* True when the descriptor's media type says it points at another index. */
bool vsl_descriptor_is_index(const struct vsl_descriptor *d);

/* The compression of a layer media type, or -1 with err set for one vessel cannot apply. */
int vsl_layer_compression(const char *media_type, struct vsl_error *err);

/*
 * Entry of an index for linux/<arch> (variant from arch->variants, in order of preference);
 * failing that, the first nested index that has no platform (it may hold ours); else -1 with an
 * error listing the platforms the index offers.
 */
int vsl_manifest_select_platform(const struct vsl_manifest *idx, const char *what,
				 const struct vsl_arch *arch, struct vsl_error *err);

/*
 * Entry whose ref.name annotation equals tag. A NULL tag takes the only entry; with several,
 * the error lists the tags to choose from.
 */
int vsl_manifest_select_tag(const struct vsl_manifest *idx, const char *what, const char *tag,
			    struct vsl_error *err);

/* docker-archive (`docker save`) manifest.json. */
struct vsl_docker_image {
	char *config;	  /* path inside the archive */
	char **repo_tags; /* NULL-terminated, maybe empty */
	char **layers;	  /* paths inside the archive, base first, maybe none */
};

struct vsl_docker_manifest {
	size_t n;
	struct vsl_docker_image *images;
};

int vsl_docker_manifest_parse(const void *buf, size_t len, const char *what,
			      struct vsl_docker_manifest *dm, struct vsl_error *err);
void vsl_docker_manifest_free(struct vsl_docker_manifest *dm);

/*
 * The image for ref: "NAME[:TAG]" matched against RepoTags after normalising both the way docker
 * does (busybox == docker.io/library/busybox:latest), or "@N" for the N-th image. A NULL ref
 * takes the only image; otherwise the error lists the tags.
 */
int vsl_docker_manifest_select(const struct vsl_docker_manifest *dm, const char *what,
			       const char *ref, struct vsl_error *err);

/* Normalise a docker reference: "busybox" -> "docker.io/library/busybox:latest". NULL on a
 * malformed reference or no memory. */
char *vsl_docker_ref_normalize(const char *ref);

/*
 * The digest a docker-archive path names by itself: "blobs/sha256/HEX", "HEX.json" and
 * "HEX.tar" give "sha256:HEX" in out (VSL_DIGEST_BUFSZ bytes) and return true; a legacy
 * "ID/layer.tar" returns false (its digest is the config's rootfs.diff_ids entry).
 */
bool vsl_docker_path_digest(const char *path, char out[VSL_DIGEST_BUFSZ]);

#endif
