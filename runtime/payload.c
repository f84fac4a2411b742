/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading our own file: see payload.h. Every offset comes from a trailer that
 * vsl_trailer_decode has bounds-checked against the size fstat reported for this same fd.
 */
#define _GNU_SOURCE
#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "sha256.h"

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO; /* the file shrank under us */
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* For messages: the file behind /proc/self/exe, which is what the user knows it by. */
static const char *shown(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n <= 0)
		return path;
	buf[n] = '\0';
	return buf;
}

int vsl_payload_open(struct vsl_payload *p, const char *path, struct vsl_error *err)
{
	cleanup_close int fd = -1;
	uint8_t buf[VSL_TRAILER_SIZE];
	struct stat st;

	p->fd = -1;
	/* openat: musl's open() follows an O_CLOEXEC open with an fcntl for old kernels */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vsl_error_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return vsl_error_set(err, errno, "stat %s", path);
	p->size = (uint64_t)st.st_size;
	if (p->size < VSL_TRAILER_SIZE) {
		char name[512];

		return vsl_error_set(err, 0,
				     "%s is %" PRIu64 " bytes, too small to hold a vessel trailer: "
				     "it is truncated, or not a vessel file",
				     shown(path, name, sizeof name), p->size);
	}
	if (pread_all(fd, buf, sizeof buf, p->size - VSL_TRAILER_SIZE) < 0)
		return vsl_error_set(err, errno, "read the trailer of %s", path);
	if (vsl_trailer_decode(buf, sizeof buf, p->size, &p->trailer, err) < 0) {
		char name[512];

		return vsl_error_wrap(err, "%s", shown(path, name, sizeof name));
	}
	vsl_debug("payload: %s, %" PRIu64 " bytes, %" PRIu32 " sections", path, p->size,
		  p->trailer.count);
	p->fd = steal_fd(&fd);
	return 0;
}

const struct vsl_section *vsl_payload_section(const struct vsl_payload *p, uint32_t kind)
{
	return vsl_trailer_find(&p->trailer, kind);
}

char *vsl_payload_read_small(const struct vsl_payload *p, uint32_t kind, size_t *len,
			     struct vsl_error *err)
{
	const struct vsl_section *s = vsl_payload_section(p, kind);
	const char *name = vsl_section_kind_name(kind);
	cleanup_free char *buf = NULL;
	uint8_t sum[32];

	if (!s)
		return vsl_error_set(err, 0, "the file has no %s section: rebuild it with vessel",
				     name),
		       NULL;
	if (s->length > VSL_PAYLOAD_SMALL_MAX)
		return vsl_error_set(err, 0, "the %s section is %" PRIu64 " bytes (limit %u)", name,
				     s->length, VSL_PAYLOAD_SMALL_MAX),
		       NULL;
	buf = malloc((size_t)s->length + 1);
	if (!buf)
		return vsl_error_set(err, ENOMEM, "%s section", name), NULL;
	if (pread_all(p->fd, buf, (size_t)s->length, s->offset) < 0)
		return vsl_error_set(err, errno, "read the %s section", name), NULL;
	vsl_sha256(buf, (size_t)s->length, sum);
	if (memcmp(sum, s->sha256, sizeof sum) != 0)
		return vsl_error_set(
			       err, 0,
			       "the %s section does not match its sha256: the file is corrupt; "
			       "rebuild or download it again",
			       name),
		       NULL;
	buf[s->length] = '\0';
	*len = (size_t)s->length;
	return steal_pointer(&buf);
}

void vsl_payload_close(struct vsl_payload *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
