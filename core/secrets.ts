/**
 * SecretStore: the only place secrets live (refresh tokens, CA key passphrase, admin PIN hash).
 *
 * Two implementations: {@link FileVault} for the CLI and headless stations (a passphrase-protected
 * file, scrypt + AES-256-GCM), and Electron's safeStorage in electron/safe-storage-store.ts (the core
 * never imports 'electron'; the shell injects it).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../shared/errors';

/** A key/value store for secrets. Values are UTF-8 strings. */
export interface SecretStore {
  /** Returns the secret, or undefined when not set. */
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Short description for status screens, e.g. "file vault /home/x/secrets.vault". */
  readonly description: string;
}

/** Names of the secrets the station uses. */
export const SECRET_NAMES = {
  caPassphrase: 'ca.passphrase',
  orgRefreshToken: 'salesforce.refreshToken',
  orgAccessToken: 'salesforce.accessToken',
  orgClientSecret: 'salesforce.clientSecret',
  orgJwtKey: 'salesforce.jwtPrivateKey',
  adminPinHash: 'station.adminPinHash',
} as const;

/** Environment variable holding the vault passphrase for unattended use. */
export const VAULT_PASSPHRASE_ENV = 'ASSET_STATION_VAULT_PASSPHRASE';

// scrypt parameters: N=2^15, r=8, p=1 (RFC 7914 §2 recommends N≥2^14 for interactive use); 32-byte key.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

interface VaultFile {
  v: 1;
  kdf: { alg: 'scrypt'; salt: string; N: number; r: number; p: number };
  iv: string;
  tag: string;
  ct: string;
}

/**
 * A passphrase-protected secrets file (`secrets.vault` in the station home), written atomically with
 * mode 0600. The whole map is encrypted with AES-256-GCM under a scrypt-derived key; a wrong
 * passphrase or an edited file fails authentication.
 */
export class FileVault implements SecretStore {
  readonly description: string;
  private cache: Map<string, string> | undefined;
  private key: Buffer | undefined;
  private salt: Buffer | undefined;

  constructor(
    private readonly file: string,
    private readonly passphrase: string,
  ) {
    if (passphrase.length < 8) {
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        'The vault passphrase is shorter than 8 characters.',
        `Choose a passphrase of at least 8 characters (interactive prompt or ${VAULT_PASSPHRASE_ENV}).`,
      );
    }
    this.description = `file vault ${file}`;
  }

  /** Opens the vault in `home` (creating it on first write). */
  static inHome(home: string, passphrase: string): FileVault {
    return new FileVault(path.join(home, 'secrets.vault'), passphrase);
  }

  private load(): Map<string, string> {
    if (this.cache) return this.cache;
    if (!fs.existsSync(this.file)) {
      this.salt = crypto.randomBytes(16);
      this.key = crypto.scryptSync(this.passphrase, this.salt, 32, SCRYPT);
      this.cache = new Map();
      return this.cache;
    }
    let parsed: VaultFile;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as VaultFile;
    } catch (e) {
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        `The secret vault ${this.file} is not readable: ${(e as Error).message}.`,
        'Restore the vault from backup, or move it aside to start a new one (secrets must then be entered again).',
      );
    }
    this.salt = Buffer.from(parsed.kdf.salt, 'base64');
    this.key = crypto.scryptSync(this.passphrase, this.salt, 32, {
      N: parsed.kdf.N,
      r: parsed.kdf.r,
      p: parsed.kdf.p,
      maxmem: SCRYPT.maxmem,
    });
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(parsed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(parsed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(parsed.ct, 'base64')), decipher.final()]);
      this.cache = new Map(Object.entries(JSON.parse(plain.toString('utf8')) as Record<string, string>));
      return this.cache;
    } catch {
      this.key = undefined;
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        `The secret vault ${this.file} could not be opened: wrong passphrase, or the file was altered.`,
        `Enter the vault passphrase again (or set ${VAULT_PASSPHRASE_ENV}); if the file was damaged, restore it from backup.`,
      );
    }
  }

  private save(map: Map<string, string>): void {
    if (!this.key || !this.salt) throw new Error('vault key not derived');
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([
      cipher.update(JSON.stringify(Object.fromEntries(map)), 'utf8'),
      cipher.final(),
    ]);
    const body: VaultFile = {
      v: 1,
      kdf: { alg: 'scrypt', salt: this.salt.toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p },
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  async get(name: string): Promise<string | undefined> {
    return this.load().get(name);
  }

  async set(name: string, value: string): Promise<void> {
    const map = this.load();
    map.set(name, value);
    this.save(map);
  }

  async delete(name: string): Promise<void> {
    const map = this.load();
    if (map.delete(name)) this.save(map);
  }
}

/** Reads a required secret or throws SECRET_MISSING with the remedy. */
export async function requireSecret(store: SecretStore, name: string, remedy: string): Promise<string> {
  const v = await store.get(name);
  if (v === undefined || v === '') {
    throw new StationError(
      'SECRET_MISSING',
      `The secret '${name}' is not in the ${store.description}.`,
      remedy,
    );
  }
  return v;
}
