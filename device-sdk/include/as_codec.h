/*
 * Codec of protocol v1 (docs/device-protocol.md §3, §4): CRC-32, base64, TLV bodies, the frame
 * line collector (resynchronising on `$AS1,`), the frame parser and the streaming frame writer.
 * C99, no dynamic allocation, no global state: every buffer belongs to the caller.
 */
#ifndef AS_CODEC_H
#define AS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "as_proto.h"

/* ---- CRC-32/ISO-HDLC (§3.2) ------------------------------------------------------------------ */

/** Starting value of an incremental CRC-32 (feed with as_crc32_update, finish with as_crc32_final). */
#define AS_CRC32_INIT 0xFFFFFFFFu
/** Adds bytes to a running CRC-32/ISO-HDLC (poly 0xEDB88320 reflected). */
uint32_t as_crc32_update(uint32_t crc, const uint8_t *data, size_t len);
/** Final XOR of CRC-32/ISO-HDLC. */
uint32_t as_crc32_final(uint32_t crc);
/** CRC-32/ISO-HDLC of a buffer; "123456789" gives 0xCBF43926. */
uint32_t as_crc32(const uint8_t *data, size_t len);

/* ---- base64 (RFC 4648 §4, padded, canonical) --------------------------------------------------- */

/** Length in bytes of the base64 text of `n` bytes. */
#define AS_B64_LEN(n) ((((n) + 2u) / 3u) * 4u)
/**
 * Decodes canonical base64 (RFC 4648 §4: standard alphabet, `=` padding, zero pad bits).
 * `out` may equal `in` (decoding in place). Returns the decoded length, or -1 when the text is not
 * canonical base64 or `out` has fewer than the decoded length of `cap` bytes.
 */
long as_b64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/** Encodes 1..3 bytes (`n`) into 4 characters at `out`, padding with `=`. */
void as_b64_quantum(const uint8_t *in, size_t n, uint8_t out[4]);

/* ---- TLV bodies (§4) --------------------------------------------------------------------------- */

/** One field of a TLV body: `value` points into the body. */
typedef struct as_tlv {
  uint8_t tag;
  uint16_t len;
  const uint8_t *value;
} as_tlv;

/** Walks a TLV body. Start with `pos = 0`. */
typedef struct as_tlv_iter {
  const uint8_t *body;
  size_t len;
  size_t pos;
} as_tlv_iter;

/** True when the whole body is a well-formed sequence of TLV fields (no length runs past the end). */
int as_tlv_valid(const uint8_t *body, size_t len);
/** Next field (any tag); 0 at the end or on a malformed field. */
int as_tlv_next(as_tlv_iter *it, as_tlv *out);
/**
 * First field with `tag` (single-valued fields: the first occurrence counts, later ones are
 * ignored, §4). Returns 1 when found.
 */
int as_tlv_find(const uint8_t *body, size_t len, uint8_t tag, as_tlv *out);
/** The `n`-th (0-based) field with `tag`; 1 when found. */
int as_tlv_nth(const uint8_t *body, size_t len, uint8_t tag, unsigned n, as_tlv *out);
/** Number of fields with `tag`. */
unsigned as_tlv_count(const uint8_t *body, size_t len, uint8_t tag);
/** Reads a u8 field: 1 when present and exactly one byte. */
int as_tlv_u8(const uint8_t *body, size_t len, uint8_t tag, uint8_t *out);
/** Writes a field header (3 bytes) at `out`. */
void as_tlv_header(uint8_t *out, uint8_t tag, uint16_t len);
/** True when the bytes are valid UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
int as_utf8_valid(const uint8_t *s, size_t len);

/* ---- frames (§3) ------------------------------------------------------------------------------- */

/** A parsed frame. `payload` points into the line buffer (decoded in place). */
typedef struct as_frame {
  uint16_t id;
  char type[AS_TYPE_MAX + 1];
  uint16_t seq;
  uint16_t total;
  const uint8_t *payload;
  uint16_t payload_len;
  /** The frame's CRC trailer value: a fingerprint of the whole frame (§5.2 replay). */
  uint32_t crc;
} as_frame;

/** What as_rx_byte reports. */
typedef enum as_rx_event {
  AS_RX_NONE = 0, /* byte consumed (noise or part of a line) */
  AS_RX_LINE,     /* a candidate line (from `$` up to, excluding, LF) is in buf[0..len) */
  AS_RX_OVERSIZE, /* a line longer than the buffer was discarded */
  AS_RX_CUT       /* a candidate line was cut short by a new `$` and discarded */
} as_rx_event;

/**
 * Line collector (§3.4): hunts for `$AS1,`, collects to LF, discards lines longer than `cap` bytes
 * (CR LF included, i.e. a line is accepted when `$`…LF is at most `cap` bytes) and restarts on any `$`.
 */
typedef struct as_rx {
  uint8_t *buf;
  uint16_t cap;
  uint16_t len;
  uint8_t skipping;
  uint8_t ready; /* a line was returned: the next byte starts afresh */
} as_rx;

/** Sets up a collector over `buf` (`cap` = the device's maxFrame). */
void as_rx_init(as_rx *rx, uint8_t *buf, uint16_t cap);
/** Consumes one byte. After AS_RX_LINE the line is valid until the next call. */
as_rx_event as_rx_byte(as_rx *rx, uint8_t b);

/**
 * Parses a complete line (without LF; one trailing CR allowed): CRC first, then syntax (§3.1, §3.4).
 * Decodes the payload in place, so `line` is modified. Returns 1 for a valid frame, 0 otherwise
 * (a frame that fails is dropped silently by the caller).
 */
int as_frame_parse(uint8_t *line, size_t len, as_frame *out);

/** Byte sink of the frame writer: writes all `len` bytes (the transport port). */
typedef void (*as_write_fn)(void *ctx, const uint8_t *data, size_t len);

/** Writes one frame (with CR LF) through `write`, computing the CRC as it goes; nothing buffered. */
void as_frame_write(as_write_fn write, void *ctx, uint16_t id, const char *type, uint16_t seq,
                    uint16_t total, const uint8_t *payload, size_t len);

/** On-the-wire length of a frame of this type and part numbering with `payload_len` bytes. */
size_t as_frame_length(const char *type, unsigned seq, unsigned total, size_t payload_len);

/**
 * Chunking (§5.1): payload bytes per frame and frame count for a `len`-byte message of `type` at
 * `max_frame`, numbered like the station's splitter so both sides produce the same frames.
 * Returns 0 when the message cannot fit in 999 frames.
 */
int as_chunk_plan(const char *type, size_t len, unsigned max_frame, size_t *per_chunk,
                  unsigned *total);

/** True when `type` is a v1 command; sets *cmd. */
int as_command_of(const char *type, as_command *cmd);

#endif
