/*
 * base64 (RFC 4648 §4: standard alphabet, `=` padding). Decoding is strict, as the station's is
 * (shared/protocol/base64.ts): length a multiple of 4, only alphabet characters, padding only at
 * the end, and the unused bits of the last quantum zero (canonical), so one byte string has one text.
 */
#include "as_codec.h"

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

void as_b64_quantum(const uint8_t *in, size_t n, uint8_t out[4]) {
  uint32_t v = (uint32_t)in[0] << 16;
  if (n > 1) v |= (uint32_t)in[1] << 8;
  if (n > 2) v |= in[2];
  out[0] = (uint8_t)ALPHABET[(v >> 18) & 63u];
  out[1] = (uint8_t)ALPHABET[(v >> 12) & 63u];
  out[2] = n > 1 ? (uint8_t)ALPHABET[(v >> 6) & 63u] : (uint8_t)'=';
  out[3] = n > 2 ? (uint8_t)ALPHABET[v & 63u] : (uint8_t)'=';
}

long as_b64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
  size_t i;
  size_t o = 0;
  size_t pad = 0;
  if (len % 4u != 0) return -1;
  if (len >= 1 && in[len - 1] == '=') pad = (len >= 2 && in[len - 2] == '=') ? 2 : 1;
  if ((len / 4u) * 3u - pad > cap) return -1;
  for (i = 0; i < len; i += 4) {
    int last = i + 4 == len;
    uint32_t v = 0;
    size_t k;
    for (k = 0; k < 4; k++) {
      int d;
      if (last && k >= 4 - pad) d = 0; /* the `=` themselves */
      else d = value_of(in[i + k]);
      if (d < 0) return -1;
      v = (v << 6) | (uint32_t)d;
    }
    if (last && pad == 2 && (v & 0xFFFFu) != 0) return -1;
    if (last && pad == 1 && (v & 0xFFu) != 0) return -1;
    /* Writing behind the read position is safe when out == in: 3 bytes out per 4 read. */
    out[o++] = (uint8_t)(v >> 16);
    if (!(last && pad == 2)) out[o++] = (uint8_t)(v >> 8);
    if (!(last && pad >= 1)) out[o++] = (uint8_t)v;
  }
  return (long)o;
}
