/*
 * The device side of docs/device-protocol.md §5: line collection, reassembly with one ACK per
 * chunk, dispatch, chunked answers, the stored answer that a retransmitted request gets again
 * (never running the command twice), BUSY while a command runs, and PROG keep-alives.
 */
#include <string.h>

#include "internal.h"

static const char *const RESPONSE_TYPES[] = {"ACK", "PROG", "OK", "ERR"};

static uint32_t now(const as_dev *d) { return d->ports->clock.now_ms(d->ports->clock.ctx); }

static void tx(void *ctx, const uint8_t *data, size_t len) {
  as_dev *d = (as_dev *)ctx;
  d->ports->transport.write(d->ports->transport.ctx, data, len);
}

static void send_frame(as_dev *d, uint16_t id, const char *type, uint16_t seq, uint16_t total,
                       const uint8_t *payload, size_t len) {
  as_frame_write(tx, d, id, type, seq, total, payload, len);
  d->last_tx_ms = now(d);
}

/* Sends a whole message, chunked for maxFrame, frames back to back (§5.1 step 3). */
static void send_message(as_dev *d, uint16_t id, const char *type, const uint8_t *body, size_t len) {
  size_t per = 0, off;
  unsigned total = 0, i;
  if (!as_chunk_plan(type, len, d->max_frame, &per, &total)) return; /* excluded by as_dev_init */
  for (i = 0; i < total; i++) {
    off = per * i;
    send_frame(d, id, type, (uint16_t)(i + 1u), (uint16_t)total, body + off,
               len - off < per ? len - off : per);
  }
}

static size_t err_body(uint8_t *out, int code, const char *text) {
  size_t n = text ? strlen(text) : 0;
  if (n > AS_ERRBUF_MAX - 8u) n = AS_ERRBUF_MAX - 8u;
  as_tlv_header(out, AS_TAG_ERR_CODE, 2);
  out[3] = (uint8_t)((unsigned)code >> 8);
  out[4] = (uint8_t)code;
  as_tlv_header(out + 5, AS_TAG_ERR_TEXT, (uint16_t)n);
  if (n) memcpy(out + 8, text, n);
  return 8u + n;
}

static void replay(as_dev *d) {
  send_message(d, d->last_id, d->last_is_err ? "ERR" : "OK", d->last_is_err ? d->errbuf : d->msg,
               d->last_len);
}

/* Sends the final answer to the request whose last frame is `f` and keeps it for replay. */
static void answer(as_dev *d, const as_frame *f, int is_err, size_t len) {
  d->last_valid = 1;
  d->last_is_err = (uint8_t)is_err;
  d->last_id = f->id;
  memcpy(d->last_type, f->type, sizeof d->last_type);
  d->last_crc = f->crc;
  d->last_len = len;
  replay(d);
}

static void answer_err(as_dev *d, const as_frame *f, int code, const char *text) {
  answer(d, f, 1, err_body(d->errbuf, code, text));
}

static void ack(as_dev *d, const as_frame *f) {
  send_frame(d, f->id, "ACK", f->seq, f->total, NULL, 0);
}

static void run(as_dev *d, const as_frame *f, as_command cmd) {
  size_t out_len = 0;
  const char *text = "";
  int rc;
  d->busy = 1;
  d->busy_id = f->id;
  d->percent = 0;
  d->stats.requests++;
  rc = as_execute(d, cmd, d->msg_len, &out_len, &text);
  d->busy = 0;
  if (rc == AS_OK) answer(d, f, 0, out_len);
  else if (rc >= AS_E_UNKNOWN_COMMAND && rc <= AS_E_INTERNAL) answer_err(d, f, rc, text);
  else answer_err(d, f, AS_E_INTERNAL, text); /* AS_E_TOO_SMALL or a code a port made up */
}

static int is_response_type(const char *type) {
  unsigned i;
  for (i = 0; i < sizeof RESPONSE_TYPES / sizeof RESPONSE_TYPES[0]; i++)
    if (strcmp(type, RESPONSE_TYPES[i]) == 0) return 1;
  return 0;
}

static void on_frame(as_dev *d, const as_frame *f) {
  as_command cmd;
  d->stats.frames_in++;
  /* A device never acts on response types: over a line that echoes, answering them would loop. */
  if (is_response_type(f->type)) return;
  if (d->busy) {
    if (f->id != d->busy_id) {
      uint8_t b[AS_ERRBUF_MAX];
      send_message(d, f->id, "ERR", b, err_body(b, AS_E_BUSY, "another command is running"));
    }
    return; /* a retransmission of the running request: the PROG keep-alives answer it */
  }
  if (d->last_valid && !d->asm_active && f->seq == f->total && f->id == d->last_id &&
      strcmp(f->type, d->last_type) == 0 && f->crc == d->last_crc) {
    d->stats.replays++;
    replay(d);
    return;
  }
  if (!as_command_of(f->type, &cmd)) {
    if (f->seq == f->total) answer_err(d, f, AS_E_UNKNOWN_COMMAND, "unknown command");
    return;
  }
  if (!d->asm_active || d->asm_id != f->id || strcmp(d->asm_type, f->type) != 0) {
    if (f->seq != 1) {
      answer_err(d, f, AS_E_SEQUENCE, "chunk without chunk 1");
      return;
    }
    /* A new request; it abandons any incomplete one and overwrites the stored answer. */
    d->asm_active = 1;
    d->asm_id = f->id;
    memcpy(d->asm_type, f->type, sizeof d->asm_type);
    d->asm_total = f->total;
    d->asm_received = 0;
    d->msg_len = 0;
    d->last_valid = 0;
  }
  if (f->total != d->asm_total) {
    d->asm_active = 0;
    answer_err(d, f, AS_E_SEQUENCE, "chunk count changed");
    return;
  }
  if (f->seq <= d->asm_received) {
    ack(d, f); /* a retransmitted chunk whose ACK was lost */
    return;
  }
  if (f->seq != d->asm_received + 1u) {
    d->asm_active = 0;
    answer_err(d, f, AS_E_SEQUENCE, "chunk out of order");
    return;
  }
  if (f->payload_len > d->msg_cap - d->msg_len) {
    d->asm_active = 0;
    answer_err(d, f, AS_E_TOO_LARGE, "request larger than the device can store");
    return;
  }
  memcpy(d->msg + d->msg_len, f->payload, f->payload_len);
  d->msg_len += f->payload_len;
  d->asm_received++;
  if (d->asm_received < d->asm_total) {
    ack(d, f);
    return;
  }
  d->asm_active = 0;
  run(d, f, cmd);
}

static void consume(as_dev *d) {
  while (d->in_left) {
    as_frame f;
    as_rx_event ev;
    uint8_t b = *d->in_ptr++;
    d->in_left--;
    ev = as_rx_byte(&d->rx, b);
    if (ev == AS_RX_LINE) {
      if (as_frame_parse(d->rx.buf, d->rx.len, &f)) on_frame(d, &f);
      else d->stats.bad_frames++;
    } else if (ev != AS_RX_NONE) {
      d->stats.bad_frames++;
    }
  }
}

int as_dev_init(as_dev *d, const as_identity *id, const as_ports *ports, uint8_t *line_buf,
                uint16_t max_frame, uint8_t *msg_buf, size_t msg_cap) {
  size_t per = 0, uid_len, i;
  unsigned total = 0;
  memset(d, 0, sizeof *d);
  if (max_frame < AS_MIN_MAX_FRAME || max_frame > AS_MAX_MAX_FRAME || msg_cap < 256u) return AS_E_BAD_REQUEST;
  if (!as_chunk_plan("OK", msg_cap, max_frame, &per, &total)) return AS_E_BAD_REQUEST;
  if (!id || !id->model || !id->uid || !id->firmware || id->slot_count == 0) return AS_E_BAD_REQUEST;
  if (id->key_alg_count == 0 || id->key_alg_count > sizeof id->key_algs) return AS_E_BAD_REQUEST;
  uid_len = strlen(id->uid);
  if (uid_len < 1 || uid_len > 80 || strcmp(id->uid, ".") == 0 || strcmp(id->uid, "..") == 0 || strlen(id->model) < 1 || strlen(id->model) > 64 ||
      strlen(id->firmware) < 1 || strlen(id->firmware) > 64)
    return AS_E_BAD_REQUEST;
  for (i = 0; i < uid_len; i++) {
    char c = id->uid[i];
    if (c < 0x21 || c > 0x7E || c == '/' || c == '\\') return AS_E_BAD_REQUEST;
  }
  d->id = id;
  d->ports = ports;
  d->max_frame = max_frame;
  d->msg = msg_buf;
  d->msg_cap = msg_cap;
  as_rx_init(&d->rx, line_buf, max_frame);
  return AS_OK;
}

void as_dev_input(as_dev *d, const uint8_t *data, size_t len) {
  if (d->in_left) return; /* re-entered from a port while input is pending: not allowed */
  d->in_ptr = data;
  d->in_left = len;
  consume(d);
}

void as_dev_poll(as_dev *d) {
  uint8_t buf[64];
  size_t n;
  while ((n = d->ports->transport.read(d->ports->transport.ctx, buf, sizeof buf)) > 0)
    as_dev_input(d, buf, n);
}

void as_progress(as_dev *d, uint8_t percent) {
  uint8_t body[4];
  uint8_t buf[64];
  size_t n;
  if (!d->busy) return;
  if (percent > 100u) percent = 100u;
  d->percent = percent;
  if ((uint32_t)(now(d) - d->last_tx_ms) >= AS_PROG_INTERVAL_MS) {
    as_tlv_header(body, AS_TAG_PERCENT, 1);
    body[3] = d->percent;
    send_frame(d, d->busy_id, "PROG", 1, 1, body, sizeof body);
  }
  /* Frames that arrive meanwhile: first the rest of the caller's input, then the line's. */
  consume(d);
  while ((n = d->ports->transport.read(d->ports->transport.ctx, buf, sizeof buf)) > 0) {
    d->in_ptr = buf;
    d->in_left = n;
    consume(d);
  }
}
