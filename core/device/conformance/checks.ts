/**
 * What the conformance requirements (./requirements.ts) share: the context a check gets, the shape of
 * a requirement, and the low-level probes (raw frames, expected device errors, signature checks).
 */
import crypto from 'node:crypto';
import type { Frame } from '../../../shared/protocol';
import type { DeviceIdentity, KeyAlgorithm } from '../../../shared/domain';
import type { ProtocolClient } from '../client';
import type { DeviceLink } from '../link';

/** What a check gets. */
export interface CheckContext {
  client: ProtocolClient;
  link: DeviceLink;
  identity: DeviceIdentity;
  /** The algorithm of the key in slot 0 (after KEYGEN-1). */
  keyAlg?: KeyAlgorithm;
  spki?: Uint8Array;
}

/** One requirement. `run` throws an Error whose message says what was wrong. */
export interface Requirement {
  id: string;
  title: string;
  gate?: 'write' | 'lock';
  run(ctx: CheckContext): Promise<string | void>;
}

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Sends raw bytes and collects device frames for `ms`. */
export async function rawExchange(link: DeviceLink, bytes: Uint8Array, ms: number): Promise<Frame[]> {
  const seen: Frame[] = [];
  const off = link.tap((f) => seen.push(f));
  try {
    await link.sendRaw(bytes);
    await sleep(ms);
  } finally {
    off();
  }
  return seen;
}

export function freshId(): number {
  return 0x8000 + Math.floor(Math.random() * 0x7000);
}

export async function expectErr(
  link: DeviceLink,
  cmd: string,
  body: Uint8Array,
  code: number,
): Promise<void> {
  const r = await link.request(cmd, body, { timeoutMs: 5000 });
  assert(r.type === 'ERR', `expected ERR ${code}, got OK`);
  assert(r.code === code, `expected device error ${code}, got ${r.code} (${r.text})`);
}

export function sigAlg(a: KeyAlgorithm): 'ES256' | 'RS256' {
  return a === 'ECDSA-P256' ? 'ES256' : 'RS256';
}

export function verify(spki: Uint8Array, alg: KeyAlgorithm, data: Uint8Array, sig: Uint8Array): boolean {
  const key = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return alg === 'ECDSA-P256'
    ? crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    : crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, sig);
}
