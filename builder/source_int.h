/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the source_*.c files: the source object, the member index of an archive, and the
 * blob primitives every transport shares.
 */
#ifndef VSL_BUILDER_SOURCE_INT_H
#define VSL_BUILDER_SOURCE_INT_H

#include "source.h"

/* One member of a tar archive, located without reading its data. */
struct vsl_member {
	char *name;	 /* clean path (vsl_tar_path_clean) */
	char *linkname;	 /* symlink or hardlink target, NULL otherwise */
	int type;	 /* enum vsl_tar_type */
	uint64_t offset; /* of the data in the archive */
	uint64_t size;
	size_t order; /* position in the archive: the later of two same names wins */
};

struct vsl_archive {
	int fd;
	uint64_t file_size;
	size_t n;
	struct vsl_member *members; /* sorted by name, one per name */
};

/* Index the members of the uncompressed tar on fd (borrowed; kept in a->fd). name: messages. */
int vsl_archive_index(int fd, const char *name, struct vsl_archive *a, struct vsl_error *err);
void vsl_archive_free(struct vsl_archive *a);
/* The regular file at path, following symlinks and hardlinks inside the archive; NULL if none. */
const struct vsl_member *vsl_archive_lookup(const struct vsl_archive *a, const char *path);

struct vsl_source {
	struct vsl_image_ref ref;
	char *name;	       /* "oci:DIR" as given, without the tag */
	int dirfd;	       /* VSL_TRANSPORT_OCI */
	struct vsl_archive ar; /* the archive transports; ar.fd == -1 otherwise */
	char *tmpdir;	       /* skopeo transports: the copy's temp dir, removed on close */
};

/* A byte range of a file; fd is owned when owns_fd. */
struct vsl_blob {
	int fd;
	bool owns_fd;
	uint64_t offset;
	uint64_t size;
	uint64_t pos; /* read position for vsl_blob_read, relative to offset */
};

/* Sequential read over the blob: count, 0 at its end, -1 with err set. */
ssize_t vsl_blob_read(struct vsl_blob *b, void *buf, size_t n, struct vsl_error *err);
void vsl_blob_close(struct vsl_blob *b);
/* Size check against a descriptor (UINT64_MAX: unknown) and digest check, with messages. */
int vsl_blob_check_size(const struct vsl_blob *b, uint64_t size, const char *what,
			struct vsl_error *err);
int vsl_blob_check_digest(const char *got, const char *digest, const char *what,
			  struct vsl_error *err);

/* Whether the source has a file (or archive member) at path. */
bool vsl_source_has(struct vsl_source *s, const char *path);

/* Find the blob at path inside the source; a missing one is an error naming what. */
int vsl_source_locate(struct vsl_source *s, const char *path, const char *what, struct vsl_blob *b,
		      struct vsl_error *err);
/*
 * Read the whole blob at path (at most VSL_MANIFEST_MAX bytes) and check it against digest
 * (unless NULL: index.json, oci-layout and manifest.json are named by path, not hash) and size
 * (unless UINT64_MAX). *buf is NUL-terminated.
 */
int vsl_source_read_verified(struct vsl_source *s, const char *path, const char *digest,
			     uint64_t size, const char *what, char **buf, size_t *len,
			     struct vsl_error *err);
/* Refuse a config that is not JSON or is for another os/architecture than arch. */
int vsl_source_check_config(const struct vsl_image *img, const struct vsl_arch *arch,
			    const char *what, struct vsl_error *err);
/* "blobs/sha256/HEX" for a valid digest, into out (VSL_BLOB_PATH_SIZE bytes). */
#define VSL_BLOB_PATH_SIZE 96
void vsl_blob_path(const char *digest, char out[VSL_BLOB_PATH_SIZE]);
/*
 * skopeo transports (source_skopeo.c): copy s->ref for arch into a new temp dir under tmpdir
 * (s->tmpdir, set as soon as it exists so vsl_source_close removes it whatever happens) and
 * point s->ref at the oci: layout there (path and tag).
 */
int vsl_skopeo_fetch(struct vsl_source *s, const struct vsl_arch *arch, const char *tmpdir,
		     struct vsl_error *err);

/* The resolvers behind vsl_source_resolve (source_oci.c, source_docker.c). */
int vsl_source_resolve_oci(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_image *img,
			   struct vsl_error *err);
int vsl_source_resolve_docker(struct vsl_source *s, const struct vsl_arch *arch,
			      struct vsl_image *img, struct vsl_error *err);

#endif
