/*
 * The v1 commands (docs/device-protocol.md §6), each checked in the order the spec states:
 * body (BAD_REQUEST), slot (BAD_SLOT), algorithm (UNSUPPORTED_ALG), key (NO_KEY), lock (LOCKED),
 * then the work through the ports. Responses are written into the message buffer.
 */
#include <string.h>

#include "as_der.h"
#include "as_sha256.h"
#include "internal.h"

#define FAIL(code, why) \
  do {                  \
    *text = (why);      \
    return (code);      \
  } while (0)

static const as_ports *P(const as_dev *d) { return d->ports; }

/* Appends a TLV field at msg[*pos]; 0 when it does not fit. */
static int put(as_dev *d, size_t *pos, uint8_t tag, const void *v, size_t n) {
  if (n > 0xFFFFu || d->msg_cap - *pos < 3u + n) return 0;
  as_tlv_header(d->msg + *pos, tag, (uint16_t)n);
  if (n) memmove(d->msg + *pos + 3, v, n);
  *pos += 3u + n;
  return 1;
}

static int locked(const as_dev *d) {
  uint8_t v = 0;
  size_t n = 0;
  return P(d)->storage.read(P(d)->storage.ctx, AS_ITEM_LOCK, 0, &v, 1, &n) == AS_OK && n == 1 &&
         v == 1;
}

static size_t stored_size(const as_dev *d, as_item item, uint8_t slot) {
  size_t n = 0;
  return P(d)->storage.read(P(d)->storage.ctx, item, slot, NULL, 0, &n) == AS_E_STORAGE ? 0 : n;
}

static int key_alg(const as_dev *d, uint8_t slot, uint8_t *alg) {
  return P(d)->keys.info(P(d)->keys.ctx, slot, alg);
}

static int hello(as_dev *d, size_t *out, const char **text) {
  const as_identity *id = d->id;
  uint8_t state = 0, v[2], alg, s;
  for (s = 0; s < id->slot_count; s++) {
    if (key_alg(d, s, &alg) == AS_OK) state |= AS_STATE_KEY;
    if (stored_size(d, AS_ITEM_CHAIN, s) > 0) state |= AS_STATE_CERT;
  }
  if (stored_size(d, AS_ITEM_ASSET, 0) > 0) state |= AS_STATE_ASSET;
  if (locked(d)) state |= AS_STATE_LOCKED;
  v[0] = AS_PROTOCOL_VERSION;
  *out = 0;
  if (!put(d, out, AS_TAG_PROTOCOL, v, 1) || !put(d, out, AS_TAG_MODEL, id->model, strlen(id->model)) ||
      !put(d, out, AS_TAG_UID, id->uid, strlen(id->uid)) ||
      !put(d, out, AS_TAG_FIRMWARE, id->firmware, strlen(id->firmware)))
    FAIL(AS_E_INTERNAL, "identity too long");
  v[0] = (uint8_t)(d->max_frame >> 8);
  v[1] = (uint8_t)d->max_frame;
  put(d, out, AS_TAG_MAX_FRAME, v, 2);
  put(d, out, AS_TAG_KEY_ALGS, id->key_algs, id->key_alg_count);
  put(d, out, AS_TAG_CAPS, &id->caps, 1);
  put(d, out, AS_TAG_STATE, &state, 1);
  return AS_OK;
}

/* KEYGEN response: ALG, SPKI, CREATED, built from the end of the buffer. */
static int keygen_response(as_dev *d, uint8_t slot, uint8_t alg, uint8_t created, size_t *out,
                           const char **text) {
  as_derw w;
  size_t klen = 0, spki;
  uint8_t h[3];
  int rc = P(d)->keys.public_key(P(d)->keys.ctx, slot, d->keybuf, sizeof d->keybuf, &klen);
  if (rc != AS_OK) FAIL(rc, "cannot read the public key");
  as_derw_init(&w, d->msg, d->msg_cap);
  as_derw_byte(&w, created);
  as_tlv_header(h, AS_TAG_CREATED, 1);
  as_derw_raw(&w, h, 3);
  spki = as_derw_size(&w);
  as_spki_write(&w, alg, d->keybuf, klen);
  as_tlv_header(h, AS_TAG_SPKI, (uint16_t)(as_derw_size(&w) - spki));
  as_derw_raw(&w, h, 3);
  as_derw_byte(&w, alg);
  as_tlv_header(h, AS_TAG_ALG, 1);
  as_derw_raw(&w, h, 3);
  if (w.err) FAIL(AS_E_INTERNAL, "response buffer too small");
  *out = as_derw_size(&w);
  memmove(d->msg, w.p, *out);
  return AS_OK;
}

static int supported(const as_dev *d, uint8_t alg) {
  unsigned i;
  for (i = 0; i < d->id->key_alg_count; i++)
    if (d->id->key_algs[i] == alg) return 1;
  return 0;
}

static int keygen(as_dev *d, size_t n, size_t *out, const char **text) {
  uint8_t slot, alg, replace = 0, cur = 0;
  int rc;
  if (!as_tlv_u8(d->msg, n, AS_TAG_SLOT, &slot) || !as_tlv_u8(d->msg, n, AS_TAG_ALG, &alg))
    FAIL(AS_E_BAD_REQUEST, "KEYGEN needs SLOT and ALG");
  (void)as_tlv_u8(d->msg, n, AS_TAG_REPLACE, &replace); /* absent or not 1: no replace */
  if (slot >= d->id->slot_count) FAIL(AS_E_BAD_SLOT, "slot does not exist");
  if (!supported(d, alg)) FAIL(AS_E_UNSUPPORTED_ALG, "algorithm not supported");
  rc = key_alg(d, slot, &cur);
  if (rc == AS_OK && replace != 1) return keygen_response(d, slot, cur, 0, out, text);
  if (rc != AS_OK && rc != AS_E_NO_KEY) FAIL(rc, "key store failed");
  if (locked(d)) FAIL(AS_E_LOCKED, "device is locked: key generation refused");
  /* The chain belongs to the old key: it goes first, so no reset can pair it with the new one. */
  if (P(d)->storage.write(P(d)->storage.ctx, AS_ITEM_CHAIN, slot, NULL, 0) != AS_OK)
    FAIL(AS_E_STORAGE, "cannot clear the certificate chain");
  rc = P(d)->keys.generate(P(d)->keys.ctx, d, slot, alg);
  if (rc != AS_OK) FAIL(rc, "key generation failed");
  return keygen_response(d, slot, alg, 1, out, text);
}

static int slot_with_key(as_dev *d, uint8_t *slot, uint8_t *alg, const char **text) {
  int rc;
  if (*slot >= d->id->slot_count) FAIL(AS_E_BAD_SLOT, "slot does not exist");
  rc = key_alg(d, *slot, alg);
  if (rc == AS_E_NO_KEY) FAIL(AS_E_NO_KEY, "slot has no key");
  if (rc != AS_OK) FAIL(rc, "key store failed");
  return AS_OK;
}

static int sign(as_dev *d, size_t n, size_t *out, const char **text) {
  uint8_t slot, sig_alg, alg, hash[32];
  as_tlv data;
  int rc;
  if (!as_tlv_u8(d->msg, n, AS_TAG_SLOT, &slot) || !as_tlv_u8(d->msg, n, AS_TAG_SIG_ALG, &sig_alg) ||
      !as_tlv_find(d->msg, n, AS_TAG_DATA, &data))
    FAIL(AS_E_BAD_REQUEST, "SIGN needs SLOT, SIG_ALG and DATA");
  if ((rc = slot_with_key(d, &slot, &alg, text)) != AS_OK) return rc;
  if (sig_alg != AS_SIG_ES256 && sig_alg != AS_SIG_RS256)
    FAIL(AS_E_UNSUPPORTED_ALG, "signature algorithm not supported");
  if ((sig_alg == AS_SIG_ES256) != (alg == AS_ALG_ECDSA_P256))
    FAIL(AS_E_ALG_MISMATCH, "signature algorithm does not match the key");
  as_sha256(data.value, data.len, hash);
  rc = P(d)->keys.sign(P(d)->keys.ctx, d, slot, data.value, data.len, hash, d->keybuf,
                       sizeof d->keybuf, out);
  if (rc != AS_OK) FAIL(rc, "signing failed");
  memcpy(d->msg, d->keybuf, *out);
  return AS_OK;
}

/* Keeps the first field of each tag in `tags` (or every field with tags[0] when `all`), in order. */
static size_t compact(as_dev *d, size_t n, const uint8_t *tags, unsigned ntags, int all) {
  as_tlv_iter it;
  as_tlv f;
  size_t o = 0;
  unsigned seen = 0, i;
  it.body = d->msg;
  it.len = n;
  it.pos = 0;
  while (as_tlv_next(&it, &f)) {
    for (i = 0; i < ntags; i++)
      if (f.tag == tags[i] && (all || !(seen & (1u << i)))) break;
    if (i == ntags) continue;
    seen |= 1u << i;
    memmove(d->msg + o, f.value - 3, 3u + f.len); /* never ahead of the field being read */
    o += 3u + f.len;
  }
  return o;
}

static int put_cert(as_dev *d, size_t n, size_t *out, const char **text) {
  static const uint8_t CERT_TAG[1] = {AS_TAG_CERT};
  uint8_t slot, alg;
  as_tlv leaf;
  size_t klen = 0, len;
  int rc;
  if (!as_tlv_u8(d->msg, n, AS_TAG_SLOT, &slot) || !as_tlv_find(d->msg, n, AS_TAG_CERT, &leaf))
    FAIL(AS_E_BAD_REQUEST, "PUT_CERT needs SLOT and at least one CERT");
  if ((rc = slot_with_key(d, &slot, &alg, text)) != AS_OK) return rc;
  if (d->id->refuse_when_locked && locked(d)) FAIL(AS_E_LOCKED, "device is locked");
  rc = P(d)->keys.public_key(P(d)->keys.ctx, slot, d->keybuf, sizeof d->keybuf, &klen);
  if (rc != AS_OK) FAIL(rc, "cannot read the public key");
  rc = as_cert_check_leaf(leaf.value, leaf.len, alg, d->keybuf, klen);
  if (rc == AS_E_BAD_CERT) FAIL(rc, "the leaf is not a DER X.509 certificate");
  if (rc != AS_OK) FAIL(rc, "the leaf certificate is for another key");
  len = compact(d, n, CERT_TAG, 1, 1);
  if (P(d)->storage.write(P(d)->storage.ctx, AS_ITEM_CHAIN, slot, d->msg, len) != AS_OK)
    FAIL(AS_E_STORAGE, "cannot store the certificate chain");
  *out = 0;
  return AS_OK;
}

static int get_cert(as_dev *d, size_t n, size_t *out, const char **text) {
  uint8_t slot;
  size_t len = 0;
  int rc;
  if (!as_tlv_u8(d->msg, n, AS_TAG_SLOT, &slot)) FAIL(AS_E_BAD_REQUEST, "GET_CERT needs SLOT");
  if (slot >= d->id->slot_count) FAIL(AS_E_BAD_SLOT, "slot does not exist");
  as_tlv_header(d->msg, AS_TAG_SLOT, 1);
  d->msg[3] = slot;
  rc = P(d)->storage.read(P(d)->storage.ctx, AS_ITEM_CHAIN, slot, d->msg + 4, d->msg_cap - 4u, &len);
  if (rc != AS_OK) FAIL(rc == AS_E_TOO_SMALL ? AS_E_INTERNAL : AS_E_STORAGE, "cannot read the chain");
  *out = 4u + len;
  return AS_OK;
}

static int text_field(const as_dev *d, size_t n, uint8_t tag, as_tlv *f) {
  return as_tlv_find(d->msg, n, tag, f) && as_utf8_valid(f->value, f->len);
}

static int set_asset(as_dev *d, size_t n, size_t *out, const char **text) {
  static const uint8_t TAGS[3] = {AS_TAG_ASSET_ID, AS_TAG_ORG_ID, AS_TAG_ASSET_TOKEN};
  as_tlv a, o, t;
  size_t len;
  if (!text_field(d, n, AS_TAG_ASSET_ID, &a) || !text_field(d, n, AS_TAG_ORG_ID, &o))
    FAIL(AS_E_BAD_REQUEST, "SET_ASSET needs ASSET_ID and ORG_ID");
  if (a.len == 0 || o.len == 0) FAIL(AS_E_BAD_REQUEST, "ASSET_ID and ORG_ID must not be empty");
  if (as_tlv_find(d->msg, n, AS_TAG_ASSET_TOKEN, &t)) {
    if (!as_utf8_valid(t.value, t.len)) FAIL(AS_E_BAD_REQUEST, "ASSET_TOKEN is not UTF-8");
    if (!(d->id->caps & AS_CAP_ASSET_TOKEN))
      FAIL(AS_E_BAD_REQUEST, "this device does not store asset tokens");
  }
  if (d->id->refuse_when_locked && locked(d)) FAIL(AS_E_LOCKED, "device is locked");
  len = compact(d, n, TAGS, 3, 0);
  if (P(d)->storage.write(P(d)->storage.ctx, AS_ITEM_ASSET, 0, d->msg, len) != AS_OK)
    FAIL(AS_E_STORAGE, "cannot store the Asset binding");
  *out = 0;
  return AS_OK;
}

static int get_asset(as_dev *d, size_t *out, const char **text) {
  int rc = P(d)->storage.read(P(d)->storage.ctx, AS_ITEM_ASSET, 0, d->msg, d->msg_cap, out);
  if (rc != AS_OK) FAIL(AS_E_STORAGE, "cannot read the Asset binding");
  return AS_OK;
}

static int lock(as_dev *d, size_t *out, const char **text) {
  static const uint8_t ONE = 1;
  if (P(d)->storage.write(P(d)->storage.ctx, AS_ITEM_LOCK, 0, &ONE, 1) != AS_OK)
    FAIL(AS_E_STORAGE, "cannot store the lock flag");
  *out = 0;
  return AS_OK;
}

int as_execute(as_dev *d, as_command cmd, size_t n, size_t *out, const char **text) {
  uint8_t slot, alg;
  int rc;
  *out = 0;
  /* HELLO, GET_ASSET and LOCK take no fields: like the simulator, they ignore any body. */
  if (cmd == AS_CMD_HELLO) return hello(d, out, text);
  if (cmd == AS_CMD_GET_ASSET) return get_asset(d, out, text);
  if (cmd == AS_CMD_LOCK) return lock(d, out, text);
  if (!as_tlv_valid(d->msg, n)) FAIL(AS_E_BAD_REQUEST, "body is not a TLV sequence");
  switch (cmd) {
    case AS_CMD_KEYGEN: return keygen(d, n, out, text);
    case AS_CMD_CSR:
      if (!as_tlv_u8(d->msg, n, AS_TAG_SLOT, &slot) || !as_csr_validate(d->msg, n))
        FAIL(AS_E_BAD_REQUEST, "CSR needs SLOT and well-formed SUBJECT/SAN fields");
      if ((rc = slot_with_key(d, &slot, &alg, text)) != AS_OK) return rc;
      return as_csr_build(d, n, slot, alg, out, text);
    case AS_CMD_SIGN: return sign(d, n, out, text);
    case AS_CMD_PUT_CERT: return put_cert(d, n, out, text);
    case AS_CMD_GET_CERT: return get_cert(d, n, out, text);
    case AS_CMD_SET_ASSET: return set_asset(d, n, out, text);
    default: FAIL(AS_E_UNKNOWN_COMMAND, "unknown command");
  }
}
