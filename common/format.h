/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vessel output file, one definition for the builder and the runtime.
 *
 *   offset 0          the runtime stub (static ELF), as built
 *   sections          each starts on a VSL_ALIGN boundary so pread/mmap of a section is aligned
 *   trailer           VSL_TRAILER_SIZE bytes at the very end of the file
 *
 * Trailer layout (all integers little-endian, fixed size so the stub reads it with one pread):
 *   0    8   magic "VSLTRLR\0"
 *   8    4   format version (VSL_FORMAT_VERSION)
 *   12   4   section count n (1..VSL_MAX_SECTIONS)
 *   16   8   stub length (bytes before the first section; informational, bounds-checked)
 *   24   VSL_MAX_SECTIONS * 56   section table; unused slots are all zero
 *            per section: kind u32, flags u32, offset u64, length u64, sha256[32]
 *   472  32  sha256 over bytes [0, 472) of the trailer
 *   504  8   end magic "VSLEND\0\1"
 *
 * Parsing is a pure function over a buffer (no syscalls) so it can be unit-tested and fuzzed.
 */
#ifndef VSL_FORMAT_H
#define VSL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VSL_FORMAT_VERSION 1u
#define VSL_ALIGN 4096u
#define VSL_MAX_SECTIONS 8u
#define VSL_SECTION_ENTRY_SIZE 56u
#define VSL_TRAILER_SIZE 512u
#define VSL_TRAILER_MAGIC "VSLTRLR\0"
#define VSL_TRAILER_END_MAGIC "VSLEND\0\1"

enum vsl_section_kind {
	VSL_SECTION_CONFIG = 1,   /* OCI runtime config.json made from the image config */
	VSL_SECTION_META = 2,     /* JSON: image ref, digest, arch, vessel version, formats */
	VSL_SECTION_SQUASHFS = 3, /* SquashFS 4.0 image of the rootfs */
	VSL_SECTION_TARZST = 4,   /* zstd-compressed tar of the rootfs */
};

struct vsl_section {
	uint32_t kind;
	uint32_t flags; /* reserved, must be 0 */
	uint64_t offset;
	uint64_t length;
	uint8_t sha256[32];
};

struct vsl_trailer {
	uint32_t version;
	uint32_t count;
	uint64_t stub_length;
	struct vsl_section sections[VSL_MAX_SECTIONS];
};

/* Serialise t into out[VSL_TRAILER_SIZE], computing the checksum. Never fails for a valid t;
 * returns -1 with err set if t itself is inconsistent (same checks as the parser). */
int vsl_trailer_encode(const struct vsl_trailer *t, uint64_t trailer_offset,
		       uint8_t out[VSL_TRAILER_SIZE], struct vsl_error *err);

/*
 * Parse and validate the trailer found at the end of a file of file_size bytes. buf holds the
 * last VSL_TRAILER_SIZE bytes of the file (len must equal VSL_TRAILER_SIZE; a shorter file is an
 * error). Checks: magics, version, checksum, count, every section inside [stub_length,
 * file_size - VSL_TRAILER_SIZE), aligned, non-overlapping, known kind at most once, flags 0.
 */
int vsl_trailer_decode(const uint8_t *buf, size_t len, uint64_t file_size, struct vsl_trailer *t,
		       struct vsl_error *err);

/* The section of that kind, or NULL. */
const struct vsl_section *vsl_trailer_find(const struct vsl_trailer *t, uint32_t kind);
const char *vsl_section_kind_name(uint32_t kind);

static inline uint64_t vsl_align_up(uint64_t v)
{
	return (v + VSL_ALIGN - 1) & ~(uint64_t)(VSL_ALIGN - 1);
}

#endif
