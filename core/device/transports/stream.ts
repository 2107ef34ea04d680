/**
 * `sim:<name>` transport: an injected in-process byte stream (shared/protocol StreamEndpoint). Whoever
 * starts an in-process device (dev/ with the simulator, a test with a scripted device) passes a
 * factory built here to `openDevice(locator, opts, { sim })`; nothing is looked up process-wide.
 */
import type { StreamConnection, StreamEndpoint } from '../../../shared/protocol';
import { StationError } from '../../../shared/errors';
import type { Transport, TransportFactory } from '../transport';
import { LineTransport } from './line';

/** No in-process device answers to `name` (none was injected, or it is unplugged). */
export function simNotFound(locator: string, name: string): StationError {
  return new StationError(
    'DEVICE_PORT_NOT_FOUND',
    `No simulated device ${name} runs in this process (${locator}).`,
    'Start the simulator (the demo starts it), or use the serial: locator printed by `asset-station sim device`.',
  );
}

/**
 * Connects to `ep` as if it were a serial line.
 * @throws StationError DEVICE_PORT_BUSY when the endpoint refuses (another station holds the line)
 */
export function streamTransport(locator: string, ep: StreamEndpoint): Transport {
  return new StreamTransport(locator, ep);
}

class StreamTransport extends LineTransport {
  private dataCb: ((b: Uint8Array) => void) | undefined;
  private readonly conn: StreamConnection;

  constructor(locator: string, ep: StreamEndpoint) {
    super(locator);
    try {
      this.conn = ep.connect({
        onData: (b) => this.dataCb?.(b),
        onClose: (reason) => this.lost(reason),
      });
    } catch {
      throw new StationError(
        'DEVICE_PORT_BUSY',
        `${locator} is in use by another client.`,
        'Close the other bay or program using this simulated device, then retry.',
      );
    }
  }

  protected async send(bytes: Uint8Array): Promise<void> {
    this.conn.write(bytes.slice());
  }

  protected release(): void {}

  protected async shut(): Promise<void> {
    this.conn.close();
  }

  onData(cb: (b: Uint8Array) => void): void {
    this.dataCb = cb;
  }
}

/**
 * The `sim:` factory over a look-up the caller owns (e.g. a running simulator's `endpoint(name)`).
 * The factory throws StationError DEVICE_PORT_NOT_FOUND when `find` has no endpoint for the name.
 */
export function streamFactory(find: (name: string) => StreamEndpoint | undefined): TransportFactory<'sim'> {
  return (locator, parsed) => {
    const ep = find(parsed.name);
    if (!ep) throw simNotFound(locator, parsed.name);
    return streamTransport(locator, ep);
  };
}
