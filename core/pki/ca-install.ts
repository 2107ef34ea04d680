/**
 * A common root for many stations: `ca request` writes a PKCS#10 CSR (RFC 2986) for the station's
 * issuing key — signed by the key itself, in a file or in the HSM — and `ca install` takes the CA
 * certificate the factory's offline root signed for it, checks it, and makes it the station's issuing
 * CA. Checks (RFC 5280 §6.1, reduced to a fixed path): the certificate is for this key; it is a CA
 * (basicConstraints critical, CA:TRUE, pathLenConstraint 0) with keyUsage keyCertSign and cRLSign; it is
 * valid now; its issuer Name chains to the given root (and intermediates), every signature verifies, the
 * root is self-signed, and every CA above allows the path length.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import { caDir, readCaFiles, writeCaMeta, writeChain } from './ca-store';
import { issuerNameDer } from './cert-info';
import { explicit, oid, seq, set, smallInteger, bitString } from './der';
import { encodeName } from './names';
import { PemError, decodePemAll } from './pem';
import { SUBJECT_ORDER, keyIdentifier, parseSubjectTemplate, signatureAlgorithmIdentifier } from './profile';
import type { CaSigner } from './types';
import { x509 } from './x509-lib';

const invalid = (message: string, remedy: string) => new StationError('CA_IMPORT_INVALID', message, remedy);
const CEREMONY = 'See docs/pki.md "Common root" for the openssl commands the root ceremony uses.';

/**
 * The subject Name for a station CA CSR: from a `/C=DE/O=Acme/CN=…` text (profile.ts
 * parseSubjectTemplate; no `{uid}`), or undefined to keep the current issuing CA's subject.
 */
export function caSubjectDer(home: string, subject?: string): Uint8Array {
  if (subject === undefined) return issuerNameDer(readCaFiles(home, { withKey: false }).chain[0]!);
  const t = parseSubjectTemplate(subject);
  if (Object.values(t).some((v) => v?.includes('{uid}'))) {
    throw new StationError(
      'CONFIG_INVALID',
      'A CA subject cannot contain {uid}.',
      'Give the CA its own name, e.g. /C=DE/O=Acme/CN=Acme Station 7 Issuing CA.',
    );
  }
  return encodeName(SUBJECT_ORDER.filter((k) => t[k]).map((k) => [k, t[k]!] as [string, string]));
}

/**
 * A CSR for the issuing CA key, signed by `signer` (the key never leaves it). It requests
 * basicConstraints CA:TRUE pathLen 0 and keyUsage keyCertSign + cRLSign (both critical) and carries
 * the subjectKeyIdentifier, in an extensionRequest attribute (RFC 2985 §5.4.2).
 */
export async function buildCaCsr(signer: CaSigner, subjectDer: Uint8Array): Promise<Uint8Array> {
  const exts = [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.SubjectKeyIdentifierExtension(
      Buffer.from(keyIdentifier(signer.publicKeySpki)).toString('hex'),
      false,
    ),
  ].map((e) => new Uint8Array(e.rawData));
  const extensionRequest = seq(oid('1.2.840.113549.1.9.14'), set(seq(...exts)));
  const info = seq(smallInteger(0), subjectDer, signer.publicKeySpki, explicit(0, extensionRequest));
  const sig = await signer.sign(info);
  return seq(info, signatureAlgorithmIdentifier(signer.signatureAlgorithm), bitString(sig));
}

function readCerts(text: string | Uint8Array, what: string): Uint8Array[] {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  if (!s.includes('-----BEGIN')) {
    try {
      new crypto.X509Certificate(Buffer.from(text));
      return [new Uint8Array(Buffer.from(text))];
    } catch {
      throw invalid(
        `The ${what} is neither PEM nor a DER certificate.`,
        'Give the PEM file the root ceremony produced.',
      );
    }
  }
  try {
    const certs = decodePemAll(s)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
    if (certs.length === 0) throw new PemError('it holds no CERTIFICATE block');
    return certs;
  } catch (e) {
    throw invalid(
      `The ${what} is unreadable: ${(e as Error).message}.`,
      'Give the PEM file the root ceremony produced.',
    );
  }
}

const name = (c: crypto.X509Certificate) => c.subject.split('\n').reverse().join(', ');

function caFacts(der: Uint8Array) {
  const c = new x509.X509Certificate(new Uint8Array(der));
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  const ku = c.getExtension(x509.KeyUsagesExtension);
  return { bc, ku };
}

/**
 * Checks `certIn` (the station's new issuing CA certificate) against the station key and the chain
 * (`chainIn`: the root, optionally with intermediates), then writes chain.pem as issuing CA,
 * intermediates, root; the previous chain is kept as chain.pem.previous.
 * @returns the new chain (DER, issuing CA first).
 * @throws StationError CA_KEY_MISMATCH (another key), CA_IMPORT_INVALID (naming the failed check).
 */
export function installIssuingCert(
  home: string,
  signerSpki: Uint8Array,
  certIn: string | Uint8Array,
  chainIn: string | Uint8Array,
  at: Date = new Date(),
): Uint8Array[] {
  const [issuingDer, ...extra] = readCerts(certIn, 'certificate file');
  if (extra.length) {
    throw invalid(
      'The certificate file holds more than one certificate.',
      'Give the station CA certificate alone, and the root (and intermediates) with --chain.',
    );
  }
  const pool = readCerts(chainIn, 'chain file');
  const issuing = new crypto.X509Certificate(Buffer.from(issuingDer!));
  const spki = new Uint8Array(issuing.publicKey.export({ format: 'der', type: 'spki' }));
  if (Buffer.compare(Buffer.from(spki), Buffer.from(signerSpki)) !== 0) {
    throw new StationError(
      'CA_KEY_MISMATCH',
      `The certificate ${name(issuing)} is for another key than this station's issuing key.`,
      'Install the certificate issued for the CSR from asset-station ca request on this station (each station has its own key).',
    );
  }
  const { bc, ku } = caFacts(issuingDer!);
  if (!bc?.ca || !bc.critical) {
    throw invalid(
      `The certificate ${name(issuing)} is not a CA certificate (basicConstraints must be critical with CA:TRUE).`,
      CEREMONY,
    );
  }
  if (bc.pathLength !== 0) {
    throw invalid(
      `The certificate ${name(issuing)} has ${bc.pathLength === undefined ? 'no path length constraint' : `pathlen ${bc.pathLength}`}; a station issuing CA must have pathlen 0 (it signs device certificates only).`,
      CEREMONY,
    );
  }
  const need = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  if (!ku || (ku.usages & need) !== need) {
    throw invalid(`The certificate ${name(issuing)} lacks keyUsage keyCertSign and cRLSign.`, CEREMONY);
  }
  // Build the path upwards through the pool.
  const path_: crypto.X509Certificate[] = [issuing];
  const used = new Set<number>();
  for (;;) {
    const child = path_[path_.length - 1]!;
    if (path_.length > 1 && child.checkIssued(child) && child.verify(child.publicKey)) break; // root reached
    const i = pool.findIndex((d, n) => {
      if (used.has(n)) return false;
      const p = new crypto.X509Certificate(Buffer.from(d));
      return child.checkIssued(p);
    });
    if (i < 0) {
      throw invalid(
        `The chain file holds no certificate that issued ${name(child)} (its issuer is ${child.issuer.split('\n').reverse().join(', ')}).`,
        'Give the root certificate (and any intermediate) that signed it with --chain.',
      );
    }
    used.add(i);
    const parent = new crypto.X509Certificate(Buffer.from(pool[i]!));
    if (!child.verify(parent.publicKey)) {
      throw invalid(
        `The signature on ${name(child)} does not verify with the key of ${name(parent)}.`,
        'The certificate was not signed by this root: check which root signed it.',
      );
    }
    const facts = caFacts(pool[i]!);
    if (!facts.bc?.ca || (facts.ku && !(facts.ku.usages & x509.KeyUsageFlags.keyCertSign))) {
      throw invalid(
        `${name(parent)} in the chain file is not a CA certificate allowed to sign certificates.`,
        CEREMONY,
      );
    }
    // pathLenConstraint counts the CA certificates that may follow this one before the device
    // certificate (RFC 5280 §4.2.1.9): here the station CA and any intermediates under it.
    const below = path_.length;
    if (facts.bc.pathLength !== undefined && facts.bc.pathLength < below) {
      throw invalid(
        `${name(parent)} allows pathlen ${facts.bc.pathLength}, too short for the station CA under it.`,
        CEREMONY,
      );
    }
    path_.push(parent);
  }
  if (used.size !== pool.length) {
    throw invalid(
      'The chain file holds certificates that are not on the path from the station CA to the root.',
      'Give only the root and the intermediates above the station CA.',
    );
  }
  for (const c of path_) {
    if (at < new Date(c.validFrom) || at > new Date(c.validTo)) {
      throw invalid(
        `${name(c)} is not valid now (valid ${new Date(c.validFrom).toISOString()} to ${new Date(c.validTo).toISOString()}).`,
        'Check the dates the root ceremony used and the station clock.',
      );
    }
  }
  const chain = path_.map((c) => new Uint8Array(c.raw));
  const dir = caDir(home);
  const files = readCaFiles(home, { withKey: false });
  fs.copyFileSync(path.join(dir, 'chain.pem'), path.join(dir, 'chain.pem.previous'));
  writeChain(home, chain);
  writeCaMeta(home, { ...files.meta, installedAt: at.toISOString() });
  return chain;
}
