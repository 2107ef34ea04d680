/**
 * The simulated secure element: real key generation (node:crypto), CSRs signed with the device key
 * (@peculiar/x509, PKCS#10 RFC 2986), signatures (ES256 raw r||s per RFC 7518 §3.4; RS256 PKCS#1 v1.5
 * per RFC 8017 §8.2) and the PUT_CERT key check. Private keys never leave this module except into the
 * simulator's own state file.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import type { KeyAlgorithm } from '../../shared/domain';
import type { SanEntry } from '../../shared/protocol';

// `as never`: node's webcrypto type differs from the DOM `Crypto` type @peculiar/x509 declares.
x509.cryptoProvider.set(crypto.webcrypto as never);

const generateKeyPair = promisify(crypto.generateKeyPair);

/** A device key as the simulator stores it. */
export interface DeviceKey {
  algorithm: KeyAlgorithm;
  /** PKCS#8 PEM (simulator state only). */
  privateKeyPem: string;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
}

/** Key pairs made ahead by {@link pregenerateKeys}, per algorithm; each is handed out once. */
const ready = new Map<KeyAlgorithm, DeviceKey[]>();

/**
 * Makes one key pair per entry of `algorithms` now, for the next KEYGENs of those algorithms to take
 * (each key once; a KEYGEN finding none generates its own). For benchmarks (`sim device
 * --pregenerate-keys`): a real RSA-2048 key costs the simulator 50–200 ms of CPU, which on a small
 * machine competes with the station it measures; the device still answers after its modelled key
 * generation time, with a key no other device has.
 * @returns the public keys made (DER SubjectPublicKeyInfo), in the order of `algorithms`
 */
export async function pregenerateKeys(algorithms: readonly KeyAlgorithm[]): Promise<Uint8Array[]> {
  const keys = await Promise.all(algorithms.map((a) => generateFresh(a)));
  for (const k of keys) ready.set(k.algorithm, [...(ready.get(k.algorithm) ?? []), k]);
  return keys.map((k) => k.spki);
}

/** A key pair for `algorithm`: one made ahead ({@link pregenerateKeys}) or a new one. */
export async function generateDeviceKey(algorithm: KeyAlgorithm): Promise<DeviceKey> {
  return ready.get(algorithm)?.shift() ?? generateFresh(algorithm);
}

/** Generates a key pair for `algorithm` (async: runs on the libuv thread pool). */
async function generateFresh(algorithm: KeyAlgorithm): Promise<DeviceKey> {
  const kp =
    algorithm === 'ECDSA-P256'
      ? await generateKeyPair('ec', { namedCurve: 'P-256' })
      : await generateKeyPair('rsa', { modulusLength: algorithm === 'RSA-2048' ? 2048 : 3072 });
  return {
    algorithm,
    privateKeyPem: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spki: new Uint8Array(kp.publicKey.export({ type: 'spki', format: 'der' })),
  };
}

/** ES256 (raw r||s, 64 bytes) or RS256 (PKCS#1 v1.5) signature over SHA-256(data). */
export function signWithKey(key: DeviceKey, data: Uint8Array): Uint8Array {
  const priv = crypto.createPrivateKey(key.privateKeyPem);
  if (key.algorithm === 'ECDSA-P256')
    return new Uint8Array(crypto.sign('sha256', data, { key: priv, dsaEncoding: 'ieee-p1363' }));
  return new Uint8Array(
    crypto.sign('sha256', data, { key: priv, padding: crypto.constants.RSA_PKCS1_PADDING }),
  );
}

type WebAlg = { name: string; hash?: string; namedCurve?: string };

function sigAlgOf(a: KeyAlgorithm): { sign: WebAlg; imp: WebAlg } {
  return a === 'ECDSA-P256'
    ? { sign: { name: 'ECDSA', hash: 'SHA-256' }, imp: { name: 'ECDSA', namedCurve: 'P-256' } }
    : {
        sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
}

type GenArgs = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0];

/** Builds a PKCS#10 CSR (DER) for the key, with the given RDNs and a SAN extension when `sans` is non-empty. */
export async function buildCsr(
  key: DeviceKey,
  subject: Array<[string, string]>,
  sans: SanEntry[],
): Promise<Uint8Array> {
  const subtle = crypto.webcrypto.subtle;
  const { sign, imp } = sigAlgOf(key.algorithm);
  const pkcs8 = crypto.createPrivateKey(key.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, imp, false, ['sign']);
  const publicKey = await subtle.importKey('spki', key.spki, imp, true, ['verify']);
  const extensions: x509.Extension[] = [];
  if (sans.length > 0)
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        sans.map((s): x509.JsonGeneralName => ({
          type: s.type === 'DNS' ? 'dns' : s.type === 'URI' ? 'url' : s.type === 'IP' ? 'ip' : 'email',
          value: s.value,
        })),
      ),
    );
  const name: x509.JsonName = subject.map(([k, v]) => ({ [k]: [v] }));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // serialNumber (2.5.4.5) is not among the library's attribute names: name it.
    name: subject.length ? new x509.Name(name, { serialNumber: '2.5.4.5' }) : '',
    keys: { privateKey, publicKey } as unknown as GenArgs['keys'],
    signingAlgorithm: sign as GenArgs['signingAlgorithm'],
    extensions,
  });
  return new Uint8Array(csr.rawData);
}

/**
 * PUT_CERT check: 'ok' when the leaf's SubjectPublicKeyInfo equals the device key's, 'mismatch' when
 * it is another key, 'bad' when the leaf is not a parseable X.509 certificate.
 */
export function checkLeaf(key: DeviceKey, leafDer: Uint8Array): 'ok' | 'mismatch' | 'bad' {
  try {
    const cert = new crypto.X509Certificate(leafDer);
    const spki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
    return Buffer.compare(spki, key.spki) === 0 ? 'ok' : 'mismatch';
  } catch {
    return 'bad';
  }
}
