/* Interfaces between the core's own files (not part of the SDK's public API). */
#ifndef AS_INTERNAL_H
#define AS_INTERNAL_H

#include "as_device.h"

/**
 * Runs one reassembled request (body in d->msg[0..req_len)). On AS_OK the response body is in
 * d->msg[0..*out_len); otherwise the return value is the device error and *text its ERR_TEXT.
 */
int as_execute(as_dev *d, as_command cmd, size_t req_len, size_t *out_len, const char **text);

/** CSR (docs/device-protocol.md §6): builds and signs the PKCS#10 request into d->msg. */
int as_csr_build(as_dev *d, size_t req_len, uint8_t slot, uint8_t alg, size_t *out_len,
                 const char **text);

/** True when every SUBJECT and SAN field of a CSR request is one the SDK can encode (§6 CSR). */
int as_csr_validate(const uint8_t *body, size_t n);

/** Writes the DER SubjectPublicKeyInfo of a key (`key`: the BIT STRING contents, see as_ports.h). */
struct as_derw;
void as_spki_write(struct as_derw *w, uint8_t alg, const uint8_t *key, size_t key_len);

/**
 * PUT_CERT check of the leaf (RFC 5280 §4.1): AS_OK when its SubjectPublicKeyInfo is the slot
 * key's, AS_E_KEY_MISMATCH when it is another key, AS_E_BAD_CERT when it is not a certificate.
 */
int as_cert_check_leaf(const uint8_t *der, size_t len, uint8_t alg, const uint8_t *key,
                       size_t key_len);

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) literal; returns its length, 0 when invalid. */
size_t as_ip_parse(const uint8_t *s, size_t len, uint8_t out[16]);

#endif
