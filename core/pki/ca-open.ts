/**
 * Opening the signer a CA's `ca.json` names: the encrypted key file (passphrase from
 * ASSET_STATION_CA_PASSPHRASE or the SecretStore) or the HSM key (PIN from ASSET_STATION_TOKEN_PIN or
 * the SecretStore), and the check that the signer holds the issuing CA certificate's key.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { resolveTokenPin } from './ca-init';
import { resolveCaPassphrase, type CaFiles } from './ca-store';
import { certSpki } from './cert-info';
import { Pkcs11Signer } from './pkcs11-signer';
import { CA_PASSPHRASE_ENV, FileKeySigner, assertKeyProtected, decryptKeyFile } from './signer';
import type { CaSigner } from './types';

/**
 * Opens the signer of a CA's files.
 * @throws StationError CA_KEY_UNPROTECTED, CA_PASSPHRASE (passphrase or PIN), CA_SIGNER_UNAVAILABLE.
 */
export async function openConfiguredSigner(
  files: CaFiles,
  secrets: SecretStore,
  env: NodeJS.ProcessEnv,
): Promise<CaSigner> {
  const s = files.meta.signer;
  if (s.kind === 'pkcs11') {
    return Pkcs11Signer.open(s, await resolveTokenPin(secrets, env, s.token));
  }
  const passphrase = await resolveCaPassphrase(secrets, env);
  // A plain-text key is refused before any passphrase question.
  assertKeyProtected(files.keyText, files.keyPath);
  if (passphrase === undefined) {
    throw new StationError(
      'CA_PASSPHRASE',
      `No passphrase is available for the CA key ${files.keyPath}.`,
      `Set ${CA_PASSPHRASE_ENV}, or store it in the station vault as '${SECRET_NAMES.caPassphrase}' (asset-station ca init does this).`,
    );
  }
  const key = decryptKeyFile(files.keyText, passphrase, files.keyPath);
  return new FileKeySigner(key, `file key ${files.keyPath}`);
}

/**
 * Checks that `signer` holds the key of the issuing CA certificate.
 * @param keyPath the key file, for the message (file signers).
 * @throws StationError CA_KEY_MISMATCH.
 */
export function assertSignerMatches(issuingDer: Uint8Array, signer: CaSigner, keyPath?: string): void {
  if (Buffer.compare(Buffer.from(certSpki(issuingDer)), Buffer.from(signer.publicKeySpki)) === 0) return;
  const subject = new crypto.X509Certificate(Buffer.from(issuingDer)).subject.replace(/\n/g, ', ');
  throw new StationError(
    'CA_KEY_MISMATCH',
    keyPath
      ? `The CA key ${keyPath} does not belong to the issuing CA certificate (${subject}).`
      : `The signer (${signer.description}) does not hold the key of the issuing CA certificate (${subject}).`,
    keyPath
      ? 'Restore the matching key and chain.pem from backup, or import the CA again.'
      : 'Point the signer at the key that belongs to chain.pem (HSM token and key label/id), or install the matching chain.',
  );
}
