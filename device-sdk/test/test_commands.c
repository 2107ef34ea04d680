/*
 * The v1 commands against docs/device-protocol.md §6 on fake ports: KEYGEN idempotence, order of
 * checks and LOCK, CSR DER (subject order and string types, SANs, signature encoding), PUT_CERT key
 * check and byte-exact GET_CERT, SET_ASSET / GET_ASSET, storage failures, golden bodies.
 */
#include <string.h>

#include "as_der.h"
#include "as_sha256.h"
#include "check.h"
#include "harness.h"

static uint8_t BODY[16384], REQ[16384];
static size_t LEN, N;
static unsigned CODE;
static const uint8_t ZERO = 0, ONE = 1, TWO = 2, EC = AS_ALG_ECDSA_P256, RSA = AS_ALG_RSA_2048;

/* Each call is a new request (a new id), as the station sends them. */
static int call(const char *type) {
  static uint16_t id = 0x0700;
  return exchange(++id, type, REQ, N, BODY, &LEN, &CODE);
}
static int err(const char *type, unsigned code) { return call(type) == 0 && CODE == code; }

static void keygen_req(uint8_t slot, uint8_t alg, int replace) {
  uint8_t r = (uint8_t)replace;
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &slot, 1);
  tlv(REQ, &N, AS_TAG_ALG, &alg, 1);
  if (replace >= 0) tlv(REQ, &N, AS_TAG_REPLACE, &r, 1);
}

static void test_keygen(void) {
  uint8_t spki[200], first[300];
  size_t sl, fl;
  as_tlv f;
  setup(4096);
  keygen_req(0, EC, -1); /* REPLACE absent: no replace */
  CHECK(call("KEYGEN") == 1 && F.gen_calls == 1);
  sl = slot_spki(0, spki, sizeof spki);
  CHECK(as_tlv_find(BODY, LEN, AS_TAG_SPKI, &f) && f.len == sl && memcmp(f.value, spki, sl) == 0);
  CHECK(sl == 91 && memcmp(spki, "\x30\x59\x30\x13\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01", 13) == 0);
  CHECK(as_tlv_find(BODY, LEN, AS_TAG_CREATED, &f) && f.value[0] == 1);
  fl = LEN;
  memcpy(first, BODY, LEN);
  keygen_req(0, RSA, 0); /* existing key: returned with its real ALG, created 0 */
  CHECK(call("KEYGEN") == 1 && F.gen_calls == 1);
  CHECK(as_tlv_find(BODY, LEN, AS_TAG_ALG, &f) && f.value[0] == EC);
  CHECK(as_tlv_find(BODY, LEN, AS_TAG_CREATED, &f) && f.value[0] == 0);
  CHECK(LEN == fl && memcmp(BODY + 4, first + 4, fl - 8) == 0);
  keygen_req(0, EC, 2); /* only 1 means replace */
  CHECK(call("KEYGEN") == 1 && F.gen_calls == 1);
}

static void test_keygen_golden(void) {
  const golden *g = golden_find(G, NG, "keygen-request");
  setup(4096);
  CHECK(g != NULL);
  if (!g) return;
  feed(g->wire[0], strlen(g->wire[0]));
  CHECK(take() == 1 && OUT[0].id == 2 && strcmp(OUT[0].type, "OK") == 0 && F.gen_calls == 1);
}

static void test_keygen_order(void) {
  setup(4096);
  give_key(0, EC);
  keygen_req(0, AS_ALG_RSA_3072, 0); /* unsupported wins over returning the existing key */
  CHECK(err("KEYGEN", AS_E_UNSUPPORTED_ALG));
  keygen_req(5, 9, 0); /* bad slot before bad algorithm */
  CHECK(err("KEYGEN", AS_E_BAD_SLOT));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  CHECK(err("KEYGEN", AS_E_BAD_REQUEST));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, "\0\0", 2); /* u8 of two bytes */
  tlv(REQ, &N, AS_TAG_ALG, &EC, 1);
  CHECK(err("KEYGEN", AS_E_BAD_REQUEST));
  REQ[0] = 1;
  REQ[1] = 0;
  REQ[2] = 5;
  REQ[3] = 0;
  N = 4; /* conformance CMD-2: a length past the end */
  CHECK(err("KEYGEN", AS_E_BAD_REQUEST));
}

static void test_keygen_replace_and_lock(void) {
  uint8_t chain[10] = {AS_TAG_CERT, 0, 1, 0x30};
  setup(4096);
  give_key(0, EC);
  F.items[0].present = 1; /* an installed chain for slot 0 */
  F.items[0].item = AS_ITEM_CHAIN;
  F.items[0].slot = 0;
  memcpy(F.items[0].data, chain, 4);
  F.items[0].len = 4;
  keygen_req(0, RSA, 1);
  CHECK(call("KEYGEN") == 1 && F.gen_calls == 1 && F.key_alg[0] == RSA);
  CHECK(F.items[0].len == 0); /* the old key's chain is gone */
  N = 0;
  CHECK(call("LOCK") == 1 && LEN == 0);
  keygen_req(0, EC, 1);
  CHECK(err("KEYGEN", AS_E_LOCKED) && F.gen_calls == 1);
  keygen_req(1, EC, 0); /* an empty slot cannot get a key either */
  CHECK(err("KEYGEN", AS_E_LOCKED));
  keygen_req(0, EC, 0); /* the existing key is still returned */
  CHECK(call("KEYGEN") == 1);
  N = 0;
  CHECK(call("HELLO") == 1 && BODY[LEN - 1] == (AS_STATE_KEY | AS_STATE_LOCKED));
}

static void csr_req(const char *const *subject, const uint8_t *sans, size_t sans_len) {
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  for (; subject && *subject; subject++) tlv_text(REQ, &N, AS_TAG_SUBJECT, *subject);
  if (sans_len) memcpy(REQ + N, sans, sans_len);
  N += sans_len;
}

static void san(uint8_t *buf, size_t *n, uint8_t type, const char *v) {
  uint8_t tmp[128];
  tmp[0] = type;
  memcpy(tmp + 1, v, strlen(v));
  tlv(buf, n, AS_TAG_SAN, tmp, 1 + strlen(v));
}

/* Reads the children of a constructed element into `kids`; returns the count. */
static size_t kids_of(const as_der *e, as_der *kids, size_t max) {
  const uint8_t *p = e->value, *end = e->value + e->len;
  size_t n = 0;
  while (p < end && n < max && as_der_read(&p, end, &kids[n])) n++;
  return n;
}

static void test_csr_der(void) {
  static const char *const subject[] = {"CN=dev-1", "O=Acm\xC3\xA9", "emailAddress=a@b.example",
                                        "OU=a=b", NULL};
  uint8_t sans[256], spki[200], h[32];
  size_t sn = 0, sl;
  const uint8_t *p;
  as_der csr, top[4], cri[5], rdn[2], atv[3], attr[3], ext[3], names[6], sig[3];
  setup(4096);
  give_key(0, EC);
  san(sans, &sn, AS_SAN_URI, "urn:acme:device:1");
  san(sans, &sn, AS_SAN_DNS, "dev-1.example");
  san(sans, &sn, AS_SAN_IP, "10.0.0.1");
  san(sans, &sn, AS_SAN_IP, "::1");
  san(sans, &sn, AS_SAN_EMAIL, "ops@acme.example");
  csr_req(subject, sans, sn);
  CHECK(call("CSR") == 1);
  p = BODY;
  CHECK(as_der_read(&p, BODY + LEN, &csr) && p == BODY + LEN && csr.tag == 0x30);
  CHECK(kids_of(&csr, top, 4) == 3);
  as_sha256(top[0].raw, top[0].raw_len, h); /* what was signed: SHA-256(CertificationRequestInfo) */
  CHECK(memcmp(F.last_hash, h, 32) == 0);
  CHECK(kids_of(&top[0], cri, 5) == 4 && cri[0].len == 1 && cri[0].value[0] == 0);
  CHECK(kids_of(&cri[1], rdn, 2) == 2); /* max 2 read, 4 RDNs present */
  {
    as_der rdns[5], set[1];
    size_t i;
    static const uint8_t tags[4] = {AS_DER_PRINTABLE_STRING, AS_DER_UTF8_STRING, AS_DER_IA5_STRING,
                                    AS_DER_PRINTABLE_STRING};
    CHECK(kids_of(&cri[1], rdns, 5) == 4);
    for (i = 0; i < 4; i++) {
      CHECK(kids_of(&rdns[i], set, 1) == 1 && kids_of(&set[0], atv, 3) == 2 && atv[1].tag == tags[i]);
    }
    CHECK(atv[1].len == 3 && memcmp(atv[1].value, "a=b", 3) == 0); /* value after the first '=' */
  }
  sl = slot_spki(0, spki, sizeof spki);
  CHECK(cri[2].raw_len == sl && memcmp(cri[2].raw, spki, sl) == 0);
  CHECK(cri[3].tag == 0xA0 && kids_of(&cri[3], attr, 1) == 1 && kids_of(&attr[0], attr, 3) == 2);
  CHECK(attr[0].len == 9 && memcmp(attr[0].value, "\x2A\x86\x48\x86\xF7\x0D\x01\x09\x0E", 9) == 0);
  CHECK(kids_of(&attr[1], ext, 1) == 1 && kids_of(&ext[0], ext, 1) == 1 && kids_of(&ext[0], ext, 3) == 2);
  CHECK(ext[0].len == 3 && memcmp(ext[0].value, "\x55\x1D\x11", 3) == 0 && ext[1].tag == 0x04);
  p = ext[1].value;
  CHECK(as_der_read(&p, ext[1].value + ext[1].len, &ext[2]) && kids_of(&ext[2], names, 6) == 5);
  CHECK(names[0].tag == 0x86 && names[0].len == 17 && names[1].tag == 0x82);
  CHECK(names[2].tag == 0x87 && names[2].len == 4 && memcmp(names[2].value, "\x0A\x00\x00\x01", 4) == 0);
  CHECK(names[3].tag == 0x87 && names[3].len == 16 && names[3].value[15] == 1 && names[4].tag == 0x81);
  CHECK(top[1].raw_len == 12 && top[1].raw[11] == 0x02); /* ecdsa-with-SHA256 */
  CHECK(top[2].tag == 0x03 && top[2].value[0] == 0);
  p = top[2].value + 1;
  CHECK(as_der_read(&p, top[2].value + top[2].len, &sig[0]) && kids_of(&sig[0], sig + 1, 2) == 2);
  CHECK(sig[1].len == 33 && sig[1].value[0] == 0); /* r: 0x00 before a high bit */
  CHECK(sig[2].len <= 32 && (sig[2].value[0] != 0 || (sig[2].value[1] & 0x80))); /* s: minimal */
}

static void test_csr_rsa_and_empty(void) {
  static const char *const cn[] = {"CN=x", NULL};
  as_der csr, top[3];
  const uint8_t *p;
  setup(4096);
  give_key(0, RSA);
  csr_req(cn, NULL, 0);
  CHECK(call("CSR") == 1);
  p = BODY;
  CHECK(as_der_read(&p, BODY + LEN, &csr) && kids_of(&csr, top, 3) == 3);
  CHECK(top[1].raw_len == 15 && top[1].raw[12] == 0x0B && top[2].len == 257);
  {
    as_der cri[4];
    CHECK(kids_of(&top[0], cri, 4) == 4 && cri[3].tag == 0xA0 && cri[3].len == 0);
  }
}

static void test_csr_rejects(void) {
  static const char *const unknown[] = {"XX=1", NULL}, *const noname[] = {"=v", NULL},
                           *const noeq[] = {"CN", NULL}, *const email8[] = {"emailAddress=\xC3\xA9", NULL};
  uint8_t sans[64];
  size_t sn;
  setup(4096);
  give_key(0, EC);
  csr_req(unknown, NULL, 0);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  csr_req(noname, NULL, 0);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  csr_req(noeq, NULL, 0);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  csr_req(email8, NULL, 0);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  sn = 0;
  san(sans, &sn, 9, "x");
  csr_req(NULL, sans, sn);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  sn = 0;
  san(sans, &sn, AS_SAN_IP, "1.2.3");
  csr_req(NULL, sans, sn);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  sn = 0;
  san(sans, &sn, AS_SAN_DNS, "b\xC3\xA9.example");
  csr_req(NULL, sans, sn);
  CHECK(err("CSR", AS_E_BAD_REQUEST));
  csr_req(NULL, NULL, 0);
  REQ[3] = 1; /* slot 1 has no key */
  CHECK(err("CSR", AS_E_NO_KEY));
  REQ[3] = 9;
  CHECK(err("CSR", AS_E_BAD_SLOT));
  CHECK(F.sign_calls == 0);
}

static void cert_req(uint8_t slot, const uint8_t *leaf, size_t leaf_len, int with_junk) {
  static const uint8_t second[] = {0x30, 0x03, 0x02, 0x01, 0x05};
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &slot, 1);
  if (leaf) tlv(REQ, &N, AS_TAG_CERT, leaf, leaf_len);
  if (with_junk) tlv(REQ, &N, 0x7F, "ignored", 7);
  if (leaf) tlv(REQ, &N, AS_TAG_CERT, second, sizeof second);
}

static void test_put_get_cert(void) {
  uint8_t spki[200], leaf[600], want[800];
  size_t sl, cl, wn = 0;
  setup(4096);
  give_key(0, EC);
  sl = slot_spki(0, spki, sizeof spki);
  cl = fake_cert(spki, sl, leaf, sizeof leaf);
  cert_req(0, leaf, cl, 1);
  CHECK(call("PUT_CERT") == 1 && LEN == 0);
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  CHECK(call("GET_CERT") == 1);
  tlv(want, &wn, AS_TAG_SLOT, &ZERO, 1);
  tlv(want, &wn, AS_TAG_CERT, leaf, cl);
  tlv(want, &wn, AS_TAG_CERT, "\x30\x03\x02\x01\x05", 5);
  CHECK(LEN == wn && memcmp(BODY, want, wn) == 0); /* the chain byte for byte, unknown tag dropped */
  N = 0;
  CHECK(call("HELLO") == 1 && (BODY[LEN - 1] & AS_STATE_CERT));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ONE, 1);
  CHECK(call("GET_CERT") == 1 && LEN == 4); /* empty chain */
}

static void test_put_cert_refusals(void) {
  uint8_t spki[200], leaf[600];
  size_t sl, cl;
  setup(4096);
  give_key(0, EC);
  give_key(1, EC);
  sl = slot_spki(0, spki, sizeof spki);
  cl = fake_cert(spki, sl, leaf, sizeof leaf);
  cert_req(0, leaf, cl, 0);
  CHECK(call("PUT_CERT") == 1);
  cert_req(1, leaf, cl, 0); /* slot 1 has another key */
  CHECK(err("PUT_CERT", AS_E_KEY_MISMATCH));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ONE, 1);
  CHECK(call("GET_CERT") == 1 && LEN == 4); /* nothing stored by the refused PUT_CERT */
  leaf[cl] = 0;
  cert_req(0, leaf, cl + 1, 0); /* a trailing byte: not DER */
  CHECK(err("PUT_CERT", AS_E_BAD_CERT));
  cert_req(0, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, 0);
  CHECK(err("PUT_CERT", AS_E_BAD_CERT));
  cert_req(0, NULL, 0, 0);
  CHECK(err("PUT_CERT", AS_E_BAD_REQUEST));
  cert_req(7, leaf, cl, 0);
  CHECK(err("PUT_CERT", AS_E_BAD_SLOT));
  F.has_key[1] = 0;
  cert_req(1, leaf, cl, 0);
  CHECK(err("PUT_CERT", AS_E_NO_KEY));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  CHECK(call("GET_CERT") == 1 && LEN == 4 + 3 + cl + 3 + 5); /* slot 0's chain is intact */
}

static void test_locked_refusals(void) {
  const golden *g = golden_find(G, NG, "error-locked");
  uint8_t spki[200], leaf[600];
  size_t sl, cl;
  setup(4096);
  ID.refuse_when_locked = 1;
  give_key(0, EC);
  sl = slot_spki(0, spki, sizeof spki);
  cl = fake_cert(spki, sl, leaf, sizeof leaf);
  N = 0;
  CHECK(call("LOCK") == 1);
  cert_req(0, leaf, cl, 0);
  CHECK(err("PUT_CERT", AS_E_LOCKED));
  CHECK(g && LEN == g->body_len && memcmp(BODY, g->body, LEN) == 0); /* the golden ERR body */
  N = 0;
  tlv_text(REQ, &N, AS_TAG_ASSET_ID, "02i");
  tlv_text(REQ, &N, AS_TAG_ORG_ID, "00D");
  CHECK(err("SET_ASSET", AS_E_LOCKED));
  ID.refuse_when_locked = 0; /* the default: allowed after LOCK */
  CHECK(call("SET_ASSET") == 1);
}

static void test_asset(void) {
  const golden *g = golden_find(G, NG, "set-asset-request");
  uint8_t tok[1100];
  setup(4096);
  N = 0;
  CHECK(call("GET_ASSET") == 1 && LEN == 0); /* nothing stored: empty body */
  CHECK(g != NULL);
  if (!g) return;
  feed(g->wire[0], strlen(g->wire[0]));
  CHECK(take() == 1 && strcmp(OUT[0].type, "OK") == 0 && OUT[0].id == 4);
  CHECK(call("GET_ASSET") == 1 && LEN == g->body_len && memcmp(BODY, g->body, LEN) == 0);
  memset(tok, 'a', sizeof tok);
  memcpy(tok, "eyJ", 3);
  N = 0;
  tlv_text(REQ, &N, AS_TAG_ASSET_ID, "02iFIRST");
  tlv_text(REQ, &N, AS_TAG_ORG_ID, "00DORG");
  tlv_text(REQ, &N, AS_TAG_ASSET_ID, "02iSECOND"); /* repeated: the first counts */
  tlv(REQ, &N, AS_TAG_ASSET_TOKEN, tok, sizeof tok);
  CHECK(call("SET_ASSET") == 1);
  N = 0;
  CHECK(call("GET_ASSET") == 1 && LEN == 3 + 8 + 3 + 6 + 3 + sizeof tok);
  CHECK(memcmp(BODY + 3, "02iFIRST", 8) == 0 && memcmp(BODY + LEN - sizeof tok, tok, sizeof tok) == 0);
  CHECK(call("HELLO") == 1 && (BODY[LEN - 1] & AS_STATE_ASSET));
}

static void test_asset_refusals(void) {
  const golden *g = golden_find(G, NG, "set-asset-request");
  setup(4096);
  ID.caps = 0;
  if (!g) return;
  feed(g->wire[0], strlen(g->wire[0]));
  CHECK(take() == 1 && strcmp(OUT[0].type, "OK") == 0);
  memcpy(REQ, g->body, g->body_len);
  N = g->body_len;
  tlv_text(REQ, &N, AS_TAG_ASSET_TOKEN, "eyJx");
  CHECK(err("SET_ASSET", AS_E_BAD_REQUEST)); /* no token capability: the whole request refused */
  N = 0;
  CHECK(call("GET_ASSET") == 1 && LEN == g->body_len && memcmp(BODY, g->body, LEN) == 0);
  N = 0;
  tlv_text(REQ, &N, AS_TAG_ASSET_ID, "");
  tlv_text(REQ, &N, AS_TAG_ORG_ID, "00D");
  CHECK(err("SET_ASSET", AS_E_BAD_REQUEST));
  N = 0;
  tlv(REQ, &N, AS_TAG_ASSET_ID, "\xFF", 1);
  tlv_text(REQ, &N, AS_TAG_ORG_ID, "00D");
  CHECK(err("SET_ASSET", AS_E_BAD_REQUEST));
  N = 0;
  CHECK(err("SET_ASSET", AS_E_BAD_REQUEST));
}

static void test_storage_failure(void) {
  const golden *g = golden_find(G, NG, "set-asset-request");
  setup(4096);
  F.fail_writes = 1;
  if (!g) return;
  memcpy(REQ, g->body, g->body_len);
  N = g->body_len;
  CHECK(err("SET_ASSET", AS_E_STORAGE));
  N = 0;
  CHECK(err("LOCK", AS_E_STORAGE));
  give_key(0, EC);
  keygen_req(0, EC, 1);
  CHECK(err("KEYGEN", AS_E_STORAGE) && F.gen_calls == 0); /* no key change when the chain cannot go */
  N = 0;
  CHECK(call("HELLO") == 1 && BODY[LEN - 1] == AS_STATE_KEY);
}

static void test_sign(void) {
  uint8_t h[32];
  setup(4096);
  give_key(0, EC);
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  tlv(REQ, &N, AS_TAG_SIG_ALG, &TWO, 1);
  tlv_text(REQ, &N, AS_TAG_DATA, "x");
  CHECK(err("SIGN", AS_E_ALG_MISMATCH));
  REQ[7] = 3;
  CHECK(err("SIGN", AS_E_UNSUPPORTED_ALG));
  REQ[7] = 1;
  CHECK(call("SIGN") == 1 && LEN == 64);
  as_sha256((const uint8_t *)"x", 1, h);
  CHECK(memcmp(F.last_hash, h, 32) == 0);
  N = 8; /* no DATA */
  CHECK(err("SIGN", AS_E_BAD_REQUEST));
  tlv_text(REQ, &N, AS_TAG_DATA, "x");
  F.sign_rc = AS_E_TOO_SMALL; /* a key store's own code never reaches the wire */
  CHECK(err("SIGN", AS_E_INTERNAL));
  F.sign_rc = 77;
  CHECK(err("SIGN", AS_E_INTERNAL));
  F.sign_rc = AS_E_STORAGE; /* a protocol code is passed on */
  CHECK(err("SIGN", AS_E_STORAGE));
}

int main(int argc, char **argv) {
  NG = argc > 1 ? golden_load(argv[1], G, GOLDEN_MAX) : 0;
  RUN(test_keygen, "KEYGEN creates once, then returns the same key and real ALG with CREATED=0");
  RUN(test_keygen_golden, "KEYGEN: the golden keygen-request is answered OK");
  RUN(test_keygen_order, "KEYGEN checks in order: BAD_REQUEST, BAD_SLOT, UNSUPPORTED_ALG, then key");
  RUN(test_keygen_replace_and_lock, "KEYGEN replace clears the chain; after LOCK only existing keys");
  RUN(test_csr_der, "CSR DER: version, RDN order and string types, SPKI, SAN extension, ECDSA sig");
  RUN(test_csr_rsa_and_empty, "CSR with an RSA key: sha256WithRSAEncryption, empty attributes [0]");
  RUN(test_csr_rejects, "CSR refuses unknown attributes, bad SANs, no key, bad slot; signs nothing");
  RUN(test_put_get_cert, "PUT_CERT stores the chain; GET_CERT returns it byte for byte");
  RUN(test_put_cert_refusals, "PUT_CERT: KEY_MISMATCH, BAD_CERT, BAD_REQUEST, BAD_SLOT, NO_KEY, no change");
  RUN(test_locked_refusals, "refuse-when-locked: PUT_CERT/SET_ASSET LOCKED (golden ERR body)");
  RUN(test_asset, "SET_ASSET (golden) / GET_ASSET exact, 1 KB token, first field wins");
  RUN(test_asset_refusals, "SET_ASSET refuses a token without the capability and bad fields; keeps old");
  RUN(test_storage_failure, "storage faults answer STORAGE and change nothing");
  RUN(test_sign, "SIGN: ALG_MISMATCH, UNSUPPORTED_ALG, hash of DATA, missing DATA, key store errors");
  CHECK_DONE();
}
