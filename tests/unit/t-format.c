/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trailer format: the byte layout format.h promises, round trips, and every way a trailer
 * can be damaged or inconsistent. Bad trailers are crafted here with a correct checksum by an
 * independent serialiser, so that the semantic checks, not the checksum, must catch them; the
 * same inconsistencies must make the encoder refuse to write.
 */
#include "format.h"
#include "sha256.h"
#include "../tap.h"

#include <string.h>

#define SIZE VSL_TRAILER_SIZE

/* A valid trailer for n sections (1..4) laid out like the builder does, stub first. */
static uint64_t base_trailer(struct vsl_trailer *t, uint32_t n)
{
	/* Out of order on purpose: nothing requires the table to be sorted by offset. */
	static const uint32_t kinds[] = { VSL_SECTION_META, VSL_SECTION_CONFIG, VSL_SECTION_TARZST,
					  VSL_SECTION_SQUASHFS };
	static const uint64_t lengths[] = { 300, 1000, 5000, 10000 };
	uint64_t at = 70000;

	memset(t, 0, sizeof *t);
	t->version = VSL_FORMAT_VERSION;
	t->count = n;
	t->stub_length = at;
	for (uint32_t i = 0; i < n; i++) {
		struct vsl_section *s = &t->sections[i];

		s->kind = kinds[i];
		s->offset = vsl_align_up(at);
		s->length = lengths[i];
		for (unsigned j = 0; j < sizeof s->sha256; j++)
			s->sha256[j] = (uint8_t)(i * 32 + j);
		at = s->offset + s->length;
	}
	return at; /* where the trailer goes */
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* format.h's table, written out independently and without any validation. */
static void craft(const struct vsl_trailer *t, uint8_t out[SIZE])
{
	memset(out, 0, SIZE);
	memcpy(out, "VSLTRLR\0", 8);
	put_le(out + 8, t->version, 4);
	put_le(out + 12, t->count, 4);
	put_le(out + 16, t->stub_length, 8);
	for (unsigned i = 0; i < VSL_MAX_SECTIONS; i++) {
		const struct vsl_section *s = &t->sections[i];
		uint8_t *e = out + 24 + 56 * i;

		put_le(e, s->kind, 4);
		put_le(e + 4, s->flags, 4);
		put_le(e + 8, s->offset, 8);
		put_le(e + 16, s->length, 8);
		memcpy(e + 24, s->sha256, 32);
	}
	vsl_sha256(out, 472, out + 472);
	memcpy(out + 504, "VSLEND\0\1", 8);
}

/* rc is -1 and the message starts with prefix and contains needle; otherwise say why not. */
static bool failed_with(int rc, struct vsl_error *err, const char *prefix, const char *needle)
{
	bool good = rc == -1 && err->msg && strncmp(err->msg, prefix, strlen(prefix)) == 0 &&
		    strstr(err->msg, needle);

	if (!good)
		diag("rc %d, message: %s\nwanted a message starting '%s' containing '%s'", rc,
		     err->msg ? err->msg : "(none)", prefix, needle);
	vsl_error_release(err);
	return good;
}

static void test_layout(void)
{
	struct vsl_trailer t;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE], mine[SIZE], sum[32];
	uint64_t end = base_trailer(&t, 4);

	memset(out, 0xee, sizeof out);
	is_int(vsl_trailer_encode(&t, end, out, &err), 0, "encode 4 sections");
	ok(memcmp(out, "VSLTRLR\0", 8) == 0, "magic at 0");
	is_u64(get_le(out + 8, 4), VSL_FORMAT_VERSION, "version at 8, little-endian");
	is_u64(get_le(out + 12, 4), 4, "count at 12");
	is_u64(get_le(out + 16, 8), 70000, "stub length at 16");
	is_u64(get_le(out + 24, 4), VSL_SECTION_META, "section 0 kind at 24");
	is_u64(get_le(out + 24 + 8, 8), 73728, "section 0 offset at 32");
	is_u64(get_le(out + 24 + 56 + 16, 8), 1000, "section 1 length at 96");
	is_int(out[24 + 56 * 3 + 24 + 31], 3 * 32 + 31, "section 3 sha256 last byte at 223");
	vsl_sha256(out, 472, sum);
	is_mem(out + 472, sum, 32, "checksum at 472 is sha256 of [0, 472)");
	ok(memcmp(out + 504, "VSLEND\0\1", 8) == 0, "end magic at 504");
	craft(&t, mine);
	is_mem(out, mine, SIZE, "encoder agrees with the independent serialiser");
}

static void test_round_trip(void)
{
	for (uint32_t n = 1; n <= 4; n++) {
		struct vsl_trailer t, d;
		struct vsl_error err = { 0 };
		uint8_t out[SIZE], again[SIZE];
		uint64_t end = base_trailer(&t, n);
		bool found = true;

		memset(&d, 0xaa, sizeof d);
		if (vsl_trailer_encode(&t, end, out, &err) < 0 ||
		    vsl_trailer_decode(out, SIZE, end + SIZE, &d, &err) < 0 ||
		    vsl_trailer_encode(&d, end, again, &err) < 0)
			diag("%s", err.msg);
		ok(!err.msg && memcmp(&t, &d, sizeof t) == 0 && memcmp(out, again, SIZE) == 0,
		   "%u section(s): encode, decode, encode gives the same struct and bytes", n);
		vsl_error_release(&err);
		for (uint32_t i = 0; i < n; i++)
			found = found && vsl_trailer_find(&d, t.sections[i].kind) == &d.sections[i];
		ok(found, "%u section(s): vsl_trailer_find finds each one", n);
	}
}

static void test_round_trip_limits(void)
{
	struct vsl_trailer t, d;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE];
	uint64_t end = base_trailer(&t, 2);

	/* A section may end exactly where the trailer begins, and the file may have a gap. */
	is_int(vsl_trailer_encode(&t, end, out, &err), 0, "payload ends right at the trailer");
	is_int(vsl_trailer_decode(out, SIZE, end + SIZE, &d, &err), 0, "... and decodes");
	is_int(vsl_trailer_encode(&t, end + 4096, out, &err), 0, "gap before the trailer");
	is_int(vsl_trailer_decode(out, SIZE, end + 4096 + SIZE, &d, &err), 0, "... and decodes");

	/* The largest trailer offset there is. */
	t.count = 1;
	memset(&t.sections[1], 0, sizeof t.sections[1]);
	t.sections[0].offset = (UINT64_MAX - SIZE) & ~(uint64_t)(VSL_ALIGN - 1);
	t.sections[0].length = UINT64_MAX - SIZE - t.sections[0].offset;
	is_int(vsl_trailer_encode(&t, UINT64_MAX - SIZE, out, &err), 0, "section ends at 2^64-513");
	is_int(vsl_trailer_decode(out, SIZE, UINT64_MAX, &d, &err), 0,
	       "... decodes with file size 2^64-1");
	vsl_error_release(&err);
}

static void test_kind_names(void)
{
	struct vsl_trailer t;

	is_str(vsl_section_kind_name(VSL_SECTION_CONFIG), "config", "kind 1 is config");
	is_str(vsl_section_kind_name(VSL_SECTION_META), "meta", "kind 2 is meta");
	is_str(vsl_section_kind_name(VSL_SECTION_SQUASHFS), "squashfs", "kind 3 is squashfs");
	is_str(vsl_section_kind_name(VSL_SECTION_TARZST), "tarzst", "kind 4 is tarzst");
	is_str(vsl_section_kind_name(0), "unknown", "kind 0 has no name");
	is_str(vsl_section_kind_name(5), "unknown", "kind 5 has no name");
	base_trailer(&t, 2);
	ok(vsl_trailer_find(&t, VSL_SECTION_SQUASHFS) == NULL, "find: absent kind gives NULL");
	ok(vsl_trailer_find(&t, 0) == NULL, "find: kind 0 never matches an unused slot");
}

static void test_short_buffers(void)
{
	struct vsl_trailer t;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE + 1];
	uint64_t end = base_trailer(&t, 4);
	int bad = -1;

	vsl_trailer_encode(&t, end, out, &err);
	out[SIZE] = 0;
	/* The last len bytes of the trailer, as a short read at the end of the file gives. */
	for (size_t len = 0; len < SIZE && bad < 0; len++)
		if (!failed_with(vsl_trailer_decode(out + SIZE - len, len, end + SIZE, &t, &err),
				 &err, "vessel file trailer: got ", "exactly 512 bytes"))
			bad = (int)len;
	is_int(bad, -1, "every buffer of 0..511 bytes is rejected (first accepted length)");
	ok(failed_with(vsl_trailer_decode(out, SIZE + 1, end + SIZE, &t, &err), &err,
		       "vessel file trailer: got 513", "exactly 512"),
	   "a 513-byte buffer is rejected");
	ok(failed_with(vsl_trailer_decode(NULL, SIZE, end + SIZE, &t, &err), &err,
		       "vessel file trailer: got 0", "exactly 512"),
	   "a NULL buffer is rejected");
}

static void test_short_files(void)
{
	struct vsl_trailer t, d, untouched;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE];
	uint64_t end = base_trailer(&t, 4);
	int64_t bad = -1;

	vsl_trailer_encode(&t, end, out, &err);
	memset(&d, 0x5a, sizeof d);
	untouched = d;
	for (uint64_t size = 0; size < end + SIZE && bad < 0; size++)
		if (!failed_with(vsl_trailer_decode(out, SIZE, size, &d, &err), &err,
				 "vessel file trailer: ", size < SIZE ? "too small" : "beyond"))
			bad = (int64_t)size;
	is_int(bad, -1, "every file size below %" PRIu64 " is rejected (first accepted size)",
	       end + SIZE);
	ok(memcmp(&d, &untouched, sizeof d) == 0, "a failed decode leaves *t untouched");
	vsl_trailer_decode(out, SIZE, end + SIZE - 1, &d, &err);
	is_str(err.msg,
	       "vessel file trailer: section 3 (squashfs) ends at 100112 beyond the payload end "
	       "100111: the file is truncated or corrupt; rebuild it",
	       "a file one byte short names the section and both ends");
	vsl_error_release(&err);
}

/* Every single-bit flip, and every byte inverted, must be caught before any field is used. */
static void test_flips(void)
{
	struct vsl_trailer t, d;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE], bad[SIZE];
	uint64_t end = base_trailer(&t, 4);
	int first = -1;

	vsl_trailer_encode(&t, end, out, &err);
	for (unsigned pos = 0; pos < SIZE * 9 && first < 0; pos++) {
		int rc;

		memcpy(bad, out, SIZE);
		bad[pos / 9] ^= pos % 9 == 8 ? 0xff : (uint8_t)(1u << (pos % 9));
		rc = vsl_trailer_decode(bad, SIZE, end + SIZE, &d, &err);
		if (rc != -1 || !err.msg ||
		    (!strstr(err.msg, "checksum") && !strstr(err.msg, "magic") &&
		     !strstr(err.msg, "format version"))) {
			diag("flip at byte %u: rc %d, %s", pos / 9, rc, err.msg ? err.msg : "");
			first = (int)pos / 9;
		}
		vsl_error_release(&err);
	}
	is_int(first, -1,
	       "every bit flip and inverted byte is rejected by magic, version or checksum "
	       "(first byte that was not)");
	out[100] ^= 1;
	vsl_trailer_decode(out, SIZE, end + SIZE, &d, &err);
	ok(err.msg && strstr(err.msg, "checksum mismatch") && strstr(err.msg, "rebuild it"),
	   "checksum message: %s", err.msg ? err.msg : "(none)");
	vsl_error_release(&err);
}

struct bad_case {
	const char *what;
	const char *needle;
	void (*spoil)(struct vsl_trailer *t, uint64_t *end);
};

/* Each spoils the 4-section base trailer in one way. */
static void count0(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->count = 0;
	memset(t->sections, 0, sizeof t->sections);
}
static void count9(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->count = 9;
}
static void count_huge(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->count = UINT32_MAX;
}
static void count5(struct vsl_trailer *t, uint64_t *e)
{
	/* Only four kinds exist, so a fifth section must repeat one or be unknown. */
	t->sections[4] = t->sections[3];
	t->sections[4].offset = vsl_align_up(*e);
	*e = t->sections[4].offset + t->sections[4].length;
	t->count = 5;
}
static void unused_offset(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->count = 3;
}
static void unused_hash(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[7].sha256[31] = 1;
}
static void version0(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->version = 0;
}
static void version2(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->version = 2;
}
static void kind0(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[1].kind = 0;
}
static void kind5(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[2].kind = 5;
}
static void kind_dup(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[3].kind = t->sections[0].kind;
}
static void flags1(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[2].flags = 1;
}
static void unaligned(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[1].offset += 512;
}
static void in_stub(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->stub_length = t->sections[0].offset + 1;
}
static void stub_past_end(struct vsl_trailer *t, uint64_t *e)
{
	t->stub_length = *e + 1;
}
static void beyond_end(struct vsl_trailer *t, uint64_t *e)
{
	t->sections[3].length += *e - (t->sections[3].offset + t->sections[3].length) + 1;
}
static void offset_beyond(struct vsl_trailer *t, uint64_t *e)
{
	t->sections[0].offset = vsl_align_up(*e + 1);
	t->sections[0].length = 0;
}
static void overflow_len(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[2].length = UINT64_MAX;
}
static void overflow_off(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[2].offset = UINT64_MAX & ~(uint64_t)(VSL_ALIGN - 1);
	t->sections[2].length = VSL_ALIGN;
}
static void overlap_tail(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[0].length = t->sections[1].offset - t->sections[0].offset + 1;
}
static void overlap_same(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[3].offset = t->sections[2].offset;
	t->sections[3].length = 1;
}
static void overlap_inside(struct vsl_trailer *t, uint64_t *e)
{
	(void)e;
	t->sections[0].length = t->sections[3].offset + 4096 - t->sections[0].offset;
}

static const struct bad_case bad_cases[] = {
	{ "count 0", "section count 0 is not in 1..8", count0 },
	{ "count 9", "section count 9 is not in 1..8", count9 },
	{ "count 2^32-1", "section count 4294967295", count_huge },
	{ "a fifth section", "both of kind squashfs", count5 },
	{ "a used slot past count", "unused section slot 3 (count is 3) is not all zero",
	  unused_offset },
	{ "one hash byte in slot 7", "unused section slot 7", unused_hash },
	{ "version 0", "format version 0 is not supported", version0 },
	{ "version 2", "format version 2 is not supported", version2 },
	{ "kind 0", "section 1 has unknown kind 0", kind0 },
	{ "kind 5", "section 2 has unknown kind 5", kind5 },
	{ "a duplicate kind", "sections 0 and 3 are both of kind meta", kind_dup },
	{ "flags 1", "section 2 (tarzst) has flags 0x1", flags1 },
	{ "an unaligned offset", "section 1 (config) offset 78336 is not a multiple of 4096",
	  unaligned },
	{ "a section inside the stub", "section 0 (meta) starts at 73728, inside the 73729-byte",
	  in_stub },
	{ "a stub past the payload", "runtime stub length 100113 is beyond the payload end 100112",
	  stub_past_end },
	{ "a section one byte too long",
	  "section 3 (squashfs) ends at 100113 beyond the payload end 100112", beyond_end },
	{ "an offset past the payload", "section 0 (meta) ends at 102400 beyond", offset_beyond },
	{ "length 2^64-1",
	  "section 2 (tarzst) offset 81920 + length 18446744073709551615 overflows", overflow_len },
	{ "offset near 2^64", "offset 18446744073709547520 + length 4096 overflows", overflow_off },
	{ "a one-byte overlap",
	  "section 1 (config) [77824, 78824) overlaps section 0 (meta) [73728, 77825)",
	  overlap_tail },
	{ "two sections at one offset", "section 3 (squashfs) [81920, 81921) overlaps section 2",
	  overlap_same },
	{ "a section inside another", "overlaps section 0 (meta)", overlap_inside },
};

#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_bad(const struct bad_case *c)
{
	struct vsl_trailer t, d;
	struct vsl_error err = { 0 };
	uint8_t crafted[SIZE], out[SIZE], before[SIZE];
	uint64_t end = base_trailer(&t, 4);

	c->spoil(&t, &end);
	craft(&t, crafted);
	ok(failed_with(vsl_trailer_decode(crafted, SIZE, end + SIZE, &d, &err), &err,
		       "vessel file trailer: ", c->needle),
	   "decode rejects %s", c->what);
	memset(out, 0x77, sizeof out);
	memcpy(before, out, sizeof out);
	ok(failed_with(vsl_trailer_encode(&t, end, out, &err), &err,
		       "vessel trailer to write: ", c->needle) &&
	       memcmp(out, before, SIZE) == 0,
	   "encode refuses %s and writes nothing", c->what);
}

static void test_encode_offset(void)
{
	struct vsl_trailer t;
	struct vsl_error err = { 0 };
	uint8_t out[SIZE];

	base_trailer(&t, 1);
	ok(failed_with(vsl_trailer_encode(&t, UINT64_MAX - SIZE + 1, out, &err), &err,
		       "vessel trailer to write: ", "no room for the 512-byte trailer"),
	   "encode refuses a trailer that would end past 2^64");
	ok(failed_with(vsl_trailer_encode(&t, 70000, out, &err), &err,
		       "vessel trailer to write: ", "beyond the payload end 70000"),
	   "encode refuses a trailer offset inside a section");
}

int main(void)
{
	plan(12 + 8 + 6 + 8 + 3 + 3 + 2 + 2 * (int)N_BAD + 2);
	test_layout();
	test_round_trip();
	test_round_trip_limits();
	test_kind_names();
	test_short_buffers();
	test_short_files();
	test_flips();
	for (size_t i = 0; i < N_BAD; i++)
		test_bad(&bad_cases[i]);
	test_encode_offset();
	return done_testing();
}
