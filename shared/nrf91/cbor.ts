/**
 * A small CBOR (RFC 8949) reader and writer for the nRF91 modem's COSE messages: definite-length
 * unsigned/negative integers, byte and text strings, arrays, maps and tags (major types 0–6), plus
 * false/true/null. Indefinite lengths, floats and 64-bit values above 2^53 are refused: the modem does
 * not send them, and refusing is safer than guessing. Pure: Uint8Array only, no Node APIs.
 */
import { utf8Decode, utf8Encode } from '../protocol/utf8';

/** A decoded CBOR item. Maps keep their entries in order (keys may be integers or texts). */
export type CborValue =
  | number
  | Uint8Array
  | string
  | boolean
  | null
  | CborValue[]
  | { map: Array<[CborValue, CborValue]> }
  | { tag: number; value: CborValue };

/** Thrown for malformed or unsupported input (callers map it to a StationError). */
export class CborError extends Error {}

const MAX_DEPTH = 16;

/** Decodes exactly one CBOR item filling all of `bytes`. @throws CborError */
export function cborDecode(bytes: Uint8Array): CborValue {
  const r = { pos: 0 };
  const v = item(bytes, r, 0);
  if (r.pos !== bytes.length) throw new CborError(`${bytes.length - r.pos} bytes after the CBOR item`);
  return v;
}

function need(b: Uint8Array, r: { pos: number }, n: number): void {
  if (r.pos + n > b.length) throw new CborError('CBOR item cut short');
}

function arg(b: Uint8Array, r: { pos: number }, info: number): number {
  if (info < 24) return info;
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0) throw new CborError(`unsupported CBOR length encoding ${info}`);
  need(b, r, size);
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + b[r.pos + i]!;
  r.pos += size;
  if (!Number.isSafeInteger(n)) throw new CborError('CBOR integer beyond 2^53');
  return n;
}

function item(b: Uint8Array, r: { pos: number }, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw new CborError('CBOR nested too deeply');
  need(b, r, 1);
  const head = b[r.pos++]!;
  const major = head >> 5;
  const info = head & 31;
  if (major === 7) {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    throw new CborError(`unsupported CBOR simple value ${info}`);
  }
  const n = arg(b, r, info);
  switch (major) {
    case 0:
      return n;
    case 1:
      return -1 - n;
    case 2:
    case 3: {
      need(b, r, n);
      const s = b.slice(r.pos, r.pos + n);
      r.pos += n;
      if (major === 2) return s;
      const t = utf8Decode(s);
      if (t === undefined) throw new CborError('CBOR text is not UTF-8');
      return t;
    }
    case 4: {
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(item(b, r, depth + 1));
      return out;
    }
    case 5: {
      const map: Array<[CborValue, CborValue]> = [];
      for (let i = 0; i < n; i++) map.push([item(b, r, depth + 1), item(b, r, depth + 1)]);
      return { map };
    }
    default:
      return { tag: n, value: item(b, r, depth + 1) };
  }
}

function headBytes(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  if (n < 0x100000000)
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  throw new CborError('CBOR writer: value too large');
}

/** Encodes a value (integers must be safe integers; the same subset as {@link cborDecode}). */
export function cborEncode(v: CborValue): Uint8Array {
  const out: number[] = [];
  const put = (x: CborValue): void => {
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new CborError('CBOR writer: integers only');
      out.push(...(x >= 0 ? headBytes(0, x) : headBytes(1, -1 - x)));
    } else if (x instanceof Uint8Array) {
      out.push(...headBytes(2, x.length), ...x);
    } else if (typeof x === 'string') {
      const s = utf8Encode(x);
      out.push(...headBytes(3, s.length), ...s);
    } else if (x === false) out.push(0xf4);
    else if (x === true) out.push(0xf5);
    else if (x === null) out.push(0xf6);
    else if (Array.isArray(x)) {
      out.push(...headBytes(4, x.length));
      for (const e of x) put(e);
    } else if ('map' in x) {
      out.push(...headBytes(5, x.map.length));
      for (const [k, e] of x.map) {
        put(k);
        put(e);
      }
    } else {
      out.push(...headBytes(6, x.tag));
      put(x.value);
    }
  };
  put(v);
  return Uint8Array.from(out);
}

/** The value under integer or text `key` in a decoded map (undefined when absent or not a map). */
export function cborMapGet(m: CborValue, key: number | string): CborValue | undefined {
  if (m === null || typeof m !== 'object' || m instanceof Uint8Array || Array.isArray(m)) return undefined;
  if (!('map' in m)) return undefined;
  return m.map.find(([k]) => k === key)?.[1];
}
