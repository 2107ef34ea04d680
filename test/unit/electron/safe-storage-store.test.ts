/**
 * SafeStorageStore (electron/safe-storage-store.ts) with a stand-in for Electron's safeStorage (the
 * Electron boundary): a real AES-256-GCM cipher under a random key, so "encrypted" is real here.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StationError } from '../../../shared/errors';
import {
  SAFE_STORAGE_FILE,
  SafeStorageStore,
  assertSafeStorageUsable,
  type SafeStorageLike,
} from '../../../electron/safe-storage-store';

/** safeStorage stand-in: AES-256-GCM under a per-instance key; `backend` as Linux reports it. */
function fakeSafeStorage(backend = 'gnome_libsecret', available = true): SafeStorageLike & { key: Buffer } {
  const key = crypto.randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), ct]);
    },
    decryptString(buf) {
      const d = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

const dirs: string[] = [];
function tempHome(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'as-safestore-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function thrown(fn: () => unknown): StationError {
  try {
    fn();
  } catch (e) {
    return e as StationError;
  }
  throw new Error('expected a throw');
}

describe('SafeStorageStore refuses storage that does not really encrypt', () => {
  it.each(['basic_text', 'unknown'])(
    "refuses Linux backend '%s' with SECRET_STORE_UNAVAILABLE",
    (backend) => {
      const home = tempHome();
      const e = thrown(() => SafeStorageStore.open(home, fakeSafeStorage(backend), 'linux'));
      expect(e).toBeInstanceOf(StationError);
      expect(e.code).toBe('SECRET_STORE_UNAVAILABLE');
      expect(e.message).toContain(backend);
      expect(e.remedy).toMatch(/gnome-keyring|KWallet/);
      expect(e.remedy).toMatch(/CLI/);
      expect(fs.readdirSync(home)).toEqual([]);
    },
  );
  it('refuses when encryption is not available (any platform)', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const e = thrown(() => SafeStorageStore.open(tempHome(), fakeSafeStorage('kwallet5', false), platform));
      expect(e.code, platform).toBe('SECRET_STORE_UNAVAILABLE');
    }
  });
  it('accepts real keyrings on Linux and ignores the Linux-only backend elsewhere', () => {
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'])
      expect(() => assertSafeStorageUsable(fakeSafeStorage(backend), 'linux')).not.toThrow();
    expect(() => assertSafeStorageUsable(fakeSafeStorage('basic_text'), 'darwin')).not.toThrow();
    const noBackendFn = fakeSafeStorage();
    delete noBackendFn.getSelectedStorageBackend;
    expect(() => assertSafeStorageUsable(noBackendFn, 'win32')).not.toThrow();
  });
});

describe('SafeStorageStore stores encrypted blobs', () => {
  it('round-trips, persists across reopen, and never writes the plain value', async () => {
    const home = tempHome();
    const ss = fakeSafeStorage();
    const store = SafeStorageStore.open(home, ss, 'linux');
    expect(store.description).toContain(SAFE_STORAGE_FILE);
    expect(await store.get('salesforce.refreshToken')).toBeUndefined();
    await store.set('salesforce.refreshToken', '5Aep861-very-secret-token');
    await store.set('ca.passphrase', 'correct horse battery');
    expect(await store.get('salesforce.refreshToken')).toBe('5Aep861-very-secret-token');

    const file = path.join(home, SAFE_STORAGE_FILE);
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).not.toContain('very-secret');
    expect(raw).not.toContain('horse');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const reopened = SafeStorageStore.open(home, ss, 'linux');
    expect(await reopened.get('ca.passphrase')).toBe('correct horse battery');
    await reopened.delete('ca.passphrase');
    await reopened.delete('never-set');
    expect(await store.get('ca.passphrase')).toBeUndefined();
    expect(await store.get('salesforce.refreshToken')).toBe('5Aep861-very-secret-token');
    expect(fs.readdirSync(home)).toEqual([SAFE_STORAGE_FILE]);
  });

  it('a blob from another keyring fails with a clear error, not a crash', async () => {
    const home = tempHome();
    await SafeStorageStore.open(home, fakeSafeStorage(), 'linux').set('x', 'y');
    const other = SafeStorageStore.open(home, fakeSafeStorage(), 'linux');
    await expect(other.get('x')).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
      remedy: /keyring/,
    });
  });

  it.each([
    ['not JSON', '{'],
    ['wrong version', '{"v":2,"secrets":{}}'],
    ['null secrets', '{"v":1,"secrets":null}'],
  ])('a damaged file (%s) is SECRET_STORE_UNAVAILABLE with a remedy', (_l, body) => {
    const home = tempHome();
    fs.writeFileSync(path.join(home, SAFE_STORAGE_FILE), body);
    const e = thrown(() => SafeStorageStore.open(home, fakeSafeStorage(), 'linux'));
    expect(e.code).toBe('SECRET_STORE_UNAVAILABLE');
    expect(e.remedy).toMatch(/backup|move it aside/);
  });
});
