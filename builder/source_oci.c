/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolving an OCI image layout (oci: directory or oci-archive: tar): oci-layout and index.json,
 * the tag, then platform through nested indexes, down to one image manifest and its config.
 * Every manifest and config is hash-checked before it is parsed.
 */
#include "source_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

static int check_layout(struct vsl_source *s, struct vsl_error *err)
{
	cleanup_free char *buf = NULL;
	const char *v, *what = "oci-layout file";
	yajl_val root;
	size_t len;
	int r = 0;

	if (!vsl_source_has(s, "oci-layout"))
		return vsl_error_set(err, 0,
				     "%s is not an OCI image layout: it has no oci-layout "
				     "file%s",
				     s->name,
				     s->ref.transport == VSL_TRANSPORT_OCI_ARCHIVE
					     ? " (a `docker save` tarball is docker-archive:)"
					     : "");
	if (vsl_source_read_verified(s, "oci-layout", NULL, UINT64_MAX, what, &buf, &len, err) < 0)
		return -1;
	root = vsl_json_parse(buf, len, what, err);
	if (!root)
		return vsl_error_wrap(err, "%s", s->name);
	v = vsl_json_str(root, "imageLayoutVersion");
	if (!v || strncmp(v, "1.", 2) != 0)
		r = vsl_error_set(err, 0,
				  "%s: imageLayoutVersion is %s; vessel reads version 1.x "
				  "layouts",
				  s->name, v ? v : "missing");
	yajl_tree_free(root);
	return r;
}

static bool any_ref_name(const struct vsl_manifest *idx)
{
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (idx->manifests[i].ref_name)
			return true;
	return false;
}

/* The index.json entry for the tag; with no tag and no names at all, index.json may itself be
 * the multi-platform index (some tools write it so), so choose by platform. */
static int pick_root(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_descriptor *out,
		     struct vsl_error *err)
{
	cleanup_free char *buf = NULL, *what = NULL;
	struct vsl_manifest idx;
	size_t len;
	int i;

	what = vsl_strf("index.json of %s", s->name);
	if (!what)
		return vsl_error_set(err, ENOMEM, "%s", s->name);
	if (vsl_source_read_verified(s, "index.json", NULL, UINT64_MAX, what, &buf, &len, err) < 0)
		return -1;
	if (vsl_manifest_parse(buf, len, what, VSL_MT_OCI_INDEX, &idx, err) < 0)
		return -1;
	if (idx.kind != VSL_MANIFEST_INDEX) {
		vsl_manifest_free(&idx);
		return vsl_error_set(err, 0, "%s is not an image index", what);
	}
	if (!s->ref.tag && idx.n_manifests > 1 && !any_ref_name(&idx))
		i = vsl_manifest_select_platform(&idx, what, arch, err);
	else
		i = vsl_manifest_select_tag(&idx, what, s->ref.tag, err);
	if (i >= 0) {
		*out = idx.manifests[i];
		memset(&idx.manifests[i], 0, sizeof idx.manifests[i]);
	}
	vsl_manifest_free(&idx);
	return i < 0 ? -1 : 0;
}

/* Follow d through nested indexes down to an image manifest, left in *m; d ends up naming it. */
static int walk(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_descriptor *d,
		struct vsl_manifest *m, struct vsl_error *err)
{
	for (int depth = 0; depth < VSL_INDEX_DEPTH_MAX; depth++) {
		cleanup_free char *buf = NULL, *what = NULL;
		char path[VSL_BLOB_PATH_SIZE];
		size_t len;
		int i;

		what = vsl_strf("%s %s in %s",
				vsl_descriptor_is_index(d) ? "image index" : "manifest", d->digest,
				s->name);
		if (!what)
			return vsl_error_set(err, ENOMEM, "%s", s->name);
		vsl_blob_path(d->digest, path);
		if (vsl_source_read_verified(s, path, d->digest, d->size, what, &buf, &len, err) <
			    0 ||
		    vsl_manifest_parse(buf, len, what, d->media_type, m, err) < 0)
			return -1;
		if (m->kind == VSL_MANIFEST_IMAGE)
			return 0;
		i = vsl_manifest_select_platform(m, what, arch, err);
		if (i < 0) {
			vsl_manifest_free(m);
			return -1;
		}
		vsl_descriptor_free(d);
		*d = m->manifests[i];
		memset(&m->manifests[i], 0, sizeof m->manifests[i]);
		vsl_manifest_free(m);
	}
	return vsl_error_set(err, 0, "%s: image indexes nest more than %d deep (a loop?)", s->name,
			     VSL_INDEX_DEPTH_MAX);
}

static int fill_layers(const struct vsl_manifest *m, struct vsl_image *img, struct vsl_error *err)
{
	img->layers = calloc(m->n_layers ? m->n_layers : 1, sizeof *img->layers);
	if (!img->layers)
		return vsl_error_set(err, ENOMEM, "listing layers");
	for (size_t i = 0; i < m->n_layers; i++) {
		struct vsl_layer *l = &img->layers[i];
		char path[VSL_BLOB_PATH_SIZE];

		img->n_layers = i + 1;
		vsl_blob_path(m->layers[i].digest, path);
		l->digest = strdup(m->layers[i].digest);
		l->path = strdup(path);
		l->size = m->layers[i].size;
		if (!l->digest || !l->path)
			return vsl_error_set(err, ENOMEM, "listing layers");
	}
	return 0;
}

int vsl_source_resolve_oci(struct vsl_source *s, const struct vsl_arch *arch, struct vsl_image *img,
			   struct vsl_error *err)
{
	struct vsl_descriptor d = { 0 };
	struct vsl_manifest m = { 0 };
	cleanup_free char *what = NULL;
	char path[VSL_BLOB_PATH_SIZE];
	int r = -1;

	if (check_layout(s, err) < 0 || pick_root(s, arch, &d, err) < 0)
		return -1;
	if (walk(s, arch, &d, &m, err) < 0)
		goto out;
	img->manifest_digest = strdup(d.digest);
	img->config_digest = strdup(m.config.digest);
	if (!img->manifest_digest || !img->config_digest ||
	    !(what = vsl_strf("config %s of %s", m.config.digest, s->name))) {
		vsl_error_set(err, ENOMEM, "%s", s->name);
		goto out;
	}
	vsl_blob_path(m.config.digest, path);
	if (vsl_source_read_verified(s, path, m.config.digest, m.config.size, what, &img->config,
				     &img->config_len, err) < 0 ||
	    vsl_source_check_config(img, arch, what, err) < 0 || fill_layers(&m, img, err) < 0)
		goto out;
	r = 0;
out:
	vsl_manifest_free(&m);
	vsl_descriptor_free(&d);
	return r;
}
