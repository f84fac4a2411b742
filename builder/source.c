/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image sources (see source.h): reference parsing, opening, and the blob primitives every
 * transport shares (a blob is a byte range of a file: a whole file in an oci: directory, a
 * member's data inside an archive). The resolvers are in source_oci.c and source_docker.c.
 */
#include "source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "sha256.h"

void vsl_image_free(struct vsl_image *img)
{
	free(img->manifest_digest);
	free(img->config_digest);
	free(img->config);
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].path);
	}
	free(img->layers);
	memset(img, 0, sizeof *img);
}

const char *vsl_source_name(const struct vsl_source *s)
{
	return s->name;
}

void vsl_source_close(struct vsl_source *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->ar.fd >= 0)
		close(s->ar.fd);
	vsl_archive_free(&s->ar);
	if (s->tmpdir) {
		struct vsl_error rmerr = { 0 };

		if (vsl_fs_rmtree(s->tmpdir, &rmerr) < 0) {
			vsl_warn("could not remove the image copy in %s: %s", s->tmpdir, rmerr.msg);
			vsl_error_release(&rmerr);
		}
		free(s->tmpdir);
	}
	vsl_image_ref_free(&s->ref);
	free(s->name);
	free(s);
}

static int open_fs(struct vsl_source *s, struct vsl_error *err)
{
	bool dir = s->ref.transport == VSL_TRANSPORT_OCI;
	int fd = open(s->ref.path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));

	if (fd < 0 && errno == ENOTDIR)
		return vsl_error_set(err, 0,
				     "%s: %s is not a directory (for a tarball use "
				     "oci-archive: or docker-archive:)",
				     s->name, s->ref.path);
	if (fd < 0)
		return vsl_error_set(err, errno, "%s: open %s", s->name, s->ref.path);
	if (dir) {
		s->dirfd = fd;
		return 0;
	}
	if (vsl_archive_index(fd, s->ref.path, &s->ar, err) < 0) {
		close(fd);
		s->ar.fd = -1;
		return vsl_error_wrap(err, "%s", s->name);
	}
	return 0;
}

/*
 * A reference with no transport that names an existing OCI layout directory (it holds an
 * oci-layout file), as DIR or DIR:TAG, is read as oci:: a local directory is what a user who
 * typed a path means, and a docker reference rarely names one by accident.
 */
static bool is_layout_dir(const char *ref)
{
	const char *colon = strchr(ref, ':');
	char path[4096];
	struct stat st;

	for (int i = 0; i < 2; i++) {
		size_t n = i == 0 ? strlen(ref) : colon ? (size_t)(colon - ref) : 0;

		if (n == 0 || n + sizeof "/oci-layout" > sizeof path)
			continue;
		snprintf(path, sizeof path, "%.*s/oci-layout", (int)n, ref);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return i == 1 || !colon;
	}
	return false;
}

static int parse_ref(const char *ref, struct vsl_source *s, struct vsl_error *err)
{
	cleanup_free char *oci = NULL;
	const char *colon;

	if (!vsl_image_ref_has_transport(ref) && is_layout_dir(ref)) {
		oci = vsl_strf("oci:%s", ref);
		if (!oci)
			return vsl_error_set(err, ENOMEM, "opening %s", ref);
		vsl_debug("%s is an OCI layout directory: reading it as %s", ref, oci);
		ref = oci;
	}
	if (vsl_image_ref_parse(ref, &s->ref, err) < 0)
		return -1;
	if (vsl_transport_is_skopeo(s->ref.transport)) {
		s->name = strdup(s->ref.skopeo);
	} else {
		colon = strchr(strchr(ref, ':') + 1, ':');
		s->name = colon ? strndup(ref, (size_t)(colon - ref)) : strdup(ref);
	}
	return s->name ? 0 : vsl_error_set(err, ENOMEM, "opening %s", ref);
}

int vsl_source_open(const char *ref, const struct vsl_arch *arch, const char *tmpdir,
		    struct vsl_source **out, struct vsl_error *err)
{
	struct vsl_source *s = calloc(1, sizeof *s);

	if (!s)
		return vsl_error_set(err, ENOMEM, "opening %s", ref);
	s->dirfd = -1;
	s->ar.fd = -1;
	if (parse_ref(ref, s, err) < 0 ||
	    (vsl_transport_is_skopeo(s->ref.transport) &&
	     vsl_skopeo_fetch(s, arch, tmpdir, err) < 0) ||
	    open_fs(s, err) < 0) {
		vsl_source_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int vsl_source_locate(struct vsl_source *s, const char *path, const char *what, struct vsl_blob *b,
		      struct vsl_error *err)
{
	const struct vsl_member *m;
	struct stat st;
	int fd;

	memset(b, 0, sizeof *b);
	b->fd = -1;
	if (s->dirfd < 0) {
		m = vsl_archive_lookup(&s->ar, path);
		if (!m)
			return vsl_error_set(err, 0,
					     "%s is missing from %s (no member %s): the "
					     "archive is incomplete; export the image again",
					     what, s->name, path);
		b->fd = s->ar.fd;
		b->offset = m->offset;
		b->size = m->size;
		return 0;
	}
	fd = openat(s->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return vsl_error_set(err, 0,
				     "%s is missing from %s (no file %s): the layout is "
				     "incomplete; copy the image again",
				     what, s->name, path);
	if (fd < 0)
		return vsl_error_set(err, errno, "%s: open %s/%s", what, s->ref.path, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vsl_error_set(err, 0, "%s: %s/%s is not a regular file", what, s->ref.path,
				     path);
	}
	b->fd = fd;
	b->owns_fd = true;
	b->size = (uint64_t)st.st_size;
	return 0;
}

bool vsl_source_has(struct vsl_source *s, const char *path)
{
	struct stat st;

	if (s->dirfd < 0)
		return vsl_archive_lookup(&s->ar, path) != NULL;
	return fstatat(s->dirfd, path, &st, 0) == 0;
}

void vsl_blob_close(struct vsl_blob *b)
{
	if (b->owns_fd && b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->owns_fd = false;
}

ssize_t vsl_blob_read(struct vsl_blob *b, void *buf, size_t n, struct vsl_error *err)
{
	ssize_t r;

	if (n > b->size - b->pos)
		n = (size_t)(b->size - b->pos);
	if (n == 0)
		return 0;
	do
		r = pread(b->fd, buf, n, (off_t)(b->offset + b->pos));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return vsl_error_set(err, errno, "read blob");
	if (r == 0)
		return vsl_error_set(err, 0, "blob ends early (file truncated while reading?)");
	b->pos += (uint64_t)r;
	return r;
}

int vsl_blob_check_size(const struct vsl_blob *b, uint64_t size, const char *what,
			struct vsl_error *err)
{
	if (size != UINT64_MAX && b->size != size)
		return vsl_error_set(err, 0,
				     "%s is %llu bytes, but its descriptor says %llu: the "
				     "blob is damaged or the wrong one; copy the image again",
				     what, (unsigned long long)b->size, (unsigned long long)size);
	return 0;
}

int vsl_blob_check_digest(const char *got, const char *digest, const char *what,
			  struct vsl_error *err)
{
	if (strcmp(got, digest) != 0)
		return vsl_error_set(err, 0,
				     "%s has sha256 %s, not the %s it is named by: the blob "
				     "is corrupt; copy the image again",
				     what, got + 7, digest);
	return 0;
}

int vsl_source_read_verified(struct vsl_source *s, const char *path, const char *digest,
			     uint64_t size, const char *what, char **buf, size_t *len,
			     struct vsl_error *err)
{
	struct vsl_blob b;
	cleanup_free char *data = NULL;
	char got[VSL_DIGEST_BUFSZ];
	uint8_t d[32];
	int r;

	if (vsl_source_locate(s, path, what, &b, err) < 0)
		return -1;
	r = vsl_blob_check_size(&b, size, what, err);
	if (r == 0 && b.size > VSL_MANIFEST_MAX)
		r = vsl_error_set(err, 0,
				  "%s is %llu bytes, more than the %u MiB vessel reads for "
				  "a manifest or config: is the descriptor pointing at a layer?",
				  what, (unsigned long long)b.size, VSL_MANIFEST_MAX >> 20);
	data = r == 0 ? malloc(b.size + 1) : NULL;
	if (r == 0 && !data)
		r = vsl_error_set(err, ENOMEM, "%s", what);
	/* Read once and hash what was read, so nothing can change between check and use. */
	while (r == 0 && b.pos < b.size)
		if (vsl_blob_read(&b, data + b.pos, (size_t)(b.size - b.pos), err) < 0)
			r = vsl_error_wrap(err, "%s", what);
	vsl_blob_close(&b);
	if (r < 0)
		return -1;
	vsl_sha256(data, (size_t)b.size, d);
	memcpy(got, "sha256:", 7);
	vsl_sha256_hex(d, got + 7);
	if (digest && vsl_blob_check_digest(got, digest, what, err) < 0)
		return -1;
	data[b.size] = '\0';
	*len = (size_t)b.size;
	*buf = steal_pointer(&data);
	return 0;
}

void vsl_blob_path(const char *digest, char out[VSL_BLOB_PATH_SIZE])
{
	snprintf(out, VSL_BLOB_PATH_SIZE, "blobs/sha256/%s", digest + 7);
}

int vsl_source_check_config(const struct vsl_image *img, const struct vsl_arch *arch,
			    const char *what, struct vsl_error *err)
{
	yajl_val root = vsl_json_parse(img->config, img->config_len, what, err);
	const char *os, *a;
	int r = 0;

	if (!root)
		return -1;
	os = vsl_json_str(root, "os");
	a = vsl_json_str(root, "architecture");
	if (!YAJL_IS_OBJECT(root))
		r = vsl_error_set(err, 0, "%s is not a JSON object", what);
	else if (os && strcmp(os, "linux") != 0)
		r = vsl_error_set(err, 0, "%s is for %s, not linux: vessel packages Linux images",
				  what, os);
	else if (a && strcmp(a, arch->oci) != 0)
		r = vsl_error_set(err, 0,
				  "%s is for linux/%s, not linux/%s: pass --arch %s, or use "
				  "an image built for linux/%s",
				  what, a, arch->oci, a, arch->oci);
	else if (!a)
		vsl_warn("%s names no architecture; assuming it is %s", what, arch->oci);
	yajl_tree_free(root);
	return r;
}

static int64_t config_created(const struct vsl_image *img)
{
	struct vsl_error e = { 0 };
	yajl_val root = vsl_json_parse(img->config, img->config_len, "config", &e);
	int64_t t = -1;

	vsl_error_release(&e);
	if (root && vsl_time_parse_rfc3339(vsl_json_str(root, "created"), &t) < 0)
		t = -1;
	yajl_tree_free(root);
	return t < 0 ? -1 : t;
}

int vsl_source_resolve(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_image *img,
		       struct vsl_error *err)
{
	int r;

	memset(img, 0, sizeof *img);
	if (s->ref.transport == VSL_TRANSPORT_DOCKER_ARCHIVE)
		r = vsl_source_resolve_docker(s, arch, img, err);
	else
		r = vsl_source_resolve_oci(s, arch, img, err);
	if (r < 0) {
		vsl_image_free(img);
		return r;
	}
	img->created = config_created(img);
	if (img->n_layers == 0)
		vsl_warn("%s has no layers: its root filesystem is empty, so its command can only "
			 "fail to start at run time (is this a FROM scratch image without files?)",
			 s->name);
	return r;
}
