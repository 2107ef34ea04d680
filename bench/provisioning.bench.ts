/**
 * Provisioning benchmark (`npm run bench`): provisions N simulated devices (N = 1, 4, 16 by default, or
 * the numbers given as arguments) with realistic device timing (key generation 300 ms EC / 1500 ms RSA,
 * UART throttled to 115200 bit/s) and org latency (80 ms per response), and prints per N:
 * devices/minute, station CPU ms per device, Salesforce REST calls per device, serial bytes per device,
 * and the station's peak RSS.
 *
 * The device simulator and the org emulator run as separate processes (`asset-station sim device`,
 * `asset-station sim org`), so this process's CPU time and RSS are the station's own; device and org
 * waits cost no CPU and are excluded by measuring CPU rather than wall time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome, type OrgFacts } from '../dev/embedded';
import type { DeviceDriver } from '../core/device';
import { FileVault } from '../core/secrets';
import { Station } from '../core/station';
import { realServices } from '../core/wiring';
import { startProfile } from './profile';

/** Admin PIN set on the bench's throw-away home. */
const BENCH_ADMIN_PIN = '13579';

const PASS = 'bench-vault-passphrase';
const ORG_LATENCY_MS = Number(process.env.BENCH_ORG_LATENCY_MS ?? 80);

/** Starts `asset-station <args> --json` and resolves with its first JSON line. */
function startJsonProcess<T>(args: string[]): Promise<{ child: ChildProcess; info: T }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/asset-station.js', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve({ child, info: JSON.parse(line) as T }));
    child.once('exit', (code) => reject(new Error(`asset-station ${args.join(' ')} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

interface Row {
  n: number;
  seconds: number;
  devicesPerMinute: number;
  cpuMsPerDevice: number;
  restCallsPerDevice: number;
  serialBytesPerDevice: number;
  peakRssMiB: number;
  ok: number;
}

async function benchOnce(n: number): Promise<Row> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${n}-`));
  const vault = FileVault.inHome(home, PASS);
  const certFile = path.join(home, 'jwt.pub.pem');
  fs.writeFileSync(certFile, await jwtPublicKeyPem(vault));
  const org = await startJsonProcess<OrgFacts>([
    '--home',
    home,
    'sim',
    'org',
    '--latency',
    String(ORG_LATENCY_MS),
    '--jwt-cert',
    certFile,
    '--audience',
    DEMO_ASSET_AUDIENCE,
  ]);
  const sim = await startJsonProcess<{ devices: Array<{ uid: string; locator: string }> }>([
    '--home',
    home,
    'sim',
    'device',
    '--count',
    String(n),
    '--alg',
    'RSA-2048,ECDSA-P256',
  ]);
  let station: Station | undefined;
  try {
    await prepareHome(home, vault, org.info);
    const serial = { bytes: 0 };
    const base = realServices({ home, secrets: vault });
    const services = {
      ...base,
      openDevice: async (
        locator: string,
        o?: Parameters<typeof base.openDevice>[1],
      ): Promise<DeviceDriver> => {
        const client = await base.openDevice(locator, o);
        const close = client.close.bind(client);
        client.close = async () => {
          serial.bytes += client.stats.bytesIn + client.stats.bytesOut;
          await close();
        };
        return client;
      },
    };
    station = await Station.open({ home, transport: 'in-process', services });
    // The JWT bearer login needs the admin PIN; a bench home gets one.
    await station.setAdminPin(BENCH_ADMIN_PIN);
    await station.connectOrg({ adminPin: BENCH_ADMIN_PIN });
    const bays = [];
    for (const d of sim.info.devices) bays.push(await station.attachBay({ locator: d.locator }));
    serial.bytes = 0; // count the jobs only, not the attach HELLOs
    const used0 = (await station.getOrgStatus({})).apiUsage?.used ?? 0;
    const prof = await startProfile();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const started = await Promise.all(bays.map((b) => station!.startJob({ bayId: b.id, kind: 'provision' })));
    const jobs = await Promise.all(started.map((j) => station!.waitForJob(j.id)));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await prof?.stop(`provision-${n}`);
    const used1 = (await station.getOrgStatus({})).apiUsage?.used ?? used0;
    return {
      n,
      seconds: ms / 1000,
      devicesPerMinute: (n / ms) * 60_000,
      cpuMsPerDevice: (cpu.user + cpu.system) / 1000 / n,
      restCallsPerDevice: (used1 - used0) / n,
      serialBytesPerDevice: serial.bytes / n,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      ok: jobs.filter((j) => j.state === 'succeeded').length,
    };
  } finally {
    await station?.close();
    await stop(sim.child);
    await stop(org.child);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const rows: Row[] = [];
for (const n of sizes.length ? sizes : [1, 4, 16]) rows.push(await benchOnce(n));

console.log(
  `\nProvisioning benchmark — simulated devices on PTYs (115200 bit/s, keygen EC 300 ms / RSA 1500 ms), org latency ${ORG_LATENCY_MS} ms, ${os.cpus().length} cores`,
);
console.log(
  '   N   ok   wall s   devices/min   station CPU ms/device   REST calls/device   serial bytes/device   peak RSS MiB',
);
for (const r of rows) {
  console.log(
    `${String(r.n).padStart(4)} ${String(r.ok).padStart(4)} ${r.seconds.toFixed(1).padStart(8)} ${r.devicesPerMinute.toFixed(1).padStart(13)} ${r.cpuMsPerDevice.toFixed(0).padStart(23)} ${r.restCallsPerDevice.toFixed(2).padStart(19)} ${r.serialBytesPerDevice.toFixed(0).padStart(21)} ${r.peakRssMiB.toFixed(0).padStart(14)}`,
  );
}
