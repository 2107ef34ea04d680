/** Shared helpers of the Salesforce tests: an in-memory SecretStore, station config for an emulator, device facts. */
import crypto from 'node:crypto';
import net from 'node:net';
import type { StationConfig } from '../../../shared/domain';
import { defaultConfig } from '../../../core/config';
import { SECRET_NAMES, type SecretStore } from '../../../core/secrets';
import type { OrgEmulator } from '../../../sim/org';
import type { AssetFacts } from '../../../core/salesforce';

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
