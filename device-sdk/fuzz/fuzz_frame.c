/*
 * libFuzzer target: the frame collector, the frame parser and the whole device engine on fake
 * ports (maxFrame 256, a 1 KB message buffer, a key in slot 0). The first input byte picks a mode:
 *   even: the rest goes to the device as raw line bytes (noise, cut frames, bad CRCs);
 *   odd:  the rest is split at LF and every piece gets a correct "*CRC\r\n" appended, so the
 *         fuzzer reaches frame syntax, chunking, replay and the command handlers.
 * Invariants (a violation aborts): a parsed frame re-encodes to bytes that parse to the same frame,
 * and every line the device writes is a valid frame no longer than its maxFrame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fake F;
static as_ports P;
static as_dev D;

typedef struct membuf {
  uint8_t p[12000];
  size_t len;
} membuf;
static void mem_write(void *ctx, const uint8_t *d, size_t n) {
  membuf *m = (membuf *)ctx;
  if (n > sizeof m->p - m->len) abort();
  memcpy(m->p + m->len, d, n);
  m->len += n;
}

/* A parsed frame must survive encode → parse unchanged. */
static void roundtrip(const as_frame *f) {
  static membuf m;
  as_frame g;
  m.len = 0;
  as_frame_write(mem_write, &m, f->id, f->type, f->seq, f->total, f->payload, f->payload_len);
  if (m.len < 2 || !as_frame_parse(m.p, m.len - 1, &g)) abort();
  if (g.id != f->id || strcmp(g.type, f->type) != 0 || g.seq != f->seq || g.total != f->total ||
      g.payload_len != f->payload_len || memcmp(g.payload, f->payload, f->payload_len) != 0)
    abort();
}

static void check_line(const uint8_t *line, size_t len) {
  static uint8_t copy[9000];
  as_frame f;
  if (len > sizeof copy) return;
  memcpy(copy, line, len);
  if (as_frame_parse(copy, len, &f)) roundtrip(&f);
}

/* Every byte the device wrote belongs to a valid frame of at most maxFrame bytes. */
static void check_output(void) {
  static uint8_t line[256];
  as_rx rx;
  size_t i, lines = 0, lfs = 0;
  as_rx_init(&rx, line, sizeof line);
  for (i = 0; i < F.out_len; i++) {
    as_rx_event ev = as_rx_byte(&rx, F.out[i]);
    as_frame f;
    if (F.out[i] == '\n') lfs++;
    if (ev == AS_RX_OVERSIZE || ev == AS_RX_CUT) abort();
    if (ev == AS_RX_LINE) {
      if (!as_frame_parse(rx.buf, rx.len, &f)) abort();
      lines++;
    }
  }
  if (lines != lfs || (F.out_len && F.out[0] != '$')) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t line[256], msg[1024];
  static const as_identity id = {"FUZZ", "FUZZ-0001", "0", {AS_ALG_ECDSA_P256, AS_ALG_RSA_2048, 0}, 2, 2,
                                 AS_CAP_ASSET_TOKEN, 1};
  size_t i, start;
  if (size == 0) return 0;
  fake_init(&F, &P);
  F.has_key[0] = 1;
  F.key_alg[0] = data[0] & 2 ? AS_ALG_RSA_2048 : AS_ALG_ECDSA_P256;
  if (as_dev_init(&D, &id, &P, line, sizeof line, msg, sizeof msg) != AS_OK) abort();
  data++;
  size--;
  if (!(data[-1] & 1)) {
    as_dev_input(&D, data, size);
  } else {
    static uint8_t framed[70000];
    size_t n = 0;
    for (start = 0, i = 0; i <= size; i++) {
      if (i < size && data[i] != '\n') continue;
      if (n + (i - start) + 11 <= sizeof framed) {
        char crc[12];
        memcpy(framed + n, data + start, i - start);
        check_line(framed + n, i - start);
        snprintf(crc, sizeof crc, "*%08X\r\n", (unsigned)as_crc32(data + start, i - start));
        memcpy(framed + n + (i - start), crc, 11);
        check_line(framed + n, i - start + 10);
        n += i - start + 11;
      }
      start = i + 1;
    }
    as_dev_input(&D, framed, n);
  }
  check_output();
  return 0;
}
