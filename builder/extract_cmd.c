/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel extract` (see extract_cmd.h): open the file and check its trailer, pick the payload,
 * make or check DIR, unpack, and on failure put DIR back the way it was. The tar.zst is
 * verified against its sha256 in the same pass that unpacks it (runtime/extract.c); the
 * squashfs is verified first, in a pass of its own, because its reader reads the image in no
 * particular order.
 */
#define _GNU_SOURCE
#include "extract_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "log.h"
#include "payload.h"
#include "progress.h"
#include "unsquash.h"

/* The section to unpack: the one asked for, else the tar.zst when there is one. */
static const struct vsl_section *pick(const struct vsl_payload *pl,
				      const struct vsl_extract_opts *o, struct vsl_error *err)
{
	const struct vsl_section *tz = vsl_payload_section(pl, VSL_SECTION_TARZST);
	const struct vsl_section *sq = vsl_payload_section(pl, VSL_SECTION_SQUASHFS);

	if (o->payload == VSL_FORMAT_TARZST && !tz)
		return vsl_error_set(err, 0,
				     "%s has no tar.zst section (it was built with "
				     "--payload-format squashfs-only); use --payload squashfs",
				     o->file),
		       NULL;
	if (o->payload == VSL_FORMAT_SQUASHFS && !sq)
		return vsl_error_set(err, 0,
				     "%s has no squashfs section (it was built with "
				     "--payload-format tar.zst); use --payload tar.zst",
				     o->file),
		       NULL;
	if (o->payload == VSL_FORMAT_SQUASHFS || !tz)
		return sq ? sq
			  : (vsl_error_set(err, 0,
					   "%s has neither a tar.zst nor a squashfs section",
					   o->file),
			     NULL);
	return tz;
}

static int is_empty(int dfd, bool *empty)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a dup shares the offset with dfd: start from the top, whoever read it before */
	rewinddir(d);
	*empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*empty = false;
			break;
		}
	closedir(d);
	return 0;
}

/* DIR, made now (*made) or found empty, as an open directory. */
static int open_target(const char *dir, bool *made, struct vsl_error *err)
{
	cleanup_close int fd = -1;
	bool empty;
	int e;

	*made = mkdir(dir, 0700) == 0;
	if (!*made && errno != EEXIST)
		return vsl_error_set(err, errno, "create the directory %s (its parent must exist)",
				     dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (*made)
			rmdir(dir);
		return vsl_error_set(err, e == ENOTDIR ? 0 : e, "%s %s", dir,
				     e == ENOTDIR ? "exists and is not a directory; extract into "
						    "an empty or new directory"
						  : "cannot be opened");
	}
	if (!*made && is_empty(fd, &empty) < 0)
		return vsl_error_set(err, errno, "read the directory %s", dir);
	if (!*made && !empty)
		return vsl_error_set(err, 0,
				     "%s is not empty; extract into an empty or new directory "
				     "(vessel never mixes an image with other files)",
				     dir);
	return steal_fd(&fd);
}

/* After a failure: DIR as it was found, gone if we made it, else empty again. */
static void undo(const char *dir, int dfd, bool made)
{
	struct vsl_error e = { 0 };
	int fd = made ? -1 : dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (made) {
		if (vsl_fs_rmtree(dir, &e) < 0)
			vsl_warn("could not remove the partial tree %s: %s", dir, e.msg);
		vsl_error_release(&e);
		return;
	}
	if (!d) {
		if (fd >= 0)
			close(fd);
		vsl_warn("could not empty %s again after the failure", dir);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (vsl_fs_rmtree_at(dfd, de->d_name, &e) < 0) {
			vsl_warn("could not empty %s again after the failure: %s", dir, e.msg);
			vsl_error_release(&e);
			break;
		}
	}
	closedir(d);
}

/* The squashfs section: its sha256 first, then the tree. */
static int from_squashfs(const struct vsl_payload *pl, const struct vsl_section *s, int dfd,
			 unsigned flags, struct vsl_progress *pg, struct vsl_error *err)
{
	struct vsl_unsquash_stats st;
	char size[32];
	uint8_t sum[32];
	int id = vsl_progress_begin(pg, "verify", VSL_UNIT_BYTES, s->length);

	if (vsl_section_hash(pl->fd, s, sum, pg, id, err) < 0)
		return -1;
	if (memcmp(sum, s->sha256, sizeof sum))
		return vsl_error_set(err, 0,
				     "the squashfs section does not match its sha256: the file "
				     "is corrupt; rebuild or download it again");
	vsl_progress_end(pg, id, "sha256 ok");
	id = vsl_progress_begin(pg, "extract", VSL_UNIT_BYTES, 0);
	if (vsl_unsquash(pl->fd, s->offset, s->length, dfd, flags, &st, err) < 0)
		return -1;
	vsl_progress_size(st.bytes, size, sizeof size);
	vsl_progress_end(pg, id, "%" PRIu64 " paths, %s of file data", st.entries, size);
	if (st.skipped_devices)
		vsl_warn("%zu device node(s) left out: only root can make them",
			 st.skipped_devices);
	return 0;
}

static int from_tarzst(const struct vsl_payload *pl, const struct vsl_section *s, int dfd,
		       unsigned flags, struct vsl_progress *pg, struct vsl_error *err)
{
	int id = vsl_progress_begin(pg, "extract", VSL_UNIT_BYTES, 0);

	if (vsl_extract_tarzst(pl->fd, s->offset, s->length, dfd, flags, s->sha256, err) < 0)
		return -1;
	vsl_progress_end(pg, id, "sha256 ok");
	return 0;
}

static int unpack(const struct vsl_extract_opts *o, const struct vsl_payload *pl,
		  const struct vsl_section *s, int dfd, struct vsl_progress *pg,
		  struct vsl_error *err)
{
	/* Only root can give files other owners; anyone else would get EPERM per file. */
	unsigned flags = geteuid() == 0 ? 0 : VSL_EXTRACT_NO_CHOWN;
	char size[32];

	vsl_progress_size(s->length, size, sizeof size);
	vsl_progress_note(pg, "extracting the %s section (%s) of %s into %s; owners %s",
			  vsl_section_kind_name(s->kind), size, o->file, o->dir,
			  flags ? "not kept (not running as root)" : "kept (numeric ids)");
	if (s->kind == VSL_SECTION_SQUASHFS)
		return from_squashfs(pl, s, dfd, flags, pg, err);
	return from_tarzst(pl, s, dfd, flags, pg, err);
}

int vsl_extract_cmd(const struct vsl_extract_opts *o, struct vsl_error *err)
{
	struct vsl_progress *pg = vsl_progress_new(o->verbosity, 2);
	struct vsl_payload pl = { .fd = -1 };
	const struct vsl_section *s;
	cleanup_close int dfd = -1;
	bool made = false;
	int r = -1;

	if (vsl_payload_open(&pl, o->file, err) < 0 || !(s = pick(&pl, o, err)))
		goto out;
	dfd = open_target(o->dir, &made, err);
	if (dfd < 0)
		goto out;
	r = unpack(o, &pl, s, dfd, pg, err);
	if (r < 0) {
		vsl_error_wrap(err, "extract %s into %s", o->file, o->dir);
		undo(o->dir, dfd, made);
	}
out:
	vsl_progress_free(pg);
	vsl_payload_close(&pl);
	return r;
}
