/**
 * Message body encoding of protocol v1 (docs/device-protocol.md §4): a sequence of TLV fields,
 * `tag` (1 byte) + `length` (2 bytes, big-endian) + `value` (length bytes). Tags may repeat (e.g. one
 * per certificate of a chain); unknown tags are ignored by receivers so later versions can add fields.
 * Pure: Uint8Array only.
 */
import { utf8Decode, utf8Encode } from './utf8';

/** One TLV field. */
export interface Tlv {
  tag: number;
  value: Uint8Array;
}

/** Largest value of one field, bytes. */
export const MAX_TLV_VALUE = 0xffff;

/** Serialises fields. Throws a plain Error when a value exceeds 65535 bytes (caller bug). */
export function encodeTlv(fields: Tlv[]): Uint8Array {
  let len = 0;
  for (const f of fields) {
    if (f.value.length > MAX_TLV_VALUE)
      throw new Error(`TLV value too long for tag ${f.tag}: ${f.value.length}`);
    len += 3 + f.value.length;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (const f of fields) {
    out[o++] = f.tag & 0xff;
    out[o++] = f.value.length >>> 8;
    out[o++] = f.value.length & 0xff;
    out.set(f.value, o);
    o += f.value.length;
  }
  return out;
}

/** Parses fields; undefined when a length runs past the end (malformed body). */
export function decodeTlv(bytes: Uint8Array): Tlv[] | undefined {
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 3 > bytes.length) return undefined;
    const tag = bytes[i]!;
    const len = (bytes[i + 1]! << 8) | bytes[i + 2]!;
    i += 3;
    if (i + len > bytes.length) return undefined;
    out.push({ tag, value: bytes.slice(i, i + len) });
    i += len;
  }
  return out;
}

/** Field builders. */
export const tlv = {
  u8: (tag: number, v: number): Tlv => ({ tag, value: Uint8Array.of(v & 0xff) }),
  u16: (tag: number, v: number): Tlv => ({ tag, value: Uint8Array.of((v >>> 8) & 0xff, v & 0xff) }),
  bytes: (tag: number, v: Uint8Array): Tlv => ({ tag, value: v }),
  text: (tag: number, v: string): Tlv => ({ tag, value: utf8Encode(v) }),
};

/** Read helpers over a parsed field list: each returns undefined when the field is absent or malformed. */
export class TlvReader {
  constructor(readonly fields: Tlv[]) {}
  /** First value with this tag. */
  bytes(tag: number): Uint8Array | undefined {
    return this.fields.find((f) => f.tag === tag)?.value;
  }
  /** Every value with this tag, in order. */
  all(tag: number): Uint8Array[] {
    return this.fields.filter((f) => f.tag === tag).map((f) => f.value);
  }
  u8(tag: number): number | undefined {
    const v = this.bytes(tag);
    return v && v.length === 1 ? v[0] : undefined;
  }
  u16(tag: number): number | undefined {
    const v = this.bytes(tag);
    return v && v.length === 2 ? (v[0]! << 8) | v[1]! : undefined;
  }
  text(tag: number): string | undefined {
    const v = this.bytes(tag);
    return v ? utf8Decode(v) : undefined;
  }
}
