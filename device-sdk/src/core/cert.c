/*
 * PUT_CERT's key check (docs/device-protocol.md §6): walks the leaf's DER just far enough to find
 * tbsCertificate.subjectPublicKeyInfo (RFC 5280 §4.1, §4.1.2.7) and compares it, byte for byte, with
 * the SPKI the SDK writes for the slot key — without building that SPKI in memory.
 */
#include <string.h>

#include "as_der.h"
#include "internal.h"

static const uint8_t ALG_EC_P256[] = {0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                                      0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t ALG_RSA[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                  0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};

/* Reads the next element of [*p, end) and checks its tag. */
static int next(const uint8_t **p, const uint8_t *end, uint8_t tag, as_der *e) {
  return as_der_read(p, end, e) && e->tag == tag;
}

int as_cert_check_leaf(const uint8_t *der, size_t len, uint8_t alg, const uint8_t *key,
                       size_t key_len) {
  const uint8_t *p = der, *end = der + len, *q, *tend, *s, *send;
  as_der cert, tbs, e, spki, algid, bits;
  const uint8_t *want = alg == AS_ALG_ECDSA_P256 ? ALG_EC_P256 : ALG_RSA;
  size_t want_len = alg == AS_ALG_ECDSA_P256 ? sizeof ALG_EC_P256 : sizeof ALG_RSA;
  /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
  if (!next(&p, end, AS_DER_SEQUENCE, &cert) || p != end) return AS_E_BAD_CERT;
  q = cert.value;
  end = cert.value + cert.len;
  if (!next(&q, end, AS_DER_SEQUENCE, &tbs) || !next(&q, end, AS_DER_SEQUENCE, &e) ||
      !next(&q, end, AS_DER_BIT_STRING, &e) || q != end)
    return AS_E_BAD_CERT;
  /* TBSCertificate: [0] version?, serialNumber, signature, issuer, validity, subject, SPKI, … */
  s = tbs.value;
  tend = tbs.value + tbs.len;
  if (!as_der_read(&s, tend, &e)) return AS_E_BAD_CERT;
  if (e.tag == 0xA0u && !as_der_read(&s, tend, &e)) return AS_E_BAD_CERT;
  if (e.tag != AS_DER_INTEGER || !next(&s, tend, AS_DER_SEQUENCE, &e) ||
      !next(&s, tend, AS_DER_SEQUENCE, &e) || !next(&s, tend, AS_DER_SEQUENCE, &e) ||
      !next(&s, tend, AS_DER_SEQUENCE, &e) || !next(&s, tend, AS_DER_SEQUENCE, &spki))
    return AS_E_BAD_CERT;
  s = spki.value;
  send = spki.value + spki.len;
  if (!next(&s, send, AS_DER_SEQUENCE, &algid) || !next(&s, send, AS_DER_BIT_STRING, &bits) ||
      s != send || bits.len < 1)
    return AS_E_BAD_CERT;
  if (algid.raw_len != want_len || memcmp(algid.raw, want, want_len) != 0) return AS_E_KEY_MISMATCH;
  if (bits.value[0] != 0 || bits.len - 1u != key_len || memcmp(bits.value + 1, key, key_len) != 0)
    return AS_E_KEY_MISMATCH;
  return AS_OK;
}
