/*
 * Frames (docs/device-protocol.md §3): `$AS1,<id>,<type>,<seq>/<total>,<payload>*<crc>\r\n`.
 * The collector hunts for the marker and restarts on every `$` (§3.4), the parser checks the CRC
 * before the syntax and rejects anything the station's parser rejects (shared/protocol/frame.ts),
 * and the writer streams a frame to the transport with the CRC computed on the way.
 */
#include <string.h>

#include "as_codec.h"

static const uint8_t MARKER[5] = {'$', 'A', 'S', '1', ','};
static const char HEX[] = "0123456789ABCDEF";

void as_rx_init(as_rx *rx, uint8_t *buf, uint16_t cap) {
  rx->buf = buf;
  rx->cap = cap;
  rx->len = 0;
  rx->skipping = 0;
  rx->ready = 0;
}

as_rx_event as_rx_byte(as_rx *rx, uint8_t b) {
  as_rx_event ev = AS_RX_NONE;
  if (rx->ready) {
    rx->ready = 0;
    rx->len = 0;
  }
  if (b == '$') {
    if (rx->skipping) ev = AS_RX_OVERSIZE;
    else if (rx->len >= sizeof MARKER) ev = AS_RX_CUT;
    rx->skipping = 0;
    rx->buf[0] = b;
    rx->len = 1;
    return ev;
  }
  if (rx->skipping) {
    if (b == '\n') {
      rx->skipping = 0;
      return AS_RX_OVERSIZE;
    }
    return AS_RX_NONE;
  }
  if (rx->len == 0) return AS_RX_NONE; /* noise between frames */
  if (rx->len < sizeof MARKER) {
    if (b != MARKER[rx->len]) rx->len = 0; /* `$` not followed by `AS1,`: noise */
    else rx->buf[rx->len++] = b;
    return AS_RX_NONE;
  }
  if (b == '\n') {
    rx->ready = 1; /* buf[0..len) is the line until the next call */
    return AS_RX_LINE;
  }
  rx->buf[rx->len++] = b;
  if (rx->len >= rx->cap) { /* with the LF still to come, the line would exceed cap */
    rx->skipping = 1;
    rx->len = 0;
  }
  return AS_RX_NONE;
}

static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Parses "[1-9][0-9]{0,2}" exactly spanning [p, end); -1 when not. */
static int parse_count(const uint8_t *p, const uint8_t *end) {
  int v = 0;
  if (end - p < 1 || end - p > 3 || *p == '0') return -1;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return -1;
    v = v * 10 + (*p - '0');
  }
  return v;
}

int as_frame_parse(uint8_t *line, size_t len, as_frame *out) {
  size_t end = len, star, i;
  uint32_t want = 0;
  const uint8_t *field[5];
  const uint8_t *field_end[5];
  size_t nf = 0;
  int seq, total;
  long n;
  if (end > 0 && line[end - 1] == '\r') end--;
  if (end < 9) return 0;
  star = end - 9;
  if (line[star] != '*') return 0;
  for (i = star + 1; i < end; i++) {
    int d = hex_value(line[i]);
    if (d < 0) return 0;
    want = (want << 4) | (uint32_t)d;
  }
  if (as_crc32(line, star) != want) return 0;
  field[0] = line;
  for (i = 0; i < star; i++) {
    if (line[i] < 0x20u || line[i] > 0x7Eu) return 0;
    if (line[i] == ',') {
      if (nf >= 4) return 0;
      field_end[nf++] = line + i;
      field[nf] = line + i + 1;
    }
  }
  if (nf != 4) return 0;
  field_end[4] = line + star;
  if (field_end[0] - field[0] != 4 || memcmp(field[0], MARKER, 4) != 0) return 0;
  if (field_end[1] - field[1] != 4) return 0;
  out->id = 0;
  for (i = 0; i < 4; i++) {
    uint8_t c = field[1][i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return 0; /* uppercase only */
    out->id = (uint16_t)((out->id << 4) | (uint16_t)hex_value(c));
  }
  if (field_end[2] - field[2] < 1 || field_end[2] - field[2] > (long)AS_TYPE_MAX) return 0;
  for (i = 0; field[2] + i < field_end[2]; i++) {
    uint8_t c = field[2][i];
    if (!((c >= 'A' && c <= 'Z') || c == '_')) return 0;
    out->type[i] = (char)c;
  }
  out->type[i] = '\0';
  {
    const uint8_t *slash = field[3];
    while (slash < field_end[3] && *slash != '/') slash++;
    if (slash == field_end[3]) return 0;
    seq = parse_count(field[3], slash);
    total = parse_count(slash + 1, field_end[3]);
    if (seq < 0 || total < 0 || seq > total) return 0;
  }
  n = as_b64_decode(field[4], (size_t)(field_end[4] - field[4]), (uint8_t *)field[4],
                    (size_t)(field_end[4] - field[4]));
  if (n < 0) return 0;
  out->seq = (uint16_t)seq;
  out->total = (uint16_t)total;
  out->payload = field[4];
  out->payload_len = (uint16_t)n;
  out->crc = want;
  return 1;
}

/* ---- writer ------------------------------------------------------------------------------------ */

typedef struct sink {
  as_write_fn write;
  void *ctx;
  uint32_t crc;
  uint8_t buf[48];
  size_t n;
} sink;

static void sink_flush(sink *s) {
  if (s->n) s->write(s->ctx, s->buf, s->n);
  s->n = 0;
}

static void sink_put(sink *s, const uint8_t *p, size_t len, int in_crc) {
  if (in_crc) s->crc = as_crc32_update(s->crc, p, len);
  while (len) {
    size_t k = sizeof s->buf - s->n;
    if (k > len) k = len;
    memcpy(s->buf + s->n, p, k);
    s->n += k;
    p += k;
    len -= k;
    if (s->n == sizeof s->buf) sink_flush(s);
  }
}

static size_t put_decimal(uint8_t *out, unsigned v) {
  uint8_t tmp[5];
  size_t n = 0, i;
  do {
    tmp[n++] = (uint8_t)('0' + v % 10u);
    v /= 10u;
  } while (v && n < sizeof tmp);
  for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

void as_frame_write(as_write_fn write, void *ctx, uint16_t id, const char *type, uint16_t seq,
                    uint16_t total, const uint8_t *payload, size_t len) {
  sink s;
  uint8_t head[32];
  size_t h = 0, tl = strlen(type), i;
  uint32_t crc;
  s.write = write;
  s.ctx = ctx;
  s.crc = AS_CRC32_INIT;
  s.n = 0;
  memcpy(head, MARKER, sizeof MARKER);
  h = sizeof MARKER;
  for (i = 0; i < 4; i++) head[h++] = (uint8_t)HEX[(id >> (12 - 4 * i)) & 0xFu];
  head[h++] = ',';
  sink_put(&s, head, h, 1);
  sink_put(&s, (const uint8_t *)type, tl, 1);
  h = 0;
  head[h++] = ',';
  h += put_decimal(head + h, seq);
  head[h++] = '/';
  h += put_decimal(head + h, total);
  head[h++] = ',';
  sink_put(&s, head, h, 1);
  for (i = 0; i < len; i += 3) {
    uint8_t q[4];
    as_b64_quantum(payload + i, len - i >= 3 ? 3 : len - i, q);
    sink_put(&s, q, 4, 1);
  }
  crc = as_crc32_final(s.crc);
  h = 0;
  head[h++] = '*';
  for (i = 0; i < 8; i++) head[h++] = (uint8_t)HEX[(crc >> (28 - 4 * i)) & 0xFu];
  head[h++] = '\r';
  head[h++] = '\n';
  sink_put(&s, head, h, 0);
  sink_flush(&s);
}

static size_t digits(unsigned v) { return v >= 100u ? 3u : v >= 10u ? 2u : 1u; }

size_t as_frame_length(const char *type, unsigned seq, unsigned total, size_t payload_len) {
  return sizeof MARKER + 5u + strlen(type) + 1u + digits(seq) + 1u + digits(total) + 1u +
         AS_B64_LEN(payload_len) + 11u;
}

int as_chunk_plan(const char *type, size_t len, unsigned max_frame, size_t *per_chunk,
                  unsigned *total) {
  unsigned widest = 9;
  while (widest <= AS_MAX_CHUNKS) {
    size_t overhead = as_frame_length(type, widest, widest, 0);
    size_t cap;
    unsigned n;
    if (max_frame <= overhead) return 0;
    cap = ((max_frame - overhead) / 4u) * 3u;
    if (cap == 0) return 0;
    n = len == 0 ? 1u : (unsigned)((len + cap - 1u) / cap);
    if (n <= widest) {
      *per_chunk = cap;
      *total = n;
      return 1;
    }
    widest = widest * 10u + 9u;
  }
  return 0;
}

int as_command_of(const char *type, as_command *cmd) {
  static const char *const NAMES[] = {"HELLO",    "KEYGEN",   "CSR",       "SIGN",     "PUT_CERT",
                                      "GET_CERT", "SET_ASSET", "GET_ASSET", "LOCK"};
  unsigned i;
  for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
    if (strcmp(type, NAMES[i]) == 0) {
      *cmd = (as_command)(i + 1u);
      return 1;
    }
  return 0;
}
