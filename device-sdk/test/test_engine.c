/*
 * The device engine against docs/device-protocol.md §3–§5: chunking with ACKs, replay of the stored
 * answer, SEQUENCE / TOO_LARGE / BUSY / UNKNOWN_COMMAND, PROG keep-alives, resynchronisation — on
 * fake ports, with the spec's golden wire lines where it has them.
 */
#include <string.h>

#include "as_sha256.h"
#include "check.h"
#include "harness.h"

static uint8_t BODY[16384];
static size_t LEN;
static unsigned CODE;

static int is(size_t i, uint16_t id, const char *type, unsigned seq, unsigned total) {
  return OUT[i].id == id && strcmp(OUT[i].type, type) == 0 && OUT[i].seq == seq && OUT[i].total == total;
}

static void feed_wire(const golden *g, size_t line) { feed(g->wire[line], strlen(g->wire[line])); }

static void test_hello_golden(void) {
  const golden *g = golden_find(G, NG, "hello-response");
  const golden *q = golden_find(G, NG, "hello-request");
  setup(4096);
  give_key(0, AS_ALG_ECDSA_P256);
  CHECK(g && q);
  if (!g || !q) return;
  feed_wire(q, 0);
  CHECK(take() == 1 && is(0, 1, "OK", 1, 1));
  CHECK(OUT[0].len == g->body_len && memcmp(OUT[0].payload, g->body, g->body_len) == 0);
}

static void test_chunked_golden(void) {
  const golden *g = golden_find(G, NG, "chunked-sign-request");
  uint8_t data[300], h[32];
  size_t i;
  setup(4096);
  give_key(0, AS_ALG_RSA_2048);
  CHECK(g != NULL);
  if (!g) return;
  feed_wire(g, 0);
  CHECK(take() == 1 && is(0, 8, "ACK", 1, 2) && OUT[0].len == 0);
  feed_wire(g, 0); /* the ACK got lost: the chunk comes again and is ACKed again, stored once */
  CHECK(take() == 1 && is(0, 8, "ACK", 1, 2));
  feed_wire(g, 1);
  CHECK(take() == 2 && is(0, 8, "OK", 1, 2) && is(1, 8, "OK", 2, 2));
  for (i = 0; i < sizeof data; i++) data[i] = (uint8_t)i;
  as_sha256(data, sizeof data, h);
  CHECK(F.sign_calls == 1 && memcmp(F.last_hash, h, 32) == 0);
}

static void sign_req(uint8_t *req, size_t *n, const char *data) {
  static const uint8_t zero = 0, es256 = AS_SIG_ES256;
  *n = 0;
  tlv(req, n, AS_TAG_SLOT, &zero, 1);
  tlv(req, n, AS_TAG_SIG_ALG, &es256, 1);
  tlv_text(req, n, AS_TAG_DATA, data);
}

static void test_replay(void) {
  uint8_t req[64], wire[512], first[4096];
  size_t n, w, first_len;
  setup(4096);
  give_key(0, AS_ALG_ECDSA_P256);
  sign_req(req, &n, "challenge-1");
  w = encode_message(0x1234, "SIGN", req, n, 256, wire, sizeof wire);
  feed(wire, w);
  first_len = F.out_len;
  memcpy(first, F.out, first_len);
  F.out_len = 0;
  feed(wire, w); /* the station heard nothing and retransmits */
  CHECK(F.out_len == first_len && memcmp(F.out, first, first_len) == 0);
  CHECK(F.sign_calls == 1 && D.stats.replays == 1);
  F.out_len = 0;
  sign_req(req, &n, "challenge-2"); /* same id, other payload: a new request, not a replay */
  CHECK(exchange(0x1234, "SIGN", req, n, BODY, &LEN, &CODE) == 1 && F.sign_calls == 2);
  CHECK(exchange(0x1234, "HELLO", NULL, 0, BODY, &LEN, &CODE) == 1 && BODY[0] == AS_TAG_PROTOCOL);
  CHECK(D.stats.replays == 1);
}

static void test_sequence(void) {
  uint8_t data[600], wire[4096];
  size_t i, w;
  setup(4096);
  give_key(0, AS_ALG_ECDSA_P256);
  memset(data, 7, sizeof data);
  w = encode_message(0x20, "SIGN", data, sizeof data, 256, wire, sizeof wire);
  /* wire holds frames 1/4..4/4; find where each starts */
  {
    size_t starts[8], ns = 0;
    for (i = 0; i < w; i++)
      if (wire[i] == '$') starts[ns++] = i;
    starts[ns] = w;
    CHECK(ns == 4);
    feed(wire + starts[1], starts[2] - starts[1]); /* 2/4 without 1/4 */
    CHECK(take() == 1 && is(0, 0x20, "ERR", 1, 1) && OUT[0].payload[4] == AS_E_SEQUENCE);
    feed(wire, starts[1]);
    CHECK(take() == 1 && is(0, 0x20, "ACK", 1, 4));
    send_msg(0x21, "GET_ASSET", NULL, 0); /* a new request abandons the partial one */
    CHECK(take() == 1 && is(0, 0x21, "OK", 1, 1));
    feed(wire + starts[1], starts[2] - starts[1]);
    CHECK(take() == 1 && OUT[0].payload[4] == AS_E_SEQUENCE);
    feed(wire, starts[1]);
    CHECK(take() == 1 && is(0, 0x20, "ACK", 1, 4));
    feed(wire + starts[2], starts[3] - starts[2]); /* 3/4 after 1/4: out of order ends the request */
    CHECK(take() == 1 && OUT[0].payload[4] == AS_E_SEQUENCE);
    feed(wire + starts[1], starts[2] - starts[1]);
    CHECK(take() == 1 && OUT[0].payload[4] == AS_E_SEQUENCE);
    CHECK(F.sign_calls == 0);
  }
}

static void test_too_large(void) {
  uint8_t req[1200];
  size_t n = 0, i, acks = 0, errs = 0;
  static const uint8_t zero = 0, es256 = AS_SIG_ES256;
  uint8_t data[1000];
  setup(512);
  give_key(0, AS_ALG_ECDSA_P256);
  memset(data, 1, sizeof data);
  tlv(req, &n, AS_TAG_SLOT, &zero, 1);
  tlv(req, &n, AS_TAG_SIG_ALG, &es256, 1);
  tlv(req, &n, AS_TAG_DATA, data, sizeof data);
  send_msg(0x30, "SIGN", req, n); /* 7 chunks of 168 bytes into a 512-byte buffer */
  n = take();
  for (i = 0; i < n; i++) {
    if (strcmp(OUT[i].type, "ACK") == 0) acks++;
    if (strcmp(OUT[i].type, "ERR") == 0 && OUT[i].payload[4] == AS_E_TOO_LARGE) errs++;
  }
  CHECK(acks == 3 && errs >= 1 && F.sign_calls == 0); /* 3 × 168 fit, the 4th does not */
  CHECK(strcmp(OUT[3].type, "ERR") == 0 && OUT[3].payload[4] == AS_E_TOO_LARGE);
}

static void test_bodiless_commands(void) {
  static const uint8_t junk[3] = {1, 0, 9}; /* not even a TLV sequence */
  uint8_t body[16384];
  size_t len;
  unsigned code;
  setup(4096);
  CHECK(exchange(0x70, "HELLO", junk, 3, body, &len, &code) == 1 && body[0] == AS_TAG_PROTOCOL);
  CHECK(exchange(0x71, "GET_ASSET", junk, 3, body, &len, &code) == 1 && len == 0);
  CHECK(exchange(0x72, "GET_CERT", junk, 3, body, &len, &code) == 0 && code == AS_E_BAD_REQUEST);
}

static void test_unknown_and_responses(void) {
  static const uint8_t body[4] = {1, 0, 1, 0};
  uint8_t big[400];
  setup(4096);
  CHECK(exchange(0x40, "EXPORT_KEY", body, 4, BODY, &LEN, &CODE) == 0 && CODE == AS_E_UNKNOWN_COMMAND);
  memset(big, 0, sizeof big);
  send_msg(0x41, "EXPORT_KEY", big, sizeof big);
  CHECK(take() == 1 && OUT[0].total == 1 && OUT[0].payload[4] == AS_E_UNKNOWN_COMMAND); /* final chunk only */
  send_msg(0x42, "OK", body, 4); /* response types from the line (an echo) are never answered */
  send_msg(0x43, "ERR", body, 4);
  send_msg(0x44, "ACK", NULL, 0);
  send_msg(0x45, "PROG", body, 4);
  CHECK(take() == 0 && D.stats.frames_in >= 6);
}

static void prog_and_busy(fake *f, as_dev *d) {
  static uint8_t wire[512];
  size_t w = encode_message(0x0100, "HELLO", NULL, 0, 256, wire, sizeof wire);
  static const uint8_t req[] = {1, 0, 1, 0, 2, 0, 1, 1, 3, 0, 1, 1};
  w += encode_message(0x50, "KEYGEN", req, sizeof req, 256, wire + w, sizeof wire - w);
  f->in = wire;
  f->in_len = w;
  f->now += 600;
  as_progress(d, 42);
  f->now += 100; /* too soon for another PROG */
  as_progress(d, 43);
}

static void test_busy_and_prog(void) {
  static const uint8_t req[] = {1, 0, 1, 0, 2, 0, 1, 1, 3, 0, 1, 1};
  size_t n;
  setup(4096);
  F.during_generate = prog_and_busy;
  send_msg(0x50, "KEYGEN", req, sizeof req);
  n = take();
  CHECK(n == 3);
  CHECK(is(0, 0x50, "PROG", 1, 1) && OUT[0].len == 4 && OUT[0].payload[3] == 42);
  CHECK(is(1, 0x0100, "ERR", 1, 1) && OUT[1].payload[4] == AS_E_BUSY);
  CHECK(is(2, 0x50, "OK", 1, 1)); /* the retransmitted KEYGEN during the run got no answer */
  CHECK(F.gen_calls == 1);
}

static void test_busy_rest_of_input(void) {
  /* Input already read with the request: a HELLO behind it is handled while the KEYGEN runs. */
  static const uint8_t req[] = {1, 0, 1, 0, 2, 0, 1, 1, 3, 0, 1, 1};
  static uint8_t wire[1024];
  size_t w, n;
  setup(4096);
  F.during_generate = NULL;
  w = encode_message(0x60, "KEYGEN", req, sizeof req, 256, wire, sizeof wire);
  w += encode_message(0x61, "HELLO", NULL, 0, 256, wire + w, sizeof wire - w);
  feed(wire, w);
  n = take();
  CHECK(n == 2 && is(0, 0x60, "OK", 1, 1) && is(1, 0x61, "OK", 1, 1)); /* no progress call: after */
}

static void test_resync(void) {
  static const char noise[] = "\x00\xff ets Jun  8 2016 00:22:57\r\nrst:0x1 $AS1,00 $AS1,0001,HEL";
  const golden *q = golden_find(G, NG, "hello-request");
  char big[400];
  size_t i;
  setup(4096);
  if (!q) return;
  feed(noise, sizeof noise - 1);
  for (i = 0; q->wire[0][i]; i++) feed(q->wire[0] + i, 1); /* one byte at a time */
  CHECK(take() == 1 && is(0, 1, "OK", 1, 1));
  memset(big, 'A', sizeof big);
  memcpy(big, "$AS1,0009,HELLO,1/1,", 20);
  memcpy(big + sizeof big - 2, "\r\n", 2);
  feed(big, sizeof big); /* oversize: no answer */
  CHECK(take() == 0);
  feed("$AS1,0001,HELLO,1/1,*43005CB3\r\n", 31); /* wrong CRC: no answer */
  CHECK(take() == 0 && D.stats.bad_frames >= 3);
  feed(q->wire[0], strlen(q->wire[0]));
  CHECK(take() == 1);
}

static void test_init(void) {
  static uint8_t line[256], msg[300000];
  as_identity id;
  setup(4096);
  id = ID;
  CHECK(as_dev_init(&D, &id, &P, line, 255, msg, 4096) != AS_OK);
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 200000) != AS_OK); /* beyond 999 frames of 256 */
  id.uid = "has space";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) != AS_OK);
  id.uid = "a/b";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) != AS_OK);
  id.uid = "";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) != AS_OK);
  id.uid = "..";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) != AS_OK);
  id.uid = "A123456789B123456789C123456789D123456789E123456789F123456789G123456789H1234567890";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) != AS_OK); /* 81: above Text(80) */
  id.uid = "A123456789B123456789C123456789D123456789E123456789F123456789G123456789H123456789";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) == AS_OK); /* 80 */
  id.uid = "A4CF12F00D01";
  CHECK(as_dev_init(&D, &id, &P, line, 256, msg, 4096) == AS_OK);
}

int main(int argc, char **argv) {
  NG = argc > 1 ? golden_load(argv[1], G, GOLDEN_MAX) : 0;
  RUN(test_hello_golden, "HELLO: the response body is the golden hello-response");
  RUN(test_chunked_golden, "chunked golden SIGN: ACK per chunk, re-ACK of a repeat, hash of all data");
  RUN(test_replay, "a retransmitted final chunk replays the stored answer byte for byte, no re-run");
  RUN(test_sequence, "SEQUENCE for a missing first chunk and out-of-order chunks; new id abandons");
  RUN(test_too_large, "TOO_LARGE at the chunk that overflows the message buffer");
  RUN(test_bodiless_commands, "HELLO and GET_ASSET ignore any body; other commands need valid TLV");
  RUN(test_unknown_and_responses, "unknown command → UNKNOWN_COMMAND; ACK/PROG/OK/ERR are ignored");
  RUN(test_busy_and_prog, "while a command runs: PROG when due, BUSY for another id, retransmit ignored");
  RUN(test_busy_rest_of_input, "input already read behind a request is handled after it, in order");
  RUN(test_resync, "boot noise, byte-by-byte input, oversize and bad-CRC lines; resynchronises");
  RUN(test_init, "init refuses bad maxFrame, oversize buffers and bad UIDs");
  CHECK_DONE();
}
