/*
 * Codec tests: CRC-32, base64, TLV, UTF-8, frames, the line collector, chunking, DER, SHA-256 and
 * IP literals — and the golden vectors of docs/device-protocol.md §8, read from the document (the
 * same vectors test/unit/device/golden.test.ts checks the TypeScript codec against).
 * Usage: test_codec <path to docs/device-protocol.md>
 */
#include <string.h>

#include "as_codec.h"
#include "as_der.h"
#include "as_sha256.h"
#include "check.h"
#include "golden.h"
#include "internal.h"

static golden G[GOLDEN_MAX];
static size_t NG;

typedef struct membuf {
  uint8_t p[20000];
  size_t len;
} membuf;
static void mem_write(void *ctx, const uint8_t *d, size_t n) {
  membuf *m = (membuf *)ctx;
  memcpy(m->p + m->len, d, n);
  m->len += n;
}

static void test_crc(void) {
  CHECK(as_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
  CHECK(as_crc32((const uint8_t *)"", 0) == 0);
  CHECK(as_crc32_final(as_crc32_update(as_crc32_update(AS_CRC32_INIT, (const uint8_t *)"1234", 4),
                                       (const uint8_t *)"56789", 5)) == 0xCBF43926u);
}

static int b64_roundtrip(const char *plain, const char *text) {
  uint8_t q[4], out[16];
  char enc[16] = {0};
  size_t i, n = strlen(plain);
  long d;
  for (i = 0; i < n; i += 3) {
    as_b64_quantum((const uint8_t *)plain + i, n - i >= 3 ? 3 : n - i, q);
    memcpy(enc + i / 3 * 4, q, 4);
  }
  d = as_b64_decode((const uint8_t *)text, strlen(text), out, sizeof out);
  return strcmp(enc, text) == 0 && d == (long)n && memcmp(out, plain, n) == 0;
}

static void test_base64(void) {
  /* RFC 4648 §10 test vectors: "foobar" cut after 0..6 bytes, and its encodings */
  static const char *const text[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char plain[8];
  size_t i;
  for (i = 0; i < sizeof text / sizeof text[0]; i++) {
    memcpy(plain, "foobar", i);
    plain[i] = '\0';
    CHECK(b64_roundtrip(plain, text[i]));
  }
}

static long dec(const char *t) {
  uint8_t out[64];
  return as_b64_decode((const uint8_t *)t, strlen(t), out, sizeof out);
}

static void test_base64_strict(void) {
  uint8_t buf[16];
  CHECK(dec("Zg=") < 0);        /* length not a multiple of 4 */
  CHECK(dec("Zh==") < 0);       /* non-zero pad bits: not canonical */
  CHECK(dec("Zm9=") < 0);
  CHECK(dec("Z===") < 0);
  CHECK(dec("Zm9v!A==") < 0);   /* outside the alphabet */
  CHECK(dec("Zg==Zg==") < 0);   /* padding before the end */
  CHECK(dec("Zm9-") < 0);       /* base64url is not base64 */
  memcpy(buf, "Zm9vYmFy", 8);   /* decoding in place */
  CHECK(as_b64_decode(buf, 8, buf, 8) == 6 && memcmp(buf, "foobar", 6) == 0);
  CHECK(as_b64_decode((const uint8_t *)"Zm9vYmFy", 8, buf, 5) < 0); /* output too small */
}

static void test_golden_count(void) {
  CHECK(NG >= 10);
  CHECK(golden_find(G, NG, "hello-response") != NULL);
  CHECK(golden_find(G, NG, "chunked-sign-request") != NULL);
}

static void test_golden_encode(void) {
  size_t i;
  for (i = 0; i < NG; i++) {
    membuf m;
    size_t per = 0, w, pos = 0;
    unsigned total = 0, k;
    m.len = 0;
    CHECK(as_chunk_plan(G[i].type, G[i].body_len, 256, &per, &total));
    CHECK(total == G[i].wire_count);
    for (k = 0; k < total; k++) {
      size_t off = per * k, n = G[i].body_len - off < per ? G[i].body_len - off : per;
      as_frame_write(mem_write, &m, G[i].id, G[i].type, (uint16_t)(k + 1), (uint16_t)total,
                     G[i].body + off, n);
    }
    for (w = 0; w < G[i].wire_count; w++) {
      size_t wl = strlen(G[i].wire[w]);
      CHECK(pos + wl <= m.len && memcmp(m.p + pos, G[i].wire[w], wl) == 0);
      pos += wl;
    }
    CHECK(pos == m.len);
  }
}

static void test_golden_decode(void) {
  size_t i, w, j;
  for (i = 0; i < NG; i++) {
    uint8_t line[300], body[1024];
    size_t body_len = 0;
    as_rx rx;
    as_rx_init(&rx, line, 256);
    for (w = 0; w < G[i].wire_count; w++) {
      const char *s = G[i].wire[w];
      int lines = 0;
      for (j = 0; s[j]; j++) {
        if (as_rx_byte(&rx, (uint8_t)s[j]) == AS_RX_LINE) {
          as_frame f;
          lines++;
          CHECK(as_frame_parse(rx.buf, rx.len, &f));
          CHECK(f.id == G[i].id && strcmp(f.type, G[i].type) == 0);
          CHECK(f.seq == w + 1 && f.total == G[i].wire_count);
          memcpy(body + body_len, f.payload, f.payload_len);
          body_len += f.payload_len;
        }
      }
      CHECK(lines == 1);
    }
    CHECK(body_len == G[i].body_len && memcmp(body, G[i].body, body_len) == 0);
  }
}

/* Appends `*CRC` (uppercase unless `lower`) to a frame text and parses it. */
static int parses(const char *head, int lower) {
  uint8_t line[600];
  char crc[16];
  size_t n = strlen(head);
  as_frame f;
  memcpy(line, head, n);
  snprintf(crc, sizeof crc, lower ? "*%08x\r" : "*%08X\r", (unsigned)as_crc32(line, n));
  memcpy(line + n, crc, 10);
  return as_frame_parse(line, n + 10, &f);
}

static void test_parse_syntax(void) {
  CHECK(parses("$AS1,0001,HELLO,1/1,", 0));
  CHECK(parses("$AS1,0001,HELLO,1/1,", 1)); /* receivers accept a lowercase CRC */
  CHECK(parses("$AS1,FFFF,PUT_CERT,999/999,Zm9v", 0));
  CHECK(!parses("$AS1,000a,HELLO,1/1,", 0));   /* id: uppercase hex only */
  CHECK(!parses("$AS1,001,HELLO,1/1,", 0));    /* id: 4 digits */
  CHECK(!parses("$AS1,0001,hello,1/1,", 0));   /* type: A-Z and _ */
  CHECK(!parses("$AS1,0001,ABCDEFGHIJKLM,1/1,", 0)); /* type: at most 12 */
  CHECK(!parses("$AS1,0001,,1/1,", 0));
  CHECK(!parses("$AS1,0001,HELLO,0/1,", 0));
  CHECK(!parses("$AS1,0001,HELLO,2/1,", 0));   /* seq > total */
  CHECK(!parses("$AS1,0001,HELLO,01/2,", 0));  /* leading zero */
  CHECK(!parses("$AS1,0001,HELLO,1/1000,", 0));
  CHECK(!parses("$AS1,0001,HELLO,1-1,", 0));
  CHECK(!parses("$AS1,0001,HELLO,1/1", 0));    /* 4 fields */
  CHECK(!parses("$AS1,0001,HELLO,1/1,,", 0));  /* 6 fields */
  CHECK(!parses("$AS2,0001,HELLO,1/1,", 0));
  CHECK(!parses("$AS1,0001,HELLO,1/1,Zh==", 0)); /* non-canonical payload */
  CHECK(!parses("$AS1,0001,HELLO,1/1,Zg=", 0));
  CHECK(!parses("$AS1,0001,HELLO,1/1,Zm9\x7f", 0)); /* non-printable */
}

static void test_parse_crc(void) {
  uint8_t a[] = "$AS1,0001,HELLO,1/1,*43005CB2";
  uint8_t b[] = "$AS1,0001,HELLO,1/1,*43005CB3";
  uint8_t c[] = "$AS1,0001,HELLO,1/1,*43005CB2\r\r";
  uint8_t d[] = "$AS1,0001,HELLO,1/1,*43005CB";
  as_frame f;
  CHECK(as_frame_parse(a, sizeof a - 1, &f) && f.crc == 0x43005CB2u); /* without CR */
  CHECK(!as_frame_parse(b, sizeof b - 1, &f));
  CHECK(!as_frame_parse(c, sizeof c - 1, &f));
  CHECK(!as_frame_parse(d, sizeof d - 1, &f));
}

/* Feeds `s` to a collector of `cap` bytes; counts each event kind. */
static void collect(const char *s, size_t len, uint16_t cap, int *lines, int *oversize, int *cut,
                    int *valid) {
  uint8_t buf[9000];
  as_rx rx;
  size_t i;
  *lines = *oversize = *cut = *valid = 0;
  as_rx_init(&rx, buf, cap);
  for (i = 0; i < len; i++) {
    as_frame f;
    switch (as_rx_byte(&rx, (uint8_t)s[i])) {
      case AS_RX_LINE:
        (*lines)++;
        if (as_frame_parse(rx.buf, rx.len, &f)) (*valid)++;
        break;
      case AS_RX_OVERSIZE: (*oversize)++; break;
      case AS_RX_CUT: (*cut)++; break;
      default: break;
    }
  }
}

static void test_collector(void) {
  static const char HELLO[] = "$AS1,0001,HELLO,1/1,*43005CB2\r\n";
  char s[2000];
  int l, o, c, v;
  snprintf(s, sizeof s, "I (312) app: price $5 $AS $AS1,zz\r\n\x01\xff$$$%s", HELLO);
  collect(s, strlen(s), 256, &l, &o, &c, &v);
  CHECK(v == 1 && o == 0);
  /* a frame cut short by a new `$`: dropped, the next one parses */
  snprintf(s, sizeof s, "$AS1,0002,HEL%s", HELLO);
  collect(s, strlen(s), 256, &l, &o, &c, &v);
  CHECK(c == 1 && v == 1 && l == 1);
  /* maxFrame counts the whole line, `$` to LF: 31 bytes fit a 31-byte buffer, not a 30-byte one */
  collect(HELLO, strlen(HELLO), (uint16_t)strlen(HELLO), &l, &o, &c, &v);
  CHECK(v == 1 && o == 0);
  snprintf(s, sizeof s, "%s%s", HELLO, HELLO);
  collect(s, strlen(s), (uint16_t)(strlen(HELLO) - 1), &l, &o, &c, &v);
  CHECK(v == 0 && o == 2); /* each 31-byte line is dropped on its own; no resync is lost */
  collect(s + 0, strlen(HELLO), (uint16_t)(strlen(HELLO) - 1), &l, &o, &c, &v);
  CHECK(v == 0 && o == 1);
  /* an oversize line then a good one: only the good one */
  memset(s, 'A', 600);
  memcpy(s, "$AS1,", 5);
  memcpy(s + 598, "\r\n", 2);
  memcpy(s + 600, HELLO, sizeof HELLO);
  collect(s, 600 + strlen(HELLO), 256, &l, &o, &c, &v);
  CHECK(o == 1 && v == 1);
}

static void test_tlv(void) {
  static const uint8_t ok[] = {1, 0, 1, 7, 1, 0, 1, 9, 0x7F, 0, 0, 3, 0, 2, 0xAA, 0xBB};
  static const uint8_t bad[] = {1, 0, 5, 0};
  static const uint8_t trunc[] = {1, 0};
  as_tlv f;
  uint8_t v = 0;
  CHECK(as_tlv_valid(ok, sizeof ok) && !as_tlv_valid(bad, sizeof bad) && !as_tlv_valid(trunc, 2));
  CHECK(as_tlv_valid(ok, 0));
  CHECK(as_tlv_u8(ok, sizeof ok, 1, &v) && v == 7); /* a repeated single-valued field: the first */
  CHECK(as_tlv_count(ok, sizeof ok, 1) == 2 && as_tlv_nth(ok, sizeof ok, 1, 1, &f) && f.value[0] == 9);
  CHECK(!as_tlv_u8(ok, sizeof ok, 3, &v)); /* u8 of two bytes: malformed */
  CHECK(as_tlv_find(ok, sizeof ok, 0x7F, &f) && f.len == 0);
  CHECK(!as_tlv_find(ok, sizeof ok, 0x44, &f));
}

static void test_utf8(void) {
  CHECK(as_utf8_valid((const uint8_t *)"plain", 5));
  CHECK(as_utf8_valid((const uint8_t *)"\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E", 9)); /* é € 𝄞 */
  CHECK(!as_utf8_valid((const uint8_t *)"\xC0\x80", 2));         /* overlong */
  CHECK(!as_utf8_valid((const uint8_t *)"\xE0\x80\x80", 3));     /* overlong */
  CHECK(!as_utf8_valid((const uint8_t *)"\xED\xA0\x80", 3));     /* surrogate */
  CHECK(!as_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
  CHECK(!as_utf8_valid((const uint8_t *)"\xE2\x82", 2));         /* truncated */
  CHECK(!as_utf8_valid((const uint8_t *)"\xFF", 1));
}

static void test_chunk_plan(void) {
  size_t per = 0;
  unsigned total = 0;
  CHECK(as_chunk_plan("OK", 0, 256, &per, &total) && total == 1);
  CHECK(as_chunk_plan("SIGN", 300, 256, &per, &total) && total == 2 && per == 168);
  /* every frame of a 999-chunk message fits maxFrame */
  CHECK(as_chunk_plan("OK", 100000, 256, &per, &total) && total > 99 && total <= 999);
  CHECK(as_frame_length("OK", total, total, per) <= 256);
  CHECK(!as_chunk_plan("OK", 999u * 168u + 1u, 256, &per, &total));
  CHECK(as_chunk_plan("OK", 999u * 168u, 256, &per, &total) && total == 999);
  CHECK(!as_chunk_plan("PUT_CERT", 10, 20, &per, &total));
}

static void test_der(void) {
  uint8_t buf[64];
  as_derw w;
  static const uint8_t a[] = {0, 0, 0x80}, b[] = {0x7F}, z[] = {0, 0};
  as_derw_init(&w, buf, sizeof buf);
  as_derw_uint(&w, z, 2);
  as_derw_uint(&w, b, 1);
  as_derw_uint(&w, a, 3);
  CHECK(!w.err && as_derw_size(&w) == 10);
  CHECK(memcmp(w.p, "\x02\x02\x00\x80\x02\x01\x7F\x02\x01\x00", 10) == 0);
  CHECK(as_der_uint_len(a, 3) == 4 && as_der_uint_len(b, 1) == 3);
  as_derw_init(&w, buf, 3);
  as_derw_uint(&w, a, 3);
  CHECK(w.err); /* too small */
}

static int sha_is(const char *msg, size_t len, const char *hex) {
  uint8_t h[32];
  char out[65];
  int i;
  as_sha256((const uint8_t *)msg, len, h);
  for (i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
  return strcmp(out, hex) == 0;
}

static void test_sha256(void) {
  static char million[1000000];
  /* FIPS 180-4 examples (NIST CSRC "SHA-256" example values) */
  CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  memset(million, 'a', sizeof million);
  CHECK(sha_is(million, sizeof million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

static int ip(const char *s, const char *want_hex) {
  uint8_t out[16];
  char hex[40] = {0};
  size_t n = as_ip_parse((const uint8_t *)s, strlen(s), out), i;
  for (i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return want_hex ? strcmp(hex, want_hex) == 0 : n == 0;
}

static void test_ip(void) {
  CHECK(ip("192.168.0.1", "c0a80001"));
  CHECK(ip("::1", "00000000000000000000000000000001"));
  CHECK(ip("::", "00000000000000000000000000000000"));
  CHECK(ip("fe80::1:2", "fe800000000000000000000000010002"));
  CHECK(ip("2001:DB8::", "20010db8000000000000000000000000"));
  CHECK(ip("1:2:3:4:5:6:7:8", "00010002000300040005000600070008"));
  CHECK(ip("256.1.1.1", NULL) && ip("1.2.3", NULL) && ip("1.2.3.4.", NULL));
  CHECK(ip("1:2:3:4:5:6:7:8:9", NULL) && ip("1::2::3", NULL) && ip("12345::", NULL));
  CHECK(ip("1:2:3:4:5:6:7::8", NULL) && ip("1:", NULL) && ip("", NULL));
}

int main(int argc, char **argv) {
  NG = argc > 1 ? golden_load(argv[1], G, GOLDEN_MAX) : 0;
  RUN(test_crc, "CRC-32/ISO-HDLC check value 123456789 = CBF43926, incremental");
  RUN(test_base64, "base64 RFC 4648 §10 vectors encode and decode");
  RUN(test_base64_strict, "base64 rejects bad length, alphabet, padding and non-canonical bits");
  RUN(test_golden_count, "the spec's golden vectors are read from docs/device-protocol.md");
  RUN(test_golden_encode, "every golden body encodes to the documented wire bytes (chunked at 256)");
  RUN(test_golden_decode, "every golden wire line decodes back to the documented body");
  RUN(test_parse_syntax, "frame parser accepts the grammar of §3.1 and rejects every deviation");
  RUN(test_parse_crc, "frame parser rejects a wrong or short CRC; CR is optional");
  RUN(test_collector, "line collector: noise, resync on $, cut frames, maxFrame counted $..LF");
  RUN(test_tlv, "TLV: structure check, first occurrence wins, u8 length");
  RUN(test_utf8, "UTF-8 validation rejects overlongs, surrogates, > U+10FFFF, truncation");
  RUN(test_chunk_plan, "chunking matches the station's splitter and the 999-frame limit");
  RUN(test_der, "DER INTEGER minimal encoding and overflow detection");
  RUN(test_sha256, "SHA-256 FIPS 180-4 example values");
  RUN(test_ip, "IPv4 / IPv6 SAN literals");
  CHECK_DONE();
}
