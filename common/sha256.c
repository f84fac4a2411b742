/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 as FIPS 180-4 section 6.2 defines it. Byte order is handled with shifts rather than
 * casts, so the code is the same on every host and never makes an unaligned load; it makes no
 * syscalls, so the runtime can hash inside a FUSE server or before anything is set up.
 */
#include "sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes. */
/* clang-format off */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
/* clang-format on */

/* FIPS 180-4 5.3.3: the first 32 bits of the fractional parts of the square roots of the first
 * 8 primes. */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * One 512-bit block: FIPS 180-4 6.2.2 steps 1-4. The schedule lives in a 16-word ring that is
 * extended in place as the rounds need it, and 16 rounds are written out with the working
 * variables renamed rather than shifted, so every index is a constant and the compiler keeps
 * the state in registers: about 1.5x the textbook loop, still plain C.
 */
#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
/* W_t for t >= 16, computed into the ring slot of W_(t-16) */
#define EXPAND(i) (w[i] += SSIG1(w[((i) + 14) & 15]) + w[((i) + 9) & 15] + SSIG0(w[((i) + 1) & 15]))
#define ROUND(a, b, c, d, e, f, g, h, i, wi)                                     \
	do {                                                                     \
		uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + K[t + (i)] + (wi); \
		(d) += t1_;                                                      \
		(h) = t1_ + BSIG0(a) + MAJ(a, b, c);                             \
	} while (0)
#define ROUNDS16(W)                                        \
	do {                                               \
		ROUND(a, b, c, d, e, f, g, hh, 0, W(0));   \
		ROUND(hh, a, b, c, d, e, f, g, 1, W(1));   \
		ROUND(g, hh, a, b, c, d, e, f, 2, W(2));   \
		ROUND(f, g, hh, a, b, c, d, e, 3, W(3));   \
		ROUND(e, f, g, hh, a, b, c, d, 4, W(4));   \
		ROUND(d, e, f, g, hh, a, b, c, 5, W(5));   \
		ROUND(c, d, e, f, g, hh, a, b, 6, W(6));   \
		ROUND(b, c, d, e, f, g, hh, a, 7, W(7));   \
		ROUND(a, b, c, d, e, f, g, hh, 8, W(8));   \
		ROUND(hh, a, b, c, d, e, f, g, 9, W(9));   \
		ROUND(g, hh, a, b, c, d, e, f, 10, W(10)); \
		ROUND(f, g, hh, a, b, c, d, e, 11, W(11)); \
		ROUND(e, f, g, hh, a, b, c, d, 12, W(12)); \
		ROUND(d, e, f, g, hh, a, b, c, 13, W(13)); \
		ROUND(c, d, e, f, g, hh, a, b, 14, W(14)); \
		ROUND(b, c, d, e, f, g, hh, a, 15, W(15)); \
	} while (0)
#define PLAIN(i) w[i]

static void compress(uint32_t h[8], const uint8_t block[64])
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
			hh = h[7];
	unsigned t = 0;

	for (unsigned i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	ROUNDS16(PLAIN);
	for (t = 16; t < 64; t += 16)
		ROUNDS16(EXPAND);
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void vsl_sha256_init(struct vsl_sha256 *c)
{
	memcpy(c->h, H0, sizeof c->h);
	c->len = 0;
	c->fill = 0;
}

void vsl_sha256_update(struct vsl_sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	c->len += n;
	if (c->fill) {
		size_t take = sizeof c->buf - c->fill;

		if (take > n)
			take = n;
		memcpy(c->buf + c->fill, p, take);
		c->fill += take;
		p += take;
		n -= take;
		if (c->fill < sizeof c->buf)
			return;
		compress(c->h, c->buf);
		c->fill = 0;
	}
	/* Whole blocks straight from the caller's buffer: no copy on the bulk path. */
	for (; n >= 64; p += 64, n -= 64)
		compress(c->h, p);
	if (n) {
		memcpy(c->buf, p, n);
		c->fill = n;
	}
}

void vsl_sha256_final(struct vsl_sha256 *c, uint8_t out[32])
{
	/* 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the message length in bits (64-bit
	 * big-endian). Lengths are kept in bytes, so 2^61 bytes is the limit, as for everyone. */
	uint64_t bits = c->len << 3;
	unsigned i;

	c->buf[c->fill++] = 0x80;
	if (c->fill > 56) {
		memset(c->buf + c->fill, 0, sizeof c->buf - c->fill);
		compress(c->h, c->buf);
		c->fill = 0;
	}
	memset(c->buf + c->fill, 0, 56 - c->fill);
	for (i = 0; i < 8; i++)
		c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	compress(c->h, c->buf);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
	/* Leave nothing of the message behind in the context. */
	memset(c, 0, sizeof *c);
}

void vsl_sha256(const void *data, size_t n, uint8_t out[32])
{
	struct vsl_sha256 c;

	vsl_sha256_init(&c);
	vsl_sha256_update(&c, data, n);
	vsl_sha256_final(&c, out);
}

void vsl_sha256_hex(const uint8_t d[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0xf];
	}
	out[64] = '\0';
}
