/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI/Docker indexes and image manifests: parsing and selection (see manifest.h). Everything
 * read from an image is untrusted: digests are checked for shape before anyone builds a path
 * from them, sizes must be plain non-negative integers, and unknown media types are refused
 * by name rather than guessed at.
 */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

bool vsl_digest_valid(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7) != 0)
		return false;
	for (i = 0; i < 64; i++) {
		char c = d[7 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return d[7 + 64] == '\0';
}

void vsl_descriptor_free(struct vsl_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->ref_name);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof *d);
}

void vsl_manifest_free(struct vsl_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n_manifests; i++)
		vsl_descriptor_free(&m->manifests[i]);
	free(m->manifests);
	vsl_descriptor_free(&m->config);
	for (i = 0; i < m->n_layers; i++)
		vsl_descriptor_free(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof *m);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

static int parse_size(yajl_val v, const char *what, uint64_t *out, struct vsl_error *err)
{
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return vsl_error_set(err, 0, "%s: \"size\" must be a non-negative integer", what);
	*out = (uint64_t)YAJL_GET_INTEGER(v);
	return 0;
}

static int parse_digest(yajl_val obj, const char *what, struct vsl_error *err)
{
	const char *d = vsl_json_str(obj, "digest");

	if (!d)
		return vsl_error_set(err, 0, "%s has no \"digest\"", what);
	if (strncmp(d, "sha256:", 7) != 0 && strchr(d, ':'))
		return vsl_error_set(err, 0,
				     "%s: digest %.80s uses an algorithm vessel does not support "
				     "(only sha256); re-push or copy the image with sha256 digests",
				     what, d);
	if (!vsl_digest_valid(d))
		return vsl_error_set(err, 0,
				     "%s: \"%.80s\" is not a valid sha256 digest "
				     "(want sha256: and 64 lowercase hex digits)",
				     what, d);
	return 0;
}

static int parse_descriptor(yajl_val obj, const char *what, struct vsl_descriptor *d,
			    struct vsl_error *err)
{
	yajl_val plat = vsl_json_obj(obj, "platform");
	yajl_val annot = vsl_json_obj(obj, "annotations");

	memset(d, 0, sizeof *d);
	if (!YAJL_IS_OBJECT(obj))
		return vsl_error_set(err, 0, "%s is not a JSON object", what);
	if (parse_digest(obj, what, err) < 0 ||
	    parse_size(vsl_json_get(obj, "size"), what, &d->size, err) < 0)
		return -1;
	if (dup_opt(vsl_json_str(obj, "digest"), &d->digest) < 0 ||
	    dup_opt(vsl_json_str(obj, "mediaType"), &d->media_type) < 0 ||
	    dup_opt(vsl_json_str(annot, VSL_ANNOT_REF_NAME), &d->ref_name) < 0 ||
	    dup_opt(vsl_json_str(plat, "os"), &d->os) < 0 ||
	    dup_opt(vsl_json_str(plat, "architecture"), &d->arch) < 0 ||
	    dup_opt(vsl_json_str(plat, "variant"), &d->variant) < 0) {
		vsl_descriptor_free(d);
		return vsl_error_set(err, ENOMEM, "%s", what);
	}
	return 0;
}

static int parse_descriptors(yajl_val arr, const char *what, const char *field,
			     struct vsl_descriptor **out, size_t *n, struct vsl_error *err)
{
	struct vsl_descriptor *v;
	size_t i, len = arr->u.array.len;

	v = calloc(len ? len : 1, sizeof *v);
	if (!v)
		return vsl_error_set(err, ENOMEM, "%s", what);
	for (i = 0; i < len; i++) {
		char name[512];

		snprintf(name, sizeof name, "%s: %s[%zu]", what, field, i);
		if (parse_descriptor(arr->u.array.values[i], name, &v[i], err) < 0) {
			while (i-- > 0)
				vsl_descriptor_free(&v[i]);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = len;
	return 0;
}

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, VSL_MT_OCI_INDEX) == 0 || strcmp(mt, VSL_MT_DOCKER_LIST) == 0);
}

static bool is_manifest_type(const char *mt)
{
	return mt &&
	       (strcmp(mt, VSL_MT_OCI_MANIFEST) == 0 || strcmp(mt, VSL_MT_DOCKER_MANIFEST) == 0);
}

bool vsl_descriptor_is_index(const struct vsl_descriptor *d)
{
	return is_index_type(d->media_type);
}

int vsl_layer_compression(const char *mt, struct vsl_error *err)
{
	static const struct {
		const char *type;
		int comp;
	} known[] = {
		{ "application/vnd.oci.image.layer.v1.tar", VSL_COMPRESSION_NONE },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", VSL_COMPRESSION_GZIP },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", VSL_COMPRESSION_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", VSL_COMPRESSION_NONE },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		  VSL_COMPRESSION_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		  VSL_COMPRESSION_ZSTD },
		{ "application/vnd.docker.image.rootfs.diff.tar", VSL_COMPRESSION_NONE },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", VSL_COMPRESSION_GZIP },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		  VSL_COMPRESSION_GZIP },
	};

	for (size_t i = 0; mt && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(mt, known[i].type) == 0)
			return known[i].comp;
	if (mt && strstr(mt, "+encrypted"))
		return vsl_error_set(err, 0,
				     "layer media type %s is encrypted; decrypt the image first "
				     "(skopeo copy --decryption-key ...)",
				     mt);
	return vsl_error_set(
		err, 0,
		"layer media type %s is not a tar layer vessel can apply "
		"(tar, tar+gzip or tar+zstd); is this an artifact rather than an image?",
		mt ? mt : "(none)");
}

static int check_image(struct vsl_manifest *m, const char *what, struct vsl_error *err)
{
	const char *cmt = m->config.media_type;
	size_t i;

	if (!cmt || (strcmp(cmt, VSL_MT_OCI_CONFIG) != 0 && strcmp(cmt, VSL_MT_DOCKER_CONFIG) != 0))
		return vsl_error_set(
			err, 0,
			"%s: config media type %s is not a JSON container image config "
			"(want %s); is this an artifact rather than an image?",
			what, cmt ? cmt : "(none)", VSL_MT_OCI_CONFIG);
	for (i = 0; i < m->n_layers; i++)
		if (vsl_layer_compression(m->layers[i].media_type, err) < 0)
			return vsl_error_wrap(err, "%s: layer %zu (%s)", what, i,
					      m->layers[i].digest);
	return 0;
}

static int parse_image(yajl_val root, const char *what, struct vsl_manifest *m,
		       struct vsl_error *err)
{
	yajl_val layers = vsl_json_arr(root, "layers");
	char name[512];

	m->kind = VSL_MANIFEST_IMAGE;
	if (!vsl_json_obj(root, "config"))
		return vsl_error_set(err, 0, "%s has no \"config\" object", what);
	if (!layers)
		return vsl_error_set(err, 0, "%s has no \"layers\" array", what);
	snprintf(name, sizeof name, "%s: config", what);
	if (parse_descriptor(vsl_json_obj(root, "config"), name, &m->config, err) < 0)
		return -1;
	if (parse_descriptors(layers, what, "layers", &m->layers, &m->n_layers, err) < 0)
		return -1;
	return check_image(m, what, err);
}

/* Which kind of document this is, or -1 with err naming what it is instead. */
static int detect_kind(yajl_val root, const char *what, const char *hint, struct vsl_error *err)
{
	const char *mt = vsl_json_str(root, "mediaType");
	yajl_val sv = vsl_json_get(root, "schemaVersion");

	if (YAJL_IS_INTEGER(sv) && YAJL_GET_INTEGER(sv) == 1)
		return vsl_error_set(
			err, 0,
			"%s is a Docker schema 1 manifest, which vessel does not read; "
			"convert it with skopeo copy to oci: or docker-archive:",
			what);
	if (!mt)
		mt = hint;
	if (is_index_type(mt))
		return VSL_MANIFEST_INDEX;
	if (is_manifest_type(mt))
		return VSL_MANIFEST_IMAGE;
	if (mt)
		return vsl_error_set(err, 0,
				     "%s has media type %s, which is neither an image index "
				     "nor an image manifest",
				     what, mt);
	/* Both fields are optional in OCI documents, so fall back to the shape. */
	if (vsl_json_arr(root, "manifests"))
		return VSL_MANIFEST_INDEX;
	if (vsl_json_obj(root, "config") && vsl_json_arr(root, "layers"))
		return VSL_MANIFEST_IMAGE;
	return vsl_error_set(err, 0, "%s is neither an image index nor an image manifest", what);
}

int vsl_manifest_parse(const void *buf, size_t len, const char *what, const char *hint_media_type,
		       struct vsl_manifest *m, struct vsl_error *err)
{
	yajl_val root;
	int kind, r;

	memset(m, 0, sizeof *m);
	root = vsl_json_parse(buf, len, what, err);
	if (!root)
		return -1;
	if (!YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return vsl_error_set(err, 0, "%s is not a JSON object", what);
	}
	kind = detect_kind(root, what, hint_media_type, err);
	if (kind == VSL_MANIFEST_INDEX) {
		yajl_val arr = vsl_json_arr(root, "manifests");

		m->kind = VSL_MANIFEST_INDEX;
		r = arr ? parse_descriptors(arr, what, "manifests", &m->manifests, &m->n_manifests,
					    err)
			: vsl_error_set(err, 0, "%s has no \"manifests\" array", what);
	} else if (kind == VSL_MANIFEST_IMAGE) {
		r = parse_image(root, what, m, err);
	} else {
		r = -1;
	}
	yajl_tree_free(root);
	if (r < 0)
		vsl_manifest_free(m);
	return r;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* "linux/amd64, linux/arm/v7" into buf; platform-less and unknown/unknown (build attestations)
 * entries are left out because nobody can pick them. */
static void list_platforms(const struct vsl_manifest *idx, char *buf, size_t size)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < idx->n_manifests && used < size; i++) {
		const struct vsl_descriptor *d = &idx->manifests[i];
		int n;

		if (!d->os || !d->arch || strcmp(d->os, "unknown") == 0)
			continue;
		n = snprintf(buf + used, size - used, "%s%s/%s%s%s", used ? ", " : "", d->os,
			     d->arch, d->variant && *d->variant ? "/" : "", or_empty(d->variant));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, size, "no platforms at all");
}

int vsl_manifest_select_platform(const struct vsl_manifest *idx, const char *what,
				 const struct vsl_arch *arch, struct vsl_error *err)
{
	char offers[1024];
	size_t v, i;

	for (v = 0; arch->variants[v]; v++) {
		for (i = 0; i < idx->n_manifests; i++) {
			const struct vsl_descriptor *d = &idx->manifests[i];

			if (d->os && strcmp(d->os, "linux") == 0 && d->arch &&
			    strcmp(d->arch, arch->oci) == 0 &&
			    strcmp(or_empty(d->variant), arch->variants[v]) == 0)
				return (int)i;
		}
	}
	/* A nested index without a platform of its own may hold ours: look inside the first. */
	for (i = 0; i < idx->n_manifests; i++)
		if (vsl_descriptor_is_index(&idx->manifests[i]) && !idx->manifests[i].os)
			return (int)i;
	list_platforms(idx, offers, sizeof offers);
	return vsl_error_set(err, 0,
			     "%s has no image for linux/%s; it offers %s. Pass --arch for one of "
			     "those (vessel builds %s) or use an image built for linux/%s",
			     what, arch->oci, offers, vsl_arch_names(), arch->oci);
}

static void list_tags(const struct vsl_manifest *idx, char *buf, size_t size)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < idx->n_manifests && used < size; i++) {
		const char *t = idx->manifests[i].ref_name;
		int n;

		if (!t)
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", t);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, size, "(no entry has an %s annotation)", VSL_ANNOT_REF_NAME);
}

int vsl_manifest_select_tag(const struct vsl_manifest *idx, const char *what, const char *tag,
			    struct vsl_error *err)
{
	char tags[1024];
	size_t i;

	if (idx->n_manifests == 0)
		return vsl_error_set(err, 0, "%s lists no images", what);
	if (!tag) {
		if (idx->n_manifests == 1)
			return 0;
		list_tags(idx, tags, sizeof tags);
		return vsl_error_set(err, 0,
				     "%s holds %zu images; name one with :TAG after the path, "
				     "TAG being one of: %s",
				     what, idx->n_manifests, tags);
	}
	for (i = 0; i < idx->n_manifests; i++)
		if (idx->manifests[i].ref_name && strcmp(idx->manifests[i].ref_name, tag) == 0)
			return (int)i;
	list_tags(idx, tags, sizeof tags);
	return vsl_error_set(err, 0, "%s has no image tagged \"%s\"; it has: %s", what, tag, tags);
}
