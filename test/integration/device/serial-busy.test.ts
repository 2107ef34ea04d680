/**
 * A busy serial port (another program holds its lock) is retried a bounded number of times, then
 * reported with how often it was tried; a port freed within those tries opens. Real PTY (a simulated
 * modem) through the real serialport stack.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerial } from '../../../core/device/transports/serial';
import { startModemSimulator, type ModemSimulator } from '../../../sim/nrf91';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-busy-'));
let sim: ModemSimulator;
let devPath: string;

beforeAll(async () => {
  sim = await startModemSimulator({ home: tmp, count: 1, transport: 'pty' });
  devPath = sim.modems[0]!.locator.slice('serial:'.length);
});
afterAll(async () => {
  await sim.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const opts = { baudRate: 115200, lineControl: 'keep-low' as const, busyRetryMs: 100 };

describe('busy serial port', () => {
  it('is tried busyAttempts times, then reported with the count', async () => {
    const holder = await openSerial('serial:x', devPath, opts);
    try {
      const t0 = Date.now();
      const err = await openSerial('serial:x', devPath, { ...opts, busyAttempts: 3 }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'DEVICE_PORT_BUSY', details: { attempts: 3 } });
      expect((err as Error).message).toMatch(/tried 3 times/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    } finally {
      await holder.close();
    }
  });

  it('opens once the other holder lets go within the retries', async () => {
    const holder = await openSerial('serial:x', devPath, opts);
    setTimeout(() => void holder.close(), 150);
    const t = await openSerial('serial:x', devPath, { ...opts, busyAttempts: 10 });
    await t.close();
  });
});
