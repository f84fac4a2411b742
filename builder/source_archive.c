/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading oci-archive: and docker-archive: tarballs in place. One pass over the headers only
 * (pread of each 512-byte header, then a jump over the data) records where every member's data
 * starts; blobs are then pread straight out of the tar. Nothing is unpacked, so building from a
 * 2 GiB archive needs no 2 GiB of temp space. The header parsing itself is common/tar.c's pure
 * parser.
 */
#define _GNU_SOURCE
#include "source_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "tar.h"

/* Symlink hops followed when looking a blob up (docker save links ID/layer.tar to the blob). */
#define MAX_HOPS 8

void vsl_archive_free(struct vsl_archive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->members[i].name);
		free(a->members[i].linkname);
	}
	free(a->members);
	a->members = NULL;
	a->n = 0;
}

static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (int)(done == n);
}

static int add_member(struct vsl_archive *a, size_t *cap, const struct vsl_tar_entry *e,
		      uint64_t offset, struct vsl_error *err)
{
	struct vsl_member *m;
	cleanup_free char *name = strdup(e->path);

	if (!name)
		return vsl_error_set(err, ENOMEM, "indexing archive");
	/* A member climbing out with ".." can never be a blob we look up: leave it out. */
	if (vsl_tar_path_clean(name, name, NULL) < 0)
		return 0;
	if (a->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct vsl_member *nm = realloc(a->members, ncap * sizeof *nm);

		if (!nm)
			return vsl_error_set(err, ENOMEM, "indexing archive");
		a->members = nm;
		*cap = ncap;
	}
	m = &a->members[a->n];
	memset(m, 0, sizeof *m);
	m->type = (int)e->type;
	m->offset = offset;
	m->size = e->size;
	m->order = a->n;
	if (e->type == VSL_TAR_SYMLINK || e->type == VSL_TAR_HARDLINK) {
		m->linkname = strdup(e->linkname);
		if (!m->linkname)
			return vsl_error_set(err, ENOMEM, "indexing archive");
	}
	m->name = steal_pointer(&name);
	a->n++;
	return 0;
}

static int member_cmp(const void *x, const void *y)
{
	const struct vsl_member *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Sort by name and keep only the last member of each name, as extracting the tar would. */
static void sort_members(struct vsl_archive *a)
{
	size_t i, out = 0;

	qsort(a->members, a->n, sizeof *a->members, member_cmp);
	for (i = 0; i < a->n; i++) {
		if (i + 1 < a->n && strcmp(a->members[i].name, a->members[i + 1].name) == 0) {
			free(a->members[i].name);
			free(a->members[i].linkname);
			continue;
		}
		a->members[out++] = a->members[i];
	}
	a->n = out;
}

/* Read the extension record the parser asked for; returns the offset after it. */
static int feed_ext(struct vsl_tar_parser *p, int fd, uint64_t *off, struct vsl_error *err)
{
	uint64_t n = vsl_tar_parser_ext_size(p);
	cleanup_free uint8_t *rec = NULL;
	int r;

	if (n > VSL_TAR_MAX_EXT)
		return vsl_error_set(err, 0, "extension record of %llu bytes is too large",
				     (unsigned long long)n);
	rec = malloc(n ? n : 1);
	if (!rec)
		return vsl_error_set(err, ENOMEM, "reading extension record");
	r = pread_full(fd, rec, n, *off);
	if (r < 0)
		return vsl_error_set(err, errno, "read");
	if (r == 0)
		return vsl_error_set(err, 0, "the archive ends inside an extension record");
	if (vsl_tar_parse_ext(p, rec, n, err) < 0)
		return -1;
	*off += n + vsl_tar_padding(n);
	return 0;
}

static int index_loop(struct vsl_archive *a, struct vsl_tar_parser *p, struct vsl_error *err)
{
	uint64_t off = 0;
	size_t cap = 0;

	for (;;) {
		uint8_t blk[VSL_TAR_BLOCK];
		struct vsl_tar_entry e;
		int r = pread_full(a->fd, blk, sizeof blk, off);

		if (r < 0)
			return vsl_error_set(err, errno, "read at offset %llu",
					     (unsigned long long)off);
		if (r == 0)
			break; /* end of input on a header boundary is a (lax) end of archive */
		off += VSL_TAR_BLOCK;
		r = vsl_tar_parse_block(p, blk, &e, err);
		if (r < 0 || r == VSL_TAR_END)
			return r < 0 ? vsl_error_wrap(err, "header at offset %llu",
						      (unsigned long long)(off - VSL_TAR_BLOCK))
				     : 0;
		if (r == VSL_TAR_NEED_EXT) {
			if (feed_ext(p, a->fd, &off, err) < 0)
				return -1;
			continue;
		}
		if (e.size > a->file_size || off > a->file_size - e.size)
			return vsl_error_set(err, 0,
					     "member %s runs past the end of the archive "
					     "(truncated?)",
					     e.path);
		if (e.type == VSL_TAR_REG || e.type == VSL_TAR_SYMLINK ||
		    e.type == VSL_TAR_HARDLINK)
			if (add_member(a, &cap, &e, off, err) < 0)
				return -1;
		off += e.size + vsl_tar_padding(e.size);
	}
	return 0;
}

/* A compressed tarball would fail as "bad header"; say what it is and what to do instead. */
static int refuse_compressed(int fd, const char *name, struct vsl_error *err)
{
	static const struct {
		uint8_t magic[4];
		size_t len;
		const char *kind, *fix;
	} kinds[] = {
		{ { 0x1f, 0x8b }, 2, "gzip", "gunzip" },
		{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd", "unzstd" },
		{ { 0xfd, '7', 'z', 'X' }, 4, "xz", "unxz" },
	};
	uint8_t head[4] = { 0 };

	if (pread_full(fd, head, sizeof head, 0) < 0)
		return vsl_error_set(err, errno, "read %s", name);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (memcmp(head, kinds[i].magic, kinds[i].len) == 0)
			return vsl_error_set(err, 0,
					     "%s is %s-compressed; vessel reads uncompressed "
					     "archives in place: %s it first",
					     name, kinds[i].kind, kinds[i].fix);
	return 0;
}

int vsl_archive_index(int fd, const char *name, struct vsl_archive *a, struct vsl_error *err)
{
	struct vsl_tar_parser p;
	struct stat st;
	int r;

	memset(a, 0, sizeof *a);
	a->fd = fd;
	if (fstat(fd, &st) < 0)
		return vsl_error_set(err, errno, "stat %s", name);
	if (!S_ISREG(st.st_mode))
		return vsl_error_set(err, 0, "%s is not a regular file (a tar archive is expected)",
				     name);
	a->file_size = (uint64_t)st.st_size;
	if (refuse_compressed(fd, name, err) < 0)
		return -1;
	vsl_tar_parser_init(&p);
	r = index_loop(a, &p, err);
	vsl_tar_parser_fini(&p);
	if (r < 0) {
		vsl_archive_free(a);
		return vsl_error_wrap(err, "%s is not a readable (uncompressed) tar archive", name);
	}
	sort_members(a);
	return 0;
}

static const struct vsl_member *find(const struct vsl_archive *a, const char *path)
{
	struct vsl_member key = { .name = (char *)path };
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key.name, a->members[mid].name);

		if (c == 0)
			return &a->members[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The target of a symlink member, as a clean archive path, into out (PATH_MAX bytes). */
static int link_target(const struct vsl_member *m, char *out, size_t size)
{
	const char *slash = strrchr(m->name, '/');
	size_t dir = slash ? (size_t)(slash - m->name) + 1 : 0;
	int n;

	/* Hardlink names are archive paths already; symlinks are relative to their directory. */
	if (m->type == VSL_TAR_HARDLINK || m->linkname[0] == '/')
		n = snprintf(out, size, "%s", m->linkname);
	else
		n = snprintf(out, size, "%.*s%s", (int)dir, m->name, m->linkname);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

/* Fold "a/./b/../c" to "a/c" in place; -1 when ".." would leave the archive. */
static int fold_dotdot(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		char *end = strchrnul(in, '/');
		size_t len = (size_t)(end - in);
		char *next = *end ? end + 1 : end;

		if (len == 2 && in[0] == '.' && in[1] == '.') {
			if (out == p)
				return -1;
			while (out > p && out[-1] != '/')
				out--;
			if (out > p)
				out--;
		} else if (len && !(len == 1 && in[0] == '.')) {
			/* out never passes in: each kept byte was consumed first. */
			if (out > p)
				*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in = next;
	}
	*out = '\0';
	return 0;
}

const struct vsl_member *vsl_archive_lookup(const struct vsl_archive *a, const char *path)
{
	char cur[VSL_TAR_MAX_PATH + 1];
	const struct vsl_member *m;
	int hops;

	if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur || fold_dotdot(cur) < 0)
		return NULL;
	for (hops = 0; hops <= MAX_HOPS; hops++) {
		m = find(a, cur);
		if (!m || m->type == VSL_TAR_REG)
			return m;
		if (link_target(m, cur, sizeof cur) < 0 || fold_dotdot(cur) < 0)
			return NULL;
	}
	return NULL;
}
