/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4). Incremental and syscall-free: the trailer checksum, section hashes, blob
 * digests and cache keys all use it, on both the builder and the runtime side.
 */
#ifndef VSL_SHA256_H
#define VSL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct vsl_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void vsl_sha256_init(struct vsl_sha256 *c);
void vsl_sha256_update(struct vsl_sha256 *c, const void *data, size_t n);
void vsl_sha256_final(struct vsl_sha256 *c, uint8_t out[32]);
void vsl_sha256(const void *data, size_t n, uint8_t out[32]);
/* out must hold 65 bytes: 64 lowercase hex digits and a NUL. */
void vsl_sha256_hex(const uint8_t d[32], char out[65]);

#endif
