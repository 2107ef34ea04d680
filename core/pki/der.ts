/**
 * A small strict DER reader and writer (ITU-T X.690 §8/§10) for the parts of PKCS#10 and X.509 the
 * station must see byte-exactly: the raw to-be-signed bytes of a CSR (RFC 2986 §4.2), the signature
 * AlgorithmIdentifier (to tolerate device quirks), subject names (string types kept exactly) and the
 * TBSCertificate the CA signs (RFC 5280 §4.1). Anything not DER throws {@link DerError}.
 */

/** Thrown by the reader on input that is not valid DER; callers map it to a StationError. */
export class DerError extends Error {
  override name = 'DerError';
}

/** One decoded TLV. `raw` is the whole element (tag + length + value), `value` its contents. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number;
  value: Uint8Array;
  raw: Uint8Array;
}

/** ASN.1 universal tags used here (X.680 §8.4). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/**
 * Reads one TLV at `offset` of `buf`.
 * @throws DerError on a high tag number, indefinite or non-minimal length, or a length past the end.
 */
export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  if (offset >= buf.length) throw new DerError(`DER ends early: expected an element at byte ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at byte ${offset}`);
  let p = offset + 1;
  if (p >= buf.length) throw new DerError(`DER is truncated: no length at byte ${p}`);
  const first = buf[p++]!;
  let len: number;
  if (first < 0x80) len = first;
  else if (first === 0x80) throw new DerError(`indefinite length at byte ${p - 1} (BER, not DER)`);
  else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError(`length of ${n} octets at byte ${p - 1} is too large`);
    if (p + n > buf.length) throw new DerError(`DER is truncated inside a length at byte ${p}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (buf[p - n] === 0 || len < 0x80) throw new DerError(`non-minimal length at byte ${p - n - 1}`);
  }
  if (p + len > buf.length) {
    throw new DerError(
      `DER is truncated: an element at byte ${offset} needs ${len} bytes, ${buf.length - p} remain`,
    );
  }
  return { tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) };
}

/** Reads exactly one TLV that spans all of `buf` (no trailing bytes). */
export function readOnly(buf: Uint8Array, what: string): Tlv {
  const t = readTlv(buf, 0);
  if (t.raw.length !== buf.length) {
    throw new DerError(`${what} has ${buf.length - t.raw.length} trailing bytes after its DER element`);
  }
  return t;
}

/** The children of a constructed TLV, in order. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  while (off < t.value.length) {
    const c = readTlv(t.value, off);
    out.push(c);
    off += c.raw.length;
  }
  return out;
}

/** Asserts `t.tag === tag`. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new DerError(`${what} is missing`);
  if (t.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  }
  return t;
}

/** Decodes an OBJECT IDENTIFIER value to dotted form (X.690 §8.19). */
export function decodeOid(v: Uint8Array): string {
  if (v.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (acc === 0 && b === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 256) throw new DerError('OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    } else if (i === v.length - 1) throw new DerError('OBJECT IDENTIFIER ends inside an arc');
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** Decodes a BIT STRING with zero unused bits (keys and signatures) to its bytes. */
export function bitStringBytes(t: Tlv, what: string): Uint8Array {
  expectTag(t, TAG.BIT_STRING, what);
  if (t.value.length < 1 || t.value[0] !== 0) throw new DerError(`${what} has unused bits`);
  return t.value.subarray(1);
}

// ---------------------------------------------------------------------------------------- writer

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Encodes a TLV with the given identifier octet and contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = concat(contents);
  return concat([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/** SEQUENCE of already-encoded elements. */
export const seq = (...els: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...els);
/** SET of already-encoded elements (the caller orders a SET OF when there is more than one). */
export const set = (...els: Uint8Array[]): Uint8Array => tlv(TAG.SET, ...els);
/** Context-specific constructed [n] EXPLICIT. */
export const explicit = (n: number, ...els: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...els);
/** NULL. */
export const derNull = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);
/** BIT STRING with zero unused bits. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);
/** OCTET STRING. */
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);
/** UTF8String. */
export const utf8String = (s: string): Uint8Array => tlv(TAG.UTF8String, new TextEncoder().encode(s));

/** INTEGER from unsigned big-endian magnitude bytes (adds a 0x00 when the top bit is set, strips extra zeros). */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const mag = bytes.subarray(i);
  return mag[0]! & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), mag) : tlv(TAG.INTEGER, mag);
}

/** Small non-negative INTEGER. */
export function smallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; ; v = Math.floor(v / 256)) {
    bytes.unshift(v & 0xff);
    if (v < 256) break;
  }
  return unsignedInteger(Uint8Array.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const b: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) b.unshift((v & 0x7f) | 0x80);
    out.push(...b);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Uint8Array.from(out));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Validity time per RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) from 2050; seconds precision, always Zulu.
 */
export function time(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y <= 2049) return tlv(TAG.UTCTime, new TextEncoder().encode(pad(y % 100) + rest));
  return tlv(TAG.GeneralizedTime, new TextEncoder().encode(pad(y, 4) + rest));
}

/** Lowercase hex of bytes. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** ENUMERATED with a small non-negative value (X.690 §8.4), e.g. a CRLReason (RFC 5280 §5.3.1). */
export function enumerated(n: number): Uint8Array {
  const int = smallInteger(n);
  return Uint8Array.of(0x0a, ...int.subarray(1));
}

/**
 * Converts a raw ECDSA signature r‖s (IEEE P1363, what PKCS#11 CKM_ECDSA returns: PKCS#11 v2.40
 * §2.3.1, both halves as long as the curve order) to the DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER,
 * s INTEGER }` that X.509 carries (RFC 5480 §2.2 → RFC 3279 §2.2.3). Each INTEGER is minimal: leading
 * zero octets are dropped and one 0x00 is added when the top bit is set, so it stays positive.
 * @throws DerError when the length is odd or zero, or r or s is zero.
 */
export function ecdsaSigFromRaw(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new DerError(`a raw ECDSA signature must be r‖s of equal halves; got ${raw.length} bytes`);
  }
  const half = raw.length / 2;
  const r = raw.subarray(0, half);
  const s = raw.subarray(half);
  if (r.every((b) => b === 0) || s.every((b) => b === 0)) {
    throw new DerError('a raw ECDSA signature has r or s equal to zero');
  }
  return seq(unsignedInteger(r), unsignedInteger(s));
}
