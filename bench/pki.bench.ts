/**
 * PKI figures: ms per issued device certificate with an ECDSA P-256 CA and with an RSA-2048 CA (sign +
 * index insert into a real station.db), and ms per CSR parse + signature verify, per device key type.
 * Run: `npx tsx bench/pki.bench.ts [N]` (default N = 200 certificates per CA). Prints figures; asserts nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import { StationCa, parseCsr, type CaAlgorithm, type VerifiedCsr } from '../core/pki';
import type { SecretStore } from '../core/secrets';
import { buildCsr, genKey, type KeySpec } from '../test/unit/pki/csr-builder';

const N = Number(process.argv[2] ?? 200);
const memory = (): SecretStore => {
  const m = new Map<string, string>();
  return {
    description: 'memory',
    get: async (k) => m.get(k),
    set: async (k, v) => void m.set(k, v),
    delete: async (k) => void m.delete(k),
  };
};

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function benchCsr(spec: KeySpec): Promise<void> {
  const der = buildCsr({
    keys: genKey(spec),
    subject: [
      ['O', 'Acme'],
      ['CN', 'dev-1'],
    ],
    sans: ['uri:urn:dev:uid:dev-1'],
  });
  for (let i = 0; i < 20; i++) await parseCsr(der);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await parseCsr(der);
  console.log(`CSR parse+verify  ${spec.padEnd(8)} ${(ms(t0) / N).toFixed(3)} ms/CSR   (${N} runs)`);
}

async function benchIssue(alg: CaAlgorithm, inMemoryDb: boolean): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-bench-'));
  const db = inMemoryDb ? new Database(':memory:') : undefined;
  db?.exec(
    'CREATE TABLE schema_migrations (module TEXT, version INTEGER, applied_at TEXT, PRIMARY KEY (module, version))',
  );
  try {
    const ca = await StationCa.init(home, memory(), { algorithm: alg, env: {}, db });
    const csrs: VerifiedCsr[] = [];
    for (let i = 0; i < N + 10; i++)
      csrs.push(await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', `d${i}`]] })));
    for (let i = 0; i < 10; i++) await ca.issue(csrs[i]!, { deviceUid: `warm-${i}` });
    const t0 = process.hrtime.bigint();
    for (let i = 10; i < N + 10; i++) await ca.issue(csrs[i]!, { deviceUid: `dev-${i}` });
    const per = ms(t0) / N;
    const t1 = process.hrtime.bigint();
    for (let i = 10; i < N + 10; i++) await ca.issue(csrs[i]!, { deviceUid: `dev-${i}` });
    console.log(
      `issue (P-256 leaf) ${alg.padEnd(10)} CA: ${per.toFixed(3)} ms/cert   idempotent re-issue: ${(ms(t1) / N).toFixed(3)} ms   (${N} certs, ${inMemoryDb ? 'in-memory DB: signing cost' : 'station.db WAL synchronous=FULL: includes fsync'})`,
    );
    ca.close();
    db?.close();
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

console.log(
  `node ${process.version}, ${os.cpus().length} cpus, ${crypto.getFips() ? 'FIPS' : 'default'} OpenSSL ${process.versions.openssl}`,
);
for (const spec of ['p256', 'p384', 'rsa2048', 'ed25519'] as const) await benchCsr(spec);
for (const alg of ['ECDSA-P256', 'RSA-2048'] as const) {
  await benchIssue(alg, false);
  await benchIssue(alg, true);
}
