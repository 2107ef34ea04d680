/**
 * `tcp:<host>:<port>` transport: raw serial bytes over TCP, as ser2net (`accepter: tcp,…` with a
 * `serialdev` connector, no telnet) and Moxa NPort "TCP server" mode provide. No RFC 2217 option
 * negotiation: the device server owns the baud rate and line settings.
 */
import net from 'node:net';
import type { StationError } from '../../../shared/errors';
import { mapOpenError, vanished } from '../errors';
import type { Transport } from '../transport';

/** Connects. @throws StationError DEVICE_PORT_NOT_FOUND (refused/unreachable/timeout) */
export async function openTcp(
  locator: string,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Transport> {
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(mapOpenError(locator, Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(mapOpenError(locator, e));
    });
  });
  return new TcpTransport(locator, sock);
}

class TcpTransport implements Transport {
  private closing = false;
  private gone: StationError | undefined;
  private closeCb: ((e: StationError) => void) | undefined;

  constructor(
    readonly locator: string,
    private readonly sock: net.Socket,
  ) {
    sock.on('error', (e) => this.lost(e.message));
    sock.on('close', () => this.lost('connection closed by the device server'));
  }

  private lost(why: string): void {
    if (this.closing || this.gone) return;
    this.gone = vanished(this.locator, why);
    this.closeCb?.(this.gone);
    this.sock.destroy();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) =>
      this.sock.write(bytes, (err) => (err ? reject(vanished(this.locator, err.message)) : resolve())),
    );
  }
  onData(cb: (b: Uint8Array) => void): void {
    this.sock.on('data', (d) => cb(new Uint8Array(d)));
  }
  onClose(cb: (e: StationError) => void): void {
    this.closeCb = cb;
    if (this.gone) cb(this.gone);
  }
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      if (this.sock.destroyed) return resolve();
      this.sock.once('close', () => resolve());
      this.sock.end();
      setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 500).unref();
    });
  }
}
