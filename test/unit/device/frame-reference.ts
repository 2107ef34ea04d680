/**
 * Reference (oracle) for the frame layer's differential tests: the byte-by-byte frame decoder, line
 * parser and base64 decoder as they were before the whole-buffer rewrite (issue 18), kept verbatim so
 * frame-equivalence.test.ts can check that the fast versions give exactly the same events, errors and
 * details on any input.
 */
import {
  FRAME_MARKER,
  MAX_MAX_FRAME,
  crc32Hex,
  type DecodeEvent,
  type Frame,
  type FrameErrorReason,
} from '../../../shared/protocol';

const TYPE_RE = /^[A-Z_]{1,12}$/;
const ID_RE = /^[0-9A-F]{4}$/;
const PART_RE = /^([1-9][0-9]{0,2})\/([1-9][0-9]{0,2})$/;
const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;
const MARKER_BYTES = Array.from(FRAME_MARKER, (c) => c.charCodeAt(0));
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP: Int16Array = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Decodes base64 text; undefined when the text is not canonical RFC 4648 §4 base64. */
export function refBase64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const c = [0, 1, 2, 3].map((k) => {
      const ch = text.charCodeAt(i + k);
      if (last && ch === 61 /* = */ && k >= 4 - pad) return 0;
      return ch < 256 ? LOOKUP[ch]! : -1;
    });
    if (c.some((v) => v < 0)) return undefined;
    const n = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    if (last && pad === 2 && (n & 0xffff) !== 0) return undefined;
    if (last && pad === 1 && (n & 0xff) !== 0) return undefined;
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

/** Parses one complete line (without LF; a trailing CR is allowed). */
export function refParseFrameLine(
  line: Uint8Array,
): { ok: true; frame: Frame } | { ok: false; reason: FrameErrorReason; detail: string } {
  let end = line.length;
  if (end > 0 && line[end - 1] === CR) end--;
  const star = line.lastIndexOf(0x2a /* * */, end);
  if (star < 0 || end - star !== 9) return { ok: false, reason: 'malformed', detail: 'no *CRC trailer' };
  let crcText = '';
  for (let i = star + 1; i < end; i++) crcText += String.fromCharCode(line[i]!);
  if (!/^[0-9A-Fa-f]{8}$/.test(crcText))
    return { ok: false, reason: 'malformed', detail: 'CRC is not 8 hex digits' };
  const want = crc32Hex(line, 0, star);
  if (want !== crcText.toUpperCase())
    return { ok: false, reason: 'crc', detail: `CRC mismatch: frame says ${crcText}, bytes give ${want}` };
  let text = '';
  for (let i = 0; i < star; i++) {
    const b = line[i]!;
    if (b < 0x20 || b > 0x7e)
      return { ok: false, reason: 'malformed', detail: 'non-printable byte in frame' };
    text += String.fromCharCode(b);
  }
  const parts = text.split(',');
  if (parts.length !== 5 || parts[0] !== FRAME_MARKER.slice(0, -1))
    return { ok: false, reason: 'malformed', detail: 'expected 5 comma-separated fields' };
  const [, idText, type, partText, b64] = parts as [string, string, string, string, string];
  if (!ID_RE.test(idText))
    return { ok: false, reason: 'malformed', detail: 'id is not 4 uppercase hex digits' };
  if (!TYPE_RE.test(type)) return { ok: false, reason: 'malformed', detail: 'type is not [A-Z_]{1,12}' };
  const m = PART_RE.exec(partText);
  if (!m) return { ok: false, reason: 'malformed', detail: 'part is not seq/total' };
  const seq = Number(m[1]);
  const total = Number(m[2]);
  if (seq > total) return { ok: false, reason: 'malformed', detail: 'seq greater than total' };
  const payload = refBase64Decode(b64);
  if (!payload) return { ok: false, reason: 'malformed', detail: 'payload is not canonical base64' };
  return { ok: true, frame: { id: parseInt(idText, 16), type, seq, total, payload } };
}

/**
 * Streaming frame decoder: feed it bytes as they arrive (any split), get frames, noise and errors.
 * It never throws and keeps at most `maxFrame` bytes buffered, so garbage cannot exhaust memory.
 * Resynchronisation: any `$` restarts the hunt for the marker, so a frame cut short by corruption or
 * a reset costs only that frame.
 */
export class RefFrameDecoder {
  private readonly maxFrame: number;
  private readonly maxNoise: number;
  private cand: number[] = [];
  /** True while skipping the rest of an oversize line. */
  private skipping = false;
  private skipped = 0;
  private noise: number[] = [];
  /** The last line ended at a CR: an LF right after it belongs to that line end. */
  private afterCr = false;

  /** @param maxFrame largest accepted line in bytes, CR LF included. */
  constructor(maxFrame: number = MAX_MAX_FRAME, maxNoise = 512) {
    this.maxFrame = maxFrame;
    this.maxNoise = maxNoise;
  }

  /** Consumes bytes; returns what they completed. */
  push(chunk: Uint8Array): DecodeEvent[] {
    const ev: DecodeEvent[] = [];
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!, ev);
    return ev;
  }

  /** Emits buffered noise (e.g. when the line goes idle). */
  flush(): DecodeEvent[] {
    const ev: DecodeEvent[] = [];
    this.flushNoise(ev);
    return ev;
  }

  private flushNoise(ev: DecodeEvent[]): void {
    if (this.noise.length > 0) {
      ev.push({ kind: 'noise', bytes: Uint8Array.from(this.noise) });
      this.noise = [];
    }
  }

  private addNoise(b: number, ev: DecodeEvent[]): void {
    this.noise.push(b);
    if (b === LF || b === CR || this.noise.length >= this.maxNoise) this.flushNoise(ev);
  }

  /** The oversize line being skipped ended: one error event for all of it. */
  private endSkip(ev: DecodeEvent[]): void {
    this.skipping = false;
    ev.push({ kind: 'error', reason: 'oversize', bytes: this.skipped, detail: 'line longer than maxFrame' });
  }

  private byte(b: number, ev: DecodeEvent[]): void {
    if (this.afterCr) {
      this.afterCr = false;
      if (b === LF) return;
    }
    if (b === DOLLAR) {
      if (this.skipping) this.endSkip(ev);
      else if (this.cand.length >= MARKER_BYTES.length) {
        ev.push({
          kind: 'error',
          reason: 'malformed',
          bytes: this.cand.length,
          detail: 'frame cut short by a new marker',
        });
      } else for (const c of this.cand) this.addNoise(c, ev);
      this.flushNoise(ev);
      this.cand = [DOLLAR];
      return;
    }
    if (this.skipping) {
      this.skipped++;
      if (b === LF) this.endSkip(ev);
      return;
    }
    if (this.cand.length === 0) {
      this.addNoise(b, ev);
      return;
    }
    if (this.cand.length < MARKER_BYTES.length) {
      if (b !== MARKER_BYTES[this.cand.length]) {
        for (const c of this.cand) this.addNoise(c, ev);
        this.cand = [];
        this.addNoise(b, ev);
        return;
      }
      this.cand.push(b);
      return;
    }
    if (b === LF || b === CR) {
      this.afterCr = b === CR;
      const line = Uint8Array.from(this.cand);
      this.cand = [];
      const r = refParseFrameLine(line);
      if (r.ok) ev.push({ kind: 'frame', frame: r.frame, bytes: line.length + 1 });
      else ev.push({ kind: 'error', reason: r.reason, bytes: line.length + 1, detail: r.detail });
      return;
    }
    this.cand.push(b);
    if (this.cand.length >= this.maxFrame) {
      this.skipping = true;
      this.skipped = this.cand.length;
      this.cand = [];
    }
  }
}
