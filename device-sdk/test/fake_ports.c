/* In-memory ports for tests and the fuzzer (see fake_ports.h). */
#include <string.h>

#include "as_der.h"
#include "as_sha256.h"
#include "fake_ports.h"

static size_t t_read(void *ctx, uint8_t *buf, size_t cap) {
  fake *f = (fake *)ctx;
  size_t n = f->in_len < cap ? f->in_len : cap;
  if (!n) return 0;
  memcpy(buf, f->in, n);
  f->in += n;
  f->in_len -= n;
  return n;
}

static void t_write(void *ctx, const uint8_t *data, size_t len) {
  fake *f = (fake *)ctx;
  if (len > FAKE_OUT_MAX - f->out_len) len = FAKE_OUT_MAX - f->out_len;
  if (!len) return;
  memcpy(f->out + f->out_len, data, len);
  f->out_len += len;
}

static uint32_t c_now(void *ctx) { return ((fake *)ctx)->now; }

static fake_item *find_item(fake *f, uint8_t item, uint8_t slot, int create) {
  int i;
  for (i = 0; i < FAKE_ITEMS; i++)
    if (f->items[i].present && f->items[i].item == item && f->items[i].slot == slot) return &f->items[i];
  if (!create) return NULL;
  for (i = 0; i < FAKE_ITEMS; i++)
    if (!f->items[i].present) {
      f->items[i].present = 1;
      f->items[i].item = item;
      f->items[i].slot = slot;
      f->items[i].len = 0;
      return &f->items[i];
    }
  return NULL;
}

static int s_read(void *ctx, as_item item, uint8_t slot, uint8_t *buf, size_t cap, size_t *len) {
  fake_item *it = find_item((fake *)ctx, (uint8_t)item, slot, 0);
  *len = it ? it->len : 0;
  if (!it || !buf) return AS_OK;
  if (cap < it->len) return AS_E_TOO_SMALL;
  memcpy(buf, it->data, it->len);
  return AS_OK;
}

static int s_write(void *ctx, as_item item, uint8_t slot, const uint8_t *data, size_t len) {
  fake *f = (fake *)ctx;
  fake_item *it;
  if (f->fail_writes) return AS_E_STORAGE;
  it = find_item(f, (uint8_t)item, slot, 1);
  if (!it || len > sizeof it->data) return AS_E_STORAGE;
  if (len) memcpy(it->data, data, len);
  it->len = len;
  return AS_OK;
}

static int k_info(void *ctx, uint8_t slot, uint8_t *alg) {
  fake *f = (fake *)ctx;
  if (slot >= 4 || !f->has_key[slot]) return AS_E_NO_KEY;
  *alg = f->key_alg[slot];
  return AS_OK;
}

static int k_generate(void *ctx, as_dev *dev, uint8_t slot, uint8_t alg) {
  fake *f = (fake *)ctx;
  f->gen_calls++;
  if (f->during_generate) f->during_generate(f, dev);
  f->has_key[slot] = 1;
  f->key_alg[slot] = alg;
  return AS_OK;
}

size_t fake_public_key(const fake *f, uint8_t slot, uint8_t *out, size_t cap) {
  uint8_t mod[256], e[3] = {1, 0, 1};
  as_derw w;
  size_t i;
  if (f->key_alg[slot] == AS_ALG_ECDSA_P256) {
    if (cap < 65) return 0;
    out[0] = 4;
    for (i = 1; i < 65; i++) out[i] = (uint8_t)(i * 7u + slot + f->gen_calls);
    return 65;
  }
  for (i = 0; i < sizeof mod; i++) mod[i] = (uint8_t)(0x80u + i + slot + f->gen_calls);
  as_derw_init(&w, out, cap);
  as_derw_uint(&w, e, sizeof e);
  as_derw_uint(&w, mod, sizeof mod);
  as_derw_wrap(&w, AS_DER_SEQUENCE, 0);
  if (w.err) return 0;
  memmove(out, w.p, as_derw_size(&w));
  return as_derw_size(&w);
}

static int k_public(void *ctx, uint8_t slot, uint8_t *out, size_t cap, size_t *len) {
  fake *f = (fake *)ctx;
  if (slot >= 4 || !f->has_key[slot]) return AS_E_NO_KEY;
  f->pub_calls++;
  *len = fake_public_key(f, slot, out, cap);
  return *len ? AS_OK : AS_E_TOO_SMALL;
}

static int k_sign(void *ctx, as_dev *dev, uint8_t slot, const uint8_t *data, size_t len,
                  const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len) {
  fake *f = (fake *)ctx;
  size_t n = f->key_alg[slot] == AS_ALG_ECDSA_P256 ? 64 : 256, i;
  uint8_t check[32];
  (void)dev;
  as_sha256(data, len, check);
  if (memcmp(check, hash, 32) != 0) return AS_E_INTERNAL; /* the core must pass the data's hash */
  if (!f->has_key[slot]) return AS_E_NO_KEY;
  if (f->sign_rc) return f->sign_rc;
  if (cap < n) return AS_E_TOO_SMALL;
  f->sign_calls++;
  memcpy(f->last_hash, hash, 32);
  for (i = 0; i < n; i++) sig[i] = hash[i % 32] ^ (uint8_t)(i >> 5);
  sig[0] |= 0x80u; /* r with its top bit set: DER needs a leading 0x00 */
  sig[32] = 0x00;  /* s with a leading zero byte: DER drops it */
  *sig_len = n;
  return AS_OK;
}

void fake_init(fake *f, as_ports *p) {
  const as_ports wired = {
      .transport = {f, t_read, t_write},
      .clock = {f, c_now},
      .storage = {f, s_read, s_write},
      .keys = {f, k_info, k_generate, k_public, k_sign},
  };
  memset(f, 0, sizeof *f);
  *p = wired;
}

size_t fake_take_frames(fake *f, out_frame *frames, size_t max) {
  static uint8_t line[9000];
  as_rx rx;
  size_t i, n = 0;
  as_rx_init(&rx, line, sizeof line);
  for (i = 0; i < f->out_len && n < max; i++) {
    if (as_rx_byte(&rx, f->out[i]) == AS_RX_LINE) {
      as_frame fr;
      if (as_frame_parse(rx.buf, rx.len, &fr)) {
        frames[n].id = fr.id;
        memcpy(frames[n].type, fr.type, sizeof fr.type);
        frames[n].seq = fr.seq;
        frames[n].total = fr.total;
        frames[n].len = fr.payload_len;
        memcpy(frames[n].payload, fr.payload, fr.payload_len);
        n++;
      }
    }
  }
  f->out_len = 0;
  return n;
}

size_t join_payloads(const out_frame *frames, size_t n, uint8_t *body, size_t cap) {
  size_t i, len = 0;
  for (i = 0; i < n; i++) {
    if (len + frames[i].len > cap) return len;
    memcpy(body + len, frames[i].payload, frames[i].len);
    len += frames[i].len;
  }
  return len;
}

typedef struct membuf {
  uint8_t *p;
  size_t len, cap;
} membuf;

static void mem_write(void *ctx, const uint8_t *data, size_t len) {
  membuf *m = (membuf *)ctx;
  if (len > m->cap - m->len) len = m->cap - m->len;
  memcpy(m->p + m->len, data, len);
  m->len += len;
}

size_t encode_message(uint16_t id, const char *type, const uint8_t *body, size_t len,
                      unsigned max_frame, uint8_t *wire, size_t cap) {
  membuf m;
  size_t per = 0, off;
  unsigned total = 0, i;
  m.p = wire;
  m.len = 0;
  m.cap = cap;
  if (!as_chunk_plan(type, len, max_frame, &per, &total)) return 0;
  for (i = 0; i < total; i++) {
    off = per * i;
    as_frame_write(mem_write, &m, id, type, (uint16_t)(i + 1), (uint16_t)total, body + off,
                   len - off < per ? len - off : per);
  }
  return m.len;
}
