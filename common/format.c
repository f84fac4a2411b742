/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trailer at the end of a vessel file (layout in format.h). The runtime trusts nothing in a
 * file it did not check, so decoding validates every field before anything is handed out, and
 * the encoder runs the very same checks, so that the builder cannot write a file the runtime
 * would refuse. Both are pure functions over buffers: no syscalls, fuzzable.
 */
#include "format.h"
#include "sha256.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OFF_MAGIC 0u
#define OFF_VERSION 8u
#define OFF_COUNT 12u
#define OFF_STUB 16u
#define OFF_TABLE 24u
#define OFF_CHECKSUM (OFF_TABLE + VSL_MAX_SECTIONS * VSL_SECTION_ENTRY_SIZE)
#define OFF_END_MAGIC (OFF_CHECKSUM + 32u)

_Static_assert(OFF_CHECKSUM == 472, "trailer layout changed: update format.h's table");
_Static_assert(OFF_END_MAGIC + 8 == VSL_TRAILER_SIZE, "trailer layout does not fill the trailer");
_Static_assert(sizeof(VSL_TRAILER_MAGIC) == 9 && sizeof(VSL_TRAILER_END_MAGIC) == 9,
	       "trailer magics must be 8 bytes");
/* check_trailer compares unused slots with memcmp, which is exact only without padding. */
_Static_assert(sizeof(struct vsl_section) == VSL_SECTION_ENTRY_SIZE,
	       "struct vsl_section has padding");

/*
 * Who is speaking and what the reader should do: a bad field read from a file means the file
 * is damaged, while the same field about to be written means the builder has a bug.
 */
struct voice {
	const char *what;
	const char *fix;
};

static const struct voice reader = {
	"vessel file trailer",
	"the file is truncated or corrupt; rebuild it",
};
static const struct voice writer = {
	"vessel trailer to write",
	"this is a bug in vessel; please report it",
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

const char *vsl_section_kind_name(uint32_t kind)
{
	switch (kind) {
	case VSL_SECTION_CONFIG:
		return "config";
	case VSL_SECTION_META:
		return "meta";
	case VSL_SECTION_SQUASHFS:
		return "squashfs";
	case VSL_SECTION_TARZST:
		return "tarzst";
	}
	return "unknown";
}

static int kind_known(uint32_t kind)
{
	return kind >= VSL_SECTION_CONFIG && kind <= VSL_SECTION_TARZST;
}

const struct vsl_section *vsl_trailer_find(const struct vsl_trailer *t, uint32_t kind)
{
	uint32_t n = t->count < VSL_MAX_SECTIONS ? t->count : VSL_MAX_SECTIONS;

	for (uint32_t i = 0; i < n; i++)
		if (t->sections[i].kind == kind)
			return &t->sections[i];
	return NULL;
}

/* Fill err with "who: what is wrong: what to do" and return -1. */
static __attribute__((format(printf, 3, 4))) int fail(struct vsl_error *err, const struct voice *v,
						      const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return vsl_error_set(err, 0, "%s: %s: %s", v->what, what, v->fix);
}

/* One used slot on its own: kind, flags, alignment, and [stub_length, payload_end). */
static int check_section(const struct vsl_trailer *t, uint32_t i, uint64_t payload_end,
			 const struct voice *v, struct vsl_error *err)
{
	const struct vsl_section *s = &t->sections[i];
	const char *name = vsl_section_kind_name(s->kind);

	if (!kind_known(s->kind))
		return fail(err, v,
			    "section %" PRIu32 " has unknown kind %" PRIu32
			    " (known: 1 config, 2 meta, 3 squashfs, 4 tarzst)",
			    i, s->kind);
	if (s->flags != 0)
		return fail(err, v,
			    "section %" PRIu32 " (%s) has flags 0x%" PRIx32
			    ", but no section flags are defined",
			    i, name, s->flags);
	if (s->offset % VSL_ALIGN != 0)
		return fail(err, v,
			    "section %" PRIu32 " (%s) offset %" PRIu64 " is not a multiple of %u",
			    i, name, s->offset, VSL_ALIGN);
	if (s->offset < t->stub_length)
		return fail(err, v,
			    "section %" PRIu32 " (%s) starts at %" PRIu64 ", inside the %" PRIu64
			    "-byte runtime stub",
			    i, name, s->offset, t->stub_length);
	if (s->length > UINT64_MAX - s->offset)
		return fail(err, v,
			    "section %" PRIu32 " (%s) offset %" PRIu64 " + length %" PRIu64
			    " overflows 64 bits",
			    i, name, s->offset, s->length);
	if (s->offset + s->length > payload_end)
		return fail(err, v,
			    "section %" PRIu32 " (%s) ends at %" PRIu64
			    " beyond the payload end %" PRIu64,
			    i, name, s->offset + s->length, payload_end);
	return 0;
}

/* Section i against every earlier one: each kind once, no two byte ranges shared. */
static int check_pairs(const struct vsl_trailer *t, uint32_t i, const struct voice *v,
		       struct vsl_error *err)
{
	const struct vsl_section *s = &t->sections[i];
	uint64_t s_end = s->offset + s->length; /* cannot overflow: check_section ran */

	for (uint32_t j = 0; j < i; j++) {
		const struct vsl_section *o = &t->sections[j];
		uint64_t o_end = o->offset + o->length;

		if (o->kind == s->kind)
			return fail(err, v,
				    "sections %" PRIu32 " and %" PRIu32
				    " are both of kind %s; each kind may appear once",
				    j, i, vsl_section_kind_name(s->kind));
		if (s->offset < o_end && o->offset < s_end)
			return fail(err, v,
				    "section %" PRIu32 " (%s) [%" PRIu64 ", %" PRIu64
				    ") overlaps section %" PRIu32 " (%s) [%" PRIu64 ", %" PRIu64
				    ")",
				    i, vsl_section_kind_name(s->kind), s->offset, s_end, j,
				    vsl_section_kind_name(o->kind), o->offset, o_end);
	}
	return 0;
}

/* Everything a trailer must satisfy, given where the payload ends (where the trailer starts). */
static int check_trailer(const struct vsl_trailer *t, uint64_t payload_end, const struct voice *v,
			 struct vsl_error *err)
{
	static const struct vsl_section zero;
	uint32_t i;

	if (t->version != VSL_FORMAT_VERSION)
		return fail(err, v,
			    "format version %" PRIu32 " is not supported (this vessel knows "
			    "version %u)",
			    t->version, VSL_FORMAT_VERSION);
	if (t->count == 0 || t->count > VSL_MAX_SECTIONS)
		return fail(err, v, "section count %" PRIu32 " is not in 1..%u", t->count,
			    VSL_MAX_SECTIONS);
	if (t->stub_length > payload_end)
		return fail(err, v,
			    "runtime stub length %" PRIu64 " is beyond the payload end %" PRIu64,
			    t->stub_length, payload_end);
	for (i = 0; i < t->count; i++)
		if (check_section(t, i, payload_end, v, err) < 0 || check_pairs(t, i, v, err) < 0)
			return -1;
	/* Unused slots must be zero so that a trailer has exactly one encoding. */
	for (; i < VSL_MAX_SECTIONS; i++)
		if (memcmp(&t->sections[i], &zero, sizeof zero) != 0)
			return fail(err, v,
				    "unused section slot %" PRIu32 " (count is %" PRIu32
				    ") is not all zero",
				    i, t->count);
	return 0;
}

static void encode_section(uint8_t *p, const struct vsl_section *s)
{
	put32(p, s->kind);
	put32(p + 4, s->flags);
	put64(p + 8, s->offset);
	put64(p + 16, s->length);
	memcpy(p + 24, s->sha256, sizeof s->sha256);
}

static void decode_section(const uint8_t *p, struct vsl_section *s)
{
	s->kind = get32(p);
	s->flags = get32(p + 4);
	s->offset = get64(p + 8);
	s->length = get64(p + 16);
	memcpy(s->sha256, p + 24, sizeof s->sha256);
}

int vsl_trailer_encode(const struct vsl_trailer *t, uint64_t trailer_offset,
		       uint8_t out[VSL_TRAILER_SIZE], struct vsl_error *err)
{
	if (trailer_offset > UINT64_MAX - VSL_TRAILER_SIZE)
		return fail(err, &writer,
			    "trailer offset %" PRIu64 " leaves no room for the %u-byte trailer "
			    "below 2^64",
			    trailer_offset, VSL_TRAILER_SIZE);
	if (check_trailer(t, trailer_offset, &writer, err) < 0)
		return -1;
	memset(out, 0, VSL_TRAILER_SIZE);
	memcpy(out + OFF_MAGIC, VSL_TRAILER_MAGIC, 8);
	put32(out + OFF_VERSION, t->version);
	put32(out + OFF_COUNT, t->count);
	put64(out + OFF_STUB, t->stub_length);
	for (uint32_t i = 0; i < t->count; i++)
		encode_section(out + OFF_TABLE + i * VSL_SECTION_ENTRY_SIZE, &t->sections[i]);
	vsl_sha256(out, OFF_CHECKSUM, out + OFF_CHECKSUM);
	memcpy(out + OFF_END_MAGIC, VSL_TRAILER_END_MAGIC, 8);
	return 0;
}

/* What cannot be trusted until the checksum matches: size, magics, version, checksum. */
static int check_envelope(const uint8_t *buf, size_t len, uint64_t file_size, struct vsl_error *err)
{
	static const struct voice alien = {
		"vessel file trailer",
		"it is not a vessel file, or it is truncated or corrupt",
	};
	static const struct voice other_version = {
		"vessel file trailer",
		"rebuild the file with this vessel, or run it with the vessel that made it",
	};
	uint8_t sum[32];
	uint32_t version;
	char want[65], got[65];

	if (!buf || len != VSL_TRAILER_SIZE)
		return vsl_error_set(err, 0,
				     "%s: got %zu bytes, but the trailer is exactly %u bytes",
				     reader.what, buf ? len : 0, VSL_TRAILER_SIZE);
	if (file_size < VSL_TRAILER_SIZE)
		return fail(err, &alien,
			    "the file is %" PRIu64 " bytes, too small to hold the %u-byte trailer",
			    file_size, VSL_TRAILER_SIZE);
	if (memcmp(buf + OFF_MAGIC, VSL_TRAILER_MAGIC, 8) != 0)
		return fail(err, &alien, "no magic \"VSLTRLR\" %u bytes before the end of the file",
			    VSL_TRAILER_SIZE);
	if (memcmp(buf + OFF_END_MAGIC, VSL_TRAILER_END_MAGIC, 8) != 0)
		return fail(err, &reader,
			    "bad end magic in the last 8 bytes (want \"VSLEND\\0\\1\")");
	version = get32(buf + OFF_VERSION);
	if (version != VSL_FORMAT_VERSION)
		return fail(err, &other_version,
			    "format version %" PRIu32 " is not supported (this vessel knows "
			    "version %u)",
			    version, VSL_FORMAT_VERSION);
	vsl_sha256(buf, OFF_CHECKSUM, sum);
	if (memcmp(sum, buf + OFF_CHECKSUM, sizeof sum) != 0) {
		vsl_sha256_hex(buf + OFF_CHECKSUM, want);
		vsl_sha256_hex(sum, got);
		return fail(err, &reader, "checksum mismatch (stored %.16s..., computed %.16s...)",
			    want, got);
	}
	return 0;
}

int vsl_trailer_decode(const uint8_t *buf, size_t len, uint64_t file_size, struct vsl_trailer *t,
		       struct vsl_error *err)
{
	struct vsl_trailer d;

	if (check_envelope(buf, len, file_size, err) < 0)
		return -1;
	memset(&d, 0, sizeof d);
	d.version = get32(buf + OFF_VERSION);
	d.count = get32(buf + OFF_COUNT);
	d.stub_length = get64(buf + OFF_STUB);
	for (uint32_t i = 0; i < VSL_MAX_SECTIONS; i++)
		decode_section(buf + OFF_TABLE + i * VSL_SECTION_ENTRY_SIZE, &d.sections[i]);
	if (check_trailer(&d, file_size - VSL_TRAILER_SIZE, &reader, err) < 0)
		return -1;
	/* *t is written only on success, so a caller never sees half-checked fields. */
	*t = d;
	return 0;
}
