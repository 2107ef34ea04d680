/**
 * Per-family provisioning benchmark (run: `npx tsx bench/families.bench.ts`, BENCH_N reps, default 3):
 * one whole provisioning job through a real station (in-process core, journal, development CA, the org
 * emulator over HTTP with 80 ms per response) for a protocol v1 device and for a Nordic nRF91 modem,
 * both simulated on real PTYs with the same P-256 key type and 300 ms key generation. Prints per family:
 * job wall time (median, min), serial bytes of the job (both directions, counted on the driver's line),
 * and Salesforce REST calls. A fresh home per rep, so every job provisions a factory-fresh device.
 * The protocol v1 simulator is throttled to 115200 bit/s; the modem simulator is not, so its row also
 * gives "at 115200 ≈" (wall + the wire time of its bytes at 10 bits/byte). Figures only, no assertions.
 * The device side alone (no station, no org): bench/drivers.bench.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome } from '../dev/embedded';
import type { DeviceDriver } from '../core/device';
import { loadConfig, saveConfig } from '../core/config';
import { FileVault } from '../core/secrets';
import { Station } from '../core/station';
import { realServices } from '../core/wiring';
import { startDeviceSimulator } from '../sim/device/index';
import { startModemSimulator } from '../sim/nrf91/index';
import { startOrgEmulator } from '../sim/org/index';

const N = Number(process.env.BENCH_N ?? 3);
const KEYGEN_MS = 300;
const ORG_LATENCY_MS = Number(process.env.BENCH_ORG_LATENCY_MS ?? 80);
const PIN = '13579';

interface Run {
  ms: number;
  bytes: number;
  rest: number;
  ok: boolean;
}

/** One job on a fresh home with one device of `family`. */
async function once(family: 'as1' | 'nrf91'): Promise<Run> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `bench-fam-${family}-`));
  const vault = FileVault.inHome(home, 'bench-families-passphrase');
  const org = await startOrgEmulator({
    home: path.join(home, 'org'),
    jwtBearerCertPem: await jwtPublicKeyPem(vault),
    assetAudience: DEMO_ASSET_AUDIENCE,
    latencyMs: ORG_LATENCY_MS,
  });
  const dev =
    family === 'as1'
      ? await startDeviceSimulator({
          home,
          count: 1,
          keyAlgorithms: ['ECDSA-P256'],
          keygenDelayMs: KEYGEN_MS,
          baudRate: 115200,
          transport: 'pty',
        })
      : undefined;
  const modem =
    family === 'nrf91'
      ? await startModemSimulator({ home, count: 1, keygenDelayMs: KEYGEN_MS, transport: 'pty' })
      : undefined;
  const locator = dev ? dev.devices[0]!.locator : modem!.modems[0]!.locator;
  let station: Station | undefined;
  try {
    await prepareHome(home, vault, org);
    const c = loadConfig(home);
    saveConfig(home, { ...c, device: { ...c.device, keyAlgorithm: 'ECDSA-P256' } });
    const serial = { bytes: 0 };
    const base = realServices({ home, secrets: vault });
    const services = {
      ...base,
      openDevice: async (l: string, o?: Parameters<typeof base.openDevice>[1]): Promise<DeviceDriver> => {
        const d = await base.openDevice(l, o);
        const close = d.close.bind(d);
        d.close = async () => {
          serial.bytes += d.stats.bytesIn + d.stats.bytesOut;
          await close();
        };
        return d;
      },
    };
    station = await Station.open({ home, transport: 'in-process', services });
    await station.setAdminPin(PIN);
    await station.connectOrg({ adminPin: PIN });
    const bay = await station.attachBay({ locator });
    serial.bytes = 0; // the job only, not the attach
    const used0 = (await station.getOrgStatus({})).apiUsage?.used ?? 0;
    const t0 = performance.now();
    const job = await station.waitForJob((await station.startJob({ bayId: bay.id, kind: 'provision' })).id);
    const ms = performance.now() - t0;
    const used1 = (await station.getOrgStatus({})).apiUsage?.used ?? used0;
    await station.close(); // every line the job opened is closed now: its bytes are counted
    station = undefined;
    return { ms, bytes: serial.bytes, rest: used1 - used0, ok: job.state === 'succeeded' };
  } finally {
    await station?.close();
    await dev?.stop();
    await modem?.stop();
    await org.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function report(name: string, runs: Run[], throttled: boolean): void {
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const med = ms[Math.floor(ms.length / 2)]!;
  const bytes = runs.map((r) => r.bytes).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const wire = (bytes * 10 * 1000) / 115200;
  console.log(
    `${name.padEnd(36)} ok ${runs.filter((r) => r.ok).length}/${runs.length}; job wall median ${med.toFixed(0)} ms (min ${ms[0]!.toFixed(0)})` +
      `${throttled ? '' : `, at 115200 ≈ ${(med + wire).toFixed(0)} ms`}; serial ${bytes} B (wire time at 115200 ${wire.toFixed(0)} ms); REST calls ${runs[0]!.rest}`,
  );
}

const v1: Run[] = [];
const nrf: Run[] = [];
for (let i = 0; i < N; i++) {
  v1.push(await once('as1'));
  nrf.push(await once('nrf91'));
}
console.log(
  `== one provisioning job per device, P-256, ${KEYGEN_MS} ms simulated key generation, PTY, org latency ${ORG_LATENCY_MS} ms, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)} ==`,
);
report('protocol v1 device (115200 throttled)', v1, true);
report('nRF91 modem (AT commands)', nrf, false);
