/* Minimal DER writer (from the end of a buffer) and reader; see as_der.h. */
#include <string.h>

#include "as_der.h"

void as_derw_init(as_derw *w, uint8_t *buf, size_t cap) {
  w->start = buf;
  w->end = buf + cap;
  w->p = w->end;
  w->err = 0;
}

size_t as_derw_size(const as_derw *w) { return (size_t)(w->end - w->p); }

void as_derw_raw(as_derw *w, const uint8_t *b, size_t n) {
  if (w->err || (size_t)(w->p - w->start) < n) {
    w->err = 1;
    return;
  }
  w->p -= n;
  if (n) memmove(w->p, b, n);
}

void as_derw_byte(as_derw *w, uint8_t b) { as_derw_raw(w, &b, 1); }

void as_derw_header(as_derw *w, uint8_t tag, size_t len) {
  uint8_t h[5];
  size_t n = 0;
  if (len < 0x80u) {
    h[n++] = (uint8_t)len;
  } else if (len < 0x100u) {
    h[n++] = 0x81u;
    h[n++] = (uint8_t)len;
  } else if (len < 0x10000u) {
    h[n++] = 0x82u;
    h[n++] = (uint8_t)(len >> 8);
    h[n++] = (uint8_t)len;
  } else {
    h[n++] = 0x83u;
    h[n++] = (uint8_t)(len >> 16);
    h[n++] = (uint8_t)(len >> 8);
    h[n++] = (uint8_t)len;
  }
  as_derw_raw(w, h, n);
  as_derw_byte(w, tag);
}

void as_derw_tlv(as_derw *w, uint8_t tag, const uint8_t *v, size_t n) {
  as_derw_raw(w, v, n);
  as_derw_header(w, tag, n);
}

void as_derw_uint(as_derw *w, const uint8_t *be, size_t n) {
  while (n > 1 && be[0] == 0) {
    be++;
    n--;
  }
  as_derw_raw(w, be, n);
  if (n == 0 || (be[0] & 0x80u)) {
    as_derw_byte(w, 0);
    n++;
  }
  as_derw_header(w, AS_DER_INTEGER, n);
}

void as_derw_wrap(as_derw *w, uint8_t tag, size_t mark) {
  as_derw_header(w, tag, as_derw_size(w) - mark);
}

size_t as_der_uint_len(const uint8_t *be, size_t n) {
  size_t body;
  while (n > 1 && be[0] == 0) {
    be++;
    n--;
  }
  body = n + ((n == 0 || (be[0] & 0x80u)) ? 1u : 0u);
  return 1u + (body < 0x80u ? 1u : body < 0x100u ? 2u : 3u) + body;
}

int as_der_read(const uint8_t **p, const uint8_t *end, as_der *out) {
  const uint8_t *q = *p;
  size_t len;
  if (end - q < 2) return 0;
  out->raw = q;
  out->tag = *q++;
  if ((out->tag & 0x1Fu) == 0x1Fu) return 0; /* high tag numbers: not used by X.509 here */
  len = *q++;
  if (len & 0x80u) {
    size_t k = len & 0x7Fu;
    if (k == 0 || k > 3 || (size_t)(end - q) < k) return 0; /* indefinite or too long */
    len = 0;
    while (k--) len = (len << 8) | *q++;
  }
  if ((size_t)(end - q) < len) return 0;
  out->value = q;
  out->len = len;
  out->raw_len = (size_t)(q + len - out->raw);
  *p = q + len;
  return 1;
}
