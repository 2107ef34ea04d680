/*
 * Asset Station device protocol v1: the vocabulary (docs/device-protocol.md §4, §6, §7).
 * Numbers are stable: never renumber, append only.
 */
#ifndef AS_PROTO_H
#define AS_PROTO_H

#define AS_PROTOCOL_VERSION 1u

/** Every device accepts frames of at least this many bytes (§3.3). */
#define AS_MIN_MAX_FRAME 256u
/** The largest maxFrame a device may announce (§3.3). */
#define AS_MAX_MAX_FRAME 8192u
/** Highest chunk count of one message (§3.1). */
#define AS_MAX_CHUNKS 999u
/** Longest frame type (§3.1). */
#define AS_TYPE_MAX 12u

/* Field tags (§4). */
#define AS_TAG_SLOT 0x01u
#define AS_TAG_ALG 0x02u
#define AS_TAG_REPLACE 0x03u
#define AS_TAG_SPKI 0x04u
#define AS_TAG_CREATED 0x05u
#define AS_TAG_SUBJECT 0x06u
#define AS_TAG_SAN 0x07u
#define AS_TAG_DATA 0x08u
#define AS_TAG_SIG_ALG 0x09u
#define AS_TAG_CERT 0x0Cu
#define AS_TAG_ASSET_ID 0x10u
#define AS_TAG_ORG_ID 0x11u
#define AS_TAG_ASSET_TOKEN 0x12u
#define AS_TAG_PROTOCOL 0x20u
#define AS_TAG_MODEL 0x21u
#define AS_TAG_UID 0x22u
#define AS_TAG_FIRMWARE 0x23u
#define AS_TAG_MAX_FRAME 0x24u
#define AS_TAG_KEY_ALGS 0x25u
#define AS_TAG_CAPS 0x26u
#define AS_TAG_STATE 0x27u
#define AS_TAG_ERR_CODE 0x30u
#define AS_TAG_ERR_TEXT 0x31u
#define AS_TAG_PERCENT 0x32u

/* Key algorithms (ALG, §4). */
#define AS_ALG_ECDSA_P256 1u
#define AS_ALG_RSA_2048 2u
#define AS_ALG_RSA_3072 3u

/* Signature algorithms (SIG_ALG, §4; RFC 7518 §3.1 names). */
#define AS_SIG_ES256 1u
#define AS_SIG_RS256 2u

/* SAN types (§4). */
#define AS_SAN_DNS 1u
#define AS_SAN_URI 2u
#define AS_SAN_IP 3u
#define AS_SAN_EMAIL 4u

/* HELLO CAPS bits and STATE bits (§4). */
#define AS_CAP_ASSET_TOKEN 0x01u
#define AS_STATE_KEY 0x01u
#define AS_STATE_CERT 0x02u
#define AS_STATE_ASSET 0x04u
#define AS_STATE_LOCKED 0x08u

/**
 * Device error codes (§7). Port functions return 0 (AS_OK) or one of these; the core sends it as
 * ERR_CODE. AS_E_TOO_SMALL is internal (a buffer too small) and goes out as INTERNAL.
 */
typedef enum as_status {
  AS_OK = 0,
  AS_E_UNKNOWN_COMMAND = 1,
  AS_E_BAD_REQUEST = 2,
  AS_E_TOO_LARGE = 3,
  AS_E_SEQUENCE = 4,
  AS_E_BAD_SLOT = 5,
  AS_E_UNSUPPORTED_ALG = 6,
  AS_E_NO_KEY = 7,
  AS_E_LOCKED = 8,
  AS_E_KEY_MISMATCH = 9,
  AS_E_BAD_CERT = 10,
  AS_E_ALG_MISMATCH = 11,
  AS_E_BUSY = 12,
  AS_E_STORAGE = 13,
  AS_E_INTERNAL = 14,
  AS_E_TOO_SMALL = 100
} as_status;

/* Commands (§6), as the dispatcher numbers them. */
typedef enum as_command {
  AS_CMD_NONE = 0,
  AS_CMD_HELLO,
  AS_CMD_KEYGEN,
  AS_CMD_CSR,
  AS_CMD_SIGN,
  AS_CMD_PUT_CERT,
  AS_CMD_GET_CERT,
  AS_CMD_SET_ASSET,
  AS_CMD_GET_ASSET,
  AS_CMD_LOCK
} as_command;

#endif
