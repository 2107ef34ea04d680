/**
 * CA signers. {@link CaSigner} (types.ts) is the seam: the file implementation here holds the issuing
 * CA key decrypted in memory only; an HSM (PKCS#11, e.g. via graphene-pk11) or a remote CA implements
 * the same two members (public key + sign TBS). docs/pki.md describes the swap.
 *
 * Key files: PEM `ENCRYPTED PRIVATE KEY` (PKCS#8 EncryptedPrivateKeyInfo, RFC 5958 §3, PBES2 with
 * PBKDF2 + AES-256-CBC, RFC 8018 §6.2). A plain-text key file is refused (CA_KEY_UNPROTECTED).
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import type { CaSigner } from './types';

/** Environment variable with the CA key passphrase for unattended use (overrides the SecretStore). */
export const CA_PASSPHRASE_ENV = 'ASSET_STATION_CA_PASSPHRASE';

/** Key algorithms the station CA can use. */
export type CaAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'RSA-2048' | 'RSA-3072';

/** Generates a CA key pair (node:crypto). RSA-3072 takes around a second on a slow box. */
export async function generateCaKey(alg: CaAlgorithm): Promise<crypto.KeyObject> {
  const gen = (type: 'ec' | 'rsa', options: object) =>
    new Promise<crypto.KeyObject>((resolve, reject) =>
      crypto.generateKeyPair(type as 'ec', options as crypto.ECKeyPairKeyObjectOptions, (err, _pub, priv) =>
        err ? reject(err) : resolve(priv),
      ),
    );
  switch (alg) {
    case 'ECDSA-P256':
      return gen('ec', { namedCurve: 'P-256' });
    case 'ECDSA-P384':
      return gen('ec', { namedCurve: 'P-384' });
    case 'RSA-2048':
      return gen('rsa', { modulusLength: 2048 });
    case 'RSA-3072':
      return gen('rsa', { modulusLength: 3072 });
  }
}

/** Encrypts a private key as PEM `ENCRYPTED PRIVATE KEY` (PBES2, AES-256-CBC). */
export function encryptKey(key: crypto.KeyObject, passphrase: string): string {
  return key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
}

/**
 * Refuses a CA key file that is not encrypted at rest: PEM PKCS#8 `PRIVATE KEY`, SEC1 / PKCS#1 PEM,
 * legacy `Proc-Type: 4,ENCRYPTED` PEM (MD5-based key derivation), or plain DER PKCS#8.
 * @param source file name for messages.
 * @throws StationError CA_KEY_UNPROTECTED.
 */
export function assertKeyProtected(contents: string | Uint8Array, source: string): void {
  const text = typeof contents === 'string' ? contents : Buffer.from(contents).toString('latin1');
  const unprotected = (why: string) =>
    new StationError(
      'CA_KEY_UNPROTECTED',
      `The CA key ${source} ${why}; the station refuses to use a CA key that is not encrypted at rest.`,
      'Encrypt it: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.enc, then import it with asset-station ca import.',
    );
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) return;
  if (/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) {
    if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) {
      throw unprotected('uses legacy OpenSSL PEM encryption (MD5-based key derivation)');
    }
    throw unprotected('is stored in plain text');
  }
  // DER: a plain PKCS#8 parses without a passphrase; an EncryptedPrivateKeyInfo does not.
  const der = Buffer.from(typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents);
  let plain = false;
  try {
    crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    plain = true;
  } catch {
    plain = false;
  }
  if (plain) throw unprotected('is stored in plain text (DER PKCS#8)');
}

/**
 * Decrypts a CA key file's contents (PEM ENCRYPTED PRIVATE KEY, or DER EncryptedPrivateKeyInfo).
 * @param source file name for messages.
 * @throws StationError CA_KEY_UNPROTECTED for a plain-text (or legacy, MD5-keyed) key; CA_PASSPHRASE when
 *   the passphrase is wrong or the file is damaged.
 */
export function decryptKeyFile(
  contents: string | Uint8Array,
  passphrase: string,
  source: string,
): crypto.KeyObject {
  assertKeyProtected(contents, source);
  const text = typeof contents === 'string' ? contents : Buffer.from(contents).toString('latin1');
  const isPem = text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
  try {
    return isPem
      ? crypto.createPrivateKey({ key: text, format: 'pem', passphrase })
      : crypto.createPrivateKey({
          key: Buffer.from(typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents),
          format: 'der',
          type: 'pkcs8',
          passphrase,
        });
  } catch {
    throw new StationError(
      'CA_PASSPHRASE',
      isPem
        ? `The CA key ${source} could not be decrypted: wrong passphrase, or the file is damaged.`
        : `The CA key ${source} is not an encrypted PKCS#8 key this passphrase opens.`,
      `Check the CA passphrase (${CA_PASSPHRASE_ENV}, or the 'ca.passphrase' entry of the station vault).`,
    );
  }
}

/** The signature algorithm a CA key signs with (RFC 5758 §3.2: the hash matches the curve size). */
export function signatureAlgorithmFor(key: crypto.KeyObject): CaSigner['signatureAlgorithm'] {
  if (key.asymmetricKeyType === 'rsa') return 'sha256WithRSAEncryption';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-with-SHA256';
    if (curve === 'secp384r1') return 'ecdsa-with-SHA384';
  }
  throw new StationError(
    'CA_IMPORT_INVALID',
    `The CA key type ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''} is not supported.`,
    'Use an ECDSA P-256/P-384 or RSA (2048 bits or more) CA key.',
  );
}

/** A {@link CaSigner} over a private key held in memory (decrypted from an encrypted file). */
export class FileKeySigner implements CaSigner {
  readonly publicKeySpki: Uint8Array;
  readonly signatureAlgorithm: CaSigner['signatureAlgorithm'];

  constructor(
    private readonly key: crypto.KeyObject,
    readonly description: string,
  ) {
    this.signatureAlgorithm = signatureAlgorithmFor(key);
    if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new StationError(
        'CA_IMPORT_INVALID',
        'The CA RSA key is under 2048 bits.',
        'Use an RSA-2048 or larger (or P-256) CA key.',
      );
    }
    this.publicKeySpki = new Uint8Array(crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }));
  }

  async sign(tbs: Uint8Array): Promise<Uint8Array> {
    const hash = this.signatureAlgorithm === 'ecdsa-with-SHA384' ? 'sha384' : 'sha256';
    const sig =
      this.key.asymmetricKeyType === 'ec'
        ? crypto.sign(hash, tbs, { key: this.key, dsaEncoding: 'der' })
        : crypto.sign(hash, tbs, this.key);
    return new Uint8Array(sig);
  }
}
