/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-archive's manifest.json (the `docker save` format) and docker reference matching
 * (see manifest.h). Pure: no syscalls. Paths in manifest.json are only ever looked up in the
 * archive's own member index, but they are still refused when absolute or climbing with "..",
 * because no sane archive has them.
 */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

void vsl_docker_manifest_free(struct vsl_docker_manifest *dm)
{
	for (size_t i = 0; i < dm->n; i++) {
		free(dm->images[i].config);
		vsl_strv_free(dm->images[i].repo_tags);
		vsl_strv_free(dm->images[i].layers);
	}
	free(dm->images);
	memset(dm, 0, sizeof *dm);
}

static bool path_ok(const char *p)
{
	const char *c;

	if (!p || !*p || p[0] == '/')
		return false;
	for (c = p; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return false;
	}
	return true;
}

static int parse_image(yajl_val obj, const char *what, size_t idx, struct vsl_docker_image *im,
		       struct vsl_error *err)
{
	const char *config = vsl_json_str(obj, "Config");
	char name[256];

	snprintf(name, sizeof name, "%s: entry %zu", what, idx);
	if (!YAJL_IS_OBJECT(obj))
		return vsl_error_set(err, 0, "%s is not a JSON object", name);
	if (!path_ok(config))
		return vsl_error_set(err, 0, "%s: \"Config\" is missing or not a relative path",
				     name);
	im->config = strdup(config);
	if (!im->config)
		return vsl_error_set(err, ENOMEM, "%s", name);
	if (vsl_json_strv(vsl_json_get(obj, "RepoTags"), "RepoTags", &im->repo_tags, err) < 0 ||
	    vsl_json_strv(vsl_json_get(obj, "Layers"), "Layers", &im->layers, err) < 0)
		return vsl_error_wrap(err, "%s", name);
	if (!im->repo_tags) {
		im->repo_tags = calloc(1, sizeof(char *));
		if (!im->repo_tags)
			return vsl_error_set(err, ENOMEM, "%s", name);
	}
	if (!im->layers) {
		/* `docker save` of a FROM scratch image with no files lists no layers. */
		im->layers = calloc(1, sizeof(char *));
		if (!im->layers)
			return vsl_error_set(err, ENOMEM, "%s", name);
	}
	for (char **l = im->layers; *l; l++)
		if (!path_ok(*l))
			return vsl_error_set(err, 0,
					     "%s: layer path \"%s\" is not a relative path "
					     "inside the archive",
					     name, *l);
	return 0;
}

int vsl_docker_manifest_parse(const void *buf, size_t len, const char *what,
			      struct vsl_docker_manifest *dm, struct vsl_error *err)
{
	yajl_val root;
	size_t i, n;
	int r = 0;

	memset(dm, 0, sizeof *dm);
	root = vsl_json_parse(buf, len, what, err);
	if (!root)
		return -1;
	if (!YAJL_IS_ARRAY(root)) {
		yajl_tree_free(root);
		return vsl_error_set(err, 0, "%s is not a JSON array", what);
	}
	n = root->u.array.len;
	dm->images = calloc(n ? n : 1, sizeof *dm->images);
	if (!dm->images)
		r = vsl_error_set(err, ENOMEM, "%s", what);
	for (i = 0; r == 0 && i < n; i++) {
		dm->n = i + 1;
		r = parse_image(root->u.array.values[i], what, i, &dm->images[i], err);
	}
	if (r == 0 && n == 0)
		r = vsl_error_set(err, 0, "%s lists no images", what);
	yajl_tree_free(root);
	if (r < 0)
		vsl_docker_manifest_free(dm);
	return r;
}

static bool is_domain(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9));
}

char *vsl_docker_ref_normalize(const char *ref)
{
	cleanup_free char *name = NULL;
	const char *digest, *domain = "docker.io", *path, *tag = "latest";
	char *slash, *colon;
	bool library;

	if (!ref || !*ref)
		return NULL;
	digest = strchr(ref, '@');
	name = strndup(ref, digest ? (size_t)(digest - ref) : strlen(ref));
	if (!name)
		return NULL;
	path = name;
	slash = strchr(name, '/');
	if (slash && is_domain(name, (size_t)(slash - name))) {
		*slash = '\0';
		domain = name;
		path = slash + 1;
	}
	if (strcmp(domain, "index.docker.io") == 0)
		domain = "docker.io";
	/* With the domain (and its port) split off, a colon can only start the tag. */
	colon = strrchr(path, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
	} else if (digest) {
		tag = NULL;
	}
	if (!*path || (tag && !*tag) || strchr(path, ':'))
		return NULL;
	library = strcmp(domain, "docker.io") == 0 && !strchr(path, '/');
	return vsl_strf("%s/%s%s%s%s%s", domain, library ? "library/" : "", path, tag ? ":" : "",
			tag ? tag : "", digest ? digest : "");
}

static void list_tags(const struct vsl_docker_manifest *dm, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < dm->n && used < size; i++) {
		for (char **t = dm->images[i].repo_tags; *t && used < size; t++) {
			int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", *t);

			if (n < 0)
				return;
			used += (size_t)n;
		}
	}
	if (!buf[0])
		snprintf(buf, size, "(no image is tagged; use @N to pick the N-th, from 0)");
}

static int select_index(const struct vsl_docker_manifest *dm, const char *what, const char *ref,
			struct vsl_error *err)
{
	char *end;
	unsigned long i;

	errno = 0;
	i = strtoul(ref + 1, &end, 10);
	if (ref[1] < '0' || ref[1] > '9' || *end || errno || i >= dm->n)
		return vsl_error_set(err, 0,
				     "%s: \"%s\" is not an image number; it holds %zu "
				     "(@0 to @%zu)",
				     what, ref, dm->n, dm->n - 1);
	return (int)i;
}

int vsl_docker_manifest_select(const struct vsl_docker_manifest *dm, const char *what,
			       const char *ref, struct vsl_error *err)
{
	cleanup_free char *want = NULL;
	char tags[1024];

	if (!ref) {
		if (dm->n == 1)
			return 0;
		list_tags(dm, tags, sizeof tags);
		return vsl_error_set(err, 0,
				     "%s holds %zu images; name one with :REF after the "
				     "path, REF being one of: %s",
				     what, dm->n, tags);
	}
	if (ref[0] == '@')
		return select_index(dm, what, ref, err);
	want = vsl_docker_ref_normalize(ref);
	if (!want)
		return vsl_error_set(err, 0, "\"%s\" is not a valid image reference (NAME[:TAG])",
				     ref);
	for (size_t i = 0; i < dm->n; i++) {
		for (char **t = dm->images[i].repo_tags; *t; t++) {
			cleanup_free char *have = vsl_docker_ref_normalize(*t);

			if (have && strcmp(have, want) == 0)
				return (int)i;
		}
	}
	list_tags(dm, tags, sizeof tags);
	return vsl_error_set(err, 0, "%s has no image tagged \"%s\"; it has: %s", what, ref, tags);
}

static bool hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool vsl_docker_path_digest(const char *path, char out[VSL_DIGEST_BUFSZ])
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && (!strcmp(base + n - 5, ".json")))
		n -= 5;
	else if (n > 4 && !strcmp(base + n - 4, ".tar"))
		n -= 4;
	else if ((size_t)(base - path) < 7 || strncmp(base - 7, "sha256/", 7) != 0)
		n = 0; /* a bare hex name only counts inside a sha256/ directory */
	if (!hex64(base, n))
		return false;
	snprintf(out, VSL_DIGEST_BUFSZ, "sha256:%.64s", base);
	return true;
}
