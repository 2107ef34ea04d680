/*
 * In-memory ports for the SDK's tests and fuzzer: a transport that records what the device sends
 * and serves queued input, a settable clock, RAM storage (with a switch to make writes fail) and a
 * fake key store (fixed public keys, signatures derived from the hash, call counters).
 */
#ifndef AS_FAKE_PORTS_H
#define AS_FAKE_PORTS_H

#include "as_device.h"

#define FAKE_OUT_MAX 200000
#define FAKE_ITEMS 8

typedef struct fake_item {
  int present;
  uint8_t item, slot;
  uint8_t data[8192];
  size_t len;
} fake_item;

typedef struct fake {
  uint8_t out[FAKE_OUT_MAX];
  size_t out_len;
  const uint8_t *in;
  size_t in_len;
  uint32_t now;
  fake_item items[FAKE_ITEMS];
  int fail_writes;
  int has_key[4];
  uint8_t key_alg[4];
  unsigned gen_calls, sign_calls, pub_calls;
  int sign_rc; /* when not 0, keys.sign fails with this code */
  uint8_t last_hash[32];
  /* Called inside keys.generate (e.g. to push input and call as_progress). */
  void (*during_generate)(struct fake *f, as_dev *d);
} fake;

/** Resets `f` and points every port at it. */
void fake_init(fake *f, as_ports *p);
/** The fake public key of a slot (BIT STRING contents), as the key store returns it. */
size_t fake_public_key(const fake *f, uint8_t slot, uint8_t *out, size_t cap);

/** A frame decoded from the device's output, payload copied. */
typedef struct out_frame {
  uint16_t id;
  char type[16];
  uint16_t seq, total;
  uint8_t payload[8192];
  size_t len;
} out_frame;

/** Decodes f->out into frames (at most `max`); returns the count and clears the output. */
size_t fake_take_frames(fake *f, out_frame *frames, size_t max);
/** Joins the payloads of consecutive frames [from, from+n) into `body`; returns its length. */
size_t join_payloads(const out_frame *frames, size_t n, uint8_t *body, size_t cap);
/** Encodes a message as frames for `max_frame` into `wire`; returns the bytes. */
size_t encode_message(uint16_t id, const char *type, const uint8_t *body, size_t len,
                      unsigned max_frame, uint8_t *wire, size_t cap);

#endif
