/**
 * What every transport shares: a line that goes away without close() (unplug, reset, peer closed,
 * I/O error) is reported once as DEVICE_PORT_VANISHED to the onClose callback — also when that is
 * registered after the loss — and every later write rejects with the same error. A loss after
 * close() is not reported.
 */
import type { StationError } from '../../../shared/errors';
import { vanished } from '../errors';
import type { Transport } from '../transport';

export abstract class LineTransport implements Transport {
  private closeCb: ((e: StationError) => void) | undefined;
  private gone: StationError | undefined;
  private closing = false;

  constructor(readonly locator: string) {}

  /** Sends bytes on a line that is still there. @throws StationError DEVICE_PORT_VANISHED */
  protected abstract send(bytes: Uint8Array): Promise<void>;
  /** Frees the OS resource after a loss (the line is already gone; errors are ignored). */
  protected abstract release(): void;
  /** Closes the line (called once, by {@link close}). */
  protected abstract shut(): Promise<void>;

  abstract onData(cb: (bytes: Uint8Array) => void): void;

  /** The line went away for `why` (words for the user): reports it once and releases the line. */
  protected lost(why: string): void {
    if (this.closing || this.gone) return;
    this.gone = vanished(this.locator, why);
    this.closeCb?.(this.gone);
    this.release();
  }

  /** The loss error for a write that failed with `why` (the first loss wins). */
  protected failed(why: string): StationError {
    this.lost(why);
    return this.gone ?? vanished(this.locator, why);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    return this.send(bytes);
  }

  onClose(cb: (err: StationError) => void): void {
    this.closeCb = cb;
    if (this.gone) cb(this.gone);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.shut();
  }
}
