/**
 * Frame layer of device protocol v1 (docs/device-protocol.md §3): one frame is one ASCII line
 *
 *   $AS1,<id>,<type>,<seq>/<total>,<payload>*<crc>\r\n
 *
 * - `$AS1,` is the start marker: the decoder hunts for it, so log lines and boot garbage (ESP ROM output
 *   at 74880 baud) between frames are skipped and reported as noise, never mistaken for frames.
 * - `<id>`: 4 uppercase hex digits, the request id (the response echoes it).
 * - `<type>`: 1..12 characters A–Z and `_` (command name, or ACK / PROG / OK / ERR).
 * - `<seq>/<total>`: chunk number, 1-based, decimal, 1..999.
 * - `<payload>`: base64 (RFC 4648 §4) of this chunk of the message body; may be empty.
 * - `<crc>`: CRC-32/ISO-HDLC of every byte from `$` up to the byte before `*`, 8 uppercase hex digits.
 * - The line ends with CR LF (sent); receivers accept LF alone or CR alone too (some USB-UART bridges and
 *   terminal settings translate line ends). The whole line (CR LF included) is at most the
 *   device's announced maxFrame bytes.
 *
 * Pure: Uint8Array only, no Node APIs.
 */
import { base64Decode, base64Encode } from './base64';
import { crc32, crc32Hex } from './crc32';

/** The frame start marker. */
export const FRAME_MARKER = '$AS1,';
/** Every device must accept frames of at least this many bytes (before HELLO tells its real size). */
export const MIN_MAX_FRAME = 256;
/** The largest maxFrame a device may announce; the station's receive limit. */
export const MAX_MAX_FRAME = 8192;
/** Highest chunk count of one message. */
export const MAX_CHUNKS = 999;

/** A decoded (or to-be-encoded) frame. */
export interface Frame {
  /** Request id, 0..0xFFFF. */
  id: number;
  /** Command name or response type. */
  type: string;
  /** Chunk number, 1-based. */
  seq: number;
  /** Chunk count of the message. */
  total: number;
  /** This chunk's bytes (base64-decoded). */
  payload: Uint8Array;
}

/** Why a candidate frame was rejected. */
export type FrameErrorReason = 'crc' | 'malformed' | 'oversize';

/** What {@link FrameDecoder.push} reports, in stream order. */
export type DecodeEvent =
  | { kind: 'frame'; frame: Frame; bytes: number }
  | { kind: 'noise'; bytes: Uint8Array }
  | { kind: 'error'; reason: FrameErrorReason; bytes: number; detail: string };

const TYPE_RE = /^[A-Z_]{1,12}$/;
const ID_RE = /^[0-9A-F]{4}$/;
const PART_RE = /^([1-9][0-9]{0,2})\/([1-9][0-9]{0,2})$/;
const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;
const MARKER_BYTES = Array.from(FRAME_MARKER, (c) => c.charCodeAt(0));

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

/** The ASCII text of a frame before `*` (the bytes the CRC covers). */
function frameBody(f: Frame, payloadB64: string): string {
  const id = f.id.toString(16).toUpperCase().padStart(4, '0');
  return `${FRAME_MARKER}${id},${f.type},${f.seq}/${f.total},${payloadB64}`;
}

/**
 * Encodes one frame (with CR LF). Throws a plain Error on programmer errors (bad id/type/seq): the
 * callers build frames from constants, so that is a bug, not bad input.
 */
export function encodeFrame(f: Frame): Uint8Array {
  if (!Number.isInteger(f.id) || f.id < 0 || f.id > 0xffff) throw new Error(`frame id out of range: ${f.id}`);
  if (!TYPE_RE.test(f.type)) throw new Error(`bad frame type: ${f.type}`);
  if (!(f.seq >= 1 && f.seq <= f.total && f.total <= MAX_CHUNKS))
    throw new Error(`bad part ${f.seq}/${f.total}`);
  const body = ascii(frameBody(f, base64Encode(f.payload)));
  const crc = crc32Hex(body);
  const out = new Uint8Array(body.length + 11);
  out.set(body, 0);
  out.set(ascii(`*${crc}\r\n`), body.length);
  return out;
}

/** Encoded length in bytes of a frame with this type, part numbers and payload length. */
export function frameLength(type: string, seq: number, total: number, payloadBytes: number): number {
  const b64 = Math.ceil(payloadBytes / 3) * 4;
  return FRAME_MARKER.length + 5 + type.length + 1 + `${seq}/${total}`.length + 1 + b64 + 11;
}

/** The value of 8 hex digits (either case) at `line[at, at + 8)`; -1 when one is not a hex digit. */
function hex8(line: Uint8Array, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = line[i]!;
    const d =
      c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** The bytes `line[0, end)` as a Latin-1 string (each byte one character); `end` ≤ MAX_MAX_FRAME. */
function latin1(line: Uint8Array, end: number): string {
  return String.fromCharCode.apply(null, line.subarray(0, end) as unknown as number[]);
}

/**
 * Parses one complete line (without LF; a trailing CR is allowed). Works on the whole line at once:
 * the CRC trailer is read as a number, the fields are checked as one string.
 */
export function parseFrameLine(
  line: Uint8Array,
): { ok: true; frame: Frame } | { ok: false; reason: FrameErrorReason; detail: string } {
  let end = line.length;
  if (end > 0 && line[end - 1] === CR) end--;
  const star = line.lastIndexOf(0x2a /* * */, end);
  if (star < 0 || end - star !== 9) return { ok: false, reason: 'malformed', detail: 'no *CRC trailer' };
  const said = hex8(line, star + 1);
  if (said < 0) return { ok: false, reason: 'malformed', detail: 'CRC is not 8 hex digits' };
  const crc = crc32(line, 0, star);
  if (crc !== said) {
    const want = crc.toString(16).toUpperCase().padStart(8, '0');
    const crcText = latin1(line, end).slice(star + 1);
    return { ok: false, reason: 'crc', detail: `CRC mismatch: frame says ${crcText}, bytes give ${want}` };
  }
  for (let i = 0; i < star; i++) {
    const b = line[i]!;
    if (b < 0x20 || b > 0x7e)
      return { ok: false, reason: 'malformed', detail: 'non-printable byte in frame' };
  }
  const parts = latin1(line, star).split(',');
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
  const payload = base64Decode(b64);
  if (!payload) return { ok: false, reason: 'malformed', detail: 'payload is not canonical base64' };
  return { ok: true, frame: { id: parseInt(idText, 16), type, seq, total, payload } };
}

/**
 * Streaming frame decoder: feed it bytes as they arrive (any split), get frames, noise and errors.
 * It never throws and keeps at most `maxFrame` bytes buffered, so garbage cannot exhaust memory.
 * Resynchronisation: any `$` restarts the hunt for the marker, so a frame cut short by corruption or
 * a reset costs only that frame.
 *
 * Inside a line (past its marker) and while skipping an oversize line, runs of ordinary bytes are taken
 * in one scan and one copy; only the bytes that change state (`$`, CR, LF, the marker, noise) go
 * through the byte-by-byte state machine.
 */
export class FrameDecoder {
  private readonly maxFrame: number;
  private readonly maxNoise: number;
  /** The candidate line (from its `$`): `cand[0, len)`. */
  private readonly cand: Uint8Array;
  private len = 0;
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
    this.cand = new Uint8Array(Math.max(maxFrame, MARKER_BYTES.length));
  }

  /** Consumes bytes; returns what they completed. */
  push(chunk: Uint8Array): DecodeEvent[] {
    const ev: DecodeEvent[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!this.afterCr && !this.skipping && this.len >= MARKER_BYTES.length) {
        // Inside a line: take every byte up to the next `$`, CR or LF, at most until the line is maxFrame long.
        const stop = Math.min(n, i + this.maxFrame - this.len);
        let j = i;
        while (j < stop) {
          const b = chunk[j]!;
          if (b === DOLLAR || b === LF || b === CR) break;
          j++;
        }
        if (j > i) {
          this.cand.set(chunk.subarray(i, j), this.len);
          this.len += j - i;
          i = j;
          if (this.len >= this.maxFrame) this.startSkip();
          continue;
        }
      } else if (this.skipping && !this.afterCr) {
        // Skipping an oversize line: count every byte up to the next `$` or LF.
        let j = i;
        while (j < n && chunk[j] !== DOLLAR && chunk[j] !== LF) j++;
        if (j > i) {
          this.skipped += j - i;
          i = j;
          continue;
        }
      }
      this.byte(chunk[i]!, ev);
      i++;
    }
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

  /** The candidate's bytes were not a frame start after all: they are noise. */
  private candToNoise(ev: DecodeEvent[]): void {
    for (let k = 0; k < this.len; k++) this.addNoise(this.cand[k]!, ev);
    this.len = 0;
  }

  /** The line reached maxFrame: skip the rest of it. */
  private startSkip(): void {
    this.skipping = true;
    this.skipped = this.len;
    this.len = 0;
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
      else if (this.len >= MARKER_BYTES.length) {
        ev.push({
          kind: 'error',
          reason: 'malformed',
          bytes: this.len,
          detail: 'frame cut short by a new marker',
        });
      } else this.candToNoise(ev);
      this.flushNoise(ev);
      this.cand[0] = DOLLAR;
      this.len = 1;
      return;
    }
    if (this.skipping) {
      this.skipped++;
      if (b === LF) this.endSkip(ev);
      return;
    }
    if (this.len === 0) {
      this.addNoise(b, ev);
      return;
    }
    if (this.len < MARKER_BYTES.length) {
      if (b !== MARKER_BYTES[this.len]) {
        this.candToNoise(ev);
        this.addNoise(b, ev);
        return;
      }
      this.cand[this.len++] = b;
      return;
    }
    if (b === LF || b === CR) {
      this.afterCr = b === CR;
      const bytes = this.len + 1;
      // parseFrameLine keeps nothing of the line it is given, so a view of the buffer will do
      const r = parseFrameLine(this.cand.subarray(0, this.len));
      this.len = 0;
      if (r.ok) ev.push({ kind: 'frame', frame: r.frame, bytes });
      else ev.push({ kind: 'error', reason: r.reason, bytes, detail: r.detail });
      return;
    }
    this.cand[this.len++] = b;
    if (this.len >= this.maxFrame) this.startSkip();
  }
}
