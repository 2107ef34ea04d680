/**
 * Helpers shared by the `asset-station ca …` commands: which SecretStore to use, reading input files,
 * the CA key algorithm names, printing the chain, and opening the CA.
 */
import type { CaInfo } from '../../shared/domain';
import type { SecretStore } from '../../core/secrets';
import { VAULT_PASSPHRASE_ENV } from '../../core/secrets';
import {
  CA_PASSPHRASE_ENV,
  StationCa,
  TOKEN_PIN_ENV,
  describeSigner,
  type CaAlgorithm,
} from '../../core/pki';
import { readCaFiles } from '../../core/pki/ca-store';
import type { Db } from '../../core/records/db';
import { openVault } from '../secrets-prompt';
import { usageError } from '../context';

/** Accepted `--algorithm` spellings → the CA algorithm (case-insensitive). */
const ALGORITHM_NAMES: Record<string, CaAlgorithm> = {
  'ecdsa-p256': 'ECDSA-P256',
  'ec-p256': 'ECDSA-P256',
  'ecdsa-p384': 'ECDSA-P384',
  'ec-p384': 'ECDSA-P384',
  'rsa-2048': 'RSA-2048',
  'rsa-3072': 'RSA-3072',
};

/** The CA algorithms, as the help text lists them. */
export const ALGORITHM_HELP = 'ec-p256 (default), ec-p384, rsa-2048, rsa-3072';

/**
 * Parses `--algorithm` (ec-p256|ec-p384|rsa-2048|rsa-3072, or ECDSA-P256 … as before).
 * @throws StationError BAD_REQUEST naming the accepted values.
 */
export function parseAlgorithm(name: string): CaAlgorithm {
  const alg = ALGORITHM_NAMES[name.toLowerCase()];
  if (!alg) {
    throw usageError(`Unknown CA algorithm '${name}'.`, `Use one of ${ALGORITHM_HELP}.`);
  }
  return alg;
}

/** A store used when a CA secret comes from the environment and no vault passphrase does: holds nothing. */
const envOnlyStore: SecretStore = {
  description: `no vault (${CA_PASSPHRASE_ENV} / ${TOKEN_PIN_ENV} in use)`,
  async get() {
    return undefined;
  },
  async set() {},
  async delete() {},
};

/**
 * The SecretStore for CA commands: the station vault, except on an unattended station where the CA
 * passphrase or token PIN is in the environment and there is no vault passphrase and no terminal.
 */
export async function secretsFor(home: string): Promise<SecretStore> {
  const fromEnv = process.env[CA_PASSPHRASE_ENV] || process.env[TOKEN_PIN_ENV];
  if (fromEnv && !process.env[VAULT_PASSPHRASE_ENV] && !process.stdin.isTTY) return envOnlyStore;
  return openVault(home);
}

/** Opens the station CA with its configured signer (file key or HSM). */
export async function openCa(
  home: string,
  opts: { db?: Db; secrets?: SecretStore } = {},
): Promise<StationCa> {
  return StationCa.load(home, opts.secrets ?? (await secretsFor(home)), opts.db ? { db: opts.db } : {});
}

/** The human rendering of the CA chain (and, when known, where its key is). */
export function showInfo(i: CaInfo, home?: string): string {
  if (!i.initialised) return 'No station CA. Create one with `asset-station ca init`.';
  let signer: string | undefined;
  try {
    if (home) signer = describeSigner(readCaFiles(home, { withKey: false }).meta, home);
  } catch {
    signer = undefined;
  }
  return [
    ...i.chain.map((c, n) =>
      [
        `${n === 0 ? 'issuing CA' : n === i.chain.length - 1 ? 'root CA   ' : 'intermediate'}  ${c.subject}`,
        `  issuer     ${c.issuer}`,
        `  key        ${c.keyAlgorithm}`,
        `  serial     ${c.serial}`,
        `  valid      ${c.notBefore} → ${c.notAfter}`,
        `  SHA-256    ${c.fingerprint}`,
      ].join('\n'),
    ),
    ...(signer ? [`issuing key in ${signer}`] : []),
    `issuing CA expires in ${i.expiresInDays} days`,
  ].join('\n');
}
