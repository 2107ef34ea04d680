/**
 * CSR intake: parse a PKCS#10 request (RFC 2986), PEM or DER, and VERIFY its signature with the key it
 * carries (parsing is not verifying). The signature is checked with node:crypto over the raw
 * CertificationRequestInfo bytes exactly as received, so a request re-encoded by nobody is verified as
 * signed — this also makes the Nordic nRF91 quirk (a NULL parameter in the ECDSA signature
 * AlgorithmIdentifier, which RFC 5758 §3.2 says MUST be absent) harmless: it is recorded in `quirks`.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { DerError, TAG, bitStringBytes, children, decodeOid, expectTag, readOnly } from './der';
import type { Tlv } from './der';
import { readName } from './names';
import { OID, SIG_ALGS } from './oids';
import { PemError, decodePemAll, looksLikePem } from './pem';
import type { CsrKeyAlgorithm, CsrQuirk, VerifiedCsr } from './types';
import { x509 } from './x509-lib';

/** Largest CSR accepted, in bytes of input (PEM or DER). */
export const MAX_CSR_BYTES = 16 * 1024;

const PEM_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

const malformed = (message: string) =>
  new StationError(
    'CSR_MALFORMED',
    message,
    'Have the device generate its CSR again; if it keeps failing, capture the CSR (asset-station journal export) and check the device firmware.',
  );

const badSignature = (message: string) =>
  new StationError(
    'CSR_BAD_SIGNATURE',
    message,
    'Do not issue a certificate for this request. Have the device generate a new CSR; if it fails again, treat the device as suspect.',
  );

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function toDer(input: string | Uint8Array): Uint8Array {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_CSR_BYTES) {
    throw malformed(`The CSR is ${size} bytes, over the ${MAX_CSR_BYTES}-byte limit.`);
  }
  if (size === 0) throw malformed('The CSR is empty.');
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input[0] !== TAG.SEQUENCE) {
    const asText = Buffer.from(input).toString('latin1');
    if (looksLikePem(asText) || /^\s*-----/.test(asText)) text = asText;
    else
      throw malformed(
        `The CSR is neither PEM nor DER: it starts with byte 0x${input[0]!.toString(16)}, not a SEQUENCE.`,
      );
  }
  if (text === undefined) return input as Uint8Array;
  let blocks;
  try {
    blocks = decodePemAll(text);
  } catch (e) {
    if (e instanceof PemError) throw malformed(`The CSR PEM is unusable: ${e.message}.`);
    throw e;
  }
  if (blocks.length > 1)
    throw malformed(`The CSR PEM holds ${blocks.length} blocks; exactly one is expected.`);
  const block = blocks[0]!;
  if (!PEM_LABELS.includes(block.label)) {
    throw malformed(`The PEM label is '${block.label}'; a CSR must be labelled 'CERTIFICATE REQUEST'.`);
  }
  return block.der;
}

interface KeyInfo {
  keyAlgorithm: CsrKeyAlgorithm;
  keyBits: number;
  family: 'RSA' | 'EC' | 'Ed25519';
  key: crypto.KeyObject;
}

/** Keys read lately, by their exact SPKI bytes (a job reads its device key for the CSR and again for PoP). */
const recentKeys = new Map<string, Readonly<KeyInfo>>();
/** How many keys {@link readSpki} remembers (a few per bay at 64 bays). */
const RECENT_KEYS = 256;

/**
 * Identifies and imports a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 5480, RFC 8410). The same
 * bytes read again give the same (frozen) result without importing the key again; other bytes, even one
 * bit apart, are read afresh; a refusal is never remembered.
 * @throws DerError (unreadable, invalid key) | StationError CSR_POLICY (a key type or curve not accepted).
 */
export function readSpki(spki: Uint8Array): Readonly<KeyInfo> {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
  const known = recentKeys.get(id);
  if (known) return known;
  const info = Object.freeze(importSpki(spki));
  recentKeys.set(id, info);
  if (recentKeys.size > RECENT_KEYS) recentKeys.delete(recentKeys.keys().next().value!);
  return info;
}

function importSpki(spki: Uint8Array): KeyInfo {
  const t = readOnly(spki, 'SubjectPublicKeyInfo');
  expectTag(t, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  const [alg] = children(t);
  const algParts = children(expectTag(alg, TAG.SEQUENCE, 'key AlgorithmIdentifier'));
  const algOid = decodeOid(expectTag(algParts[0], TAG.OID, 'key algorithm').value);
  let family: KeyInfo['family'];
  if (algOid === OID.rsaEncryption) family = 'RSA';
  else if (algOid === OID.ecPublicKey) {
    family = 'EC';
    const curve = algParts[1];
    if (!curve || curve.tag !== TAG.OID) {
      throw new StationError(
        'CSR_POLICY',
        'The CSR key uses explicit EC curve parameters; only named curves are accepted (RFC 5480 §2.1.1).',
        'Configure the device to generate a named-curve key (P-256).',
      );
    }
    const c = decodeOid(curve.value);
    if (c !== OID.p256 && c !== OID.p384) {
      throw new StationError(
        'CSR_POLICY',
        `The CSR key is on EC curve ${c}; the station accepts P-256 and P-384 only.`,
        'Configure the device to generate a P-256 key.',
      );
    }
  } else if (algOid === OID.ed25519) family = 'Ed25519';
  else {
    throw new StationError(
      'CSR_POLICY',
      `The CSR key type ${algOid === OID.rsassaPss ? 'RSASSA-PSS' : algOid} is not supported; the station accepts EC P-256/P-384, RSA and Ed25519.`,
      'Configure the device to generate a P-256 (or RSA-2048) key.',
    );
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new DerError(`the public key is invalid (${(e as Error).message})`);
  }
  const d = key.asymmetricKeyDetails ?? {};
  if (family === 'RSA') {
    const bits = d.modulusLength ?? 0;
    return { family, key, keyBits: bits, keyAlgorithm: `RSA-${bits}` as CsrKeyAlgorithm };
  }
  if (family === 'EC') {
    const p384 = d.namedCurve === 'secp384r1';
    return { family, key, keyBits: p384 ? 384 : 256, keyAlgorithm: p384 ? 'ECDSA-P384' : 'ECDSA-P256' };
  }
  return { family, key, keyBits: 256, keyAlgorithm: 'Ed25519' };
}

/** GeneralName kinds read here (RFC 5280 §4.2.1.6: [1] rfc822Name, [2] dNSName, [6] URI, each IMPLICIT IA5String). */
const SIMPLE_NAMES: Readonly<Record<number, string>> = { 0x81: 'email', 0x82: 'dns', 0x86: 'uri' };

/**
 * The names of a requested subjectAltName (the Extension's parts: extnID, [critical], extnValue) when it
 * is plain DER and every name is an email, DNS name or URI in ASCII — what devices request — as
 * `kind:value`, exactly as @peculiar/x509 gives them (a unit test compares); undefined for anything
 * else, which the library reads instead (issue 18: the library's object model cost ~1.5 ms a CSR).
 */
export function simpleSans(parts: Tlv[]): string[] | undefined {
  const value = parts[parts.length - 1]!;
  if (parts.length < 2 || parts.length > 3 || value.tag !== TAG.OCTET_STRING) return undefined;
  if (parts.length === 3 && parts[1]!.tag !== TAG.BOOLEAN) return undefined;
  try {
    const names = children(expectTag(readOnly(value.value, 'GeneralNames'), TAG.SEQUENCE, 'GeneralNames'));
    if (names.length === 0) return undefined;
    const out: string[] = [];
    for (const n of names) {
      const kind = SIMPLE_NAMES[n.tag];
      if (!kind) return undefined;
      let text = '';
      for (const b of n.value) {
        if (b >= 0x80) return undefined;
        text += String.fromCharCode(b);
      }
      out.push(`${kind}:${text}`);
    }
    return out;
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

function readSans(attributes: Tlv | undefined): { sans: string[]; requested: string[] } {
  const sans: string[] = [];
  const requested: string[] = [];
  if (!attributes) return { sans, requested };
  for (const attr of children(attributes)) {
    const [type, values] = children(expectTag(attr, TAG.SEQUENCE, 'CSR attribute'));
    const attrOid = decodeOid(expectTag(type, TAG.OID, 'CSR attribute type').value);
    if (attrOid !== OID.extensionRequest) continue;
    const [exts] = children(expectTag(values, TAG.SET, 'extensionRequest values'));
    for (const ext of children(expectTag(exts, TAG.SEQUENCE, 'requested Extensions'))) {
      const parts = children(expectTag(ext, TAG.SEQUENCE, 'requested Extension'));
      const extOid = decodeOid(expectTag(parts[0], TAG.OID, 'extension id').value);
      requested.push(extOid);
      if (extOid !== OID.subjectAltName) continue;
      const simple = simpleSans(parts);
      if (simple) {
        sans.push(...simple);
        continue;
      }
      let san: InstanceType<typeof x509.SubjectAlternativeNameExtension>;
      try {
        san = new x509.SubjectAlternativeNameExtension(new Uint8Array(ext.raw));
      } catch (e) {
        throw new DerError(`the requested subjectAltName cannot be read (${(e as Error).message})`);
      }
      for (const n of san.names.items) {
        const kind = n.type === 'url' ? 'uri' : n.type;
        sans.push(`${kind}:${n.value}`);
      }
    }
  }
  return { sans, requested };
}

/**
 * Parses a PKCS#10 CSR (PEM `CERTIFICATE REQUEST` or DER) and verifies its self-signature.
 * Keys: EC P-256/P-384, RSA (any size; the policy refuses < 2048), Ed25519. Signatures:
 * RSA PKCS#1 v1.5 and ECDSA with SHA-1/256/384/512 and MD5 (the policy refuses SHA-1/MD5), Ed25519.
 * @param input PEM text, or DER / PEM bytes; at most {@link MAX_CSR_BYTES} bytes.
 * @throws StationError CSR_MALFORMED (oversized, truncated PEM, wrong PEM label, not DER, bad structure),
 *   CSR_BAD_SIGNATURE (signature does not verify: forged, or subject/key edited after signing),
 *   CSR_POLICY (a key type the station cannot handle at all, e.g. another curve).
 */
export async function parseCsr(input: string | Uint8Array): Promise<VerifiedCsr> {
  const der = toDer(input);
  let tbsRaw: Uint8Array;
  let sigAlgOid: string;
  let sigParams: Tlv | undefined;
  let signature: Uint8Array;
  let parsed: Omit<VerifiedCsr, 'der' | 'keyFingerprint' | 'keyAlgorithm'> & { key: KeyInfo };
  try {
    const outer = expectTag(readOnly(der, 'The CSR'), TAG.SEQUENCE, 'CertificationRequest');
    const [info, sigAlg, sig, extra] = children(outer);
    if (extra) throw new DerError('CertificationRequest has more than three fields');
    expectTag(info, TAG.SEQUENCE, 'CertificationRequestInfo');
    tbsRaw = info!.raw;
    const sigAlgParts = children(expectTag(sigAlg, TAG.SEQUENCE, 'signature AlgorithmIdentifier'));
    sigAlgOid = decodeOid(expectTag(sigAlgParts[0], TAG.OID, 'signature algorithm').value);
    sigParams = sigAlgParts[1];
    signature = bitStringBytes(expectTag(sig, TAG.BIT_STRING, 'signature'), 'signature');

    const [version, subject, spki, attributes, more] = children(info!);
    const v = expectTag(version, TAG.INTEGER, 'CSR version');
    if (v.value.length !== 1 || v.value[0] !== 0) throw new DerError('CSR version is not v1 (0)');
    const name = readName(expectTag(subject, TAG.SEQUENCE, 'subject'));
    expectTag(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
    if (attributes && attributes.tag !== 0xa0) throw new DerError('CSR attributes are not tagged [0]');
    if (more) throw new DerError('CertificationRequestInfo has extra fields');
    const key = readSpki(spki!.raw);
    const { sans, requested } = readSans(attributes);
    parsed = {
      subject: name,
      subjectDer: new Uint8Array(subject!.raw),
      sans,
      requestedExtensions: requested,
      publicKeySpki: new Uint8Array(spki!.raw),
      keyBits: key.keyBits,
      key,
    };
  } catch (e) {
    if (e instanceof DerError) throw malformed(`The CSR is not valid DER PKCS#10: ${e.message}.`);
    if (e instanceof RangeError) throw malformed(`The CSR is not valid DER PKCS#10: ${e.message}.`);
    throw e;
  }

  const alg = SIG_ALGS[sigAlgOid];
  if (!alg) {
    throw new StationError(
      'CSR_POLICY',
      `The CSR is signed with algorithm ${sigAlgOid}, which the station does not support.`,
      'Configure the device to sign its CSR with ECDSA/SHA-256 or RSA PKCS#1 v1.5/SHA-256.',
    );
  }
  const quirks: CsrQuirk[] = [];
  if (sigParams) {
    const isNull = sigParams.tag === TAG.NULL && sigParams.value.length === 0;
    if (alg.key === 'RSA' && !isNull)
      throw malformed(`The ${alg.name} parameters must be NULL (RFC 8017 App. A.2.4).`);
    if (alg.key === 'EC') {
      if (!isNull) throw malformed(`The ${alg.name} AlgorithmIdentifier carries unexpected parameters.`);
      quirks.push('ecdsa-params-null');
    }
    if (alg.key === 'Ed25519')
      throw malformed('The Ed25519 AlgorithmIdentifier must have no parameters (RFC 8410 §3).');
  }
  const { key } = parsed;
  if (alg.key !== key.family) {
    throw badSignature(
      `The CSR is signed with ${alg.name} but carries a ${key.keyAlgorithm} key; the signature cannot be from that key.`,
    );
  }
  let ok: boolean;
  try {
    const hash = alg.hash === null ? null : alg.hash.replace('-', '').toLowerCase();
    ok = crypto.verify(hash, tbsRaw, key.key, signature);
  } catch (e) {
    ok = false;
    void e;
  }
  if (!ok) {
    throw badSignature(
      `The CSR signature (${alg.name}) does not verify with the CSR's own ${key.keyAlgorithm} key: the request was altered after signing (e.g. its subject was edited) or not signed by that key.`,
    );
  }
  const { key: _k, ...rest } = parsed;
  return {
    der: new Uint8Array(der),
    ...rest,
    keyAlgorithm: key.keyAlgorithm,
    keyFingerprint: sha256Hex(parsed.publicKeySpki),
    signatureAlgorithm: alg.name,
    signatureHash: alg.hash,
    quirks,
  };
}
