/**
 * Test helper: builds PKCS#10 CSRs (RFC 2986) with node:crypto keys and full control over the bytes —
 * the signature hash, the nRF91 NULL-parameter quirk, string types — so each refusal can be provoked.
 */
import crypto from 'node:crypto';
import {
  TAG,
  concat,
  derNull,
  oid,
  seq,
  set,
  smallInteger,
  tlv,
  bitString,
  octetString,
} from '../../../core/pki/der';
import { NAME_OIDS, sigAlgOid } from '../../../core/pki/oids';

export type KeySpec = 'p256' | 'p384' | 'rsa2048' | 'rsa1024' | 'ed25519' | 'secp256k1';

/** Generates a key pair for a spec. */
export function genKey(spec: KeySpec): crypto.KeyPairKeyObjectResult {
  switch (spec) {
    case 'p256':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'p384':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'secp256k1':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    case 'rsa2048':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa1024':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    case 'ed25519':
      return crypto.generateKeyPairSync('ed25519');
  }
}

export interface CsrSpec {
  keys: crypto.KeyPairKeyObjectResult;
  subject: Array<[string, string] | [string, string, number]>;
  sans?: string[];
  hash?: 'sha256' | 'sha384' | 'sha1' | 'md5';
  /** nRF91 quirk: NULL parameters in the ECDSA signature AlgorithmIdentifier. */
  ecdsaNullParams?: boolean;
}

function generalName(s: string): Uint8Array {
  const [kind, ...rest] = s.split(':');
  const v = Buffer.from(rest.join(':'), 'latin1');
  if (kind === 'uri') return tlv(0x86, v);
  if (kind === 'dns') return tlv(0x82, v);
  if (kind === 'email') return tlv(0x81, v);
  throw new Error(`unsupported SAN ${s}`);
}

/** Builds a signed CSR DER. */
export function buildCsr(spec: CsrSpec): Uint8Array {
  const { publicKey, privateKey } = spec.keys;
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const name = seq(
    ...spec.subject.map(([t, v, tag]) =>
      set(
        seq(
          oid(NAME_OIDS[t] ?? t),
          tlv(tag ?? TAG.UTF8String, Buffer.from(v, tag === TAG.PrintableString ? 'latin1' : 'utf8')),
        ),
      ),
    ),
  );
  const attrs = spec.sans?.length
    ? tlv(
        0xa0,
        seq(
          oid('1.2.840.113549.1.9.14'),
          set(seq(seq(oid('2.5.29.17'), octetString(seq(...spec.sans.map(generalName)))))),
        ),
      )
    : tlv(0xa0);
  const info = seq(smallInteger(0), name, spki, attrs);
  const type = privateKey.asymmetricKeyType;
  const hash =
    spec.hash ??
    (type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256');
  let algName: string;
  let sig: Buffer;
  if (type === 'ed25519') {
    algName = 'Ed25519';
    sig = crypto.sign(null, info, privateKey);
  } else if (type === 'ec') {
    algName = hash === 'sha1' ? 'ecdsa-with-SHA1' : `ecdsa-with-${hash.toUpperCase()}`;
    sig = crypto.sign(hash, info, { key: privateKey, dsaEncoding: 'der' });
  } else {
    algName = `${hash}WithRSAEncryption`;
    sig = crypto.sign(hash, info, privateKey);
  }
  const algId =
    type === 'rsa' || (type === 'ec' && spec.ecdsaNullParams)
      ? seq(oid(sigAlgOid(algName)), derNull())
      : seq(oid(sigAlgOid(algName)));
  return seq(info, algId, bitString(new Uint8Array(sig)));
}

/** PEM of a CSR DER. */
export function csrPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** Replaces the first occurrence of `from` with `to` (same length) in a copy of `der`. */
export function patchBytes(der: Uint8Array, from: string, to: string): Uint8Array {
  const buf = Buffer.from(der);
  const i = buf.indexOf(Buffer.from(from, 'utf8'));
  if (i < 0 || from.length !== to.length) throw new Error('patch target not found');
  Buffer.from(to, 'utf8').copy(buf, i);
  return new Uint8Array(buf);
}

export { concat };
