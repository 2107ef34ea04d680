/**
 * Vocabulary of device protocol v1 (docs/device-protocol.md §4–§6): command names, response types,
 * field tags, algorithm codes, device error codes and the default per-command timeouts.
 * Numeric codes are stable: never renumber; append only. Pure module.
 */
import type { KeyAlgorithm } from '../domain';

/** Protocol version announced in HELLO. */
export const PROTOCOL_VERSION = 1;

/** Commands (station → device frame types). */
export const COMMANDS = [
  'HELLO',
  'KEYGEN',
  'CSR',
  'SIGN',
  'PUT_CERT',
  'GET_CERT',
  'SET_ASSET',
  'GET_ASSET',
  'LOCK',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Device → station frame types. */
export const RESPONSES = ['ACK', 'PROG', 'OK', 'ERR'] as const;

/** True when `t` is a v1 command. */
export function isCommand(t: string): t is CommandName {
  return (COMMANDS as readonly string[]).includes(t);
}

/** Field tags (one number space for all messages). */
export const TAG = {
  SLOT: 0x01, // u8
  ALG: 0x02, // u8, ALG_CODE
  REPLACE: 0x03, // u8 0|1
  SPKI: 0x04, // DER SubjectPublicKeyInfo
  CREATED: 0x05, // u8 0|1
  SUBJECT: 0x06, // UTF-8 "ATTR=value", one per RDN, in order (e.g. "CN=dev-1")
  SAN: 0x07, // u8 SAN_TYPE + UTF-8 value
  DATA: 0x08, // bytes to sign
  SIG_ALG: 0x09, // u8, SIG_ALG_CODE
  SIGNATURE: 0x0a, // bytes
  CSR: 0x0b, // DER PKCS#10
  CERT: 0x0c, // DER certificate, repeated, leaf first
  ASSET_ID: 0x10, // UTF-8
  ORG_ID: 0x11, // UTF-8
  ASSET_TOKEN: 0x12, // UTF-8 (JWT)
  PROTOCOL: 0x20, // u8
  MODEL: 0x21, // UTF-8
  UID: 0x22, // UTF-8
  FIRMWARE: 0x23, // UTF-8
  MAX_FRAME: 0x24, // u16
  KEY_ALGS: 0x25, // one ALG_CODE byte per supported algorithm
  CAPS: 0x26, // u8 bit flags, CAP
  STATE: 0x27, // u8 bit flags, STATE_BIT
  ERR_CODE: 0x30, // u16, DEVICE_ERRORS
  ERR_TEXT: 0x31, // UTF-8
  PERCENT: 0x32, // u8 0..100
} as const;

/** Key algorithm codes. */
export const ALG_CODE: Record<KeyAlgorithm, number> = { 'ECDSA-P256': 1, 'RSA-2048': 2, 'RSA-3072': 3 };
/** Inverse of {@link ALG_CODE}. */
export function algFromCode(code: number | undefined): KeyAlgorithm | undefined {
  return (Object.keys(ALG_CODE) as KeyAlgorithm[]).find((k) => ALG_CODE[k] === code);
}
/** Signature algorithm codes (RFC 7518 §3.1 names). */
export const SIG_ALG_CODE = { ES256: 1, RS256: 2 } as const;

/** SAN value types (RFC 5280 §4.2.1.6 GeneralName choices supported by v1). */
export const SAN_TYPE = { DNS: 1, URI: 2, IP: 3, EMAIL: 4 } as const;

/** HELLO capability bits. */
export const CAP = { ASSET_TOKEN: 0x01 } as const;
/** HELLO state bits. */
export const STATE_BIT = { KEY: 0x01, CERT: 0x02, ASSET: 0x04, LOCKED: 0x08 } as const;

/** Device error codes: stable numbers and names (docs/device-protocol.md §7). */
export const DEVICE_ERRORS = {
  UNKNOWN_COMMAND: 1,
  BAD_REQUEST: 2,
  TOO_LARGE: 3,
  SEQUENCE: 4,
  BAD_SLOT: 5,
  UNSUPPORTED_ALG: 6,
  NO_KEY: 7,
  LOCKED: 8,
  KEY_MISMATCH: 9,
  BAD_CERT: 10,
  ALG_MISMATCH: 11,
  BUSY: 12,
  STORAGE: 13,
  INTERNAL: 14,
} as const;
export type DeviceErrorName = keyof typeof DEVICE_ERRORS;

/** Name of a numeric device error code (or `E<n>` when unknown to this version). */
export function deviceErrorName(code: number): string {
  const e = (Object.keys(DEVICE_ERRORS) as DeviceErrorName[]).find((k) => DEVICE_ERRORS[k] === code);
  return e ?? `E${code}`;
}

/**
 * Default per-command deadlines in ms (docs §5.3). A PROG frame restarts the idle timer but not this
 * overall deadline. RSA-3072 generation on a microcontroller can take tens of seconds.
 */
export const DEFAULT_TIMEOUT_MS: Record<CommandName, number> = {
  HELLO: 3_000,
  KEYGEN: 120_000,
  CSR: 30_000,
  SIGN: 15_000,
  PUT_CERT: 15_000,
  GET_CERT: 10_000,
  SET_ASSET: 10_000,
  GET_ASSET: 10_000,
  LOCK: 10_000,
};

/** A device sends PROG at least this often while a command runs (ms). */
export const KEEPALIVE_INTERVAL_MS = 1_000;
/**
 * The station waits this long (ms, plus the wire time of the expected bytes) for the next frame of a
 * response before it retransmits the request's last chunk.
 */
export const IDLE_RETRY_MS = 1_500;
/** A device sends ACK for a non-final chunk within this many ms after the chunk's last byte. */
export const ACK_DEADLINE_MS = 250;
/**
 * The station retransmits an un-ACKed chunk after this many ms (plus the wire time of the chunk and
 * its ACK): twice {@link ACK_DEADLINE_MS}.
 */
export const ACK_RETRY_MS = 500;
/** Retransmissions of one chunk before the station gives up. */
export const MAX_RETRIES = 6;
