/**
 * `tcp:<host>:<port>` transport: raw serial bytes over TCP, as ser2net (`accepter: tcp,…` with a
 * `serialdev` connector, no telnet) and Moxa NPort "TCP server" mode provide. No RFC 2217 option
 * negotiation: the device server owns the baud rate and line settings.
 */
import net from 'node:net';
import { mapOpenError } from '../errors';
import type { Transport } from '../transport';
import { LineTransport } from './line';

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

class TcpTransport extends LineTransport {
  constructor(
    locator: string,
    private readonly sock: net.Socket,
  ) {
    super(locator);
    sock.on('error', (e) => this.lost(e.message));
    sock.on('close', () => this.lost('connection closed by the device server'));
  }

  protected send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sock.write(bytes, (err) => (err ? reject(this.failed(err.message)) : resolve())),
    );
  }

  protected release(): void {
    this.sock.destroy();
  }

  protected shut(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.sock.destroyed) return resolve();
      this.sock.once('close', () => resolve());
      this.sock.end();
      setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 500).unref();
    });
  }

  onData(cb: (b: Uint8Array) => void): void {
    this.sock.on('data', (d) => cb(new Uint8Array(d)));
  }
}
