/*
 * Minimal DER (ITU-T X.690 §10) writer and reader for what the SDK builds and checks itself:
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), PKCS#10 requests (RFC 2986), ECDSA-Sig-Value
 * (RFC 3279 §2.2.3) and the leaf certificate's SPKI (RFC 5280 §4.1).
 *
 * The writer fills a buffer from its end towards its start (each element is written after its
 * content, so lengths are always known): no second pass, no allocation.
 */
#ifndef AS_DER_H
#define AS_DER_H

#include <stddef.h>
#include <stdint.h>

#define AS_DER_INTEGER 0x02u
#define AS_DER_BIT_STRING 0x03u
#define AS_DER_OCTET_STRING 0x04u
#define AS_DER_NULL 0x05u
#define AS_DER_OID 0x06u
#define AS_DER_UTF8_STRING 0x0Cu
#define AS_DER_PRINTABLE_STRING 0x13u
#define AS_DER_IA5_STRING 0x16u
#define AS_DER_SEQUENCE 0x30u
#define AS_DER_SET 0x31u
#define AS_DER_BOOLEAN 0x01u

/** Backward writer over [start, p); `err` becomes 1 when the buffer is too small. */
typedef struct as_derw {
  uint8_t *start;
  uint8_t *p;
  uint8_t *end;
  int err;
} as_derw;

/** Writes into [buf, buf + cap), from the end. */
void as_derw_init(as_derw *w, uint8_t *buf, size_t cap);
/** Bytes written so far (they are at w->p). */
size_t as_derw_size(const as_derw *w);
/** Prepends raw bytes. */
void as_derw_raw(as_derw *w, const uint8_t *b, size_t n);
/** Prepends one byte. */
void as_derw_byte(as_derw *w, uint8_t b);
/** Prepends a tag and a length (the content, `len` bytes, is already written). */
void as_derw_header(as_derw *w, uint8_t tag, size_t len);
/** Prepends a whole TLV. */
void as_derw_tlv(as_derw *w, uint8_t tag, const uint8_t *v, size_t n);
/** Prepends an unsigned big-endian integer as a DER INTEGER (leading zeros dropped, 0x00 added if needed). */
void as_derw_uint(as_derw *w, const uint8_t *be, size_t n);
/** Prepends a constructed element: writes `tag` + length over everything written since `mark`. */
void as_derw_wrap(as_derw *w, uint8_t tag, size_t mark);

/** One element read by as_der_read. */
typedef struct as_der {
  uint8_t tag;
  const uint8_t *value;
  size_t len;
  /** The whole TLV (header included). */
  const uint8_t *raw;
  size_t raw_len;
} as_der;

/**
 * Reads one element from [*p, end) (definite lengths up to 2^24-1 only) and advances *p past it.
 * Returns 1 on success, 0 on malformed input.
 */
int as_der_read(const uint8_t **p, const uint8_t *end, as_der *out);

/** Length of the DER of an unsigned big-endian integer of n bytes (as as_derw_uint writes it). */
size_t as_der_uint_len(const uint8_t *be, size_t n);

#endif
