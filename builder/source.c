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

static const struct {
	const char *prefix;
	enum vsl_transport t;
} transports[] = {
	{ "oci:", VSL_TRANSPORT_OCI },
	{ "oci-archive:", VSL_TRANSPORT_OCI_ARCHIVE },
	{ "docker-archive:", VSL_TRANSPORT_DOCKER_ARCHIVE },
	{ "docker://", VSL_TRANSPORT_DOCKER },
	{ "docker-daemon:", VSL_TRANSPORT_DOCKER_DAEMON },
	{ "containers-storage:", VSL_TRANSPORT_CONTAINERS_STORAGE },
	{ "dir:", VSL_TRANSPORT_DIR },
};

bool vsl_transport_is_skopeo(enum vsl_transport t)
{
	return t >= VSL_TRANSPORT_DOCKER;
}

void vsl_image_ref_free(struct vsl_image_ref *r)
{
	free(r->path);
	free(r->tag);
	free(r->skopeo);
	r->path = r->tag = r->skopeo = NULL;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component of a repository name: [a-z0-9]+ joined by ".", "_", "__" or "-"+. */
static bool name_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && is_lower_alnum(s[i]))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.' || (s[i] == '_' && (i + 1 >= n || s[i + 1] != '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
	return false; /* ends with a separator */
}

/* A registry host: DNS-ish labels or [IPv6], then an optional :PORT. */
static bool domain_ok(const char *s, size_t n)
{
	const char *colon = s[0] == '[' ? memchr(s, ']', n) : s;
	size_t i, hlen;

	if (!colon)
		return false;
	colon = memchr(colon, ':', n - (size_t)(colon - s));
	hlen = colon ? (size_t)(colon - s) : n;
	if (hlen == 0)
		return false;
	for (i = 0; i < hlen; i++) {
		char c = s[i];

		if (!(is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
		      (s[0] == '[' &&
		       (c == ':' || c == '[' || c == ']' || (c >= 'A' && c <= 'F')))))
			return false;
	}
	if (!colon)
		return true;
	for (i = hlen + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > hlen + 1;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(is_lower_alnum(t[i]) || (t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_' ||
		      t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

/* Length of the domain part of a docker reference (without the slash), 0 when none: the
 * first component is a domain when it has a dot or a port, or is "localhost", as docker says. */
static size_t domain_len(const char *ref)
{
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : 0;

	if (!slash)
		return 0;
	if (memchr(ref, '.', n) || memchr(ref, ':', n) || ref[0] == '[' ||
	    (n == 9 && !memcmp(ref, "localhost", 9)))
		return n;
	return 0;
}

bool vsl_docker_ref_valid(const char *ref)
{
	char buf[512];
	const char *at = strchr(ref, '@'), *p, *tag = NULL;
	size_t dl, len = at ? (size_t)(at - ref) : strlen(ref);
	char *colon;

	if (len == 0 || len >= sizeof buf || (at && !vsl_digest_valid(at + 1)))
		return false;
	memcpy(buf, ref, len);
	buf[len] = '\0';
	dl = domain_len(buf);
	if (dl && !domain_ok(buf, dl))
		return false;
	p = buf + (dl ? dl + 1 : 0);
	colon = strchr(p, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
		if (!tag_ok(tag))
			return false;
	}
	for (const char *c = p;; c++) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (!name_component_ok(c, n))
			return false;
		if (!slash)
			return true;
		c = slash;
	}
}

bool vsl_docker_ref_loopback(const char *ref)
{
	size_t n = domain_len(ref), h;

	if (n == 0)
		return false;
	if (ref[0] == '[')
		return n >= 5 && !memcmp(ref, "[::1]", 5) && (n == 5 || ref[5] == ':');
	h = strcspn(ref, ":/");
	if (h == 9 && !memcmp(ref, "localhost", 9))
		return true;
	if (h < 4 || memcmp(ref, "127.", 4) != 0)
		return false;
	for (size_t i = 4; i < h; i++)
		if (!((ref[i] >= '0' && ref[i] <= '9') || ref[i] == '.'))
			return false;
	return true;
}

static int parse_skopeo(const char *ref, const char *rest, struct vsl_image_ref *out,
			struct vsl_error *err)
{
	if (!*rest)
		return vsl_error_set(err, 0, "image \"%s\" names nothing after the transport", ref);
	if (out->transport == VSL_TRANSPORT_DOCKER && !vsl_docker_ref_valid(rest))
		return vsl_error_set(
			err, 0,
			"image \"%s\": \"%s\" is not a docker reference "
			"([REGISTRY[:PORT]/]NAME[:TAG][@sha256:DIGEST], lowercase name)",
			ref, rest);
	out->path = strdup(rest);
	out->skopeo = out->implicit ? vsl_strf("docker://%s", rest) : strdup(ref);
	if (!out->path || !out->skopeo) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, ENOMEM, "parsing image reference");
	}
	return 0;
}

int vsl_image_ref_parse(const char *ref, struct vsl_image_ref *out, struct vsl_error *err)
{
	const char *rest = NULL, *colon;
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < sizeof transports / sizeof transports[0]; i++) {
		size_t n = strlen(transports[i].prefix);

		if (strncmp(ref, transports[i].prefix, n) == 0) {
			out->transport = transports[i].t;
			rest = ref + n;
			break;
		}
	}
	if (!rest && vsl_docker_ref_valid(ref)) {
		out->transport = VSL_TRANSPORT_DOCKER;
		out->implicit = true;
		rest = ref;
	}
	if (!rest)
		return vsl_error_set(
			err, 0,
			"image \"%s\" is neither a docker reference (NAME[:TAG]) nor "
			"TRANSPORT:REF with a transport vessel reads: oci:, oci-archive:, "
			"docker-archive:, docker://, docker-daemon:, containers-storage:, dir:",
			ref);
	if (vsl_transport_is_skopeo(out->transport))
		return parse_skopeo(ref, rest, out, err);
	/* skopeo splits at the first colon too, so a path cannot contain one. */
	colon = strchr(rest, ':');
	out->path = colon ? strndup(rest, (size_t)(colon - rest)) : strdup(rest);
	if (colon && colon[1])
		out->tag = strdup(colon + 1);
	if (!out->path || (colon && colon[1] && !out->tag)) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, ENOMEM, "parsing image reference");
	}
	if (!out->path[0]) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, 0, "image \"%s\" names no path after the transport", ref);
	}
	return 0;
}

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
	bool known = false;

	for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
		known = known ||
			strncmp(ref, transports[i].prefix, strlen(transports[i].prefix)) == 0;
	if (!known && is_layout_dir(ref)) {
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

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int vsl_time_parse_rfc3339(const char *s, int64_t *out)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t t;
	const char *p;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*out = t;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || !digits(p + 1, 2, &oh) || p[3] != ':' ||
	    !digits(p + 4, 2, &om) || oh > 23 || om > 59)
		return -1;
	t += (*p == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	*out = t;
	return 0;
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
	if (r < 0)
		vsl_image_free(img);
	else
		img->created = config_created(img);
	return r;
}
