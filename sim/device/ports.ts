/**
 * Where a simulated device is plugged in: a real pseudo-terminal made by socat (`pty,raw,echo=0,
 * link=PATH STDIO`, the device talks to socat's stdio) with a stable symlink, or an in-process
 * byte-stream endpoint for `sim:NAME` locators (shared/protocol StreamEndpoint), which the simulator
 * hands to whoever started it. Unplugging removes the PTY or the endpoint (the station sees the port
 * vanish); plugging in again recreates it at the same path or name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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

/** Path of socat (Debian: /usr/bin/socat). */
export const SOCAT = process.env.ASSET_STATION_SOCAT ?? '/usr/bin/socat';

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
    const child = spawn(SOCAT, [`pty,raw,echo=0,link=${this.link}`, 'STDIO'], {
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
