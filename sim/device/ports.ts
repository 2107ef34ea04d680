/**
 * Where a simulated device is plugged in: a real pseudo-terminal made by socat (`pty,raw,echo=0,
 * link=PATH STDIO`, the device talks to socat's stdio) with a stable symlink; a loopback TCP listener
 * (`tcp:127.0.0.1:PORT`, what a ser2net/Moxa device server offers; every OS has it, so the embedded
 * defaults use it where socat is missing); or an in-process byte-stream endpoint for `sim:NAME`
 * locators (shared/protocol StreamEndpoint), which the simulator hands to whoever started it.
 * Unplugging removes the PTY, closes the listener or drops the endpoint (the station sees the port
 * vanish); plugging in again recreates it at the same path, port or name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { StreamEndpoint, StreamPeer } from '../../shared/protocol';

/** The device's view of its port. */
export interface SimPort {
  /** The station's locator for this port. */
  readonly locator: string;
  /** Plugs in; resolves when a station can open the port. */
  plug(onData: (b: Uint8Array) => void): Promise<void>;
  /** Device → station bytes (dropped while unplugged). */
  write(b: Uint8Array): void;
  /** Unplugs (idempotent). */
  unplug(): Promise<void>;
}

/**
 * Path of socat: `ASSET_STATION_SOCAT` when set, else the first `socat` on `PATH` (Debian:
 * /usr/bin/socat); undefined when there is none (Windows, a stock macOS, a minimal Linux).
 * Read at each call, so a test can hide socat by narrowing PATH.
 */
export function findSocat(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ASSET_STATION_SOCAT)
    return fs.existsSync(env.ASSET_STATION_SOCAT) ? env.ASSET_STATION_SOCAT : undefined;
  if (process.platform === 'win32') return undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, 'socat');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** A socat-made PTY with a symlink at `link`. */
export class PtyPort implements SimPort {
  private child: ChildProcess | undefined;
  constructor(readonly link: string) {}

  get locator(): string {
    return `serial:${this.link}`;
  }

  async plug(onData: (b: Uint8Array) => void): Promise<void> {
    if (this.child) return;
    try {
      fs.rmSync(this.link, { force: true });
    } catch {}
    const socat = findSocat();
    if (!socat) throw new Error('socat is not installed, so this simulated device cannot get a PTY');
    const child = spawn(socat, [`pty,raw,echo=0,link=${this.link}`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => onData(new Uint8Array(d)));
    child.stdin?.on('error', () => {});
    const started = Date.now();
    while (!fs.existsSync(this.link)) {
      if (child.exitCode !== null || Date.now() - started > 3000) {
        this.child = undefined;
        child.kill('SIGKILL');
        throw new Error(`socat did not create ${this.link}: ${err.trim() || 'timeout'}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  write(b: Uint8Array): void {
    const c = this.child;
    if (c?.stdin && !c.stdin.destroyed) c.stdin.write(b);
  }

  async unplug(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.child = undefined;
    c.stdout?.removeAllListeners('data');
    await new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => {
        c.kill('SIGKILL');
        resolve();
      }, 1000).unref();
    });
    try {
      fs.rmSync(this.link, { force: true });
    } catch {}
  }
}

/** An in-process port `sim:<name>`: its {@link endpoint} exists while it is plugged in. */
export class MemoryPort implements SimPort {
  private peer: StreamPeer | undefined;
  private current: StreamEndpoint | undefined;
  constructor(readonly name: string) {}

  /** What a station connects to while the port is plugged in (undefined when unplugged). */
  get endpoint(): StreamEndpoint | undefined {
    return this.current;
  }

  get locator(): string {
    return `sim:${this.name}`;
  }

  async plug(onData: (b: Uint8Array) => void): Promise<void> {
    if (this.current) return;
    this.current = {
      connect: (peer) => {
        if (this.peer) throw new Error('busy');
        this.peer = peer;
        return {
          write: (b) => {
            if (this.peer === peer) onData(b);
          },
          close: () => {
            if (this.peer === peer) this.peer = undefined;
          },
        };
      },
    };
  }

  write(b: Uint8Array): void {
    const p = this.peer;
    if (p) queueMicrotask(() => p.onData(b));
  }

  async unplug(): Promise<void> {
    this.current = undefined;
    const p = this.peer;
    this.peer = undefined;
    p?.onClose('the simulated device was unplugged');
  }
}

/**
 * A loopback TCP listener `tcp:127.0.0.1:<port>` that carries the device's raw UART bytes, one
 * station connection at a time (a second one is refused by closing it, as a device server does).
 * The port is chosen by the OS at the first plug (or given) and kept across unplug/plug, so the
 * locator stays stable while the device is out.
 */
export class TcpPort implements SimPort {
  private server: net.Server | undefined;
  private sock: net.Socket | undefined;
  private port: number;
  constructor(port = 0) {
    this.port = port;
  }

  get locator(): string {
    return `tcp:127.0.0.1:${this.port}`;
  }

  async plug(onData: (b: Uint8Array) => void): Promise<void> {
    if (this.server) return;
    const server = net.createServer((s) => {
      if (this.sock) {
        s.destroy();
        return;
      }
      this.sock = s;
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => onData(new Uint8Array(d)));
      s.on('error', () => {});
      s.on('close', () => {
        if (this.sock === s) this.sock = undefined;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  write(b: Uint8Array): void {
    const s = this.sock;
    if (s && !s.destroyed) s.write(b);
  }

  async unplug(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.sock?.destroy();
    this.sock = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
