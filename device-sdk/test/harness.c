/* See harness.h. */
#include <string.h>

#include "as_der.h"
#include "harness.h"
#include "internal.h"

fake F;
as_ports P;
as_dev D;
as_identity ID;
out_frame OUT[64];
golden G[GOLDEN_MAX];
size_t NG;
static uint8_t LINE[256];
static uint8_t MSG[8192];

void setup(size_t msg_cap) {
  static const as_identity base = {"ESP32-S3", "A4CF12F00D01", "1.2.0", {AS_ALG_ECDSA_P256, AS_ALG_RSA_2048, 0},
                                   2, 2, AS_CAP_ASSET_TOKEN, 0};
  ID = base;
  fake_init(&F, &P);
  as_dev_init(&D, &ID, &P, LINE, sizeof LINE, MSG, msg_cap);
}

void give_key(uint8_t slot, uint8_t alg) {
  F.has_key[slot] = 1;
  F.key_alg[slot] = alg;
}

void feed(const void *bytes, size_t len) { as_dev_input(&D, (const uint8_t *)bytes, len); }

void send_msg(uint16_t id, const char *type, const uint8_t *body, size_t len) {
  static uint8_t wire[200000];
  feed(wire, encode_message(id, type, body, len, 256, wire, sizeof wire));
}

size_t take(void) { return fake_take_frames(&F, OUT, 64); }

int exchange(uint16_t id, const char *type, const uint8_t *req, size_t req_len, uint8_t *body,
             size_t *len, unsigned *err_code) {
  size_t n, i, first = 0, count = 0;
  send_msg(id, type, req, req_len);
  n = take();
  for (i = 0; i < n; i++)
    if (OUT[i].id == id && (strcmp(OUT[i].type, "OK") == 0 || strcmp(OUT[i].type, "ERR") == 0)) {
      if (!count) first = i;
      count++;
    }
  if (!count) return -1;
  *len = join_payloads(OUT + first, count, body, 16384);
  if (strcmp(OUT[first].type, "OK") == 0) return 1;
  *err_code = body[0] == 0x30 ? ((unsigned)body[3] << 8 | body[4]) : 0;
  return 0;
}

void tlv(uint8_t *buf, size_t *n, uint8_t tag, const void *v, size_t len) {
  as_tlv_header(buf + *n, tag, (uint16_t)len);
  memcpy(buf + *n + 3, v, len);
  *n += 3 + len;
}

void tlv_text(uint8_t *buf, size_t *n, uint8_t tag, const char *s) { tlv(buf, n, tag, s, strlen(s)); }

size_t slot_spki(uint8_t slot, uint8_t *out, size_t cap) {
  uint8_t key[400];
  size_t kl = fake_public_key(&F, slot, key, sizeof key);
  as_derw w;
  as_derw_init(&w, out, cap);
  as_spki_write(&w, F.key_alg[slot], key, kl);
  memmove(out, w.p, as_derw_size(&w));
  return as_derw_size(&w);
}

size_t fake_cert(const uint8_t *spki, size_t spki_len, uint8_t *out, size_t cap) {
  static const uint8_t name[] = {0x30, 0x0B, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x00};
  static const uint8_t alg[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
  static const uint8_t validity[] = {0x30, 0x1E, 0x17, 0x0D, '2', '6', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z',
                                     0x17, 0x0D, '3', '6', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z'};
  static const uint8_t sig[] = {0x03, 0x03, 0x00, 0x30, 0x00};
  as_derw w;
  size_t tbs;
  as_derw_init(&w, out, cap);
  as_derw_raw(&w, sig, sizeof sig);
  as_derw_raw(&w, alg, sizeof alg);
  tbs = as_derw_size(&w);
  as_derw_raw(&w, spki, spki_len);
  as_derw_raw(&w, name, sizeof name);
  as_derw_raw(&w, validity, sizeof validity);
  as_derw_raw(&w, name, sizeof name);
  as_derw_raw(&w, alg, sizeof alg);
  as_derw_raw(&w, (const uint8_t *)"\x02\x01\x07", 3);
  as_derw_raw(&w, (const uint8_t *)"\xA0\x03\x02\x01\x02", 5);
  as_derw_wrap(&w, 0x30, tbs);
  as_derw_wrap(&w, 0x30, 0);
  memmove(out, w.p, as_derw_size(&w));
  return as_derw_size(&w);
}
