/**
 * The embedded defaults with in-process simulated devices (`deviceTransport: 'sim'`): dev/ starts the
 * simulator and injects its `sim:` transport into the station's services; the station identifies
 * and provisions the devices through it. No global registry is involved: a device link opened
 * without that injection finds nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../../dev/embedded';
import { openDevice } from '../../../core/device/index';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-embedded-sim-'));

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('embedded defaults on in-process devices', () => {
  it('identifies and provisions sim: devices through the injected transport', async () => {
    const env = await startEmbedded({
      home,
      devices: 2,
      deviceTransport: 'sim',
      keyAlgorithms: ['ECDSA-P256'],
      keygenDelayMs: 20,
      watch: false,
    });
    try {
      const bays = await env.station.listBays({});
      expect(bays.map((b) => b.locator)).toEqual(['sim:SIM-0001', 'sim:SIM-0002']);
      expect(bays.map((b) => b.device?.uid)).toEqual(['SIM-0001', 'SIM-0002']);
      expect(await openDevice('sim:SIM-0001').catch((e: { code: string }) => e.code)).toBe(
        'DEVICE_PORT_NOT_FOUND',
      );

      const started = await env.station.startJob({ bayId: bays[0]!.id, kind: 'provision' });
      const job = await env.station.waitForJob(started.id);
      expect(job.state).toBe('succeeded');
      expect(env.sim.device('SIM-0001').snapshot()).toMatchObject({ certInstalled: true });
      expect(env.sim.device('SIM-0001').snapshot().assetId).toBe(env.org.assets()[0]?.Id);
    } finally {
      await env.stop();
    }
  });
});
