/*
 * The ports: the small set of functions a firmware implements so the SDK core can run on it
 * (docs/device-sdk.md, "Porting"). Every function returns AS_OK (0) or a protocol error code
 * (as_status, docs/device-protocol.md §7) that the core sends back to the station as is.
 * None of them is called from an interrupt; all run on the thread that calls as_dev_poll.
 */
#ifndef AS_PORTS_H
#define AS_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "as_proto.h"

struct as_dev;

/** The serial line (UART, USB CDC, PTY). */
typedef struct as_transport_port {
  void *ctx;
  /** Reads up to `cap` bytes that have already arrived; never blocks. Returns the count (0: none). */
  size_t (*read)(void *ctx, uint8_t *buf, size_t cap);
  /** Writes all `len` bytes (may block until the UART has taken them). */
  void (*write)(void *ctx, const uint8_t *data, size_t len);
} as_transport_port;

/** A monotonic millisecond clock (wraps at 2^32; only differences are used). */
typedef struct as_clock_port {
  void *ctx;
  uint32_t (*now_ms)(void *ctx);
} as_clock_port;

/** What the storage port keeps (one blob per item and slot). */
typedef enum as_item {
  /** The slot's certificate chain: CERT TLV fields (§4), leaf first, exactly as installed. */
  AS_ITEM_CHAIN = 1,
  /** The Salesforce binding: ASSET_ID, ORG_ID and optional ASSET_TOKEN TLV fields (slot 0). */
  AS_ITEM_ASSET = 2,
  /** The lock flag: one byte 0x01 once LOCK ran (slot 0); absent or empty when unlocked. */
  AS_ITEM_LOCK = 3
} as_item;

/** Non-volatile storage (flash, NVS, EEPROM, a file). */
typedef struct as_storage_port {
  void *ctx;
  /**
   * Reads an item. Sets *len to its stored size (0 when absent) and, when `buf` is not NULL and
   * `cap` >= *len, copies it. Returns AS_E_TOO_SMALL when it does not fit, AS_E_STORAGE on a fault.
   */
  int (*read)(void *ctx, as_item item, uint8_t slot, uint8_t *buf, size_t cap, size_t *len);
  /**
   * Replaces an item (len 0 erases it). MUST be atomic and durable before it returns: after a
   * reset the item holds either the old or the new value (§6: state is persisted before OK).
   */
  int (*write)(void *ctx, as_item item, uint8_t slot, const uint8_t *data, size_t len);
} as_storage_port;

/**
 * The key store (secure element, TPM, HSM through PKCS#11; PSA Crypto). Private keys are created
 * inside it, non-extractable; the SDK only ever asks for public keys and signatures over hashes.
 */
typedef struct as_keys_port {
  void *ctx;
  /** The algorithm (AS_ALG_*) of the slot's key in *alg, or AS_E_NO_KEY when the slot is empty. */
  int (*info)(void *ctx, uint8_t slot, uint8_t *alg);
  /**
   * Generates a new key pair of `alg` in the slot, replacing any key there; the old key stays
   * usable until the new one is stored. Slow (RSA: seconds): call as_progress(dev, percent) at
   * least every 500 ms while it runs, or run the generation elsewhere and call it from here.
   */
  int (*generate)(void *ctx, struct as_dev *dev, uint8_t slot, uint8_t alg);
  /**
   * The public key as the contents of the SPKI's subjectPublicKey BIT STRING: for ECDSA-P256 the
   * 65-byte uncompressed point 04||X||Y (SEC 1 §2.3.3), for RSA the DER RSAPublicKey (RFC 8017 A.1.1).
   */
  int (*public_key)(void *ctx, uint8_t slot, uint8_t *out, size_t cap, size_t *len);
  /**
   * Signs `data` (whose SHA-256 the core already computed: `hash`) with the slot key; a key store
   * uses whichever it needs. ECDSA-P256 gives raw r||s (64 bytes, RFC 7518 §3.4); RSA gives
   * RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2). `sig` never overlaps `data`.
   */
  int (*sign)(void *ctx, struct as_dev *dev, uint8_t slot, const uint8_t *data, size_t len,
              const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len);
} as_keys_port;

/** All ports of one device. */
typedef struct as_ports {
  as_transport_port transport;
  as_clock_port clock;
  as_storage_port storage;
  as_keys_port keys;
} as_ports;

#endif
