/**
 * UTF-8 (RFC 3629) encode/decode over Uint8Array without TextEncoder (shared/ compiles without DOM or
 * Node typings). Decoding is strict: overlong forms, surrogates and truncated sequences give undefined.
 */

/** Encodes a string as UTF-8 bytes (lone surrogates become U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Decodes UTF-8 bytes; undefined when they are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    let cp: number;
    let n: number;
    if (b < 0x80) {
      cp = b;
      n = 0;
    } else if (b >= 0xc2 && b < 0xe0) {
      cp = b & 31;
      n = 1;
    } else if (b >= 0xe0 && b < 0xf0) {
      cp = b & 15;
      n = 2;
    } else if (b >= 0xf0 && b < 0xf5) {
      cp = b & 7;
      n = 3;
    } else return undefined;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 63);
    }
    if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    if (cp >= 0xd800 && cp <= 0xdfff) return undefined;
    out += String.fromCodePoint(cp);
    i += n + 1;
  }
  return out;
}

/** Printable ASCII (0x20..0x7E) rendering of bytes, other bytes as `.` (for logging noise). */
export function asciiPreview(bytes: Uint8Array, max = 200): string {
  let s = '';
  for (let i = 0; i < bytes.length && i < max; i++) {
    const b = bytes[i]!;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return bytes.length > max ? s + '…' : s;
}
