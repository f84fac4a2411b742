/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Our own file as a payload: /proc/self/exe is opened once and that fd is kept for every later
 * read (trailer, config, meta, and the rootfs section handed to the extractor or the FUSE
 * server), so a file replaced on disk while we run cannot mix two images. Only the trailer and
 * the small sections that are asked for are read.
 */
#ifndef VSL_RUNTIME_PAYLOAD_H
#define VSL_RUNTIME_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "format.h"

/* The largest config or meta section we agree to load into memory. */
#define VSL_PAYLOAD_SMALL_MAX (4u << 20)

struct vsl_payload {
	int fd; /* O_RDONLY|O_CLOEXEC, -1 when closed */
	uint64_t size;
	struct vsl_trailer trailer;
};

/* Open path (normally "/proc/self/exe"), read and verify the trailer. On error p->fd is -1 and
 * err says the file is not a vessel file, or is truncated or corrupt. */
int vsl_payload_open(struct vsl_payload *p, const char *path, struct vsl_error *err);

/* The section of that kind, or NULL. */
const struct vsl_section *vsl_payload_section(const struct vsl_payload *p, uint32_t kind);

/*
 * Read a whole small section (at most VSL_PAYLOAD_SMALL_MAX bytes) into a NUL-terminated heap
 * buffer and check its sha256 (cheap at this size, and a corrupt config must not run).
 * *len gets the length without the NUL. A missing section is an error naming it.
 */
char *vsl_payload_read_small(const struct vsl_payload *p, uint32_t kind, size_t *len,
			     struct vsl_error *err);

void vsl_payload_close(struct vsl_payload *p);

#endif
