/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the trailer parser. Input: 8 bytes of little-endian file size, then the
 * bytes handed to vsl_trailer_decode. A fuzzer cannot forge a SHA-256, so each input is also
 * decoded a second time, padded or cut to 512 bytes with the magics and checksum fixed up:
 * that is what reaches the semantic checks. Properties, on top of the sanitizers:
 *   - a failed decode always says why;
 *   - a decode that succeeds re-encodes to exactly the same bytes (one encoding per trailer).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon tests/fuzz/fuzz-trailer.c \
 *         common/format.c common/sha256.c common/error.c common/log.c -o fuzz-trailer
 */
#include "format.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static void check(const uint8_t *buf, size_t len, uint64_t file_size)
{
	struct vsl_trailer t;
	struct vsl_error err = { 0 };
	uint8_t again[VSL_TRAILER_SIZE];

	if (vsl_trailer_decode(buf, len, file_size, &t, &err) < 0) {
		if (!err.msg)
			abort();
		vsl_error_release(&err);
		return;
	}
	if (err.msg || len != VSL_TRAILER_SIZE || t.count == 0 || t.count > VSL_MAX_SECTIONS)
		abort();
	if (vsl_trailer_encode(&t, file_size - VSL_TRAILER_SIZE, again, &err) < 0)
		abort();
	if (memcmp(buf, again, VSL_TRAILER_SIZE) != 0)
		abort();
	for (uint32_t i = 0; i < t.count; i++)
		if (vsl_trailer_find(&t, t.sections[i].kind) != &t.sections[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t fixed[VSL_TRAILER_SIZE] = { 0 };
	uint64_t file_size = 0;

	if (size < 8)
		return 0;
	for (unsigned i = 0; i < 8; i++)
		file_size |= (uint64_t)data[i] << (8 * i);
	data += 8;
	size -= 8;

	/* Exactly what was given, so the length and magic checks are fuzzed too. */
	check(data, size, file_size);

	memcpy(fixed, data, size < sizeof fixed ? size : sizeof fixed);
	memcpy(fixed, VSL_TRAILER_MAGIC, 8);
	vsl_sha256(fixed, 472, fixed + 472);
	memcpy(fixed + 504, VSL_TRAILER_END_MAGIC, 8);
	check(fixed, sizeof fixed, file_size);
	return 0;
}
