/* SHA-256 (FIPS 180-4), incremental, no allocation. */
#ifndef AS_SHA256_H
#define AS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct as_sha256 {
  uint32_t h[8];
  uint64_t bits;
  uint8_t block[64];
  size_t n;
} as_sha256_ctx;

/** Starts a hash. */
void as_sha256_init(as_sha256_ctx *c);
/** Adds `len` bytes. */
void as_sha256_update(as_sha256_ctx *c, const uint8_t *data, size_t len);
/** Writes the 32-byte digest; the context must be initialised again before reuse. */
void as_sha256_final(as_sha256_ctx *c, uint8_t out[32]);
/** One-shot SHA-256 of a buffer. */
void as_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

#endif
