/** CSR intake once per job (issue 18): the same bytes are verified once; other bytes never ride on that. */
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../../shared/errors';
import { CSR_CACHE_ENTRIES, parseCsrOnce } from '../../../core/pki';
import { buildCsr, csrPem, genKey } from './csr-builder';

const keys = genKey('p256');
const csr = (cn: string) => buildCsr({ keys, subject: [['CN', cn]], sans: [`uri:urn:dev:uid:${cn}`] });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isStationError(e)) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('parseCsrOnce', () => {
  it('gives the same verified result for the same bytes (DER or PEM), without parsing again', async () => {
    const der = csr('cache-1');
    const first = await parseCsrOnce(der);
    expect(await parseCsrOnce(new Uint8Array(der))).toBe(first);
    expect(first.sans).toEqual(['uri:urn:dev:uid:cache-1']);
    expect(Object.isFrozen(first)).toBe(true);
    const pem = csrPem(der);
    const fromPem = await parseCsrOnce(pem);
    expect(await parseCsrOnce(pem)).toBe(fromPem);
  });

  it('a cached CSR with one signature bit flipped is still refused (attack: ride on a verified CSR)', async () => {
    const der = csr('cache-2');
    await parseCsrOnce(der);
    const forged = new Uint8Array(der);
    forged[forged.length - 3]! ^= 0x01;
    expect(await codeOf(parseCsrOnce(forged))).toBe('CSR_BAD_SIGNATURE');
    expect(await codeOf(parseCsrOnce(forged))).toBe('CSR_BAD_SIGNATURE');
  });

  it('never remembers a refusal, and forgets the oldest entry past its size', async () => {
    expect(await codeOf(parseCsrOnce(new Uint8Array([0x30, 0x03, 0x02, 0x01])))).toBe('CSR_MALFORMED');
    expect(await codeOf(parseCsrOnce(new Uint8Array([0x30, 0x03, 0x02, 0x01])))).toBe('CSR_MALFORMED');
    const oldest = csr('cache-old');
    const kept = await parseCsrOnce(oldest);
    for (let i = 0; i < CSR_CACHE_ENTRIES; i++) await parseCsrOnce(csr(`cache-fill-${i}`));
    const again = await parseCsrOnce(oldest);
    expect(again).not.toBe(kept);
    expect(again.keyFingerprint).toBe(kept.keyFingerprint);
  });
});
