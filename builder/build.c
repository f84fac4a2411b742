/* SPDX-License-Identifier: Apache-2.0 */
/* The build pipeline (see build.h). Each step is a module; this file only sequences them and
 * owns the temporary state: the staging dir, the rootfs, the tar.zst temp file and the
 * mksquashfs child, which writes the squashfs while this process writes the tar.zst. */
#define _GNU_SOURCE
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble.h"
#include "cleanup.h"
#include "format.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "ocispec.h"
#include "progress.h"
#include "rootfs.h"
#include "source.h"
#include "squashfs.h"
#include "tarzst.h"
#include "user.h"

/* Largest /etc/passwd or /etc/group read; real ones are a few KiB. */
#define ID_FILE_MAX (16u << 20)
/* Symlink hops followed for /etc/passwd inside the image (e.g. to /usr/lib/passwd). */
#define ID_FILE_HOPS 8

struct build {
	const struct vsl_build_opts *o;
	struct vsl_source *src;
	struct vsl_image img;
	struct vsl_image_config cfg;
	int64_t epoch; /* SOURCE_DATE_EPOCH, or --reproducible's, or -1 */
	char *staging; /* mkdtemp'ed under $TMPDIR, removed at the end */
	struct vsl_rootfs *rootfs;
	int tarzst_fd, squashfs_fd;
	char *mksquashfs; /* found before the slow part; handed to sq when it starts */
	struct vsl_squashfs sq;
	char *config_json, *meta_json;
	size_t config_len, meta_len;
	struct vsl_progress *pg; /* NULL when nothing is shown */
	uint64_t content;	 /* bytes of file content: what each payload writer reads */
};

static int apply_layer(void *ctx, int fd, const char *name, struct vsl_error *err)
{
	return vsl_rootfs_apply_layer(ctx, fd, name, err);
}

static int make_staging(struct build *b, struct vsl_error *err)
{
	const char *tmp = getenv("TMPDIR");
	cleanup_free char *root = NULL;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	b->staging = vsl_strf("%s/vessel-build-XXXXXX", tmp);
	if (!b->staging)
		return vsl_error_set(err, ENOMEM, "staging dir");
	if (!mkdtemp(b->staging)) {
		int e = errno;

		free(b->staging);
		b->staging = NULL;
		return vsl_error_set(err, e,
				     "cannot make a staging dir in %s (set TMPDIR to a "
				     "writable directory with room for the unpacked image)",
				     tmp);
	}
	root = vsl_strf("%s/rootfs", b->staging);
	if (!root)
		return vsl_error_set(err, ENOMEM, "staging dir");
	b->rootfs = vsl_rootfs_new(root, err);
	return b->rootfs ? 0 : -1;
}

/* A progress stage's counter, for the callbacks of the modules that do the work. */
struct counter {
	struct vsl_progress *pg;
	int id;
};

static void count(void *ctx, uint64_t n)
{
	struct counter *c = ctx;

	vsl_progress_add(c->pg, c->id, n);
}

/* The layers' total size, when the source says what every one of them weighs (0 if not). */
static uint64_t layers_size(const struct vsl_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->n_layers; i++) {
		if (img->layers[i].size == UINT64_MAX)
			return 0;
		total += img->layers[i].size;
	}
	return total;
}

static int apply_layers(struct build *b, struct vsl_error *err)
{
	struct counter c = { b->pg, -1 };

	c.id = vsl_progress_begin(b->pg, "unpack", VSL_UNIT_BYTES, layers_size(&b->img));
	for (size_t i = 0; i < b->img.n_layers; i++) {
		vsl_debug("applying layer %zu/%zu %s", i + 1, b->img.n_layers,
			  b->img.layers[i].digest);
		if (vsl_source_feed_layer_progress(b->src, &b->img, i, apply_layer, b->rootfs,
						   count, &c, err) < 0)
			return -1;
	}
	vsl_progress_end(b->pg, c.id, "%zu layer%s, %zu paths", b->img.n_layers,
			 b->img.n_layers == 1 ? "" : "s", vsl_rootfs_count(b->rootfs));
	return 0;
}

/*
 * Where a symlink at path points, as a path inside the image: relative to path's directory, or
 * to the image root when absolute, and ".." never climbs above the root (chroot semantics).
 */
static int in_root_target(const char *path, const char *link, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	char joined[2 * VSL_TAR_MAX_PATH + 2];
	size_t o = 0;
	char *save = NULL, *c;

	if (link[0] == '/' || !slash)
		snprintf(joined, sizeof joined, "%s", link);
	else
		snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - path), path, link);
	for (c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t n = strlen(c);

		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + !!o + n + 1 > size)
			return -1;
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

static int read_fd_bounded(int fd, const char *what, char **buf, size_t *len, struct vsl_error *err)
{
	cleanup_free char *data = malloc(ID_FILE_MAX + 1);
	size_t n = 0;

	if (!data)
		return vsl_error_set(err, ENOMEM, "reading %s", what);
	for (;;) {
		ssize_t r = read(fd, data + n, ID_FILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vsl_error_set(err, errno, "read %s", what);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > ID_FILE_MAX)
			return vsl_error_set(err, 0, "%s is larger than %u MiB", what,
					     ID_FILE_MAX >> 20);
	}
	data[n] = '\0';
	*len = n;
	*buf = steal_pointer(&data);
	return 0;
}

/* The image's /etc/passwd (or group): *buf NULL when it has none. */
static int read_id_file(struct build *b, const char *path, char **buf, size_t *len,
			struct vsl_error *err)
{
	char cur[VSL_TAR_MAX_PATH + 1];
	cleanup_close int fd = -1;

	*buf = NULL;
	*len = 0;
	snprintf(cur, sizeof cur, "%s", path);
	for (int hop = 0; hop <= ID_FILE_HOPS; hop++) {
		struct vsl_rootfs_entry e;
		struct vsl_error lerr = { 0 };

		if (vsl_rootfs_lookup(b->rootfs, cur, &e, &lerr) < 0) {
			vsl_error_release(&lerr);
			return 0;
		}
		if (e.type == VSL_TAR_SYMLINK) {
			if (in_root_target(cur, e.linkname, cur, sizeof cur) < 0)
				return 0;
			continue;
		}
		if (e.inode_type != VSL_TAR_REG)
			return vsl_error_set(err, 0, "/%s in the image is not a regular file", cur);
		fd = vsl_rootfs_open(b->rootfs, cur, err);
		if (fd < 0)
			return vsl_error_wrap(err, "reading the image's /%s", path);
		return read_fd_bounded(fd, path, buf, len, err);
	}
	return vsl_error_set(err, 0, "/%s in the image is a loop of symlinks", path);
}

static int make_config(struct build *b, struct vsl_error *err)
{
	cleanup_free char *passwd = NULL, *group = NULL;
	size_t plen, glen;
	struct vsl_user u;
	int r;

	if (vsl_image_config_parse(b->img.config, b->img.config_len, &b->cfg, err) < 0)
		return -1;
	if (read_id_file(b, "etc/passwd", &passwd, &plen, err) < 0 ||
	    read_id_file(b, "etc/group", &group, &glen, err) < 0)
		return -1;
	if (vsl_user_resolve(b->cfg.user, passwd, plen, group, glen, &u, err) < 0)
		return -1;
	vsl_debug("image user \"%s\" is uid %u gid %u", b->cfg.user ? b->cfg.user : "", u.uid,
		  u.gid);
	r = vsl_ocispec_config(&b->cfg, &u, &b->config_json, &b->config_len, err);
	vsl_passwd_user_free(&u);
	return r;
}

static int make_meta(struct build *b, struct vsl_error *err)
{
	const char *formats[3] = { NULL };
	size_t n = 0;
	struct vsl_meta m = {
		.vessel_version = VSL_VERSION,
		.digest = b->img.config_digest,
		.arch = b->o->arch->oci,
		.formats = formats,
		.source_date_epoch = b->epoch,
	};

	if (b->o->formats & VSL_FORMAT_SQUASHFS)
		formats[n++] = "squashfs";
	if (b->o->formats & VSL_FORMAT_TARZST)
		formats[n++] = "tar.zst";
	return vsl_ocispec_meta(&m, &b->cfg, &b->meta_json, &b->meta_len, err);
}

static int add_size(void *ctx, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	(void)err;
	if (e->type == VSL_TAR_REG)
		*(uint64_t *)ctx += e->size;
	return 0;
}

/* "12.3 MB" for the file behind fd. */
static const char *fd_size(int fd, char *buf, size_t size)
{
	struct stat st;

	vsl_progress_size(fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0, buf, size);
	return buf;
}

static int make_tarzst(struct build *b, struct vsl_error *err)
{
	cleanup_free char *path = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct counter c = { b->pg, -1 };
	char size[32];

	/* An unlinked file in the staging dir: it goes away with the fd, whatever happens. */
	path = vsl_strf("%s/payload-XXXXXX", b->staging);
	if (!path)
		return vsl_error_set(err, ENOMEM, "tar.zst temp file");
	b->tarzst_fd = mkostemp(path, O_CLOEXEC);
	if (b->tarzst_fd < 0)
		return vsl_error_set(err, errno, "create %s", path);
	unlink(path);
	vsl_debug("writing tar.zst of %zu paths", vsl_rootfs_count(b->rootfs));
	c.id = vsl_progress_begin(b->pg, "tar.zst", VSL_UNIT_BYTES, b->content);
	if (vsl_rootfs_write_tarzst_progress(b->rootfs, b->tarzst_fd, cpus > 0 ? (int)cpus : 1,
					     b->epoch, count, &c, err) < 0)
		return -1;
	vsl_progress_end(b->pg, c.id, "%s", fd_size(b->tarzst_fd, size, sizeof size));
	return 0;
}

static int start_squashfs(struct build *b, int *id, struct vsl_error *err)
{
	char *tool = steal_pointer(&b->mksquashfs);

	vsl_debug("writing squashfs of %zu paths with %s", vsl_rootfs_count(b->rootfs), tool);
	*id = vsl_progress_begin(b->pg, "squashfs", VSL_UNIT_BYTES, b->content);
	if (vsl_squashfs_start(&b->sq, b->rootfs, tool, b->staging, b->epoch, err))
		return -1;
	vsl_progress_probe(b->pg, *id, vsl_squashfs_progress, &b->sq);
	return 0;
}

static int finish_squashfs(struct build *b, int id, struct vsl_error *err)
{
	char size[32];

	if (vsl_squashfs_finish(&b->sq, &b->squashfs_fd, err) < 0)
		return -1;
	vsl_progress_end(b->pg, id, "%s", fd_size(b->squashfs_fd, size, sizeof size));
	return 0;
}

/*
 * Both payloads at once (payload_jobs 2): mksquashfs runs as a child over the staging dir while
 * this process writes the tar.zst; or one after the other (payload_jobs 1). Either failing
 * ends the build; build_release then kills and reaps a mksquashfs still running before the
 * staging dir goes.
 */
static int make_payloads(struct build *b, struct vsl_error *err)
{
	bool sq = b->o->formats & VSL_FORMAT_SQUASHFS, tz = b->o->formats & VSL_FORMAT_TARZST;
	bool together = sq && tz && b->o->payload_jobs > 1;
	int id = -1;

	vsl_debug("payloads: %s", together ? "squashfs and tar.zst at once" : "one at a time");
	vsl_rootfs_foreach(b->rootfs, add_size, &b->content, NULL);
	if (sq &&
	    (start_squashfs(b, &id, err) < 0 || (!together && finish_squashfs(b, id, err) < 0)))
		return -1;
	if (tz && make_tarzst(b, err) < 0)
		return -1;
	return together ? finish_squashfs(b, id, err) : 0;
}

static int write_output(struct build *b, struct vsl_error *err)
{
	cleanup_free char *stub = vsl_stub_path(b->o->arch, err);
	struct vsl_asm_section s[4] = {
		{ .kind = VSL_SECTION_CONFIG, .buf = b->config_json, .len = b->config_len },
		{ .kind = VSL_SECTION_META, .buf = b->meta_json, .len = b->meta_len },
	};
	size_t n = 2;
	struct stat st;
	char size[32];
	int id;

	if (!stub)
		return -1;
	if (b->squashfs_fd >= 0)
		s[n++] = (struct vsl_asm_section){ .kind = VSL_SECTION_SQUASHFS,
						   .fd = b->squashfs_fd };
	if (b->tarzst_fd >= 0)
		s[n++] = (struct vsl_asm_section){ .kind = VSL_SECTION_TARZST, .fd = b->tarzst_fd };
	id = vsl_progress_begin(b->pg, "assemble", VSL_UNIT_BYTES, 0);
	if (vsl_assemble(b->o->output, stub, b->o->arch, s, n, err) < 0)
		return -1;
	st.st_size = 0;
	stat(b->o->output, &st);
	vsl_progress_size((uint64_t)st.st_size, size, sizeof size);
	vsl_progress_end(b->pg, id, "%s, %s", b->o->output, size);
	return 0;
}

static void fetched(struct build *b, int id)
{
	char size[32];
	uint64_t total = layers_size(&b->img);

	vsl_progress_size(total, size, sizeof size);
	vsl_progress_end(b->pg, id, "%zu layer%s%s%s", b->img.n_layers,
			 b->img.n_layers == 1 ? "" : "s", total ? ", " : "", total ? size : "");
}

static void build_release(struct build *b)
{
	struct vsl_error rmerr = { 0 };

	/* First, so that its thread stops probing mksquashfs; the lines of stages cut short
	 * say so, and main() prints the error below them. */
	vsl_progress_free(b->pg);
	/* mksquashfs reads the staging dir: stop it before the dir goes. */
	vsl_squashfs_release(&b->sq);
	free(b->mksquashfs);
	if (b->tarzst_fd >= 0)
		close(b->tarzst_fd);
	if (b->squashfs_fd >= 0)
		close(b->squashfs_fd);
	vsl_rootfs_free(b->rootfs);
	if (b->staging && vsl_fs_rmtree(b->staging, &rmerr) < 0) {
		vsl_warn("could not remove the staging dir: %s", rmerr.msg);
		vsl_error_release(&rmerr);
	}
	free(b->staging);
	free(b->config_json);
	free(b->meta_json);
	vsl_image_config_free(&b->cfg);
	vsl_image_free(&b->img);
	vsl_source_close(b->src);
}

int vsl_build(const struct vsl_build_opts *o, struct vsl_error *err)
{
	struct build b = { .o = o, .tarzst_fd = -1, .squashfs_fd = -1 };
	cleanup_free char *stub = NULL;
	int r = -1, id;

	if (!(o->formats & (VSL_FORMAT_TARZST | VSL_FORMAT_SQUASHFS)))
		return vsl_error_set(err, 0, "no payload format given; use --payload-format");
	/* Fail before the slow part when the stub, mksquashfs or the output directory is wrong. */
	stub = vsl_stub_path(o->arch, err);
	if (!stub || vsl_stub_check_file(stub, o->arch, err) < 0 ||
	    vsl_assemble_check_output(o->output, err) < 0)
		return -1;
	if ((o->formats & VSL_FORMAT_SQUASHFS) && !(b.mksquashfs = vsl_mksquashfs_find(err)))
		return -1;
	b.pg = vsl_progress_new(o->verbosity, STDERR_FILENO);
	id = vsl_progress_begin(b.pg, "fetch", VSL_UNIT_BYTES, 0);
	if (vsl_source_open(o->image, o->arch, NULL, &b.src, err) < 0 ||
	    vsl_source_resolve(b.src, o->arch, &b.img, err) < 0)
		goto out;
	fetched(&b, id);
	vsl_debug("%s: manifest %s, %zu layers", o->image, b.img.manifest_digest, b.img.n_layers);
	b.epoch = o->source_date_epoch;
	if (b.epoch < 0 && o->reproducible)
		b.epoch = b.img.created >= 0 ? b.img.created : 0;
	if (make_staging(&b, err) < 0 || apply_layers(&b, err) < 0 || make_config(&b, err) < 0 ||
	    make_meta(&b, err) < 0 || make_payloads(&b, err) < 0 || write_output(&b, err) < 0)
		goto out;
	r = 0;
out:
	build_release(&b);
	return r;
}
