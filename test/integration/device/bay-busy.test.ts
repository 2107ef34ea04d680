/**
 * A device still busy with an earlier command when its bay connects (the `provision` right after a
 * Ctrl-C'd one: the device keeps generating the key it was asked for and answers BUSY even to HELLO).
 * In-process simulated devices through the real protocol stack: the bay waits the BUSY out within its
 * bound, and gives up with the figure in the message when the device stays busy longer.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDeviceSimulator, type DeviceSimulator } from '../../../sim/device/index';
import { openDeviceDriver, type TransportFactories } from '../../../core/device/index';
import { BayManager } from '../../../core/bays/bays';
import { simTransports } from '../../../dev/simulators';
import { StationError } from '../../../shared/errors';

let tmp: string;
let sim: DeviceSimulator;
let transports: TransportFactories;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bay-busy-'));
  sim = await startDeviceSimulator({
    home: tmp,
    count: 2,
    transport: 'sim',
    keygenDelayMs: 2500,
    keyAlgorithms: ['ECDSA-P256'],
    uidPrefix: 'BUSY-',
  });
  transports = simTransports(sim);
});
afterAll(async () => {
  await sim?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts a key generation on the device and walks away from it (what a Ctrl-C'd run leaves). */
async function leaveKeygenRunning(locator: string): Promise<void> {
  const d = await openDeviceDriver(locator, {}, transports);
  await d.identify();
  const gen = d.generateKey({ algorithm: 'ECDSA-P256', replace: true, subject: { CN: 'x' }, sans: [] });
  gen.catch(() => {});
  await new Promise((r) => setTimeout(r, 200)); // the device has the request and is working on it
  await d.close();
}

function bays(busyWaitMs?: number) {
  let opens = 0;
  const m = new BayManager({
    openDevice: (l, o) => {
      opens++;
      return openDeviceDriver(l, o, transports);
    },
    openOptions: () => ({}),
    listPorts: async () => [],
    watchDirs: [],
    ...(busyWaitMs !== undefined ? { busy: { waitMs: busyWaitMs, pollMs: 250 } } : {}),
  });
  return { m, opens: () => opens };
}

it('the device answers BUSY to HELLO right after a stopped key generation', async () => {
  const dev = sim.devices[0]!;
  await leaveKeygenRunning(dev.locator);
  const d = await openDeviceDriver(dev.locator, {}, transports).catch((e: unknown) => e);
  expect(d).toBeInstanceOf(StationError);
  expect((d as StationError).details?.deviceError).toBe('BUSY');
  // Let it finish before the next test uses the other device.
  await new Promise((r) => setTimeout(r, 2600));
});

it('connecting a bay waits the BUSY out and identifies the device once it has finished', async () => {
  const dev = sim.devices[0]!;
  await leaveKeygenRunning(dev.locator);
  const { m, opens } = bays();
  const bay = await m.attach(dev.locator);
  expect(bay.status).toBe('ready');
  expect(bay.device?.uid).toBe(dev.uid);
  expect(opens()).toBeGreaterThan(1); // it was refused at least once, then asked again
});

it('a device busy for longer than the bound: the bay fails with the figure and what to do', async () => {
  const dev = sim.devices[1]!;
  await leaveKeygenRunning(dev.locator);
  const { m, opens } = bays(1000);
  const err = (await m.attach(dev.locator).catch((e: unknown) => e)) as StationError;
  expect(err).toBeInstanceOf(StationError);
  expect(err.code).toBe('DEVICE_REFUSED');
  expect(err.message).toBe(
    'The device on bay 1 is still busy with an earlier command: it kept answering "busy" for 1 s.',
  );
  expect(err.remedy).toMatch(/Wait a minute, then attach it again/);
  expect(opens()).toBeGreaterThan(1);
  const [card] = m.list();
  expect(card?.status).toBe('failed');
  expect(card?.error?.message).toContain('1 s');
});
