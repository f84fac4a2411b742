/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolving a docker-archive: (`docker save`, or skopeo's docker-archive:) tarball. There is no
 * manifest with digests here: the config is named by its own hash (HEX.json), and layers either
 * by theirs (HEX.tar, blobs/sha256/HEX) or, in the legacy ID/layer.tar form, by nothing, in
 * which case the config's rootfs.diff_ids (hashes of the uncompressed layers, which is what
 * docker save stores) give the digest to check.
 */
#include "source_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "log.h"
#include "sha256.h"

static int read_config(struct vsl_source *s, const char *path, struct vsl_image *img,
		       struct vsl_error *err)
{
	char digest[VSL_DIGEST_BUFSZ];
	cleanup_free char *what = NULL;
	bool named = vsl_docker_path_digest(path, digest);

	what = vsl_strf("config %s of %s", path, s->name);
	if (!what)
		return vsl_error_set(err, ENOMEM, "%s", s->name);
	if (vsl_source_read_verified(s, path, named ? digest : NULL, UINT64_MAX, what, &img->config,
				     &img->config_len, err) < 0)
		return -1;
	if (!named) {
		/* Nothing names its hash, so nothing to check; the image ID is its hash. */
		uint8_t d[32];

		vsl_sha256(img->config, img->config_len, d);
		memcpy(digest, "sha256:", 7);
		vsl_sha256_hex(d, digest + 7);
		vsl_debug("%s: config %s is not named by its digest; not checked", s->name, path);
	}
	img->config_digest = strdup(digest);
	img->manifest_digest = strdup(digest);
	if (!img->config_digest || !img->manifest_digest)
		return vsl_error_set(err, ENOMEM, "%s", s->name);
	return 0;
}

static int layer_digest(const char *path, size_t i, char **diff_ids, const char *src,
			char out[VSL_DIGEST_BUFSZ], struct vsl_error *err)
{
	if (vsl_docker_path_digest(path, out))
		return 0;
	if (i >= vsl_strv_len(diff_ids))
		return vsl_error_set(err, 0,
				     "%s: layer %s has no digest to check it against (the "
				     "config lists %zu diff_ids for more layers); export the image "
				     "again",
				     src, path, vsl_strv_len(diff_ids));
	if (!vsl_digest_valid(diff_ids[i]))
		return vsl_error_set(err, 0,
				     "%s: config rootfs.diff_ids[%zu] \"%.80s\" is not a "
				     "sha256 digest",
				     src, i, diff_ids[i]);
	snprintf(out, VSL_DIGEST_BUFSZ, "%s", diff_ids[i]);
	return 0;
}

static int fill_layers(struct vsl_source *s, char **paths, struct vsl_image *img,
		       struct vsl_error *err)
{
	yajl_val root = vsl_json_parse(img->config, img->config_len, "config", err);
	char **diff_ids = NULL;
	size_t n = vsl_strv_len(paths);
	int r = 0;

	if (!root)
		return vsl_error_wrap(err, "%s", s->name);
	if (vsl_json_strv(vsl_json_get(vsl_json_obj(root, "rootfs"), "diff_ids"),
			  "config rootfs.diff_ids", &diff_ids, err) < 0)
		r = vsl_error_wrap(err, "%s", s->name);
	yajl_tree_free(root);
	img->layers = r == 0 ? calloc(n ? n : 1, sizeof *img->layers) : NULL;
	if (r == 0 && !img->layers)
		r = vsl_error_set(err, ENOMEM, "%s", s->name);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct vsl_layer *l = &img->layers[i];
		char digest[VSL_DIGEST_BUFSZ];

		img->n_layers = i + 1;
		l->size = UINT64_MAX;
		if (layer_digest(paths[i], i, diff_ids, s->name, digest, err) < 0)
			r = -1;
		else if (!(l->digest = strdup(digest)) || !(l->path = strdup(paths[i])))
			r = vsl_error_set(err, ENOMEM, "%s", s->name);
	}
	vsl_strv_free(diff_ids);
	return r;
}

int vsl_source_resolve_docker(struct vsl_source *s, const struct vsl_arch *arch,
			      struct vsl_image *img, struct vsl_error *err)
{
	cleanup_free char *buf = NULL, *what = NULL;
	struct vsl_docker_manifest dm;
	size_t len;
	int i, r;

	what = vsl_strf("manifest.json of %s", s->name);
	if (!what)
		return vsl_error_set(err, ENOMEM, "%s", s->name);
	if (!vsl_source_has(s, "manifest.json"))
		return vsl_error_set(err, 0,
				     "%s is not a `docker save` tarball: it has no "
				     "manifest.json (an OCI layout tarball is oci-archive:)",
				     s->name);
	if (vsl_source_read_verified(s, "manifest.json", NULL, UINT64_MAX, what, &buf, &len, err) <
	    0)
		return -1;
	if (vsl_docker_manifest_parse(buf, len, what, &dm, err) < 0)
		return -1;
	i = vsl_docker_manifest_select(&dm, what, s->ref.tag, err);
	r = i < 0 ? -1 : read_config(s, dm.images[i].config, img, err);
	if (r == 0)
		r = vsl_source_check_config(img, arch, "image config", err);
	if (r == 0)
		r = fill_layers(s, dm.images[i].layers, img, err);
	vsl_docker_manifest_free(&dm);
	return r;
}
