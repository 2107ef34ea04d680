/**
 * One scenario of the provisioning benchmark (provisioning.bench.ts): N simulated devices provisioned by
 * a real station in this process, against the device simulator and the org emulator in their own
 * processes (one simulator process per 16 devices, so at 64 bays the simulator is not the bottleneck).
 *
 * Two ways to run it:
 *  - `station`: every bay started at once, as the station runs a batch (coalesced org calls).
 *  - `naive`: what a simple integration does — one device at a time, and per device a SOQL query (the
 *    clone check), an Asset create and an Asset update, each its own REST call, nothing shared.
 *
 * The physical floor of a scenario is the slowest device's key generation plus its bytes on the wire
 * at 115200 bit/s 8N1 (10 bits a byte) plus the org round trips a device cannot avoid (the upsert, which
 * carries the org's clone check, and for a device that gets an asset token the token exchange, each one
 * response latency). CPU is this process's user + system time
 * (the station's own: the simulators and the org are other processes); REST calls are the org's own
 * count (Sforce-Limit-Info, docs/salesforce-wire.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome, type OrgFacts } from '../dev/embedded';
import type { DeviceDriver } from '../core/device';
import type { OrgPort } from '../core/bays/ports';
import { OrgClient } from '../core/salesforce';
import { FileVault } from '../core/secrets';
import { Station } from '../core/station';
import { realServices } from '../core/wiring';
import { DEFAULT_KEYGEN_DELAY_MS } from '../sim/device';
import type { Job, KeyAlgorithm } from '../shared/domain';
import { startProfile } from './profile';
import { threadCpuDelta, threadCpuMs } from './threads';
import type { AuditSync } from '../core/records/audit-sync';

/** Admin PIN set on the bench's throw-away home. */
const BENCH_ADMIN_PIN = '13579';
const PASS = 'bench-vault-passphrase';
/** UART speed of the simulated devices, bit/s (8N1: 10 bits on the wire per byte). */
export const BAUD = 115_200;
/** Key algorithms of the simulated devices, cycled (device 1 is RSA: N = 1 is the slow case). */
export const ALGS: KeyAlgorithm[] = ['RSA-2048', 'ECDSA-P256'];
/** Devices per simulator process. */
const PER_SIM = 16;
/**
 * Org round trips a device cannot avoid: the upsert (with its read-back, in one Composite), in which the org
 * itself refuses a clone (issue 18: Key_Fingerprint__c unique, so no clone-check query before it); plus the
 * asset-token exchange for a device that gets a token (counted per device from its job).
 */
const ORG_ROUND_TRIPS = 1;

/** One scenario's figures (one JSON line each). */
export interface Row {
  scenario: 'station' | 'naive';
  n: number;
  ok: number;
  wallS: number;
  floorS: number;
  wallOverFloor: number;
  devicesPerMin: number;
  cpuMsPerDevice: number;
  restCallsPerDevice: number;
  /** Of restCallsPerDevice, the audit sync's (entries + chain head), counted until its queue is empty. */
  auditCallsPerDevice: number;
  /** Of restCallsPerDevice, the provisioning calls (REST − audit): clone check, upsert, asset token. */
  orgCallsPerDevice: number;
  serialBytesPerDevice: number;
  peakRssMiB: number;
  fds: number;
  /** The machine's 1-minute load average at the end (other work on a shared box skews wall time). */
  load1: number;
}

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

/** Open file descriptors of this process (Linux /proc; 0 where that is not available). */
function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** The naive org port: every call its own request — query, create, then update (see the file header). */
function naivePort(client: OrgClient, base: OrgPort): OrgPort {
  return {
    ...base,
    checkClone: (q) => client.checkClone(q),
    async upsertAsset(facts) {
      // the clone check a simple integration runs as its own query (the station's rides in the upsert)
      await client.checkClone({ deviceUid: facts.deviceUid, keyFingerprint: facts.keyFingerprint });
      const created = await client.upsertAsset(facts); // the create
      await client.upsertAsset(facts); // the update with the certificate facts
      return created;
    },
  };
}

/** Runs one scenario; `latencyMs` is the org's added delay per response. */
export async function runScenario(scenario: Row['scenario'], n: number, latencyMs: number): Promise<Row> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${scenario}-${n}-`));
  const vault = FileVault.inHome(home, PASS);
  const certFile = path.join(home, 'jwt.pub.pem');
  fs.writeFileSync(certFile, await jwtPublicKeyPem(vault));
  const org = await startJsonProcess<OrgFacts>([
    ...['--home', home, 'sim', 'org', '--latency', String(latencyMs)],
    ...['--jwt-cert', certFile, '--audience', DEMO_ASSET_AUDIENCE],
  ]);
  const sims: Array<{ child: ChildProcess; info: { devices: Array<{ uid: string; locator: string }> } }> = [];
  let station: Station | undefined;
  try {
    for (let first = 0; first < n; first += PER_SIM) {
      const count = Math.min(PER_SIM, n - first);
      sims.push(
        await startJsonProcess([
          ...['--home', home, 'sim', 'device', '--count', String(count), '--alg', ALGS.join(',')],
          ...['--uid-prefix', `SIM${first / PER_SIM}-`, '--baud', String(BAUD)],
          // the simulator's own key generation (real RSA keys) done before the measured phase, so that on a
          // 2-core box it does not compete with the station it measures; the modelled keygen time stays
          // (BENCH_SIM_PREGEN=0: keys made at KEYGEN, for comparison)
          ...(process.env.BENCH_SIM_PREGEN === '0' ? [] : ['--pregenerate-keys']),
        ]),
      );
    }
    const devices = sims.flatMap((s) => s.info.devices);
    await prepareHome(home, vault, org.info);
    const bytes = new Map<string, number>();
    const base = realServices({ home, secrets: vault });
    let client: OrgClient | undefined;
    const services = {
      ...base,
      openDevice: async (
        locator: string,
        o?: Parameters<typeof base.openDevice>[1],
      ): Promise<DeviceDriver> => {
        const d = await base.openDevice(locator, o);
        const close = d.close.bind(d);
        d.close = async () => {
          bytes.set(locator, (bytes.get(locator) ?? 0) + d.stats.bytesIn + d.stats.bytesOut);
          await close();
        };
        return d;
      },
      org: (config: Parameters<typeof base.org>[0]) => {
        const svc = base.org(config);
        if (scenario === 'station') return svc;
        return {
          ...svc,
          port: async () => {
            const port = await svc.port();
            client ??= await OrgClient.fromSecrets(config().salesforce, vault);
            return naivePort(client, port);
          },
        };
      },
    };
    station = await Station.open({ home, transport: 'in-process', services });
    await station.setAdminPin(BENCH_ADMIN_PIN);
    await station.connectOrg({ adminPin: BENCH_ADMIN_PIN });
    const bays = [];
    for (const d of devices) bays.push(await station.attachBay({ locator: d.locator }));
    bytes.clear(); // the jobs only, not the attach HELLOs
    // the set-up's own audit entries (admin PIN, org connected, bays) are sent before the count starts
    const sync = (station as unknown as { wired?: { auditSync?: AuditSync } }).wired?.auditSync;
    await drained(sync);
    const used0 = (await station.getOrgStatus({})).apiUsage?.used ?? 0;
    const audit0 = sync?.calls() ?? 0;
    const prof = await startProfile();
    const threads0 = process.env.BENCH_THREADS ? threadCpuMs() : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = station;
    const run = (bayId: string) => s.startJob({ bayId, kind: 'provision' }).then((j) => s.waitForJob(j.id));
    const jobs: Job[] = [];
    if (scenario === 'station') jobs.push(...(await Promise.all(bays.map((b) => run(b.id)))));
    else for (const b of bays) jobs.push(await run(b.id));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threads0 && threadCpuMs();
    if (threads0 && threads1)
      console.error(
        `CPU ms by thread (${scenario} ${n}): ` +
          threadCpuDelta(threads0, threads1)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
      );
    await prof?.stop(`${scenario}-${n}`);
    const fds = openFds();
    // the audit entries may still be queued (held while the line was busy): wait for them, so their calls count
    await drained(sync);
    const used1 = (await station.getOrgStatus({})).apiUsage?.used ?? used0;
    const auditCalls = (sync?.calls() ?? 0) - audit0;
    const perDevice = devices.map((d, i) => {
      const keygen = DEFAULT_KEYGEN_DELAY_MS[ALGS[i % ALGS.length]!];
      // a device that got an asset token also waited for the token exchange (one more org round trip)
      const token = jobs[i]?.steps.some((st) => st.name === 'asset-token' && st.state === 'done') ? 1 : 0;
      return (
        keygen + ((bytes.get(d.locator) ?? 0) * 10 * 1000) / BAUD + (ORG_ROUND_TRIPS + token) * latencyMs
      );
    });
    // One at a time, the floors add up; all at once, the slowest device sets it.
    const floorMs = scenario === 'naive' ? perDevice.reduce((a, b) => a + b, 0) : Math.max(...perDevice);
    const serial = [...bytes.values()].reduce((a, b) => a + b, 0);
    return {
      scenario,
      n,
      ok: jobs.filter((j) => j.state === 'succeeded').length,
      wallS: ms / 1000,
      floorS: floorMs / 1000,
      wallOverFloor: ms / floorMs,
      devicesPerMin: (n / ms) * 60_000,
      cpuMsPerDevice: (cpu.user + cpu.system) / 1000 / n,
      restCallsPerDevice: (used1 - used0) / n,
      auditCallsPerDevice: auditCalls / n,
      orgCallsPerDevice: (used1 - used0 - auditCalls) / n,
      serialBytesPerDevice: serial / n,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      fds,
      load1: os.loadavg()[0]!,
    };
  } finally {
    await station?.close();
    for (const s of sims) await stop(s.child);
    await stop(org.child);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Waits (at most 30 s) until the audit sync has no entry queued. */
async function drained(sync: AuditSync | undefined): Promise<void> {
  for (let i = 0; sync && sync.pending() > 0 && i < 600; i++) await new Promise((r) => setTimeout(r, 50));
}
