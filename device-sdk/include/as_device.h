/*
 * The device side of protocol v1 (docs/device-protocol.md §5, §6): feed it the bytes from the
 * line; it reassembles requests (ACK per chunk), runs each command once through the ports,
 * answers (chunked), keeps the answer for replay, and sends PROG keep-alives while a command runs.
 *
 * No dynamic allocation: the firmware gives it two buffers (the line buffer of maxFrame bytes and
 * the message buffer that holds one request, then its response). Not thread-safe: call every
 * function from one thread (the port functions are called back on it).
 */
#ifndef AS_DEVICE_H
#define AS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "as_codec.h"
#include "as_ports.h"

/** Room for a public key or a signature from the key store (RSA-3072: 398 bytes). */
#ifndef AS_KEYBUF_MAX
#define AS_KEYBUF_MAX 400u
#endif
/** PROG is sent when this many ms passed since the device's last frame (spec: at least every 1000). */
#ifndef AS_PROG_INTERVAL_MS
#define AS_PROG_INTERVAL_MS 500u
#endif
/** Longest ERR body (code + text) the core stores for replay. */
#define AS_ERRBUF_MAX 80u

/** The static facts HELLO reports and the policy switches. */
typedef struct as_identity {
  const char *model;    /* MODEL, e.g. "ESP32-S3" (1..64 bytes UTF-8) */
  const char *uid;      /* UID: 1..80 of 0x21..0x7E, no '/' or '\', not "." or ".." (§4) */
  const char *firmware; /* FIRMWARE, e.g. "1.2.0" (1..64 bytes UTF-8) */
  uint8_t key_algs[3];  /* AS_ALG_* the key store can generate, preferred first */
  uint8_t key_alg_count;
  uint8_t slot_count;   /* key slots 0..slot_count-1 */
  uint8_t caps;         /* AS_CAP_* (AS_CAP_ASSET_TOKEN: SET_ASSET stores tokens) */
  uint8_t refuse_when_locked; /* 1: PUT_CERT and SET_ASSET get LOCKED once locked */
} as_identity;

/** Counters for diagnostics and tests. */
typedef struct as_dev_stats {
  uint32_t frames_in;   /* valid frames */
  uint32_t bad_frames;  /* CRC, syntax, oversize or cut lines */
  uint32_t requests;    /* commands executed */
  uint32_t replays;     /* stored responses resent */
} as_dev_stats;

/** One device. Treat the fields as private. */
typedef struct as_dev {
  const as_identity *id;
  const as_ports *ports;
  as_rx rx;
  uint16_t max_frame;
  uint8_t *msg;
  size_t msg_cap;
  size_t msg_len;
  /* request being reassembled */
  uint8_t asm_active;
  uint16_t asm_id;
  char asm_type[AS_TYPE_MAX + 1];
  uint16_t asm_total;
  uint16_t asm_received;
  /* the stored response (§5.2 replay) and the final chunk of the request it answered */
  uint8_t last_valid;
  uint8_t last_is_err;
  uint16_t last_id;
  char last_type[AS_TYPE_MAX + 1];
  uint32_t last_crc;
  size_t last_len;
  uint8_t errbuf[AS_ERRBUF_MAX];
  /* the command running now */
  uint8_t busy;
  uint16_t busy_id;
  uint8_t percent;
  uint32_t last_tx_ms;
  uint8_t keybuf[AS_KEYBUF_MAX];
  /* input not yet processed (as_progress continues it, so bytes are never reordered) */
  const uint8_t *in_ptr;
  size_t in_left;
  as_dev_stats stats;
} as_dev;

/**
 * Sets up a device. `line_buf` holds `max_frame` bytes (256..8192: the maxFrame HELLO announces);
 * `msg_buf` holds the largest request or response (`msg_cap` bytes; a certificate chain, a CSR).
 * Returns AS_OK, or AS_E_BAD_REQUEST for a bad size or identity.
 */
int as_dev_init(as_dev *d, const as_identity *id, const as_ports *ports, uint8_t *line_buf,
                uint16_t max_frame, uint8_t *msg_buf, size_t msg_cap);

/** Processes bytes received from the line (any split). May run a command before it returns. */
void as_dev_input(as_dev *d, const uint8_t *data, size_t len);

/** Reads whatever the transport port has and processes it; call from the firmware's main loop. */
void as_dev_poll(as_dev *d);

/**
 * Called by ports during slow operations (key generation, slow signatures, flash erase): sends a
 * PROG frame when one is due and answers frames that arrive meanwhile (ERR BUSY for another id,
 * silence for a retransmission of the running request). `percent` is 0..100.
 */
void as_progress(as_dev *d, uint8_t percent);

#endif
