/**
 * The CA files in the station home (`<home>/ca/`, mode 0700):
 * - `ca.json`      — metadata: algorithm, origin (init/import), signer kind, profile overrides;
 * - `chain.pem`    — the CA chain, issuing CA first, root last (PEM CERTIFICATE blocks);
 * - `issuing.key`  — the issuing CA private key as PEM ENCRYPTED PRIVATE KEY (mode 0600).
 * The key passphrase is never on disk: it lives in the SecretStore (`ca.passphrase`) or comes from
 * ASSET_STATION_CA_PASSPHRASE. Files are written to a temporary name and renamed (atomic per file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { decodePemAll, encodePem } from './pem';
import { CA_PASSPHRASE_ENV, type CaAlgorithm } from './signer';
import type { CertProfile } from './types';

/** Contents of `ca.json`. */
export interface CaMeta {
  version: 1;
  algorithm: CaAlgorithm;
  source: 'init' | 'import-pem' | 'import-p12';
  createdAt: string;
  /** `file`: `issuing.key` in this folder. Other kinds (pkcs11, remote) are future signers (docs/pki.md). */
  signer: { kind: 'file'; keyFile: string };
  /** Device certificate profile overrides (subject O/OU, validity, …). */
  profile?: Partial<CertProfile>;
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
}): CaMeta {
  return {
    version: 1,
    algorithm: p.algorithm,
    source: p.source,
    createdAt: p.createdAt,
    signer: { kind: 'file', keyFile: 'issuing.key' },
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
  /** Contents of the key file. */
  keyText: string;
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
  if (meta.version !== 1 || meta.signer?.kind !== 'file') {
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
  const keyPath = path.join(dir, path.basename(meta.signer.keyFile));
  let keyText = '';
  try {
    if (opts.withKey !== false) keyText = fs.readFileSync(keyPath, 'latin1');
  } catch (e) {
    throw notInitialised(home, `the key file is unreadable (${(e as Error).message})`);
  }
  return { meta, chain, keyText, keyPath };
}

function writeAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, mode);
}

/** Writes the CA files (key first, metadata last, so a crash never leaves ca.json without its key). */
export function writeCaFiles(home: string, meta: CaMeta, chain: Uint8Array[], encryptedKeyPem: string): void {
  if (!encryptedKeyPem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new Error('refusing to write a CA key that is not encrypted');
  }
  const dir = caDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomic(path.join(dir, meta.signer.keyFile), encryptedKeyPem, 0o600);
  writeAtomic(path.join(dir, 'chain.pem'), chain.map((c) => encodePem('CERTIFICATE', c)).join(''), 0o644);
  writeAtomic(path.join(dir, 'ca.json'), JSON.stringify(meta, null, 2) + '\n', 0o644);
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
