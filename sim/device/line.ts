/**
 * The simulated UART line between the device and its port: throttles bytes to the configured baud
 * rate (10 bit times per byte, 8N1; a PTY itself ignores baud) and applies the byte-level faults
 * (corruption, drops, split writes). One instance per direction.
 */
import type { DeviceFaults } from './faults';

/** Bytes per millisecond at `baud` with 8N1 framing. */
function bytesPerMs(baud: number): number {
  return baud / 10 / 1000;
}

/** A paced, impaired, ordered byte pipe. */
export class UartLine {
  private queue: Uint8Array[] = [];
  private pumping = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes that went out (after drops). */
  bytes = 0;

  constructor(
    private readonly baud: number,
    private readonly faults: () => DeviceFaults,
    private readonly sink: (b: Uint8Array) => void,
  ) {}

  /** Queues bytes for transmission. */
  send(b: Uint8Array): void {
    if (this.closed || b.length === 0) return;
    this.queue.push(b);
    if (!this.pumping) this.pump();
  }

  /** Drops queued bytes (the line went down). */
  clear(): void {
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pumping = false;
  }

  /** Stops for good. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  private impair(b: Uint8Array): Uint8Array {
    const f = this.faults();
    const corrupt = f.corruptRate ?? 0;
    const drop = f.dropRate ?? 0;
    if (corrupt <= 0 && drop <= 0) return b;
    const out: number[] = [];
    for (const x of b) {
      if (drop > 0 && Math.random() < drop) continue;
      out.push(corrupt > 0 && Math.random() < corrupt ? x ^ (1 << Math.floor(Math.random() * 8)) : x);
    }
    return Uint8Array.from(out);
  }

  private pump(): void {
    this.pumping = true;
    const head = this.queue[0];
    if (!head) {
      this.pumping = false;
      return;
    }
    const split = this.faults().splitWrites ?? false;
    // Send in slices of ~4 ms of line time (or 1..7 bytes when splitting), then wait that long.
    const slice = split
      ? 1 + Math.floor(Math.random() * 7)
      : Math.max(16, Math.ceil(bytesPerMs(this.baud) * 4));
    const piece = head.subarray(0, slice);
    if (piece.length === head.length) this.queue.shift();
    else this.queue[0] = head.subarray(slice);
    const out = this.impair(piece);
    this.bytes += out.length;
    if (out.length > 0) this.sink(out);
    const waitMs = piece.length / bytesPerMs(this.baud) + (split ? Math.random() * 3 : 0);
    this.timer = setTimeout(() => this.pump(), Math.max(0, waitMs));
  }
}
