/*
 * TLV message bodies (docs/device-protocol.md §4): tag (1 byte), length (2 bytes, big-endian),
 * value. Readers skip unknown tags; for a single-valued field the first occurrence counts.
 */
#include "as_codec.h"

int as_tlv_next(as_tlv_iter *it, as_tlv *out) {
  size_t n;
  if (it->pos + 3u > it->len) return 0;
  n = ((size_t)it->body[it->pos + 1] << 8) | it->body[it->pos + 2];
  if (it->pos + 3u + n > it->len) return 0;
  out->tag = it->body[it->pos];
  out->len = (uint16_t)n;
  out->value = it->body + it->pos + 3;
  it->pos += 3u + n;
  return 1;
}

int as_tlv_valid(const uint8_t *body, size_t len) {
  as_tlv_iter it;
  as_tlv f;
  it.body = body;
  it.len = len;
  it.pos = 0;
  while (as_tlv_next(&it, &f)) {
  }
  return it.pos == len;
}

int as_tlv_nth(const uint8_t *body, size_t len, uint8_t tag, unsigned n, as_tlv *out) {
  as_tlv_iter it;
  it.body = body;
  it.len = len;
  it.pos = 0;
  while (as_tlv_next(&it, out))
    if (out->tag == tag && n-- == 0) return 1;
  return 0;
}

int as_tlv_find(const uint8_t *body, size_t len, uint8_t tag, as_tlv *out) {
  return as_tlv_nth(body, len, tag, 0, out);
}

unsigned as_tlv_count(const uint8_t *body, size_t len, uint8_t tag) {
  as_tlv_iter it;
  as_tlv f;
  unsigned n = 0;
  it.body = body;
  it.len = len;
  it.pos = 0;
  while (as_tlv_next(&it, &f))
    if (f.tag == tag) n++;
  return n;
}

int as_tlv_u8(const uint8_t *body, size_t len, uint8_t tag, uint8_t *out) {
  as_tlv f;
  if (!as_tlv_find(body, len, tag, &f) || f.len != 1) return 0;
  *out = f.value[0];
  return 1;
}

void as_tlv_header(uint8_t *out, uint8_t tag, uint16_t len) {
  out[0] = tag;
  out[1] = (uint8_t)(len >> 8);
  out[2] = (uint8_t)len;
}

int as_utf8_valid(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t b = s[i];
    uint32_t cp;
    size_t n, k;
    if (b < 0x80u) {
      i++;
      continue;
    }
    if (b >= 0xC2u && b < 0xE0u) {
      n = 1;
      cp = b & 0x1Fu;
    } else if (b >= 0xE0u && b < 0xF0u) {
      n = 2;
      cp = b & 0x0Fu;
    } else if (b >= 0xF0u && b < 0xF5u) {
      n = 3;
      cp = b & 0x07u;
    } else {
      return 0;
    }
    for (k = 1; k <= n; k++) {
      if (i + k >= len || (s[i + k] & 0xC0u) != 0x80u) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800u) || (n == 3 && (cp < 0x10000u || cp > 0x10FFFFu))) return 0;
    if (cp >= 0xD800u && cp <= 0xDFFFu) return 0;
    i += n + 1;
  }
  return 1;
}
