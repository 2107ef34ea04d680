/**
 * The Electron IPC transport (electron/ipc.ts, electron/bridge.ts) with stand-ins for exactly the
 * Electron objects it touches (ipcMain, the invoke event's senderFrame, webContents) — Electron cannot
 * run here — and a REAL station core (Station.open on a temp home) behind them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStationClient, type Carrier } from '../../../shared/api-client';
import { METHOD_NAMES, type CallOutcome, type StationMethods } from '../../../shared/api';
import { isStationError, StationError } from '../../../shared/errors';
import { bridgeSafe } from '../../../electron/bridge';
import {
  CALL_CHANNEL,
  EVENT_CHANNEL,
  bindStationIpc,
  type InvokeEventLike,
  type IpcMainLike,
  type StationCore,
  type WebContentsLike,
} from '../../../electron/ipc';
import { Station } from '../../../core/station';

/** Stand-in of Electron's ipcMain: one handler per channel, as Electron enforces. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke(channel, ...args)` from `frame` does. */
  invoke(frame: InvokeEventLike['senderFrame'], channel: string, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    // Electron structured-clones arguments and results across processes.
    return h({ senderFrame: frame }, ...structuredClone(args)).then((r) => structuredClone(r));
  }
}

/** Stand-in of a webContents: records what is sent. */
class FakeContents implements WebContentsLike {
  static next = 1;
  readonly id = FakeContents.next++;
  readonly sent: unknown[][] = [];
  destroyed = false;
  constructor(public mainFrame: { url: string; parent: unknown }) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...structuredClone(args)]);
  }
}

const TOP = { url: 'app://bundle/index.html', parent: null };
const SUB = { url: 'app://bundle/index.html', parent: TOP };
const EVIL = { url: 'https://evil.example/', parent: null };

let home: string;
let station: Station;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-ipc-'));
  station = await Station.open({ home, transport: 'ipc' });
});
afterAll(async () => {
  await station.close();
  fs.rmSync(home, { recursive: true, force: true });
});

// Checked by the typecheck (tsconfig.test.json): a core with contract methods missing is refused by the
// type of the binding; there is no run-time "not wired" answer any more.
// @ts-expect-error -- `ping` and `subscribe` alone are not a StationCore
export const _partialCore: StationCore = {
  ping: async () => ({ nonce: '', at: '' }),
  subscribe: () => () => {},
};

/**
 * A core whose calls are counted and whose events the test emits. Every contract method counts the
 * call; `ping` answers and `getConfig` throws a StationError, the others reject (no test reaches them).
 */
function spyCore(): StationCore & { calls: number; emit(e: string, p: unknown): void } {
  const subs = new Set<(e: string, p: unknown) => void>();
  const counted = Object.fromEntries(
    METHOD_NAMES.map((m) => [
      m,
      async () => {
        core.calls++;
        throw new Error(`${m} is not used by these tests`);
      },
    ]),
  ) as unknown as StationMethods;
  const core = {
    ...counted,
    calls: 0,
    async ping(req: { nonce: string }) {
      core.calls++;
      return { nonce: req.nonce, at: '2026-01-01T00:00:00.000Z' };
    },
    async getConfig() {
      core.calls++;
      throw new StationError('CONFIG_INVALID', 'config.json is broken.', 'Fix it.');
    },
    subscribe(h: (e: string, p: unknown) => void) {
      subs.add(h);
      return () => subs.delete(h);
    },
    emit(e: string, p: unknown) {
      for (const h of subs) h(e, p);
    },
  };
  return core;
}

describe('station:call handler', () => {
  it('runs a call from the app window on the real core', async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station });
    const out = (await ipc.invoke(TOP, CALL_CHANNEL, 'ping', { nonce: 'n-1' })) as CallOutcome;
    expect(out.ok).toBe(true);
    expect(out.ok && (out.value as { nonce: string }).nonce).toBe('n-1');
    const info = (await ipc.invoke(TOP, CALL_CHANNEL, 'getStationInfo', {})) as CallOutcome;
    expect(info.ok && (info.value as { transport: string; home: string })).toMatchObject({
      transport: 'ipc',
      home,
    });
    b.dispose();
  });

  it.each([
    ['a sub-frame of the app', SUB],
    ['another origin', EVIL],
    ['a file:// page', { url: 'file:///app/dist/renderer/index.html', parent: null }],
    ['a destroyed frame (null)', null],
  ])('refuses %s with UNAUTHORIZED before touching the core', async (_label, frame) => {
    const ipc = new FakeIpcMain();
    const core = spyCore();
    const b = bindStationIpc({ ipcMain: ipc, station: core });
    const out = (await ipc.invoke(frame, CALL_CHANNEL, 'ping', { nonce: 'x' })) as CallOutcome;
    expect(out).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(!out.ok && out.error.remedy.length).toBeGreaterThan(10);
    expect(core.calls).toBe(0);
    b.dispose();
  });

  it.each([
    ['a wrong type', { nonce: 42 }],
    ['an extra key', { nonce: 'x', admin: true }],
    ['a non-object', 'ping'],
    ['an over-long value', { nonce: 'x'.repeat(10_000) }],
  ])('refuses a malformed payload (%s) with BAD_REQUEST before touching the core', async (_l, params) => {
    const ipc = new FakeIpcMain();
    const core = spyCore();
    const b = bindStationIpc({ ipcMain: ipc, station: core });
    const out = (await ipc.invoke(TOP, CALL_CHANNEL, 'ping', params)) as CallOutcome;
    expect(out).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(core.calls).toBe(0);
    b.dispose();
  });

  it('answers names outside the contract with UNKNOWN_METHOD, before touching the core', async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station });
    for (const method of ['__proto__', 'constructor', 'close', 'subscribe', 42]) {
      const out = (await ipc.invoke(TOP, CALL_CHANNEL, method, {})) as CallOutcome;
      expect(out, String(method)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    b.dispose();
    const ipc2 = new FakeIpcMain();
    const core = spyCore();
    const b2 = bindStationIpc({ ipcMain: ipc2, station: core });
    const out = (await ipc2.invoke(TOP, CALL_CHANNEL, 'dropDatabase', {})) as CallOutcome;
    expect(out).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: expect.stringMatching(/dropDatabase/) },
    });
    expect(core.calls).toBe(0);
    b2.dispose();
  });

  it("carries the core's StationError (code, message, remedy) to the window", async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station: spyCore() });
    const out = (await ipc.invoke(TOP, CALL_CHANNEL, 'getConfig', {})) as CallOutcome;
    expect(out).toEqual({
      ok: false,
      error: { code: 'CONFIG_INVALID', message: 'config.json is broken.', remedy: 'Fix it.' },
    });
    b.dispose();
  });

  it('dispose removes the handler and the subscription', async () => {
    const ipc = new FakeIpcMain();
    const core = spyCore();
    const b = bindStationIpc({ ipcMain: ipc, station: core });
    const wc = new FakeContents(TOP);
    b.addTarget(wc);
    b.dispose();
    b.dispose();
    expect(ipc.handlers.size).toBe(0);
    core.emit('log', { at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'x' });
    expect(wc.sent).toEqual([]);
    await expect(ipc.invoke(TOP, CALL_CHANNEL, 'ping', { nonce: 'x' })).rejects.toThrow(/No handler/);
  });
});

describe('station:event forwarding', () => {
  const log = { at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'hello' };

  it('sends valid events only to registered targets whose main frame is on the app origin', () => {
    const ipc = new FakeIpcMain();
    const core = spyCore();
    const b = bindStationIpc({ ipcMain: ipc, station: core });
    const trusted = new FakeContents({ ...TOP });
    const navigatedAway = new FakeContents({ url: 'https://evil.example/', parent: null });
    const unregistered = new FakeContents({ ...TOP });
    const destroyed = new FakeContents({ ...TOP });
    b.addTarget(trusted);
    b.addTarget(navigatedAway);
    b.addTarget(destroyed);
    destroyed.destroyed = true;

    core.emit('log', log);
    core.emit('batch', { succeeded: 3, failed: 1 });
    expect(trusted.sent).toEqual([
      [EVENT_CHANNEL, 'log', log],
      [EVENT_CHANNEL, 'batch', { succeeded: 3, failed: 1 }],
    ]);
    expect(navigatedAway.sent).toEqual([]);
    expect(unregistered.sent).toEqual([]);
    expect(destroyed.sent).toEqual([]);

    b.removeTarget(trusted);
    core.emit('log', log);
    expect(trusted.sent).toHaveLength(2);
    b.dispose();
  });

  it('drops malformed and unknown events', () => {
    const ipc = new FakeIpcMain();
    const core = spyCore();
    const b = bindStationIpc({ ipcMain: ipc, station: core });
    const wc = new FakeContents(TOP);
    b.addTarget(wc);
    const errors: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      core.emit('log', { level: 'loud' });
      core.emit('batch', { succeeded: 'many' });
      core.emit('secrets', { token: 'x' });
    } finally {
      console.error = orig;
    }
    expect(wc.sent).toEqual([]);
    expect(errors.length).toBe(2);
    b.dispose();
  });

  it('forwards an event the real core emits (ping logs a debug line)', async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station });
    const wc = new FakeContents(TOP);
    b.addTarget(wc);
    await ipc.invoke(TOP, CALL_CHANNEL, 'ping', { nonce: 'evt' });
    expect(wc.sent).toContainEqual([EVENT_CHANNEL, 'log', expect.objectContaining({ message: 'ping evt' })]);
    b.dispose();
  });
});

describe('preload side: window.station over the IPC carrier', () => {
  /** The preload's carrier, wired to the fake ipcMain (invoke) and a target (events). */
  function windowApi(ipc: FakeIpcMain, frame: { url: string; parent: unknown }) {
    let sink: (e: string, p: unknown) => void = () => {};
    const wc = new FakeContents(frame);
    wc.send = (channel, ...args) => {
      if (channel === EVENT_CHANNEL) sink(args[0] as string, structuredClone(args[1]));
    };
    const carrier: Carrier = {
      call: (m, p) => ipc.invoke(frame, CALL_CHANNEL, m, p),
      onEvent: (s) => {
        sink = s;
      },
    };
    return { api: bridgeSafe(createStationClient(carrier)), wc };
  }

  it('round-trips a method and an event through the whole IPC path', async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station });
    const { api, wc } = windowApi(ipc, TOP);
    b.addTarget(wc);
    const seen: string[] = [];
    const off = api.on('log', (e) => seen.push(e.message));
    const res = await api.ping({ nonce: 'rt' });
    expect(res.nonce).toBe('rt');
    expect(seen).toContain('ping rt');
    off();
    b.dispose();
  });

  it('rejects with a clone-safe StationError shape that keeps code and remedy', async () => {
    const ipc = new FakeIpcMain();
    const b = bindStationIpc({ ipcMain: ipc, station });
    const { api } = windowApi(ipc, SUB);
    const err = await api.ping({ nonce: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // contextBridge copies rejections like structuredClone; Error subclasses would lose code/remedy.
    const copied = structuredClone(err);
    expect(copied).toMatchObject({ name: 'StationError', code: 'UNAUTHORIZED' });
    expect(isStationError(copied)).toBe(true);
    expect(err).not.toBeInstanceOf(Error);
    // Client-side validation errors take the same shape.
    const bad = await api.ping({ nonce: 7 } as never).catch((e: unknown) => structuredClone(e));
    expect(bad).toMatchObject({ code: 'BAD_REQUEST' });
    b.dispose();
  });
});
