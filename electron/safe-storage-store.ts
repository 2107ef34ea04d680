/**
 * A {@link SecretStore} backed by Electron's safeStorage (the desktop face of the station): each
 * secret is encrypted with `safeStorage.encryptString` (macOS Keychain, Windows DPAPI, Linux
 * libsecret/kwallet key) and stored base64-encoded in one JSON file in the station home
 * (`secrets.safestorage`, mode 0600, written atomically).
 *
 * Linux's plain-text fallback is refused: when `getSelectedStorageBackend()` is `basic_text` (no
 * keyring found; the key is a hard-coded password, https://www.electronjs.org/docs/latest/api/safe-storage)
 * or `unknown` (called before `ready`), or when `isEncryptionAvailable()` is false, the store throws
 * SECRET_STORE_UNAVAILABLE instead of writing secrets that are only obfuscated.
 *
 * No Electron import: main.ts injects `safeStorage`; tests inject a stand-in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../shared/errors';
import type { SecretStore } from '../core/secrets';

/** The part of Electron's `safeStorage` the store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only (Electron ≥ 25). */
  getSelectedStorageBackend?(): string;
}

/** File name of the encrypted secrets in the station home. */
export const SAFE_STORAGE_FILE = 'secrets.safestorage';

/** Linux backends that do not protect the key. */
const INSECURE_BACKENDS = new Set(['basic_text', 'unknown']);

interface StoreFile {
  v: 1;
  /** name → base64 of `safeStorage.encryptString(value)` */
  secrets: Record<string, string>;
}

function unavailable(message: string): StationError {
  return new StationError(
    'SECRET_STORE_UNAVAILABLE',
    message,
    'Install and unlock a desktop keyring (gnome-keyring or KWallet) and restart Asset Station, or use the CLI with its passphrase vault (ASSET_STATION_VAULT_PASSPHRASE).',
  );
}

/**
 * Checks that safeStorage really encrypts on this machine.
 * @throws StationError SECRET_STORE_UNAVAILABLE for Linux `basic_text`/`unknown` or unavailable encryption.
 */
export function assertSafeStorageUsable(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): void {
  if (platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (INSECURE_BACKENDS.has(backend)) {
      throw unavailable(
        `No OS keyring is available to protect the station's secrets (safeStorage backend '${backend}' would store them as obfuscated plain text).`,
      );
    }
  }
  if (!safeStorage.isEncryptionAvailable()) {
    throw unavailable("The operating system's secret storage (safeStorage) is not available.");
  }
}

/** Electron safeStorage-backed secret store; open with {@link SafeStorageStore.open}. */
export class SafeStorageStore implements SecretStore {
  readonly description: string;

  private constructor(
    private readonly file: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform,
  ) {
    this.description = `OS keyring (Electron safeStorage) ${file}`;
  }

  /**
   * Opens the store in `home` after checking the backend ({@link assertSafeStorageUsable}) and that an
   * existing file is readable. Call after Electron's `ready` event.
   * @throws StationError SECRET_STORE_UNAVAILABLE
   */
  static open(
    home: string,
    safeStorage: SafeStorageLike,
    platform: NodeJS.Platform = process.platform,
  ): SafeStorageStore {
    assertSafeStorageUsable(safeStorage, platform);
    const store = new SafeStorageStore(path.join(home, SAFE_STORAGE_FILE), safeStorage, platform);
    store.read();
    return store;
  }

  private read(): StoreFile {
    if (!fs.existsSync(this.file)) return { v: 1, secrets: {} };
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as StoreFile;
      if (parsed?.v !== 1 || typeof parsed.secrets !== 'object' || parsed.secrets === null) {
        throw new Error('unknown format');
      }
      return parsed;
    } catch (e) {
      throw unavailableFile(this.file, (e as Error).message);
    }
  }

  private write(data: StoreFile): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  async get(name: string): Promise<string | undefined> {
    const blob = this.read().secrets[name];
    if (blob === undefined) return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(blob, 'base64'));
    } catch (e) {
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        `The secret '${name}' could not be decrypted with the OS keyring: ${(e as Error).message}.`,
        'Unlock the desktop keyring (it may belong to another user or have been reset), or enter the secret again.',
      );
    }
  }

  async set(name: string, value: string): Promise<void> {
    assertSafeStorageUsable(this.safeStorage, this.platform);
    const data = this.read();
    data.secrets[name] = this.safeStorage.encryptString(value).toString('base64');
    this.write(data);
  }

  async delete(name: string): Promise<void> {
    const data = this.read();
    if (!(name in data.secrets)) return;
    delete data.secrets[name];
    this.write(data);
  }
}

function unavailableFile(file: string, reason: string): StationError {
  return new StationError(
    'SECRET_STORE_UNAVAILABLE',
    `The secrets file ${file} is not readable: ${reason}.`,
    'Restore it from backup, or move it aside to start empty (the secrets must then be entered again).',
  );
}
