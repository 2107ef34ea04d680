/*
 * IP address literals for iPAddress SANs (RFC 5280 §4.2.1.6: 4 octets for IPv4, 16 for IPv6):
 * dotted-decimal IPv4 (RFC 791 text form), IPv6 text with one optional "::" (RFC 4291 §2.2,
 * forms 1 and 2; the embedded-IPv4 form 3 is not accepted).
 */
#include <string.h>

#include "internal.h"

static size_t parse_v4(const uint8_t *s, size_t len, uint8_t out[4]) {
  size_t i = 0, part = 0;
  while (part < 4) {
    unsigned v = 0, nd = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && nd < 3) {
      v = v * 10u + (unsigned)(s[i++] - '0');
      nd++;
    }
    if (nd == 0 || v > 255u) return 0;
    out[part++] = (uint8_t)v;
    if (part < 4) {
      if (i >= len || s[i] != '.') return 0;
      i++;
    }
  }
  return i == len ? 4 : 0;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t parse_v6(const uint8_t *s, size_t len, uint8_t out[16]) {
  uint16_t g[8];
  size_t n = 0, i = 0, gap = 8, k;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  }
  while (i < len) {
    unsigned v = 0, nd = 0;
    int h;
    while (i < len && (h = hexval(s[i])) >= 0 && nd < 4) {
      v = (v << 4) | (unsigned)h;
      nd++;
      i++;
    }
    if (nd == 0 || n >= 8) return 0;
    g[n++] = (uint16_t)v;
    if (i == len) break;
    if (s[i] != ':') return 0;
    i++;
    if (i < len && s[i] == ':') {
      if (gap != 8) return 0;
      gap = n;
      i++;
    } else if (i == len) {
      return 0; /* a trailing single ':' */
    }
  }
  if (gap == 8 && n != 8) return 0;
  if (gap != 8 && n > 7) return 0;
  memset(out, 0, 16);
  for (k = 0; k < n; k++) {
    size_t at = k < gap ? k : k + (8 - n);
    out[2 * at] = (uint8_t)(g[k] >> 8);
    out[2 * at + 1] = (uint8_t)g[k];
  }
  return 16;
}

size_t as_ip_parse(const uint8_t *s, size_t len, uint8_t out[16]) {
  size_t i;
  for (i = 0; i < len; i++)
    if (s[i] == ':') return parse_v6(s, len, out);
  return parse_v4(s, len, out);
}
