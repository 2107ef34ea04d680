/**
 * What every station-side device line shares, whatever it speaks over its transport (protocol v1
 * frames in ./link.ts, AT commands in ./drivers/nrf91/channel.ts): one request at a time; a request
 * on a closed or unplugged line, or while a bootloader banner stands, is refused before anything is
 * sent; device output that is not part of an answer is kept (last 50 lines) and passed to the log.
 */
import { StationError } from '../../shared/errors';
import { bootloaderError } from './boot-signs';
import type { Transport } from './transport';

export abstract class DeviceLine {
  /** Lines from the device that were not part of an answer (the last 50), for diagnostics. */
  readonly noise: string[] = [];
  /** Why the transport closed under us (unplug, port error); every later request fails with it. */
  protected gone: StationError | undefined;
  /** Set by close(). */
  protected closed = false;
  /** A bootloader banner seen since the last valid answer (requests fail at once while set). */
  protected bootloader: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    protected readonly transport: Transport,
    private readonly onLog?: (line: string) => void,
  ) {
    transport.onData((b) => this.onBytes(b));
    transport.onClose((e) => {
      this.gone = e;
      this.failPending(e);
    });
  }

  get locator(): string {
    return this.transport.locator;
  }

  /** Bytes from the device (the subclass splits them into frames or lines). */
  protected abstract onBytes(b: Uint8Array): void;

  /** Fails the running request, if any, with `e`. */
  protected abstract failPending(e: StationError): void;

  /** Keeps `line` among the last 50 noise lines and passes it to the log. */
  protected log(line: string): void {
    this.noise.push(line);
    if (this.noise.length > 50) this.noise.shift();
    this.onLog?.(line);
  }

  /** Runs `exchange` once every request before it has settled (resolved or failed). */
  protected serialised<T>(exchange: () => Promise<T>): Promise<T> {
    const run = this.queue.then(exchange, exchange);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Refuses a request before anything is sent.
   * @throws StationError DEVICE_PORT_VANISHED (closed by the station), the transport's close error
   *   (unplugged), DEVICE_BOOTLOADER (a bootloader banner since the last valid answer)
   */
  protected refuseIfDown(): void {
    if (this.closed)
      throw new StationError(
        'DEVICE_PORT_VANISHED',
        `The link to ${this.locator} is closed.`,
        'Open the device again.',
      );
    if (this.gone) throw this.gone;
    if (this.bootloader) throw bootloaderError(this.locator, this.bootloader);
  }

  /** Closes the transport; a running request fails with CANCELLED. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failPending(
      new StationError('CANCELLED', `The link to ${this.locator} was closed.`, 'Open the device again.'),
    );
    await this.transport.close();
  }
}
