/**
 * The embedded defaults: everything the main job needs on a machine with no devices and no org — the
 * device simulator (and, when asked, simulated nRF91 modems) on real PTYs (socat) or, where socat is missing (Windows, macOS, a bare Linux), on
 * loopback TCP ports reached through the station's `tcp:` transport, the Salesforce org emulator on 127.0.0.1, a development CA — wired to
 * a real station core through the real serial, PKI and jsforce paths. Used by `asset-station demo`,
 * `asset-station web` (the browser harness) and the benchmarks.
 *
 * State persists in the home (simulated devices, emulated org, CA, journal), so a second run on the
 * same home sees the devices as already provisioned.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { KeyAlgorithm, StationConfig } from '../shared/domain';
import { StationError } from '../shared/errors';
import {
  findSocat,
  simTransports,
  startDeviceSimulator,
  startModemSimulator,
  type DeviceSimulator,
  type ModemSimulator,
} from './simulators';
import { startOrgEmulator, type OrgEmulator } from '../sim/org';
import { loadConfig, saveConfig } from '../core/config';
import { ensureHome } from '../core/home';
import { StationCa } from '../core/pki';
import { FileVault, SECRET_NAMES, VAULT_PASSPHRASE_ENV, type SecretStore } from '../core/secrets';
import { Station, type TransportKind } from '../core/station';
import { realServices } from '../core/wiring';

/**
 * Vault passphrase of demo homes when ASSET_STATION_VAULT_PASSPHRASE is not set. It protects only
 * simulated devices and an emulated org; `demo` says so when it uses it. Never use a demo home for
 * real devices.
 */
export const DEMO_VAULT_PASSPHRASE = 'asset-station-demo-only';
/** Default data folder of `demo` and `web`, relative to the working directory (git-ignored). */
export const DEMO_HOME = '.station-home';
/** Admin PIN set on demo homes (settings screen in the browser harness). */
export const DEMO_ADMIN_PIN = '2468';
/** `aud` the demo org puts in asset tokens and the station expects. */
export const DEMO_ASSET_AUDIENCE = 'https://asset-station.invalid/devices';

/** How simulated devices reach the station (see {@link EmbeddedOptions.deviceTransport}). */
export type DeviceTransport = 'pty' | 'tcp' | 'sim';

/** Words for each device transport, as the demo prints them. */
export const DEVICE_TRANSPORT_WORDS: Record<DeviceTransport, string> = {
  pty: 'on PTYs (socat) through the serial stack',
  tcp: 'on loopback TCP ports (no socat found)',
  sim: 'in-process',
};

export interface EmbeddedOptions {
  home: string;
  /** Number of simulated devices (default 4). */
  devices?: number;
  /**
   * Number of simulated Nordic nRF91 modems (stock firmware, AT commands) alongside them, default 0;
   * `demo` uses 1. Their credentials persist in the home like the devices' state.
   */
  modems?: number;
  /** Key algorithm per device, cycled (default RSA-2048, ECDSA-P256: half get asset tokens). */
  keyAlgorithms?: KeyAlgorithm[];
  /** Simulated key generation time, ms (default: realistic per algorithm). */
  keygenDelayMs?: number;
  /** Added org latency per response, ms (default 0). */
  orgLatencyMs?: number;
  transport?: TransportKind;
  /**
   * Where the simulated devices are plugged in: `pty` real pseudo-terminals made by socat, reached
   * through the real serial stack; `tcp` one loopback TCP listener per device (127.0.0.1, any OS),
   * reached through the station's real `tcp:` transport; `sim` in-process byte streams, reached
   * through the `sim:` transport injected into the station's services. Default: `pty` when socat is
   * found (ASSET_STATION_SOCAT or PATH), else `tcp`.
   */
  deviceTransport?: DeviceTransport;
  /** The emulated org runs the Asset Station package from before issue 18 (no identity rules enforced). */
  legacyAssetMetadata?: boolean;
  /** Extra simulated clones (same key as `of`, another UID). */
  clones?: Array<{ of: string }>;
  /** Start bays' hot-plug watcher (default true). */
  watch?: boolean;
  /** Reconnect window for vanished devices, ms. */
  reconnectWindowMs?: number;
  /**
   * Something in front of the org emulator (the adversarial suite's HTTP proxy): the station connects
   * to its `url`, the emulator names that URL as its instance, and `forwardTo` is told the emulator's
   * own URL once it listens. Default: the station talks to the emulator directly.
   */
  orgFront?: { url: string; forwardTo(emulatorUrl: string): void };
  /** Opens a login URL "in the browser" (tests drive the emulator's authorize page with it). */
  openUrl?: (url: string) => Promise<void>;
}

export interface Embedded {
  station: Station;
  sim: DeviceSimulator;
  /** The simulated nRF91 modems (none unless {@link EmbeddedOptions.modems}). */
  modems: ModemSimulator;
  org: OrgEmulator;
  secrets: SecretStore;
  /** True when the demo passphrase protects the vault. */
  demoPassphrase: boolean;
  /** How the simulated devices reach the station. */
  deviceTransport: DeviceTransport;
  stop(): Promise<void>;
}

async function jwtKeyPair(secrets: SecretStore): Promise<{ publicPem: string }> {
  let pem = await secrets.get(SECRET_NAMES.orgJwtKey);
  if (!pem) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await secrets.set(SECRET_NAMES.orgJwtKey, pem);
  }
  return { publicPem: crypto.createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString() };
}

/** What the station needs to know about an emulated org (what `sim org --json` prints). */
export type OrgFacts = Pick<OrgEmulator, 'baseUrl' | 'clientId' | 'adminUsername' | 'defaultAccountId'> & {
  productIds?: Record<string, string>;
};

/**
 * The Product (emulator ProductCode) of each simulated device model, for the product map of the embedded
 * defaults: the protocol v1 device simulator (`AS-SIM-1`) is the sensor, the simulated nRF91 modem
 * (`nRF9160-SICA`, the model its AT+CGMM answers) the cellular gateway. Pre-flight refuses a model missing
 * from a non-empty map, so every simulated model is here, and the device SDK's Linux agent (`AS-AGENT-LINUX`).
 */
export const SIMULATED_PRODUCTS: Readonly<Record<string, string>> = {
  'AS-SIM-1': 'AS-SENSOR-1',
  'nRF9160-SICA': 'AS-GATEWAY-1',
  // the device SDK's Linux reference agent (device-sdk/src/agent), which tests provision against this org
  'AS-AGENT-LINUX': 'AS-SENSOR-1',
};

/** The station configuration for the emulated org. */
function embeddedConfig(base: StationConfig, org: OrgFacts): StationConfig {
  return {
    ...base,
    device: { ...base.device, keyAlgorithm: 'RSA-2048' },
    salesforce: {
      ...base.salesforce,
      loginUrl: org.baseUrl,
      clientId: org.clientId,
      authFlow: 'jwt',
      username: org.adminUsername,
      accountId: org.defaultAccountId,
      productByModel: Object.fromEntries(
        Object.entries(SIMULATED_PRODUCTS).flatMap(([model, code]) =>
          org.productIds?.[code] ? [[model, org.productIds[code]]] : [],
        ),
      ),
      assetTokens: { enabled: true, audience: DEMO_ASSET_AUDIENCE },
    },
  };
}

/**
 * Prepares a station home for the emulated org: a development CA (if none), the JWT bearer key in the
 * vault, and the configuration pointing at the emulator. Used by the demo and by tests that run the
 * CLI against a simulator and an emulator they started themselves.
 */
export async function prepareHome(home: string, secrets: SecretStore, org: OrgFacts): Promise<StationConfig> {
  await jwtKeyPair(secrets);
  if (!StationCa.exists(home)) {
    const ca = await StationCa.init(home, secrets, { subjectO: 'Asset Station', subjectOU: 'Devices' });
    ca.close();
  }
  const config = embeddedConfig(loadConfig(home), org);
  saveConfig(home, config);
  return config;
}

/** The public half of the demo JWT bearer key (created in the vault on first use). */
export async function jwtPublicKeyPem(secrets: SecretStore): Promise<string> {
  return (await jwtKeyPair(secrets)).publicPem;
}

/**
 * Starts the embedded defaults on `home` and returns a station with one bay per simulated device,
 * connected to the emulated org.
 * @throws StationError HOME_UNUSABLE, SECRET_STORE_UNAVAILABLE (wrong vault passphrase), and a clear
 *   error when `deviceTransport: 'pty'` is asked for and socat is not installed.
 */
export async function startEmbedded(o: EmbeddedOptions): Promise<Embedded> {
  const home = ensureHome(path.resolve(o.home));
  const socat = findSocat();
  const deviceTransport = o.deviceTransport ?? (socat ? 'pty' : 'tcp');
  if (deviceTransport === 'pty' && !socat) {
    throw new StationError(
      'INTERNAL',
      'socat is not installed, so simulated devices cannot get serial ports (PTYs).',
      'Install it (Debian/Ubuntu: sudo apt-get install socat), or leave the device transport at its default: loopback TCP.',
    );
  }
  const fromEnv = process.env[VAULT_PASSPHRASE_ENV];
  const secrets = FileVault.inHome(home, fromEnv || DEMO_VAULT_PASSPHRASE);
  const { publicPem } = await jwtKeyPair(secrets);

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const org = await startOrgEmulator({
      home: path.join(home, 'org'),
      jwtBearerCertPem: publicPem,
      assetAudience: DEMO_ASSET_AUDIENCE,
      ...(o.orgLatencyMs !== undefined ? { latencyMs: o.orgLatencyMs } : {}),
      ...(o.orgFront ? { publicUrl: o.orgFront.url } : {}),
      ...(o.legacyAssetMetadata ? { legacyAssetMetadata: true } : {}),
    });
    o.orgFront?.forwardTo(`http://127.0.0.1:${org.port}`);
    stops.push(() => org.stop());
    const sim = await startDeviceSimulator({
      home,
      count: o.devices ?? 4,
      keyAlgorithms: o.keyAlgorithms ?? ['RSA-2048', 'ECDSA-P256'],
      transport: deviceTransport,
      ...(o.keygenDelayMs !== undefined ? { keygenDelayMs: o.keygenDelayMs } : {}),
      ...(o.clones ? { clones: o.clones } : {}),
    });
    stops.push(() => sim.stop());
    const modems = await startModemSimulator({
      home,
      count: o.modems ?? 0,
      transport: deviceTransport,
      persist: true,
      ...(o.keygenDelayMs !== undefined ? { keygenDelayMs: o.keygenDelayMs } : {}),
    });
    stops.push(() => modems.stop());
    await prepareHome(home, secrets, org);
    const station = await Station.open({
      home,
      transport: o.transport ?? 'in-process',
      services: realServices({
        home,
        secrets,
        watchDirs: [path.join(home, 'sim', 'devices'), path.join(home, 'sim', 'modems')],
        transports: simTransports(sim, modems),
        ...(o.openUrl ? { openUrl: o.openUrl } : {}),
      }),
      ...(o.reconnectWindowMs !== undefined ? { reconnectWindowMs: o.reconnectWindowMs } : {}),
    });
    stops.push(() => station.close());
    if (!(await secrets.get(SECRET_NAMES.adminPinHash))) await station.setAdminPin(DEMO_ADMIN_PIN);
    await station.connectOrg({ adminPin: DEMO_ADMIN_PIN });
    for (const d of [...sim.devices, ...modems.modems]) await station.attachBay({ locator: d.locator });
    if (o.watch ?? true) station.watch();
    return { station, sim, modems, org, secrets, demoPassphrase: !fromEnv, deviceTransport, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
