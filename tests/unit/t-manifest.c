/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image indexes and manifests: parsing, tag and platform selection (nested indexes, docker
 * manifest lists, the no-match message), digest checks, docker-archive's manifest.json and
 * reference matching; then the sources over small layouts made here: oci: and oci-archive:
 * (a tar made with common/tar.h's encoder), hash and size checks, and layer feeding.
 */
#define _GNU_SOURCE
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "fsutil.h"
#include "manifest.h"
#include "sha256.h"
#include "source.h"
#include "tar.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define D1 "sha256:" H1
#define D2 "sha256:" H2
#define D3 "sha256:" H3
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"

static int parse(const char *json, const char *hint, struct vsl_manifest *m, struct vsl_error *e)
{
	return vsl_manifest_parse(json, strlen(json), "doc", hint, m, e);
}

static bool has(const struct vsl_error *e, const char *needle)
{
	bool r = e->msg && strstr(e->msg, needle);

	if (!r)
		diag("message: %s (want \"%s\")", e->msg ? e->msg : "(none)", needle);
	return r;
}

static void test_digest(void)
{
	ok(vsl_digest_valid(D1), "valid digest");
	ok(!vsl_digest_valid("sha256:1111"), "short digest");
	ok(!vsl_digest_valid(D1 "1"), "long digest");
	ok(!vsl_digest_valid(
		   "sha256:AAAA111111111111111111111111111111111111111111111111111111111111"),
	   "uppercase hex refused");
	ok(!vsl_digest_valid(
		   "sha256:../../../../etc/passwd111111111111111111111111111111111111111"),
	   "path in a digest refused");
	ok(!vsl_digest_valid(NULL), "NULL digest");
}

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\","
	"\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
	"\"variant\":\"v7\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\","
	"\"size\":11,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\","
	"\"size\":12,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
	"\"variant\":\"v8\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D4 "\","
	"\"size\":13,\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D4 "\","
	"\"size\":13,\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}]}";

static void test_platform(void)
{
	struct vsl_error e = { 0 };
	struct vsl_manifest m;

	if (!ok(parse(index_json, NULL, &m, &e) == 0, "parse an index")) {
		diag("%s", e.msg);
		return;
	}
	is_int(m.kind, VSL_MANIFEST_INDEX, "it is an index");
	is_int(m.n_manifests, 5, "five entries");
	is_u64(m.manifests[1].size, 11, "sizes kept");
	is_int(vsl_manifest_select_platform(&m, "idx", vsl_arch_find("arm64"), &e), 2,
	       "arm64 prefers variant v8");
	is_int(vsl_manifest_select_platform(&m, "idx", vsl_arch_find("amd64"), &e), -1,
	       "no linux/amd64 (windows/amd64 is not it)");
	ok(has(&e, "linux/arm/v7, linux/arm64, linux/arm64/v8, windows/amd64"),
	   "the error lists what the index offers");
	ok(e.msg && !strstr(e.msg, "unknown"), "attestation entries are not listed");
	vsl_error_release(&e);
	/* Without the v8 entry, plain arm64 is taken. */
	vsl_descriptor_free(&m.manifests[2]);
	m.manifests[2].digest = strdup(D3);
	is_int(vsl_manifest_select_platform(&m, "idx", vsl_arch_find("arm64"), &e), 1,
	       "arm64 without variant");
	vsl_manifest_free(&m);
}

static void test_docker_list(void)
{
	static const char list[] =
		"{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
		"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"digest\":\"" D1 "\",\"size\":5,\"platform\":{\"architecture\":\"amd64\","
		"\"os\":\"linux\"}},"
		"{\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
		"\"digest\":\"" D2 "\",\"size\":5,\"platform\":{\"architecture\":\"arm64\","
		"\"os\":\"linux\",\"variant\":\"v8\"}}]}";
	struct vsl_error e = { 0 };
	struct vsl_manifest m;

	if (!ok(parse(list, NULL, &m, &e) == 0, "parse a docker manifest list"))
		return;
	is_int(m.kind, VSL_MANIFEST_INDEX, "a list is an index");
	is_int(vsl_manifest_select_platform(&m, "l", vsl_arch_find("amd64"), &e), 0, "amd64 found");
	ok(!vsl_descriptor_is_index(&m.manifests[0]), "a docker manifest is not an index");
	ok(vsl_descriptor_is_index(&m.manifests[1]), "a nested list is an index");
	vsl_manifest_free(&m);
}

static void test_manifest(void)
{
	static const char docker[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" VSL_MT_DOCKER_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" VSL_MT_DOCKER_CONFIG "\","
		"\"size\":7,\"digest\":\"" D1 "\"},"
		"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
		"\"size\":99,\"digest\":\"" D2 "\"},{\"mediaType\":"
		"\"application/vnd.oci.image.layer.v1.tar+zstd\",\"size\":5,\"digest\":\"" D3
		"\"}]}";
	static const char shape_only[] =
		"{\"config\":{\"mediaType\":\"" VSL_MT_OCI_CONFIG "\",\"size\":7,"
		"\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":"
		"\"application/vnd.oci.image.layer.v1.tar\",\"size\":1,\"digest\":\"" D2 "\"}]}";
	struct vsl_error e = { 0 };
	struct vsl_manifest m;

	if (!ok(parse(docker, NULL, &m, &e) == 0, "parse a docker v2 manifest"))
		diag("%s", e.msg);
	is_int(m.kind, VSL_MANIFEST_IMAGE, "an image manifest");
	is_str(m.config.digest, D1, "config digest");
	is_int(m.n_layers, 2, "two layers");
	is_str(m.layers[1].digest, D3, "layer order kept");
	is_int(vsl_layer_compression(m.layers[0].media_type, NULL), VSL_COMPRESSION_GZIP, "gzip");
	is_int(vsl_layer_compression(m.layers[1].media_type, NULL), VSL_COMPRESSION_ZSTD, "zstd");
	vsl_manifest_free(&m);
	ok(parse(shape_only, NULL, &m, &e) == 0 && m.kind == VSL_MANIFEST_IMAGE,
	   "no mediaType: known by its shape");
	vsl_manifest_free(&m);
}

/* One image manifest with a config and layers of the given types/digests. */
static char *manifest_with(const char *config_mt, const char *layer_mt, const char *ldigest,
			   bool no_layers)
{
	char *s;

	if (asprintf(&s,
		     "{\"schemaVersion\":2,\"mediaType\":\"" VSL_MT_OCI_MANIFEST "\","
		     "\"config\":{\"mediaType\":\"%s\",\"size\":7,\"digest\":\"" D1 "\"},"
		     "\"layers\":[%s%s%s%s%s]}",
		     config_mt, no_layers ? "" : "{\"mediaType\":\"", no_layers ? "" : layer_mt,
		     no_layers ? "" : "\",\"size\":3,\"digest\":\"", no_layers ? "" : ldigest,
		     no_layers ? "" : "\"}") < 0)
		bail_out("asprintf");
	return s;
}

static void expect_fail(char *json, const char *needle, const char *what)
{
	struct vsl_error e = { 0 };
	struct vsl_manifest m;

	ok(parse(json, NULL, &m, &e) < 0 && has(&e, needle), "%s", what);
	vsl_error_release(&e);
	free(json);
}

static void test_manifest_errors(void)
{
	const char *cfg = VSL_MT_OCI_CONFIG, *tar = "application/vnd.oci.image.layer.v1.tar";

	expect_fail(manifest_with(cfg, tar, "sha256:abc", false), "not a valid sha256 digest",
		    "a short digest is refused");
	expect_fail(manifest_with(cfg, tar, "sha512:abc", false), "only sha256",
		    "another algorithm is refused by name");
	expect_fail(manifest_with("application/octet-stream", tar, D2, false),
		    "is not a JSON container image config", "a non-JSON config media type");
	expect_fail(manifest_with("application/vnd.cncf.helm.config.v1+json", tar, D2, false),
		    "artifact", "an artifact's config");
	{
		struct vsl_error e = { 0 };
		struct vsl_manifest m;
		char *json = manifest_with(cfg, tar, D2, true);

		ok(parse(json, NULL, &m, &e) == 0 && m.n_layers == 0,
		   "no layers is legal: an empty root (OCI 1.1, docker FROM scratch)");
		vsl_manifest_free(&m);
		vsl_error_release(&e);
		free(json);
	}
	expect_fail(manifest_with(cfg, "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", D2,
				  false),
		    "decrypt", "encrypted layers");
	expect_fail(manifest_with(cfg, "text/plain", D2, false), "text/plain",
		    "an unknown layer type is named");
	expect_fail(strdup("{\"schemaVersion\":1,\"name\":\"x\"}"), "schema 1", "schema 1");
	expect_fail(strdup("[1,2]"), "not a JSON object", "not an object");
	expect_fail(strdup("{\"manifests\":"), "not valid JSON", "truncated JSON");
	expect_fail(strdup("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
			   "\"manifests\":[{\"digest\":\"" D1 "\",\"size\":-1}]}"),
		    "non-negative", "a negative size");
	expect_fail(strdup("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
			   "\"manifests\":[{\"size\":1}]}"),
		    "no \"digest\"", "a missing digest");
}

static void test_tags(void)
{
	static const char two[] =
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1
		"\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2
		"\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"1.0\"}}]}";
	struct vsl_error e = { 0 };
	struct vsl_manifest m;

	if (!ok(vsl_manifest_parse(two, strlen(two), "index.json", VSL_MT_OCI_INDEX, &m, &e) == 0,
		"index.json without mediaType, hinted"))
		return;
	is_int(vsl_manifest_select_tag(&m, "i", "1.0", &e), 1, "tag 1.0");
	is_int(vsl_manifest_select_tag(&m, "i", "2.0", &e), -1, "no tag 2.0");
	ok(has(&e, "it has: latest, 1.0"), "the tags are listed");
	vsl_error_release(&e);
	is_int(vsl_manifest_select_tag(&m, "i", NULL, &e), -1, "no tag and two images");
	ok(has(&e, "holds 2 images"), "says why");
	vsl_error_release(&e);
	m.n_manifests = 1;
	is_int(vsl_manifest_select_tag(&m, "i", NULL, &e), 0, "no tag and one image");
	m.n_manifests = 2;
	vsl_manifest_free(&m);
}

static void test_docker_archive_manifest(void)
{
	static const char mj[] =
		"[{\"Config\":\""
		"aaaa.json\",\"RepoTags\":[\"busybox:latest\"],"
		"\"Layers\":[\"x/layer.tar\"]},"
		"{\"Config\":\"blobs/sha256/bb\",\"RepoTags\":[\"docker.io/library/myimg:1.0\","
		"\"quay.io/o/n:2\"],\"Layers\":[\"a.tar\",\"b.tar\"]},"
		"{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"c.tar\"]}]";
	struct vsl_docker_manifest dm;
	struct vsl_error e = { 0 };

	if (!ok(vsl_docker_manifest_parse(mj, strlen(mj), "mj", &dm, &e) == 0,
		"parse manifest.json"))
		return;
	is_int(dm.n, 3, "three images");
	is_int(vsl_docker_manifest_select(&dm, "mj", "busybox", &e), 0, "busybox = busybox:latest");
	is_int(vsl_docker_manifest_select(&dm, "mj", "docker.io/library/busybox:latest", &e), 0,
	       "full name matches a short tag");
	is_int(vsl_docker_manifest_select(&dm, "mj", "myimg:1.0", &e), 1,
	       "short name matches skopeo's docker.io/library/ tag");
	is_int(vsl_docker_manifest_select(&dm, "mj", "quay.io/o/n:2", &e), 1, "other registry");
	is_int(vsl_docker_manifest_select(&dm, "mj", "@2", &e), 2, "@N picks by position");
	is_int(vsl_docker_manifest_select(&dm, "mj", "@3", &e), -1, "@N out of range");
	vsl_error_release(&e);
	is_int(vsl_docker_manifest_select(&dm, "mj", "myimg:2.0", &e), -1, "unknown tag");
	ok(has(&e, "busybox:latest, docker.io/library/myimg:1.0, quay.io/o/n:2"), "tags listed");
	vsl_error_release(&e);
	is_int(vsl_docker_manifest_select(&dm, "mj", NULL, &e), -1, "no ref and three images");
	vsl_error_release(&e);
	vsl_docker_manifest_free(&dm);
	const char *climb = "[{\"Config\":\"../x.json\",\"Layers\":[\"a\"]}]";
	const char *empty = "[{\"Config\":\"x.json\",\"Layers\":[]}]";

	ok(vsl_docker_manifest_parse(climb, strlen(climb), "mj", &dm, &e) < 0 && has(&e, "Config"),
	   "a climbing config path");
	vsl_error_release(&e);
	ok(vsl_docker_manifest_parse(empty, strlen(empty), "mj", &dm, &e) == 0 &&
		   dm.images[0].layers && !dm.images[0].layers[0],
	   "no layers is legal (docker save of a FROM scratch image)");
	vsl_docker_manifest_free(&dm);
	vsl_error_release(&e);
}

static void is_norm(const char *in, const char *want)
{
	char *got = vsl_docker_ref_normalize(in);

	is_str(got, want, "normalize %s", in ? in : "NULL");
	free(got);
}

static void test_ref_normalize(void)
{
	char d[VSL_DIGEST_BUFSZ];

	is_norm("busybox", "docker.io/library/busybox:latest");
	is_norm("busybox:1.36", "docker.io/library/busybox:1.36");
	is_norm("me/app", "docker.io/me/app:latest");
	is_norm("index.docker.io/me/app:2", "docker.io/me/app:2");
	is_norm("localhost:5000/a/b", "localhost:5000/a/b:latest");
	is_norm("localhost/a", "localhost/a:latest");
	is_norm("quay.io/x/y:1", "quay.io/x/y:1");
	is_norm("busybox@" D1, "docker.io/library/busybox@" D1);
	is_norm("", NULL);
	is_norm("a:", NULL);
	ok(vsl_docker_path_digest("blobs/sha256/" H1, d) && !strcmp(d, D1), "blobs/sha256/HEX");
	ok(vsl_docker_path_digest(H2 ".json", d) && !strcmp(d, D2), "HEX.json");
	ok(vsl_docker_path_digest("dir/" H3 ".tar", d) && !strcmp(d, D3), "HEX.tar");
	ok(!vsl_docker_path_digest("0123/layer.tar", d), "ID/layer.tar names no digest");
	ok(!vsl_docker_path_digest(H3, d), "a bare HEX outside sha256/ does not count");
}

/* ---- sources over layouts made here ---- */

struct file {
	char name[128];
	char *data;
	size_t len;
	const char *symlink; /* a symlink member to this target (tar only) */
};

static struct file files[32];
static size_t n_files;

static void add_file(const char *name, const char *data, size_t len)
{
	struct file *f = &files[n_files++];

	snprintf(f->name, sizeof f->name, "%s", name);
	f->data = malloc(len + 1);
	memcpy(f->data, data, len);
	f->len = len;
}

/* Add a blob; its digest goes to out. A non-NULL lie stores other bytes under that name. */
static void add_blob(const char *data, const char *lie, char out[VSL_DIGEST_BUFSZ])
{
	uint8_t d[32];
	char name[128];

	vsl_sha256(data, strlen(data), d);
	memcpy(out, "sha256:", 7);
	vsl_sha256_hex(d, out + 7);
	snprintf(name, sizeof name, "blobs/sha256/%s", out + 7);
	add_file(name, lie ? lie : data, strlen(lie ? lie : data));
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		bail_out("vasprintf");
	va_end(ap);
	return s;
}

static char *manifest_json(const char *cfg, size_t cfg_len, const char *layer, size_t layer_len)
{
	return fmt("{\"schemaVersion\":2,\"mediaType\":\"" VSL_MT_OCI_MANIFEST "\","
		   "\"config\":{\"mediaType\":\"" VSL_MT_OCI_CONFIG "\",\"digest\":\"%s\","
		   "\"size\":%zu},\"layers\":[{\"mediaType\":"
		   "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
		   cfg, cfg_len, layer, layer_len);
}

static const char layer_bytes[] = "pretend this is a tar; sources do not look inside";
static const char cfg_amd64[] = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
static const char cfg_arm64[] = "{\"architecture\":\"arm64\",\"os\":\"linux\"}";
static char m_amd64[VSL_DIGEST_BUFSZ], m_arm64[VSL_DIGEST_BUFSZ], layer_d[VSL_DIGEST_BUFSZ];

static char *entry(const char *digest, size_t size, const char *mt, const char *tag,
		   const char *arch)
{
	char *annot =
		tag ? fmt(",\"annotations\":{\"%s\":\"%s\"}", VSL_ANNOT_REF_NAME, tag) : strdup("");
	char *plat = arch ? fmt(",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}", arch)
			  : strdup("");
	char *r = fmt("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s%s}", mt, digest, size,
		      annot, plat);

	free(annot);
	free(plat);
	return r;
}

/* A manifest in the layout pointing at cfg (stored truthfully or not) and at the layer. */
static char *add_manifest(const char *cfg, const char *cfg_lie, const char *layer,
			  const char *layer_lie, char out[VSL_DIGEST_BUFSZ], size_t *len)
{
	char cd[VSL_DIGEST_BUFSZ], ld[VSL_DIGEST_BUFSZ];
	char *m;

	add_blob(cfg, cfg_lie, cd);
	add_blob(layer, layer_lie, ld);
	m = manifest_json(cd, strlen(cfg), ld, strlen(layer));
	add_blob(m, NULL, out);
	*len = strlen(m);
	return m;
}

static void make_layout_files(void)
{
	char inner[VSL_DIGEST_BUFSZ], outer[VSL_DIGEST_BUFSZ], bad[VSL_DIGEST_BUFSZ];
	char badl[VSL_DIGEST_BUFSZ], miss[VSL_DIGEST_BUFSZ];
	size_t la, lr, lb, lbl, lm;
	char *e[8], *idx, *top;

	free(add_manifest(cfg_amd64, NULL, layer_bytes, NULL, m_amd64, &la));
	free(add_manifest(cfg_arm64, NULL, layer_bytes, NULL, m_arm64, &lr));
	add_blob(layer_bytes, NULL, layer_d);
	/* Same length, other bytes: only the hash can tell. */
	free(add_manifest("{\"architecture\":\"amd64\",\"x\":1}",
			  "{\"architecture\":\"arm64\",\"x\":1}", layer_bytes, NULL, bad, &lb));
	free(add_manifest("{\"architecture\":\"amd64\",\"y\":2}", NULL, "good layer", "evil layer",
			  badl, &lbl));
	free(add_manifest("{\"architecture\":\"amd64\",\"z\":3}", NULL, layer_bytes, NULL, miss,
			  &lm));
	/* Drop the config blob of "missing" (its layer blob duplicates layer_bytes anyway). */
	free(files[n_files - 3].data);
	free(files[n_files - 2].data);
	files[n_files - 3] = files[n_files - 1];
	n_files -= 2;
	e[0] = entry(m_amd64, la, VSL_MT_OCI_MANIFEST, NULL, "amd64");
	e[1] = entry(m_arm64, lr, VSL_MT_OCI_MANIFEST, NULL, "arm64");
	idx = fmt("{\"schemaVersion\":2,\"mediaType\":\"" VSL_MT_OCI_INDEX
		  "\",\"manifests\":[%s,%s]}",
		  e[0], e[1]);
	add_blob(idx, NULL, inner);
	e[2] = entry(inner, strlen(idx), VSL_MT_OCI_INDEX, NULL, NULL);
	free(idx);
	idx = fmt("{\"schemaVersion\":2,\"mediaType\":\"" VSL_MT_OCI_INDEX "\",\"manifests\":[%s]}",
		  e[2]);
	add_blob(idx, NULL, outer);
	e[3] = entry(outer, strlen(idx), VSL_MT_OCI_INDEX, "multi", NULL);
	e[4] = entry(m_amd64, la, VSL_MT_OCI_MANIFEST, "single", NULL);
	e[5] = entry(bad, lb, VSL_MT_OCI_MANIFEST, "badcfg", NULL);
	e[6] = entry(badl, lbl, VSL_MT_OCI_MANIFEST, "badlayer", NULL);
	e[7] = entry(miss, lm, VSL_MT_OCI_MANIFEST, "missing", NULL);
	top = fmt("{\"schemaVersion\":2,\"manifests\":[%s,%s,%s,%s,%s,"
		  "{\"mediaType\":\"" VSL_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
		  "\"annotations\":{\"" VSL_ANNOT_REF_NAME "\":\"wrongsize\"}}]}",
		  e[3], e[4], e[5], e[6], e[7], m_amd64, la + 1);
	add_file("index.json", top, strlen(top));
	add_file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	free(idx);
	free(top);
	for (int i = 0; i < 8; i++)
		free(e[i]);
}

static void write_file(const char *dir, const struct file *f)
{
	char path[512], *slash;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, f->name);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (vsl_fs_mkdir_p(path, 0755, NULL) < 0)
		bail_out("mkdir -p %s", path);
	*slash = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || vsl_fs_write_all(fd, f->data, f->len) < 0)
		bail_out("write %s", path);
	close(fd);
}

/* The same files as a tar, made with common/tar.h's encoder (an oci-archive:). */
static void write_tar(const char *path)
{
	static const uint8_t zero[VSL_TAR_BLOCK * 2];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct vsl_error e = { 0 };

	if (fd < 0)
		bail_out("create %s", path);
	for (size_t i = 0; i < n_files; i++) {
		struct vsl_tar_entry te = { .type = VSL_TAR_REG,
					    .path = files[i].name,
					    .linkname = "",
					    .mode = 0644,
					    .size = files[i].len };

		if (files[i].symlink) {
			te.type = VSL_TAR_SYMLINK;
			te.linkname = (char *)files[i].symlink;
			te.size = 0;
		}
		uint8_t *hdr;
		size_t hlen;

		if (vsl_tar_header_encode(&te, &hdr, &hlen, &e) < 0)
			bail_out("tar header: %s", e.msg);
		if (vsl_fs_write_all(fd, hdr, hlen) < 0 ||
		    vsl_fs_write_all(fd, files[i].data, te.size) < 0 ||
		    vsl_fs_write_all(fd, zero, vsl_tar_padding(te.size)) < 0)
			bail_out("write %s", path);
		free(hdr);
	}
	if (vsl_fs_write_all(fd, zero, sizeof zero) < 0)
		bail_out("write %s", path);
	close(fd);
}

struct sink {
	size_t want; /* stop after this many bytes (SIZE_MAX: read all) */
	bool fail;
	char got[256];
	size_t n;
};

static int consume(void *ctx, int fd, const char *name, struct vsl_error *err)
{
	struct sink *s = ctx;

	while (s->n < s->want) {
		ssize_t r = read(fd, s->got + s->n,
				 s->want - s->n < sizeof s->got - s->n ? s->want - s->n
								       : sizeof s->got - s->n);
		if (r <= 0)
			break;
		s->n += (size_t)r;
	}
	if (s->fail)
		return vsl_error_set(err, 0, "consumer refused %s", name);
	return 0;
}

static int resolve(const char *ref, const char *arch, struct vsl_source **s, struct vsl_image *img,
		   struct vsl_error *e)
{
	*s = NULL;
	if (vsl_source_open(ref, vsl_arch_find(arch), NULL, s, e) < 0)
		return -1;
	return vsl_source_resolve(*s, vsl_arch_find(arch), img, e);
}

static void check_source(const char *prefix)
{
	struct vsl_error e = { 0 };
	struct vsl_source *s;
	struct vsl_image img;
	struct sink sink = { .want = SIZE_MAX };
	char *ref = fmt("%s:multi", prefix);

	if (!ok(resolve(ref, "amd64", &s, &img, &e) == 0, "%s: nested index -> amd64", ref))
		diag("%s", e.msg);
	is_str(img.manifest_digest, m_amd64, "%s: the amd64 manifest", prefix);
	is_str(img.config, cfg_amd64, "%s: its config", prefix);
	ok(img.n_layers == 1 && !strcmp(img.layers[0].digest, layer_d), "%s: its layer", prefix);
	ok(vsl_source_feed_layer(s, &img, 0, consume, &sink, &e) == 0, "%s: layer fed", prefix);
	ok(sink.n == strlen(layer_bytes) && !memcmp(sink.got, layer_bytes, sink.n),
	   "%s: the consumer got the blob", prefix);
	sink = (struct sink){ .want = 3 };
	ok(vsl_source_feed_layer(s, &img, 0, consume, &sink, &e) == 0,
	   "%s: a consumer that stops early is fine (the rest is still hashed)", prefix);
	sink = (struct sink){ .want = SIZE_MAX, .fail = true };
	ok(vsl_source_feed_layer(s, &img, 0, consume, &sink, &e) < 0 && has(&e, "consumer refused"),
	   "%s: the consumer's error comes back", prefix);
	vsl_error_release(&e);
	vsl_image_free(&img);
	vsl_source_close(s);
	free(ref);
	ref = fmt("%s:multi", prefix);
	ok(resolve(ref, "arm64", &s, &img, &e) == 0 && !strcmp(img.manifest_digest, m_arm64),
	   "%s: nested index -> arm64", prefix);
	vsl_image_free(&img);
	vsl_source_close(s);
	free(ref);
}

static void expect_resolve_fail(const char *prefix, const char *tag, const char *arch,
				const char *needle)
{
	struct vsl_error e = { 0 };
	struct vsl_source *s;
	struct vsl_image img = { 0 };
	char *ref = fmt("%s:%s", prefix, tag);

	ok(resolve(ref, arch, &s, &img, &e) < 0 && has(&e, needle), "%s (%s) fails: %s", ref, arch,
	   needle);
	vsl_error_release(&e);
	vsl_source_close(s);
	free(ref);
}

static void check_source_errors(const char *prefix)
{
	struct vsl_error e = { 0 };
	struct vsl_source *s;
	struct vsl_image img;
	struct sink sink = { .want = SIZE_MAX };
	char *ref = fmt("%s:badlayer", prefix);

	expect_resolve_fail(prefix, "single", "arm64", "is for linux/amd64, not linux/arm64");
	expect_resolve_fail(prefix, "badcfg", "amd64", "is corrupt");
	expect_resolve_fail(prefix, "missing", "amd64", "is missing");
	expect_resolve_fail(prefix, "wrongsize", "amd64", "its descriptor says");
	expect_resolve_fail(prefix, "nosuchtag", "amd64", "has no image tagged \"nosuchtag\"");
	if (resolve(ref, "amd64", &s, &img, &e) < 0)
		bail_out("%s: %s", ref, e.msg);
	ok(vsl_source_feed_layer(s, &img, 0, consume, &sink, &e) < 0 && has(&e, "is corrupt"),
	   "%s: a corrupt layer is refused although the consumer took it", ref);
	vsl_error_release(&e);
	vsl_image_free(&img);
	vsl_source_close(s);
	free(ref);
}

static void test_sources(void)
{
	char tmpl[] = "/tmp/t-manifest-XXXXXX", *dir = mkdtemp(tmpl), *p;

	if (!dir)
		bail_out("mkdtemp");
	make_layout_files();
	p = fmt("%s/layout", dir);
	for (size_t i = 0; i < n_files; i++)
		write_file(p, &files[i]);
	free(p);
	p = fmt("%s/layout.tar", dir);
	write_tar(p);
	free(p);
	p = fmt("oci:%s/layout", dir);
	check_source(p);
	check_source_errors(p);
	free(p);
	p = fmt("oci-archive:%s/layout.tar", dir);
	check_source(p);
	check_source_errors(p);
	free(p);
	p = fmt("oci-archive:%s/layout", dir);
	expect_resolve_fail(p, "x", "amd64", "not a regular file");
	free(p);
	vsl_fs_rmtree(dir, NULL);
}

/* docker save's legacy form: ID/layer.tar, a symlink to the blob, checked by diff_ids. */
static void test_docker_archive(void)
{
	char tmpl[] = "/tmp/t-manifest-XXXXXX", *dir = mkdtemp(tmpl), *p, *cfg, *mj;
	char ld[VSL_DIGEST_BUFSZ], cd[VSL_DIGEST_BUFSZ], name[128];
	struct sink sink = { .want = SIZE_MAX };
	struct vsl_error e = { 0 };
	struct vsl_source *s;
	struct vsl_image img;
	uint8_t d[32];

	if (!dir)
		bail_out("mkdtemp");
	for (size_t i = 0; i < n_files; i++)
		free(files[i].data);
	n_files = 0;
	vsl_sha256(layer_bytes, strlen(layer_bytes), d);
	memcpy(ld, "sha256:", 7);
	vsl_sha256_hex(d, ld + 7);
	cfg = fmt("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		  "\"diff_ids\":[\"%s\"]}}",
		  ld);
	vsl_sha256(cfg, strlen(cfg), d);
	memcpy(cd, "sha256:", 7);
	vsl_sha256_hex(d, cd + 7);
	snprintf(name, sizeof name, "%s.json", cd + 7);
	add_file(name, cfg, strlen(cfg));
	snprintf(name, sizeof name, "%s.tar", ld + 7);
	add_file(name, layer_bytes, strlen(layer_bytes));
	add_file("0123abcd/layer.tar", "", 0);
	files[n_files - 1].symlink = fmt("../%s.tar", ld + 7);
	mj = fmt("[{\"Config\":\"%s.json\",\"RepoTags\":[\"docker.io/library/app:1\"],"
		 "\"Layers\":[\"0123abcd/layer.tar\"]}]",
		 cd + 7);
	add_file("manifest.json", mj, strlen(mj));
	p = fmt("%s/d.tar", dir);
	write_tar(p);
	free(p);
	p = fmt("docker-archive:%s/d.tar:app:1", dir);
	if (!ok(resolve(p, "amd64", &s, &img, &e) == 0, "docker-archive resolves"))
		diag("%s", e.msg);
	is_str(img.config_digest, cd, "config digest from its name");
	is_str(img.manifest_digest, cd, "docker-archive's digest is the image ID");
	is_str(img.layers[0].digest, ld, "legacy layer checked against diff_ids");
	ok(vsl_source_feed_layer(s, &img, 0, consume, &sink, &e) == 0 &&
		   sink.n == strlen(layer_bytes),
	   "the layer is read through the symlink");
	vsl_image_free(&img);
	vsl_source_close(s);
	free(p);
	p = fmt("docker-archive:%s/d.tar", dir);
	expect_resolve_fail(p, "app:1", "arm64", "is for linux/amd64, not linux/arm64");
	free(p);
	free((char *)files[n_files - 2].symlink);
	free(cfg);
	free(mj);
	vsl_fs_rmtree(dir, NULL);
	for (size_t i = 0; i < n_files; i++)
		free(files[i].data);
}

int main(void)
{
	test_digest();
	test_platform();
	test_docker_list();
	test_manifest();
	test_manifest_errors();
	test_tags();
	test_docker_archive_manifest();
	test_ref_normalize();
	test_sources();
	test_docker_archive();
	return done_testing();
}
