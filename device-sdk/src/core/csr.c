/*
 * PKCS#10 certification requests (RFC 2986 §4) and SubjectPublicKeyInfo (RFC 5280 §4.1.2.7),
 * written by the SDK; only the signature over SHA-256(CertificationRequestInfo) comes from the
 * key store. Subject: one RDN per SUBJECT field, in order (docs/device-protocol.md §6 CSR);
 * SANs: an extensionRequest (PKCS#9, RFC 2985 §5.4.2) with subjectAltName (RFC 5280 §4.2.1.6).
 */
#include <string.h>

#include "as_der.h"
#include "as_sha256.h"
#include "internal.h"

/* AlgorithmIdentifier DER (RFC 5480 §2.1.1, RFC 3279 §2.3.1, RFC 5758 §3.2, RFC 8017 A.2.4). */
static const uint8_t ALG_EC_P256[] = {0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                                      0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t ALG_RSA[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                  0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
static const uint8_t SIG_ECDSA_SHA256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                           0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
static const uint8_t SIG_RSA_SHA256[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                         0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
static const uint8_t OID_EXT_REQ[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E};
static const uint8_t OID_SAN[] = {0x55, 0x1D, 0x11};

/* Subject attribute names (RFC 4519 §2; the station's core/pki/oids.ts NAME_OIDS) and OIDs. */
typedef struct attr {
  const char *name;
  uint8_t oid_len;
  uint8_t oid[10];
  uint8_t ia5; /* IA5String (emailAddress, DC); otherwise PrintableString if it fits, else UTF8String */
} attr;
static const attr ATTRS[] = {
    {"CN", 3, {0x55, 0x04, 0x03}, 0},
    {"SN", 3, {0x55, 0x04, 0x04}, 0},
    {"serialNumber", 3, {0x55, 0x04, 0x05}, 0},
    {"C", 3, {0x55, 0x04, 0x06}, 0},
    {"L", 3, {0x55, 0x04, 0x07}, 0},
    {"ST", 3, {0x55, 0x04, 0x08}, 0},
    {"street", 3, {0x55, 0x04, 0x09}, 0},
    {"O", 3, {0x55, 0x04, 0x0A}, 0},
    {"OU", 3, {0x55, 0x04, 0x0B}, 0},
    {"title", 3, {0x55, 0x04, 0x0C}, 0},
    {"GN", 3, {0x55, 0x04, 0x2A}, 0},
    {"DC", 10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x19}, 1},
    {"UID", 10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x01}, 0},
    {"emailAddress", 9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01}, 1},
};

/* Splits "NAME=value" at the first '='; the attribute, or NULL when unknown or malformed. */
static const attr *subject_attr(const as_tlv *f, const uint8_t **value, size_t *vlen) {
  size_t eq = 0, i;
  while (eq < f->len && f->value[eq] != '=') eq++;
  if (eq == 0 || eq == f->len || !as_utf8_valid(f->value, f->len)) return NULL;
  *value = f->value + eq + 1;
  *vlen = f->len - eq - 1u;
  for (i = 0; i < sizeof ATTRS / sizeof ATTRS[0]; i++)
    if (strlen(ATTRS[i].name) == eq && memcmp(ATTRS[i].name, f->value, eq) == 0) return &ATTRS[i];
  return NULL;
}

static int ascii(const uint8_t *s, size_t n) {
  while (n--)
    if (*s++ > 0x7Fu) return 0;
  return 1;
}

static int printable(const uint8_t *s, size_t n) {
  static const char EXTRA[] = " '()+,-./:=?";
  for (; n; n--, s++) {
    uint8_t c = *s;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          (c != 0 && strchr(EXTRA, c) != NULL)))
      return 0;
  }
  return 1;
}

static int san_valid(const as_tlv *f) {
  uint8_t ip[16];
  if (f->len < 1 || f->value[0] < AS_SAN_DNS || f->value[0] > AS_SAN_EMAIL) return 0;
  if (f->value[0] == AS_SAN_IP) return as_ip_parse(f->value + 1, f->len - 1u, ip) != 0;
  return ascii(f->value + 1, f->len - 1u); /* IA5String */
}

int as_csr_validate(const uint8_t *body, size_t n) {
  as_tlv f;
  unsigned i;
  const uint8_t *v;
  size_t vl;
  for (i = 0; as_tlv_nth(body, n, AS_TAG_SUBJECT, i, &f); i++) {
    const attr *a = subject_attr(&f, &v, &vl);
    if (!a || (a->ia5 && !ascii(v, vl))) return 0;
  }
  for (i = 0; as_tlv_nth(body, n, AS_TAG_SAN, i, &f); i++)
    if (!san_valid(&f)) return 0;
  return 1;
}

void as_spki_write(as_derw *w, uint8_t alg, const uint8_t *key, size_t key_len) {
  size_t mark = as_derw_size(w);
  as_derw_raw(w, key, key_len);
  as_derw_byte(w, 0); /* no unused bits */
  as_derw_header(w, AS_DER_BIT_STRING, key_len + 1u);
  if (alg == AS_ALG_ECDSA_P256) as_derw_raw(w, ALG_EC_P256, sizeof ALG_EC_P256);
  else as_derw_raw(w, ALG_RSA, sizeof ALG_RSA);
  as_derw_wrap(w, AS_DER_SEQUENCE, mark);
}

static void write_subject(as_derw *w, const uint8_t *body, size_t n) {
  size_t mark = as_derw_size(w), vl;
  unsigned i = as_tlv_count(body, n, AS_TAG_SUBJECT);
  as_tlv f;
  const uint8_t *v;
  while (i-- > 0) { /* backwards: the last RDN is written first */
    size_t rdn = as_derw_size(w);
    const attr *a;
    as_tlv_nth(body, n, AS_TAG_SUBJECT, i, &f);
    a = subject_attr(&f, &v, &vl);
    as_derw_tlv(w, a->ia5 ? AS_DER_IA5_STRING : printable(v, vl) ? AS_DER_PRINTABLE_STRING : AS_DER_UTF8_STRING,
                v, vl);
    as_derw_tlv(w, AS_DER_OID, a->oid, a->oid_len);
    as_derw_wrap(w, AS_DER_SEQUENCE, rdn);
    as_derw_wrap(w, AS_DER_SET, rdn);
  }
  as_derw_wrap(w, AS_DER_SEQUENCE, mark);
}

/* attributes [0]: empty, or one extensionRequest with subjectAltName (critical if no subject). */
static void write_attributes(as_derw *w, const uint8_t *body, size_t n) {
  static const uint8_t GN_TAG[5] = {0, 0x82, 0x86, 0x87, 0x81}; /* dNSName, URI, iPAddress, rfc822Name */
  size_t mark = as_derw_size(w);
  unsigned i = as_tlv_count(body, n, AS_TAG_SAN);
  as_tlv f;
  if (i > 0) {
    while (i-- > 0) {
      uint8_t ip[16];
      as_tlv_nth(body, n, AS_TAG_SAN, i, &f);
      if (f.value[0] == AS_SAN_IP) as_derw_tlv(w, GN_TAG[AS_SAN_IP], ip, as_ip_parse(f.value + 1, f.len - 1u, ip));
      else as_derw_tlv(w, GN_TAG[f.value[0]], f.value + 1, f.len - 1u);
    }
    as_derw_wrap(w, AS_DER_SEQUENCE, mark);     /* GeneralNames */
    as_derw_wrap(w, AS_DER_OCTET_STRING, mark); /* extnValue */
    if (as_tlv_count(body, n, AS_TAG_SUBJECT) == 0) {
      static const uint8_t CRITICAL[3] = {AS_DER_BOOLEAN, 1, 0xFF};
      as_derw_raw(w, CRITICAL, sizeof CRITICAL);
    }
    as_derw_tlv(w, AS_DER_OID, OID_SAN, sizeof OID_SAN);
    as_derw_wrap(w, AS_DER_SEQUENCE, mark); /* Extension */
    as_derw_wrap(w, AS_DER_SEQUENCE, mark); /* Extensions */
    as_derw_wrap(w, AS_DER_SET, mark);      /* values */
    as_derw_tlv(w, AS_DER_OID, OID_EXT_REQ, sizeof OID_EXT_REQ);
    as_derw_wrap(w, AS_DER_SEQUENCE, mark); /* Attribute */
  }
  as_derw_wrap(w, 0xA0, mark);
}

/* The signature BIT STRING: ECDSA as ECDSA-Sig-Value (RFC 3279 §2.2.3) from raw r||s. */
static void write_signature(as_derw *w, uint8_t alg, const uint8_t *sig, size_t len) {
  size_t mark = as_derw_size(w);
  if (alg == AS_ALG_ECDSA_P256) {
    as_derw_uint(w, sig + len / 2u, len / 2u);
    as_derw_uint(w, sig, len / 2u);
    as_derw_wrap(w, AS_DER_SEQUENCE, mark);
  } else {
    as_derw_raw(w, sig, len);
  }
  as_derw_byte(w, 0);
  as_derw_wrap(w, AS_DER_BIT_STRING, mark);
  if (alg == AS_ALG_ECDSA_P256) as_derw_raw(w, SIG_ECDSA_SHA256, sizeof SIG_ECDSA_SHA256);
  else as_derw_raw(w, SIG_RSA_SHA256, sizeof SIG_RSA_SHA256);
}

int as_csr_build(as_dev *d, size_t n, uint8_t slot, uint8_t alg, size_t *out, const char **text) {
  const as_keys_port *k = &d->ports->keys;
  as_derw w, tail;
  size_t klen = 0, slen = 0, reserve, cri_len, tail_len;
  uint8_t hash[32], *cri_end;
  int rc;
  *text = "cannot build the CSR";
  rc = k->public_key(k->ctx, slot, d->keybuf, sizeof d->keybuf, &klen);
  if (rc != AS_OK) return rc;
  /* Room after the request for: signature algorithm, BIT STRING header and the signature. */
  reserve = 32u + (alg == AS_ALG_ECDSA_P256 ? 72u : sizeof d->keybuf);
  if (d->msg_cap < n + reserve + 8u) return AS_E_TOO_LARGE;
  cri_end = d->msg + d->msg_cap - reserve;
  as_derw_init(&w, d->msg + n, (size_t)(cri_end - (d->msg + n)));
  write_attributes(&w, d->msg, n);
  as_spki_write(&w, alg, d->keybuf, klen);
  write_subject(&w, d->msg, n);
  as_derw_raw(&w, (const uint8_t *)"\x02\x01\x00", 3); /* version 0 */
  as_derw_wrap(&w, AS_DER_SEQUENCE, 0);
  if (w.err) return AS_E_TOO_LARGE;
  cri_len = as_derw_size(&w);
  as_sha256(w.p, cri_len, hash);
  rc = k->sign(k->ctx, d, slot, w.p, cri_len, hash, d->keybuf, sizeof d->keybuf, &slen);
  if (rc != AS_OK) return rc;
  as_derw_init(&tail, cri_end, reserve);
  write_signature(&tail, alg, d->keybuf, slen);
  if (tail.err) return AS_E_INTERNAL;
  tail_len = as_derw_size(&tail);
  memmove(cri_end, tail.p, tail_len);
  w.end = cri_end + tail_len; /* extend the first writer over CRI + tail, then wrap both */
  as_derw_header(&w, AS_DER_SEQUENCE, cri_len + tail_len);
  if (w.err) return AS_E_TOO_LARGE;
  *out = as_derw_size(&w);
  memmove(d->msg, w.p, *out);
  return AS_OK;
}
