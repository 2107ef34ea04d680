/**
 * Serial reads and writes in the event loop (core/device/transports/serial-io.ts, issue 18) through
 * the real serialport stack on a real PTY pair (socat): a short reply arrives whole, a burst arrives
 * intact and in order in fewer reads than chunks written, no read is made on an emptied driver buffer
 * (it would fail with EAGAIN), reads and writes are made with readSync /
 * writeSync on the event loop (not the thread pool's fs.read / fs.write), a 64 KiB write larger than the
 * tty buffer arrives whole, and a peer that goes away is reported as a vanished port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSerial } from '../../../core/device/transports/serial';
import type { Transport } from '../../../core/device/transport';
import { findSocat } from '../../../sim/device/ports';

const socatBin = findSocat();
let dir: string;
let socat: ChildProcess;
let station: string;
let peer: string;
let t: Transport | undefined;

async function waitFor(p: string): Promise<void> {
  for (let i = 0; i < 200 && !fs.existsSync(p); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Waits until socat has put the PTY in raw mode (no output processing: a written LF stays LF). */
async function waitRaw(p: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (/(^|\s)-opost(\s|$)/.test(execFileSync('stty', ['-F', p, '-a'], { encoding: 'utf8' }))) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'as-serial-read-'));
  station = path.join(dir, 'station');
  peer = path.join(dir, 'peer');
  socat = spawn(socatBin!, [`pty,raw,echo=0,link=${station}`, `pty,raw,echo=0,link=${peer}`], {
    stdio: 'ignore',
  });
  await waitFor(station);
  await waitFor(peer);
  await waitRaw(station);
  await waitRaw(peer);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
  if (socat.exitCode === null) socat.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = () => openSerial('serial:test', station, { baudRate: 115200, lineControl: 'keep-low' });

/** Collects what the transport delivers; resolves once `n` bytes arrived. */
function collect(tr: Transport): { chunks: Uint8Array[]; until(n: number): Promise<Buffer> } {
  const chunks: Uint8Array[] = [];
  let want = Infinity;
  let done: ((b: Buffer) => void) | undefined;
  const total = () => chunks.reduce((s, c) => s + c.length, 0);
  tr.onData((b) => {
    chunks.push(b);
    if (total() >= want) done?.(Buffer.concat(chunks));
  });
  return {
    chunks,
    until: (n) =>
      new Promise((resolve) => {
        want = n;
        done = resolve;
        if (total() >= n) resolve(Buffer.concat(chunks));
      }),
  };
}

describe.skipIf(!socatBin)('serial reads in the event loop (PTY)', () => {
  it('delivers a short reply whole, read with readSync rather than the thread pool', async () => {
    const readSync = vi.spyOn(fs, 'readSync');
    t = await open();
    const got = collect(t);
    const fd = fs.openSync(peer, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    try {
      fs.writeSync(fd, 'OK 1\n');
      expect((await got.until(5)).toString()).toBe('OK 1\n');
    } finally {
      fs.closeSync(fd);
    }
    // The port's reads: readSync on its descriptor into serialport's 64 KiB read pool.
    const portReads = readSync.mock.calls.filter(
      ([fd, buf]) => typeof fd === 'number' && Buffer.isBuffer(buf) && buf.length >= 64 * 1024,
    );
    expect(portReads.length).toBeGreaterThan(0);
  });

  it('delivers a burst intact and in order, several writes per read', async () => {
    t = await open();
    const got = collect(t);
    const fd = fs.openSync(peer, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const parts = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`);
    try {
      for (const p of parts) fs.writeSync(fd, p);
      const all = await got.until(parts.join('').length);
      expect(all.toString()).toBe(parts.join(''));
      expect(got.chunks.length).toBeLessThan(parts.length);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('after a read that emptied the driver, waits for the poller instead of a read that fails (EAGAIN)', async () => {
    const readSync = vi.spyOn(fs, 'readSync');
    t = await open();
    const got = collect(t);
    const fd = fs.openSync(peer, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const parts = Array.from({ length: 10 }, (_, i) => `reply ${i}\n`);
    try {
      for (const p of parts) {
        fs.writeSync(fd, p);
        await new Promise((r) => setTimeout(r, 15)); // each reply on its own, as a device answers
      }
      expect((await got.until(parts.join('').length)).toString()).toBe(parts.join(''));
    } finally {
      fs.closeSync(fd);
    }
    const portReads = readSync.mock.results.filter(
      (_, i) => (readSync.mock.calls[i]![1] as Buffer).length >= 64 * 1024,
    );
    // every port read returned bytes: none was made on an empty driver buffer only to throw EAGAIN
    expect(portReads.length).toBeGreaterThanOrEqual(parts.length);
    expect(portReads.filter((r) => r.type === 'throw')).toEqual([]);
  });

  it('writes 64 KiB (more than the tty buffer holds) whole, with writeSync', async () => {
    const writeSync = vi.spyOn(fs, 'writeSync');
    t = await open();
    const data = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff));
    const { O_RDWR, O_NONBLOCK, O_NOCTTY } = fs.constants;
    const fd = fs.openSync(peer, O_RDWR | O_NONBLOCK | O_NOCTTY);
    const got: Buffer[] = [];
    let n = 0;
    const reader = setInterval(() => {
      const buf = Buffer.alloc(16 * 1024);
      try {
        for (let r; (r = fs.readSync(fd, buf, 0, buf.length, null)) > 0; n += r)
          got.push(Buffer.from(buf.subarray(0, r)));
      } catch {
        // EAGAIN: nothing more yet
      }
    }, 5);
    try {
      await t.write(new Uint8Array(data));
      for (let i = 0; i < 400 && n < data.length; i++) await new Promise((r) => setTimeout(r, 10));
      expect(Buffer.concat(got).equals(data)).toBe(true);
    } finally {
      clearInterval(reader);
      fs.closeSync(fd);
    }
    expect(writeSync.mock.calls.some(([f]) => typeof f === 'number' && f !== fd)).toBe(true);
  });

  it('sends to the peer and reports the peer going away as a vanished port', async () => {
    t = await open();
    t.onData(() => undefined); // a link always listens; the hang-up is seen by the pending read
    const { O_RDWR, O_NONBLOCK, O_NOCTTY } = fs.constants;
    const fd = fs.openSync(peer, O_RDWR | O_NONBLOCK | O_NOCTTY);
    try {
      await t.write(new TextEncoder().encode('HELLO\n'));
      const buf = Buffer.alloc(16);
      let n = 0;
      for (let i = 0; i < 100 && n < 6; i++) {
        try {
          n += fs.readSync(fd, buf, n, 16 - n, null);
        } catch {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      expect(buf.subarray(0, n).toString()).toBe('HELLO\n');
    } finally {
      fs.closeSync(fd);
    }
    const lost = new Promise<{ code: string }>((resolve) => t!.onClose((e) => resolve(e)));
    socat.kill();
    expect((await lost).code).toBe('DEVICE_PORT_VANISHED');
  });
});
