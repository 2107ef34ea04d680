/**
 * `ca init`: a development root CA (its key in memory only, discarded after use) and an issuing CA whose
 * key is either an encrypted file (passphrase in the SecretStore) or generated inside an HSM token over
 * PKCS#11 (PIN in the SecretStore or ASSET_STATION_TOKEN_PIN). For production, replace the development
 * root with the factory's offline root: `ca request` then `ca install` (ca-install.ts, docs/pki.md).
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import type { Db } from '../records/db';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { caExists, newCaMeta, writeCaFiles, type CaMeta } from './ca-store';
import { encodeName } from './names';
import { Pkcs11Signer, type Pkcs11KeyRef } from './pkcs11-signer';
import { TOKEN_PIN_ENV, TOKEN_PIN_SECRET } from './pkcs11-token';
import { caExtensions, randomSerial, signCertificate } from './profile';
import { CA_PASSPHRASE_ENV, FileKeySigner, encryptKey, generateCaKey, type CaAlgorithm } from './signer';
import type { CertProfile } from './types';

const DAY_MS = 86_400_000;

/** Options of `StationCa.init` (both signer kinds). */
export interface CaInitOptions {
  /** CA key algorithm (default ECDSA-P256). */
  algorithm?: CaAlgorithm;
  /** O of the CA subjects and default O of device subjects (default `Asset Station`). */
  subjectO?: string;
  /** OU of device subjects. */
  subjectOU?: string;
  /** Root CN (default `<O> Development Root CA`); issuing CN (default `<O> Issuing CA`). */
  rootCN?: string;
  issuingCN?: string;
  /** Root validity in days (default 10957 ≈ 30 years) and issuing CA validity (default 9131 ≈ 25 years). */
  rootValidityDays?: number;
  issuingValidityDays?: number;
  /**
   * File signer: key passphrase. Default: ASSET_STATION_CA_PASSPHRASE if set, else a random 256-bit one.
   * Either way it is stored in the SecretStore as `ca.passphrase`, so an operator only unlocks the vault.
   */
  passphrase?: string;
  /**
   * PKCS#11 signer instead of a key file: the issuing key is generated in the token (or an existing one
   * is used, found by label/id). The PIN: `pin`, else ASSET_STATION_TOKEN_PIN, else the SecretStore
   * (`ca.tokenPin`); it is stored in the SecretStore.
   */
  pkcs11?: Pkcs11KeyRef & { pin?: string };
  /** Replace an existing CA (default false: refuse). */
  force?: boolean;
  /** Device profile overrides saved with the CA. */
  profile?: Partial<CertProfile>;
  /** Shared station DB connection (default: opens station.db in `home`, closed by `StationCa.close`). */
  db?: Db;
  env?: NodeJS.ProcessEnv;
}

/** What {@link initCaFiles} did with the PKCS#11 key (for the CLI to report). */
export interface Pkcs11InitOutcome {
  keyGenerated: boolean;
  keyId: string;
  keyLabel: string | undefined;
}

/** The secrets the new CA is opened with right after init (so it opens even without a vault). */
export interface CaInitOutcome {
  /** Environment overrides carrying the passphrase or PIN just used. */
  env: NodeJS.ProcessEnv;
  pkcs11?: Pkcs11InitOutcome;
}

/**
 * The token PIN: ASSET_STATION_TOKEN_PIN when set, else the SecretStore entry `ca.tokenPin`.
 * @throws StationError CA_PASSPHRASE when neither has one.
 */
export async function resolveTokenPin(
  secrets: SecretStore,
  env: NodeJS.ProcessEnv,
  token: string,
): Promise<string> {
  const pin = env[TOKEN_PIN_ENV] || (await secrets.get(TOKEN_PIN_SECRET)) || undefined;
  if (!pin) {
    throw new StationError(
      'CA_PASSPHRASE',
      `No PIN is available for HSM token '${token}'.`,
      `Set ${TOKEN_PIN_ENV}, or store the PIN in the station vault with asset-station ca pin.`,
      { pin: 'missing' },
    );
  }
  return pin;
}

/**
 * Creates the CA files in `home`/ca: a development root and an issuing CA certificate for a key in a
 * file (encrypted) or in an HSM token. Returns the environment to open it with (passphrase or PIN) and,
 * for a token, whether the key was generated or found.
 * @throws StationError CONFLICT (a CA exists, no `force`), CA_PASSPHRASE (short passphrase, PIN),
 *   CA_SIGNER_UNAVAILABLE / CA_KEY_UNPROTECTED (HSM: see Pkcs11Signer).
 */
export async function initCaFiles(
  home: string,
  secrets: SecretStore,
  opts: CaInitOptions,
): Promise<CaInitOutcome> {
  if (caExists(home) && !opts.force) {
    throw new StationError(
      'CONFLICT',
      `A station CA already exists in ${home}/ca.`,
      'Use it (asset-station ca show), or re-create it with --force (devices issued under the old CA will no longer verify).',
    );
  }
  const algorithm = opts.algorithm ?? 'ECDSA-P256';
  const env = opts.env ?? process.env;
  const o = opts.subjectO ?? 'Asset Station';
  const metaBase = {
    algorithm,
    source: 'init' as const,
    createdAt: new Date().toISOString(),
    subjectO: o,
    subjectOU: opts.subjectOU,
    profile: opts.profile,
  };
  if (opts.pkcs11) {
    const { pin: given, ...ref } = opts.pkcs11;
    const pin = given ?? (await resolveTokenPin(secrets, env, ref.token));
    if (!ref.keyLabel && !ref.keyId) ref.keyLabel = 'asset-station-ca';
    const existing = await Pkcs11Signer.exists(ref, pin);
    const signer = existing
      ? await Pkcs11Signer.open(ref, pin)
      : await Pkcs11Signer.generate(ref, pin, algorithm);
    try {
      const chain = await devChain(signer.publicKeySpki, algorithm, o, opts);
      const signerMeta: CaMeta['signer'] = {
        kind: 'pkcs11',
        module: ref.module,
        token: ref.token,
        ...(signer.ref.keyLabel ? { keyLabel: signer.ref.keyLabel } : {}),
        keyId: signer.ref.keyId,
      };
      await secrets.set(TOKEN_PIN_SECRET, pin);
      writeCaFiles(
        home,
        newCaMeta({ ...metaBase, algorithm: algorithmOf(signer), signer: signerMeta }),
        chain,
      );
      return {
        env: { ...env, [TOKEN_PIN_ENV]: pin },
        pkcs11: { keyGenerated: !existing, keyId: signer.ref.keyId, keyLabel: signer.ref.keyLabel },
      };
    } finally {
      signer.close();
    }
  }
  const passphrase =
    opts.passphrase ?? (env[CA_PASSPHRASE_ENV] || undefined) ?? crypto.randomBytes(32).toString('base64url');
  if (passphrase.length < 12) {
    throw new StationError(
      'CA_PASSPHRASE',
      'The CA passphrase is shorter than 12 characters.',
      `Choose a longer passphrase (${CA_PASSPHRASE_ENV}), or leave it unset to have a random one generated.`,
    );
  }
  const issuingKey = await generateCaKey(algorithm);
  const issuingSpki = new FileKeySigner(issuingKey, 'issuing key').publicKeySpki;
  const chain = await devChain(issuingSpki, algorithm, o, opts);
  await secrets.set(SECRET_NAMES.caPassphrase, passphrase);
  writeCaFiles(home, newCaMeta(metaBase), chain, encryptKey(issuingKey, passphrase));
  return { env: { ...env, [CA_PASSPHRASE_ENV]: passphrase } };
}

/** The CA algorithm name of an HSM key (from its SPKI). */
function algorithmOf(signer: Pkcs11Signer): CaAlgorithm {
  if (signer.signatureAlgorithm === 'ecdsa-with-SHA256') return 'ECDSA-P256';
  if (signer.signatureAlgorithm === 'ecdsa-with-SHA384') return 'ECDSA-P384';
  const bits = crypto.createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: 'der', type: 'spki' })
    .asymmetricKeyDetails?.modulusLength;
  return bits === 3072 ? 'RSA-3072' : 'RSA-2048';
}

/**
 * A development root (fresh key, in memory only) and an issuing CA certificate for `issuingSpki`
 * (pathLen 0). Returns [issuing, root] (DER).
 */
async function devChain(
  issuingSpki: Uint8Array,
  algorithm: CaAlgorithm,
  o: string,
  opts: CaInitOptions,
): Promise<Uint8Array[]> {
  const rootSigner = new FileKeySigner(await generateCaKey(algorithm), 'development root key (memory only)');
  const now = Date.now();
  const rootName = encodeName([
    ['O', o],
    ['CN', opts.rootCN ?? `${o} Development Root CA`],
  ]);
  const issuingName = encodeName([
    ['O', o],
    ['CN', opts.issuingCN ?? `${o} Issuing CA`],
  ]);
  const rootDer = await signCertificate(
    {
      serial: randomSerial(),
      issuerDer: rootName,
      subjectDer: rootName,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + (opts.rootValidityDays ?? 10957) * DAY_MS),
      spki: rootSigner.publicKeySpki,
      extensions: caExtensions({ spki: rootSigner.publicKeySpki, issuerSpki: rootSigner.publicKeySpki }),
    },
    rootSigner,
  );
  const issuingDer = await signCertificate(
    {
      serial: randomSerial(),
      issuerDer: rootName,
      subjectDer: issuingName,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + (opts.issuingValidityDays ?? 9131) * DAY_MS),
      spki: issuingSpki,
      extensions: caExtensions({ spki: issuingSpki, issuerSpki: rootSigner.publicKeySpki, pathLength: 0 }),
    },
    rootSigner,
  );
  return [issuingDer, rootDer];
}
