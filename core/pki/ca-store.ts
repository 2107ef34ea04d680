/**
 * The CA files in the station home (`<home>/ca/`, mode 0700):
 * - `ca.json`      — metadata: algorithm, origin (init/import), signer kind, profile overrides;
 * - `chain.pem`    — the CA chain, issuing CA first, root last (PEM CERTIFICATE blocks);
 * - `issuing.key`  — the issuing CA private key as PEM ENCRYPTED PRIVATE KEY (mode 0600), for a file
 *   signer; with a PKCS#11 signer the key stays in the HSM and `ca.json` names module, token and key;
 * - `crl.pem`/`crl.der` — the latest CRL, once something was revoked or `ca crl` ran (crl.ts).
 * The key passphrase is never on disk: it lives in the SecretStore (`ca.passphrase`) or comes from
 * ASSET_STATION_CA_PASSPHRASE. Files are written to a temporary name and renamed (atomic per file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { decodePemAll, encodePem } from './pem';
import { CA_PASSPHRASE_ENV, type CaAlgorithm } from './signer';
import type { CertProfile, SubjectTemplate } from './types';

/** Contents of `ca.json`. */
export interface CaMeta {
  version: 1;
  algorithm: CaAlgorithm;
  source: 'init' | 'import-pem' | 'import-p12';
  createdAt: string;
  /** `file`: `issuing.key` in this folder. `pkcs11`: a key inside an HSM token (pkcs11-signer.ts). */
  signer: FileSignerMeta | Pkcs11SignerMeta;
  /** When `ca install` put a certificate signed by an offline root in place (ISO time). */
  installedAt?: string;
  /** Device certificate profile overrides (subject O/OU, validity, …). */
  profile?: Partial<CertProfile>;
}

/** A file signer: the encrypted key file in the CA folder. */
export interface FileSignerMeta {
  kind: 'file';
  keyFile: string;
}

/** A PKCS#11 signer: module path, token label, key label and CKA_ID (hex). */
export interface Pkcs11SignerMeta {
  kind: 'pkcs11';
  module: string;
  token: string;
  keyLabel?: string;
  keyId: string;
}

/**
 * The metadata of a new file-key CA: the device subject defaults to CN = device UID with the given O
 * and OU, under any profile overrides.
 */
export function newCaMeta(p: {
  algorithm: CaAlgorithm;
  source: CaMeta['source'];
  createdAt: string;
  subjectO?: string | undefined;
  subjectOU?: string | undefined;
  profile?: Partial<CertProfile> | undefined;
  signer?: CaMeta['signer'];
}): CaMeta {
  return {
    version: 1,
    algorithm: p.algorithm,
    source: p.source,
    createdAt: p.createdAt,
    signer: p.signer ?? { kind: 'file', keyFile: 'issuing.key' },
    profile: {
      ...p.profile,
      subject: {
        CN: '{uid}',
        ...(p.subjectO ? { O: p.subjectO } : {}),
        ...(p.subjectOU ? { OU: p.subjectOU } : {}),
        ...p.profile?.subject,
      },
    },
  };
}

/** What is on disk for a CA. */
export interface CaFiles {
  meta: CaMeta;
  /** Issuing CA first, root last (DER). */
  chain: Uint8Array[];
  /** Contents of the key file (empty for a PKCS#11 signer or when not asked for). */
  keyText: string;
  /** Path of the key file ('' for a PKCS#11 signer). */
  keyPath: string;
}

/** The CA folder of a station home. */
export const caDir = (home: string): string => path.join(home, 'ca');

/** True when `home` holds a CA (its `ca.json`). */
export function caExists(home: string): boolean {
  return fs.existsSync(path.join(caDir(home), 'ca.json'));
}

const notInitialised = (home: string, what: string) =>
  new StationError(
    'CA_NOT_INITIALISED',
    `There is no usable station CA in ${caDir(home)}: ${what}.`,
    'Create one with `asset-station ca init`, or import one with `asset-station ca import`.',
  );

/**
 * Reads the CA files.
 * @throws StationError CA_NOT_INITIALISED when the folder, metadata, chain or key is missing or unreadable.
 */
export function readCaFiles(home: string, opts: { withKey?: boolean } = {}): CaFiles {
  const dir = caDir(home);
  if (!caExists(home)) throw notInitialised(home, 'no ca.json');
  let meta: CaMeta;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dir, 'ca.json'), 'utf8')) as CaMeta;
  } catch (e) {
    throw notInitialised(home, `ca.json is unreadable (${(e as Error).message})`);
  }
  if (meta.version !== 1 || (meta.signer?.kind !== 'file' && meta.signer?.kind !== 'pkcs11')) {
    throw notInitialised(home, `ca.json has an unsupported version or signer kind`);
  }
  let chain: Uint8Array[];
  try {
    chain = decodePemAll(fs.readFileSync(path.join(dir, 'chain.pem'), 'utf8'))
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
  } catch (e) {
    throw notInitialised(home, `chain.pem is unreadable (${(e as Error).message})`);
  }
  if (chain.length === 0) throw notInitialised(home, 'chain.pem holds no certificate');
  if (meta.signer.kind === 'pkcs11') return { meta, chain, keyText: '', keyPath: '' };
  const keyPath = path.join(dir, path.basename(meta.signer.keyFile));
  let keyText = '';
  try {
    if (opts.withKey !== false) keyText = fs.readFileSync(keyPath, 'latin1');
  } catch (e) {
    throw notInitialised(home, `the key file is unreadable (${(e as Error).message})`);
  }
  return { meta, chain, keyText, keyPath };
}

/** Writes `data` to `file` through a temporary name and a rename (atomic on one file system). */
export function writeAtomic(file: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, mode);
}

/**
 * Writes the CA files (key first, metadata last, so a crash never leaves ca.json without its key).
 * `encryptedKeyPem` is required for a file signer and must be absent for a PKCS#11 signer.
 */
export function writeCaFiles(
  home: string,
  meta: CaMeta,
  chain: Uint8Array[],
  encryptedKeyPem?: string,
): void {
  const dir = caDir(home);
  if (meta.signer.kind === 'file') {
    if (!encryptedKeyPem?.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
      throw new Error('refusing to write a CA key that is not encrypted');
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(path.join(dir, meta.signer.keyFile), encryptedKeyPem, 0o600);
  } else {
    if (encryptedKeyPem !== undefined) throw new Error('a PKCS#11 CA has no key file');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A key file left by an earlier file-key CA no longer belongs to this CA (as `init --force`
    // overwrites it for a file CA).
    fs.rmSync(path.join(dir, 'issuing.key'), { force: true });
  }
  writeChain(home, chain);
  writeAtomic(path.join(dir, 'ca.json'), JSON.stringify(meta, null, 2) + '\n', 0o644);
}

/** Writes `chain.pem` (issuing CA first, root last). */
export function writeChain(home: string, chain: Uint8Array[]): void {
  writeAtomic(
    path.join(caDir(home), 'chain.pem'),
    chain.map((c) => encodePem('CERTIFICATE', c)).join(''),
    0o644,
  );
}

/** Rewrites `ca.json`. */
export function writeCaMeta(home: string, meta: CaMeta): void {
  writeAtomic(path.join(caDir(home), 'ca.json'), JSON.stringify(meta, null, 2) + '\n', 0o644);
}

/**
 * The CA key passphrase: ASSET_STATION_CA_PASSPHRASE when set (unattended stations), else the
 * SecretStore entry `ca.passphrase`; undefined when neither has one.
 */
export async function resolveCaPassphrase(
  secrets: SecretStore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const fromEnv = env[CA_PASSPHRASE_ENV];
  if (fromEnv) return fromEnv;
  const stored = await secrets.get(SECRET_NAMES.caPassphrase);
  return stored || undefined;
}

/** One line naming where the CA key is: the key file, or the HSM token and key. */
export function describeSigner(meta: CaMeta, home: string): string {
  const s = meta.signer;
  if (s.kind === 'file') return `encrypted key file ${path.join(caDir(home), s.keyFile)}`;
  return `PKCS#11 key ${s.keyLabel ? `'${s.keyLabel}' ` : ''}(id ${s.keyId}) on HSM token '${s.token}' (${s.module})`;
}

/**
 * Sets the device subject template saved with the CA (`ca.json` profile.subject), replacing the
 * previous one entirely; the caller has checked it (profile.ts parseSubjectTemplate).
 * @throws StationError CA_NOT_INITIALISED.
 */
export function saveSubjectTemplate(home: string, subject: SubjectTemplate): CaMeta {
  const { meta } = readCaFiles(home, { withKey: false });
  const next: CaMeta = { ...meta, profile: { ...meta.profile, subject } };
  writeCaMeta(home, next);
  return next;
}
