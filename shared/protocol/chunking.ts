/**
 * Chunking (docs/device-protocol.md §5.1): a message body longer than one frame is split into frames
 * `1/n … n/n` that share id and type; each frame is at most maxFrame bytes on the wire. Pure module.
 */
import { frameLength, type Frame } from './frame';

/** Payload bytes that fit in one frame of this type and part numbering. */
function capacity(type: string, total: number, maxFrame: number): number {
  const overhead = frameLength(type, total, total, 0);
  return Math.floor((maxFrame - overhead) / 4) * 3;
}

/**
 * Splits a message body into frames no longer than `maxFrame` bytes each.
 * Returns undefined when it cannot fit (more than 999 chunks, or a frame too small for any payload).
 */
export function splitMessage(
  id: number,
  type: string,
  body: Uint8Array,
  maxFrame: number,
): Frame[] | undefined {
  for (let digits = 1; digits <= 3; digits++) {
    const widest = 10 ** digits - 1; // "9/9", "99/99", "999/999": the longest part field of this width
    const cap = capacity(type, widest, maxFrame);
    if (cap <= 0) return undefined;
    const total = Math.max(1, Math.ceil(body.length / cap));
    if (total > widest) continue;
    const frames: Frame[] = [];
    for (let s = 0; s < total; s++)
      frames.push({ id, type, seq: s + 1, total, payload: body.slice(s * cap, (s + 1) * cap) });
    return frames;
  }
  return undefined;
}

/** Outcome of feeding one frame to a {@link Reassembly}. */
export type ReassemblyResult =
  | { status: 'more' }
  | { status: 'duplicate' }
  | { status: 'done'; body: Uint8Array }
  | { status: 'error'; detail: string };

/**
 * Collects the chunks of one message (same id and type, in order). A repeated chunk (retransmission)
 * is reported as `duplicate`; a gap or a changed total is an error. Bounded by `maxBytes`.
 */
export class Reassembly {
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(
    readonly id: number,
    readonly type: string,
    readonly total: number,
    private readonly maxBytes = 256 * 1024,
  ) {}

  /** Chunks received so far. */
  get received(): number {
    return this.parts.length;
  }

  accept(f: Frame): ReassemblyResult {
    if (f.id !== this.id || f.type !== this.type || f.total !== this.total)
      return {
        status: 'error',
        detail: `chunk ${f.type} ${f.seq}/${f.total} does not belong to ${this.type}`,
      };
    if (f.seq <= this.parts.length) return { status: 'duplicate' };
    if (f.seq !== this.parts.length + 1)
      return {
        status: 'error',
        detail: `chunk ${f.seq}/${f.total} arrived, expected ${this.parts.length + 1}`,
      };
    this.size += f.payload.length;
    if (this.size > this.maxBytes)
      return { status: 'error', detail: `message longer than ${this.maxBytes} bytes` };
    this.parts.push(f.payload);
    if (this.parts.length < this.total) return { status: 'more' };
    const body = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      body.set(p, o);
      o += p.length;
    }
    return { status: 'done', body };
  }
}
