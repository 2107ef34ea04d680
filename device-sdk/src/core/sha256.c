/*
 * SHA-256 as specified in FIPS 180-4 §6.2 (https://doi.org/10.6028/NIST.FIPS.180-4): the device
 * hashes SIGN data and the CSR's CertificationRequestInfo itself, so a key store only ever signs a
 * 32-byte hash if it wants (PKCS#11 CKM_ECDSA, PSA psa_sign_hash).
 */
#include <string.h>

#include "as_sha256.h"

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* One block; the message schedule is kept as a rolling 16-word window (64 bytes of stack). */
static void compress(uint32_t h[8], const uint8_t b[64]) {
  uint32_t w[16], v[8];
  int i, j;
  for (i = 0; i < 16; i++)
    w[i] = ((uint32_t)b[4 * i] << 24) | ((uint32_t)b[4 * i + 1] << 16) |
           ((uint32_t)b[4 * i + 2] << 8) | b[4 * i + 3];
  for (j = 0; j < 8; j++) v[j] = h[j];
  for (i = 0; i < 64; i++) {
    uint32_t t1, t2, wi;
    if (i < 16) {
      wi = w[i];
    } else {
      uint32_t x = w[(i - 15) & 15], y = w[(i - 2) & 15];
      wi = w[i & 15] += (ROR(x, 7) ^ ROR(x, 18) ^ (x >> 3)) + w[(i - 7) & 15] +
                        (ROR(y, 17) ^ ROR(y, 19) ^ (y >> 10));
    }
    t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
         K[i] + wi;
    t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
         ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    for (j = 7; j > 0; j--) v[j] = v[j - 1];
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (j = 0; j < 8; j++) h[j] += v[j];
}

void as_sha256_init(as_sha256_ctx *c) {
  static const uint32_t IV[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  memcpy(c->h, IV, sizeof IV);
  c->bits = 0;
  c->n = 0;
}

void as_sha256_update(as_sha256_ctx *c, const uint8_t *data, size_t len) {
  c->bits += (uint64_t)len * 8u;
  while (len) {
    size_t k = 64u - c->n;
    if (k > len) k = len;
    memcpy(c->block + c->n, data, k);
    c->n += k;
    data += k;
    len -= k;
    if (c->n == 64u) {
      compress(c->h, c->block);
      c->n = 0;
    }
  }
}

void as_sha256_final(as_sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->bits;
  int i;
  c->block[c->n++] = 0x80u;
  if (c->n > 56u) {
    memset(c->block + c->n, 0, 64u - c->n);
    compress(c->h, c->block);
    c->n = 0;
  }
  memset(c->block + c->n, 0, 56u - c->n);
  for (i = 0; i < 8; i++) c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  compress(c->h, c->block);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)c->h[i];
  }
}

void as_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  as_sha256_ctx c;
  as_sha256_init(&c);
  as_sha256_update(&c, data, len);
  as_sha256_final(&c, out);
}
