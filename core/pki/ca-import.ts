/**
 * `ca import`: take an existing issuing CA — a PEM certificate chain + encrypted PKCS#8 key, or a
 * PKCS#12 file (RFC 7292, read with node-forge, which handles PBES2/AES bags; EC keys arrive as raw
 * PrivateKeyInfo and are imported with node:crypto) — check it is a usable CA whose chain reaches a
 * self-signed root, and store it re-encrypted under the station's CA passphrase.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { caExists, newCaMeta, resolveCaPassphrase, writeCaFiles } from './ca-store';
import { PemError, decodePemAll } from './pem';
import { CA_PASSPHRASE_ENV, FileKeySigner, decryptKeyFile, encryptKey, type CaAlgorithm } from './signer';
import type { CertProfile } from './types';
import { x509 } from './x509-lib';

/** Files for {@link importCa}: PEM chain + encrypted PKCS#8 key, or PKCS#12. */
export type CaImportFiles =
  | { certPem: string; keyPem: string | Uint8Array; keyPassphrase: string }
  | { p12: Uint8Array; p12Passphrase: string };

/** Options shared with StationCa.init (only these are read). */
export interface CaImportOptions {
  passphrase?: string;
  force?: boolean;
  subjectO?: string;
  subjectOU?: string;
  profile?: Partial<CertProfile>;
  env?: NodeJS.ProcessEnv;
}

const invalid = (
  message: string,
  remedy = 'Provide the issuing CA certificate, its chain up to the root, and its key.',
) => new StationError('CA_IMPORT_INVALID', message, remedy);

function fromP12(p12: Uint8Array, password: string): { key: crypto.KeyObject; certs: Uint8Array[] } {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(p12).toString('binary')));
    parsed = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (e) {
    const msg = (e as Error).message;
    if (/password|MAC|mac/i.test(msg)) {
      throw new StationError(
        'CA_PASSPHRASE',
        `The PKCS#12 file could not be opened: ${msg}.`,
        'Check the PKCS#12 passphrase.',
      );
    }
    throw invalid(`The PKCS#12 file is unreadable: ${msg}.`);
  }
  const bagsOf = (type: string) => parsed.getBags({ bagType: type })[type] ?? [];
  if (bagsOf(forge.pki.oids.keyBag!).length > 0) {
    throw new StationError(
      'CA_KEY_UNPROTECTED',
      'The PKCS#12 file holds its private key in a plain keyBag (not encrypted).',
      'Export the PKCS#12 again with an encrypted (shrouded) key, e.g. openssl pkcs12 -export with default options.',
    );
  }
  const keyBags = bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!);
  if (keyBags.length !== 1)
    throw invalid(`The PKCS#12 file holds ${keyBags.length} private keys; exactly one is expected.`);
  const bag = keyBags[0]! as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
  const pkcs8Asn1 = bag.key
    ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey))
    : bag.asn1;
  if (!pkcs8Asn1) throw invalid('The PKCS#12 key bag is empty.');
  const keyDer = Buffer.from(forge.asn1.toDer(pkcs8Asn1).getBytes(), 'binary');
  const key = crypto.createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' });
  const certs = bagsOf(forge.pki.oids.certBag!).map((b) => {
    const c = b as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
    const asn1 = c.cert ? forge.pki.certificateToAsn1(c.cert) : c.asn1!;
    return new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
  });
  return { key, certs };
}

function fromPem(
  certPem: string,
  keyPem: string | Uint8Array,
  passphrase: string,
): { key: crypto.KeyObject; certs: Uint8Array[] } {
  let certs: Uint8Array[];
  try {
    certs = decodePemAll(certPem)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
  } catch (e) {
    if (e instanceof PemError) throw invalid(`The certificate file is not usable PEM: ${e.message}.`);
    throw e;
  }
  if (certs.length === 0) throw invalid('The certificate file holds no CERTIFICATE block.');
  return { key: decryptKeyFile(keyPem, passphrase, '(import)'), certs };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Orders `certs` into issuing CA … root for `key`, checking each link. */
export function buildCaChain(key: crypto.KeyObject, certsDer: Uint8Array[]): Uint8Array[] {
  const spki = new Uint8Array(crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }));
  const certs = certsDer.map((d) => {
    try {
      return { der: d, c: new crypto.X509Certificate(Buffer.from(d)) };
    } catch (e) {
      throw invalid(`A certificate in the import is unreadable: ${(e as Error).message}.`);
    }
  });
  const issuing = certs.find((x) =>
    same(new Uint8Array(x.c.publicKey.export({ format: 'der', type: 'spki' })), spki),
  );
  if (!issuing) {
    throw new StationError(
      'CA_KEY_MISMATCH',
      'None of the imported certificates belongs to the imported key.',
      'Import the certificate that matches the key (and its chain).',
    );
  }
  if (!issuing.c.ca)
    throw invalid(
      `The certificate ${issuing.c.subject.replace(/\n/g, ', ')} is not a CA certificate (basicConstraints CA:false).`,
    );
  const ku = new x509.X509Certificate(new Uint8Array(issuing.der)).getExtension<
    InstanceType<typeof x509.KeyUsagesExtension>
  >('2.5.29.15');
  if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign))
    throw invalid('The CA certificate does not allow keyCertSign.');
  if (new Date(issuing.c.validTo) < new Date())
    throw invalid(`The CA certificate expired on ${issuing.c.validTo}.`);
  const chain = [issuing];
  for (let cur = issuing; ;) {
    if (cur.c.checkIssued(cur.c) && cur.c.verify(cur.c.publicKey)) break; // self-signed root
    const parent = certs.find((p) => p !== cur && cur.c.checkIssued(p.c) && cur.c.verify(p.c.publicKey));
    if (!parent)
      throw invalid(
        `The chain stops at ${cur.c.subject.replace(/\n/g, ', ')}: its issuer is not among the imported certificates.`,
        'Include the intermediate and root certificates in the certificate file.',
      );
    if (chain.includes(parent) || chain.length > 5)
      throw invalid('The imported chain loops or is longer than 5 certificates.');
    chain.push(parent);
    cur = parent;
  }
  return chain.map((x) => x.der);
}

function algorithmOf(key: crypto.KeyObject): CaAlgorithm {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return d.namedCurve === 'secp384r1' ? 'ECDSA-P384' : 'ECDSA-P256';
  return (d.modulusLength ?? 0) >= 3072 ? 'RSA-3072' : 'RSA-2048';
}

/**
 * Validates and stores an imported CA in `home`/ca.
 * @throws StationError CONFLICT (a CA exists, no force), CA_KEY_UNPROTECTED (plain key), CA_PASSPHRASE
 *   (wrong import passphrase), CA_KEY_MISMATCH, CA_IMPORT_INVALID (not a CA, expired, incomplete chain).
 */
export async function importCa(
  home: string,
  secrets: SecretStore,
  files: CaImportFiles,
  opts: CaImportOptions = {},
): Promise<void> {
  if (caExists(home) && !opts.force) {
    throw new StationError(
      'CONFLICT',
      `A station CA already exists in ${home}/ca.`,
      'Pass --force to replace it (devices issued under the old CA will no longer verify).',
    );
  }
  const { key, certs } =
    'p12' in files
      ? fromP12(files.p12, files.p12Passphrase)
      : fromPem(files.certPem, files.keyPem, files.keyPassphrase);
  new FileKeySigner(key, 'import'); // checks the key type and size
  const chain = buildCaChain(key, certs);
  const env = opts.env ?? process.env;
  const passphrase =
    opts.passphrase ??
    (await resolveCaPassphrase(secrets, env)) ??
    crypto.randomBytes(32).toString('base64url');
  if (passphrase.length < 12) {
    throw new StationError(
      'CA_PASSPHRASE',
      'The CA passphrase is shorter than 12 characters.',
      `Choose a longer one (${CA_PASSPHRASE_ENV}) or leave it unset.`,
    );
  }
  const o = opts.subjectO;
  const meta = newCaMeta({
    algorithm: algorithmOf(key),
    source: 'p12' in files ? 'import-p12' : 'import-pem',
    createdAt: new Date().toISOString(),
    subjectO: o,
    subjectOU: opts.subjectOU,
    profile: opts.profile,
  });
  await secrets.set(SECRET_NAMES.caPassphrase, passphrase);
  writeCaFiles(home, meta, chain, encryptKey(key, passphrase));
}
