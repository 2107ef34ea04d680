/**
 * Device simulator library (issue 3): N simulated devices speaking protocol v1, each on a real PTY
 * (socat, stable symlink `<home>/sim/devices/<uid>`), a loopback TCP port (`tcp:127.0.0.1:PORT`) or
 * an in-process `sim:<uid>` endpoint. Real keys
 * (node:crypto), persistent per-device state under `<home>/sim/state/`, realistic key-generation time
 * with PROG frames, baud-rate throttling, and fault switches (./faults.ts).
 *
 * Used by the CLI (`asset-station sim device`), the demo and the tests. Imports only shared/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyAlgorithm } from '../../shared/domain';
import type { StreamEndpoint } from '../../shared/protocol';
import { generateDeviceKey } from './crypto';
import { SimDevice, type SimHandle } from './device';
import type { DeviceFaults } from './faults';
import type { DeviceProfile } from './handlers';
import { MemoryPort, PtyPort, TcpPort, findSocat, type SimPort } from './ports';
import { loadState, saveState } from './state';

export type { SimHandle } from './device';
export type { DeviceFaults } from './faults';

/** Default key-generation times (ms) of a simulated microcontroller. */
export const DEFAULT_KEYGEN_DELAY_MS: Record<KeyAlgorithm, number> = {
  'ECDSA-P256': 300,
  'RSA-2048': 1500,
  'RSA-3072': 3000,
};

/** Options of {@link startDeviceSimulator}. */
export interface DeviceSimulatorOptions {
  /** Station home; PTY links go to `<home>/sim/devices/`, state files to `<home>/sim/state/`. */
  home: string;
  /** Number of devices. */
  count: number;
  /** Key algorithm each device supports, cycled over the devices (default: all three on every device). */
  keyAlgorithms?: KeyAlgorithm[];
  /** Key generation time in ms for every algorithm (default {@link DEFAULT_KEYGEN_DELAY_MS}). */
  keygenDelayMs?: number;
  /** Simulated UART speed in bit/s (default 115200). */
  baudRate?: number;
  /** Fault switches applied to every device at start (each device gets its own copy). */
  faults?: DeviceFaults;
  /** UID prefix (default `SIM-`): UIDs are `<prefix>0001`, `<prefix>0002`, … (stable across runs). */
  uidPrefix?: string;
  /** Largest frame each device accepts, bytes (default 512; protocol minimum 256). */
  maxFrame?: number;
  /**
   * `pty`: real PTYs via socat (locator `serial:<home>/sim/devices/<uid>`); `tcp`: a loopback TCP
   * listener per device (locator `tcp:127.0.0.1:<port>`, any OS); `sim`: in-process (locator
   * `sim:<uid>`). Default `pty` when socat is installed, else `tcp`.
   */
  transport?: 'pty' | 'tcp' | 'sim';
  /** Extra devices that carry a copy of another device's key (and state) under a new UID. */
  clones?: Array<{ of: string }>;
  /** Device model name (default `AS-SIM-1`). */
  model?: string;
}

/** A running simulator. */
export interface DeviceSimulator {
  devices: Array<{ uid: string; locator: string; model: string }>;
  /** Removes every PTY / endpoint. Idempotent. */
  stop(): Promise<void>;
  /** Runtime control of one device. @throws Error for an unknown uid. */
  device(uid: string): SimHandle;
  /**
   * The in-process endpoint of `sim:<uid>` (transport `sim`), undefined for an unknown UID, an
   * unplugged device or a PTY simulator. The starter hands it to the station (dev/ injects it).
   */
  endpoint(uid: string): StreamEndpoint | undefined;
}

/**
 * Starts the simulator; resolves when every device's port can be opened.
 * @throws Error when socat is missing for `transport: 'pty'` or the home is not writable.
 */
export async function startDeviceSimulator(opts: DeviceSimulatorOptions): Promise<DeviceSimulator> {
  const home = path.resolve(opts.home);
  const transport = opts.transport ?? (findSocat() ? 'pty' : 'tcp');
  const linkDir = path.join(home, 'sim', 'devices');
  fs.mkdirSync(linkDir, { recursive: true, mode: 0o700 });
  const prefix = opts.uidPrefix ?? 'SIM-';
  const baud = opts.baudRate ?? 115200;
  const delays =
    opts.keygenDelayMs !== undefined
      ? { 'ECDSA-P256': opts.keygenDelayMs, 'RSA-2048': opts.keygenDelayMs, 'RSA-3072': opts.keygenDelayMs }
      : DEFAULT_KEYGEN_DELAY_MS;
  const algs = opts.keyAlgorithms?.length ? opts.keyAlgorithms : undefined;
  const maxFrame = opts.maxFrame ?? 512;
  const made: SimDevice[] = [];
  const memoryPorts = new Map<string, MemoryPort>();
  const mkPort = (uid: string): SimPort => {
    if (transport === 'pty') return new PtyPort(path.join(linkDir, uid));
    if (transport === 'tcp') return new TcpPort();
    const port = new MemoryPort(uid);
    memoryPorts.set(uid, port);
    return port;
  };
  const profileFor = (i: number): DeviceProfile => ({
    model: opts.model ?? 'AS-SIM-1',
    firmware: 'sim-1.0.0',
    maxFrame,
    keyAlgorithms: algs ? [algs[i % algs.length]!] : [...KeyAlgorithm.options],
    assetToken: true,
    keygenDelayMs: delays,
  });
  for (let i = 0; i < opts.count; i++) {
    const uid = `${prefix}${String(i + 1).padStart(4, '0')}`;
    made.push(
      new SimDevice(home, profileFor(i), loadState(home, uid), mkPort(uid), { ...opts.faults }, baud),
    );
  }
  for (let c = 0; c < (opts.clones?.length ?? 0); c++) {
    const of = made.find((d) => d.uid === opts.clones![c]!.of);
    if (!of) throw new Error(`clone source ${opts.clones![c]!.of} is not one of the simulated devices`);
    const src = of.commands.state;
    if (!src.slots[0]!.key) {
      const alg = profileFor(made.indexOf(of)).keyAlgorithms[0]!;
      src.slots[0]!.key = await generateDeviceKey(alg);
      saveState(home, src);
    }
    const uid = `${prefix}${String(opts.count + c + 1).padStart(4, '0')}`;
    const copy = loadState(home, uid);
    copy.slots = src.slots.map((s) => ({ chain: [...s.chain], ...(s.key ? { key: { ...s.key } } : {}) }));
    saveState(home, copy);
    made.push(new SimDevice(home, profileFor(made.indexOf(of)), copy, mkPort(uid), { ...opts.faults }, baud));
  }
  try {
    await Promise.all(made.map((d) => d.plug()));
  } catch (e) {
    await Promise.all(made.map((d) => d.stop().catch(() => {})));
    throw e;
  }
  let stopped = false;
  return {
    devices: made.map((d) => ({ uid: d.uid, locator: d.locator, model: d.model })),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(made.map((d) => d.stop()));
    },
    device(uid: string): SimHandle {
      const d = made.find((x) => x.uid === uid);
      if (!d) throw new Error(`no simulated device ${uid}`);
      return d;
    },
    endpoint: (uid) => memoryPorts.get(uid)?.endpoint,
  };
}
