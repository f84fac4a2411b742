/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 against the FIPS 180-2 / NIST CAVP example messages, the padding edge cases around
 * 55/56/64 bytes, and the incremental interface split at every offset against one shot.
 */
#include "sha256.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>

static const char *digest_hex(const void *data, size_t n, char hex[65])
{
	uint8_t d[32];

	vsl_sha256(data, n, d);
	vsl_sha256_hex(d, hex);
	return hex;
}

static void test_nist(void)
{
	static const struct {
		const char *msg;
		const char *want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[65];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		is_str(digest_hex(v[i].msg, strlen(v[i].msg), hex), v[i].want,
		       "NIST vector %zu (%zu-bit message)", i, strlen(v[i].msg) * 8);
}

static void test_million_a(void)
{
	static const char want[] =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct vsl_sha256 c;
	uint8_t d[32];
	char hex[65], chunk[1000];
	char *all = malloc(1000000);

	if (!all)
		bail_out("out of memory");
	memset(all, 'a', 1000000);
	is_str(digest_hex(all, 1000000, hex), want, "one million 'a', one shot");
	free(all);

	/* 1000 is not a multiple of 64, so every call straddles the internal buffer. */
	memset(chunk, 'a', sizeof chunk);
	vsl_sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		vsl_sha256_update(&c, chunk, sizeof chunk);
	vsl_sha256_final(&c, d);
	vsl_sha256_hex(d, hex);
	is_str(hex, want, "one million 'a', in 1000-byte updates");
}

/* The lengths where the padding does or does not need a second block. */
static void test_padding_edges(void)
{
	static const struct {
		size_t n;
		const char *want;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128], hex[65];

	memset(a, 'a', sizeof a);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		is_str(digest_hex(a, v[i].n, hex), v[i].want, "%zu x 'a'", v[i].n);
}

static void test_incremental(void)
{
	uint8_t msg[200], once[32], d[32];
	struct vsl_sha256 c;
	char hex[65];
	int bad_split = -1, bad_three = -1;

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	vsl_sha256(msg, sizeof msg, once);
	vsl_sha256_hex(once, hex);
	is_str(hex, "2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46",
	       "200-byte message, one shot");

	for (size_t k = 0; k <= sizeof msg; k++) {
		vsl_sha256_init(&c);
		vsl_sha256_update(&c, msg, k);
		vsl_sha256_update(&c, msg + k, sizeof msg - k);
		vsl_sha256_final(&c, d);
		if (memcmp(d, once, 32) != 0 && bad_split < 0)
			bad_split = (int)k;
	}
	is_int(bad_split, -1, "split into two updates at every offset 0..200 (first bad offset)");

	/* Three pieces, with an empty update in the middle, at a spread of offsets. */
	for (size_t k = 0; k <= sizeof msg; k += 3) {
		size_t m = k + (sizeof msg - k) / 2;

		vsl_sha256_init(&c);
		vsl_sha256_update(&c, msg, k);
		vsl_sha256_update(&c, msg, 0);
		vsl_sha256_update(&c, msg + k, m - k);
		vsl_sha256_update(&c, msg + m, sizeof msg - m);
		vsl_sha256_final(&c, d);
		if (memcmp(d, once, 32) != 0 && bad_three < 0)
			bad_three = (int)k;
	}
	is_int(bad_three, -1, "three updates plus an empty one (first bad offset)");

	vsl_sha256_init(&c);
	for (size_t i = 0; i < sizeof msg; i++)
		vsl_sha256_update(&c, msg + i, 1);
	vsl_sha256_final(&c, d);
	is_mem(d, once, 32, "one byte at a time");
}

static void test_hex(void)
{
	uint8_t d[32];
	char hex[65];

	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 8 + 7);
	memset(hex, 'X', sizeof hex);
	vsl_sha256_hex(d, hex);
	is_str(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff",
	       "vsl_sha256_hex: lowercase, two digits per byte");
	is_int(hex[64], 0, "vsl_sha256_hex: NUL-terminated at 64");
}

int main(void)
{
	plan(4 + 2 + 7 + 4 + 2);
	test_nist();
	test_million_a();
	test_padding_edges();
	test_incremental();
	test_hex();
	return done_testing();
}
