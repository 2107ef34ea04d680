/* A device on fake ports, and helpers to talk to it as the station would (tests only). */
#ifndef AS_HARNESS_H
#define AS_HARNESS_H

#include "fake_ports.h"
#include "golden.h"

extern fake F;
extern as_ports P;
extern as_dev D;
extern as_identity ID;
extern out_frame OUT[64];
extern golden G[GOLDEN_MAX];
extern size_t NG;

/** Fresh fake ports and device (maxFrame 256, message buffer `msg_cap` bytes, ≤ 8192). */
void setup(size_t msg_cap);
/** Gives the fake key store a key of `alg` in `slot`. */
void give_key(uint8_t slot, uint8_t alg);
/** Feeds raw bytes to the device. */
void feed(const void *bytes, size_t len);
/** Sends a whole message (chunked at 256, all frames at once). */
void send_msg(uint16_t id, const char *type, const uint8_t *body, size_t len);
/** Decodes what the device sent since the last call. */
size_t take(void);
/**
 * Sends a request and collects the final answer: returns 1 for OK, 0 for ERR (then *err_code is
 * set), -1 for no answer. The OK body or ERR body goes to `body` (16 KB) / `*len`.
 */
int exchange(uint16_t id, const char *type, const uint8_t *req, size_t req_len, uint8_t *body,
             size_t *len, unsigned *err_code);
/** Appends a TLV field to buf[*n]. */
void tlv(uint8_t *buf, size_t *n, uint8_t tag, const void *v, size_t len);
/** Appends a text TLV field. */
void tlv_text(uint8_t *buf, size_t *n, uint8_t tag, const char *s);
/** A DER X.509 certificate skeleton whose SPKI is `spki` (structure only, not signed). */
size_t fake_cert(const uint8_t *spki, size_t spki_len, uint8_t *out, size_t cap);
/** The SPKI DER of the fake key in `slot`. */
size_t slot_spki(uint8_t slot, uint8_t *out, size_t cap);

#endif
