/**
 * Shared helpers of the Salesforce tests: one org emulator per test file, an in-memory SecretStore,
 * station config for an emulator, JWT-bearer clients, device facts.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { StationConfig } from '../../../shared/domain';
import { isStationError, type StationError } from '../../../shared/errors';
import { defaultConfig } from '../../../core/config';
import { SECRET_NAMES, type SecretStore } from '../../../core/secrets';
import { OrgClient, type AssetFacts, type OrgClientOptions } from '../../../core/salesforce';
import { defaultFaults, startOrgEmulator, type OrgEmulator, type OrgEmulatorOptions } from '../../../sim/org';

export const AUDIENCE = 'https://asset-station.invalid/devices';

/** A SecretStore in memory (the FileVault is exercised in its own tests; scrypt would slow these). */
export class MemorySecrets implements SecretStore {
  readonly description = 'memory';
  readonly map = new Map<string, string>();
  async get(name: string) {
    return this.map.get(name);
  }
  async set(name: string, value: string) {
    this.map.set(name, value);
  }
  async delete(name: string) {
    this.map.delete(name);
  }
}

/** An RSA key pair for JWT bearer: the private key goes in the store, the public PEM to the emulator. */
export function jwtKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The JWT bearer key pair of this test file (the emulators started with it trust it). */
export const JWT_KEYS = jwtKeys();

/**
 * Starts one org emulator for the test file (before its first test; stopped after its last; every fault
 * switched off again after each test) and hands it to `onStart`.
 */
export function useOrgEmulator(opts: OrgEmulatorOptions, onStart: (emu: OrgEmulator) => void): void {
  let emu: OrgEmulator | undefined;
  beforeAll(async () => {
    emu = await startOrgEmulator(opts);
    onStart(emu);
  });
  afterAll(async () => {
    await emu?.stop();
  });
  afterEach(() => {
    if (emu) Object.assign(emu.faults, defaultFaults());
  });
}

/**
 * The setup of the OrgClient test files: one emulator (see useOrgEmulator) that trusts JWT_KEYS and issues
 * asset tokens for AUDIENCE; `suite.emu` is set before the first test. The suite also carries the helpers
 * every OrgClient test file uses (keys, caught, facts, keyFingerprint, sfConfig, storeWithJwtKey), so a file
 * takes them in one line.
 */
export function orgClientSuite() {
  const suite = {
    emu: undefined as unknown as OrgEmulator,
    /** A client of the suite's emulator logged in with the JWT bearer flow, with its SecretStore. */
    jwtClient: (over: Partial<StationConfig['salesforce']> = {}, opts: OrgClientOptions = {}) =>
      jwtClient(suite.emu, over, opts),
    /** The JWT bearer key pair the suite's emulator trusts (JWT_KEYS). */
    keys: JWT_KEYS,
    caught,
    facts,
    keyFingerprint,
    sfConfig,
    storeWithJwtKey,
  };
  useOrgEmulator({ jwtBearerCertPem: JWT_KEYS.publicPem, assetAudience: AUDIENCE }, (e) => (suite.emu = e));
  return suite;
}

/** A client logged in with the JWT bearer flow (key JWT_KEYS), with its SecretStore. */
export async function jwtClient(
  emu: OrgEmulator,
  over: Partial<StationConfig['salesforce']> = {},
  opts: OrgClientOptions = {},
): Promise<{ client: OrgClient; secrets: MemorySecrets }> {
  const secrets = await storeWithJwtKey(JWT_KEYS.privatePem);
  const client = await OrgClient.loginWithJwtBearer(sfConfig(emu, over), secrets, opts);
  return { client, secrets };
}

/** The StationError `p` rejects with. @throws Error when it resolves or rejects with something else */
export async function caught(p: Promise<unknown>): Promise<StationError> {
  try {
    await p;
  } catch (e) {
    if (isStationError(e)) return e as StationError;
    throw e;
  }
  throw new Error('expected a StationError');
}

/** A SecretStore holding the JWT bearer private key `privatePem`. */
export async function storeWithJwtKey(privatePem: string): Promise<MemorySecrets> {
  const s = new MemorySecrets();
  await s.set(SECRET_NAMES.orgJwtKey, privatePem);
  return s;
}

/** Station Salesforce settings pointing at the emulator. */
export function sfConfig(
  emu: OrgEmulator,
  over: Partial<StationConfig['salesforce']> = {},
): StationConfig['salesforce'] {
  return {
    ...defaultConfig().salesforce,
    loginUrl: emu.baseUrl,
    clientId: emu.clientId,
    authFlow: 'jwt',
    username: emu.adminUsername,
    accountId: emu.defaultAccountId,
    productByModel: { 'AS-SIM-1': emu.productIds['AS-SENSOR-1']! },
    assetTokens: { enabled: true, audience: AUDIENCE },
    ...over,
  };
}

const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Facts of a provisioned device with fingerprints derived from `uid` (or `key`). */
export function facts(uid: string, key = uid): AssetFacts {
  return {
    deviceUid: uid,
    model: 'AS-SIM-1',
    certSerial: hex(`serial-${uid}`).slice(0, 32),
    certFingerprint: hex(`cert-${uid}`),
    keyFingerprint: hex(`key-${key}`),
    notAfter: '2031-01-01T00:00:00.000Z',
    firmware: '1.2.3',
    stationId: 'station-test',
    provisionedBy: 'tester',
    provisionedAt: new Date().toISOString(),
  };
}

export function keyFingerprint(key: string): string {
  return hex(`key-${key}`);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A "browser" that follows the authorize redirect to the loopback callback (the emulator auto-approves). */
export async function autoBrowser(url: string): Promise<void> {
  const r = await fetch(url, { redirect: 'manual' });
  const loc = r.headers.get('location');
  if (!loc) throw new Error(`authorize did not redirect: ${r.status} ${await r.text()}`);
  const cb = await fetch(loc);
  await cb.text();
}
