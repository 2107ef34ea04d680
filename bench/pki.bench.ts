/**
 * PKI figures: ms per issued device certificate with an ECDSA P-256 CA and with an RSA-2048 CA (sign +
 * index insert into a real station.db), ms per CSR parse + signature verify, per device key type, and
 * ms per certificate with the issuing key in an HSM (SoftHSM2 over PKCS#11) against the same key type
 * in an encrypted file (in-memory DB, so the figure is signing + encoding + self-check), plus the bare
 * signature cost of each signer and ms per CRL.
 * Run: `npx tsx bench/pki.bench.ts [N]` (default N = 200 certificates per CA). Prints figures; asserts nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import { StationCa, parseCsr, type CaAlgorithm, type VerifiedCsr } from '../core/pki';
import { makeSoftHsm, softHsmModule } from '../test/integration/pki/softhsm';
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
      `issue (P-256 leaf) ${alg.padEnd(10)} CA: ${per.toFixed(3)} ms/cert   idempotent re-issue: ${(ms(t1) / N).toFixed(3)} ms   (${N} certs, ${inMemoryDb ? 'in-memory DB: signing cost' : 'station.db WAL, synchronous=NORMAL: commits without fsync'})`,
    );
    ca.close();
    db?.close();
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** A DB in memory with the migrations table, so the figure is the CA's own cost. */
function memoryDb(): Database.Database {
  const db = new Database(':memory:');
  db.exec(
    'CREATE TABLE schema_migrations (module TEXT, version INTEGER, applied_at TEXT, PRIMARY KEY (module, version))',
  );
  return db;
}

/**
 * ms per certificate and per bare signature: HSM (SoftHSM2, PKCS#11) vs encrypted file key, same key
 * type. Both CAs are open at once and measured in alternating rounds, so a load spike on the shared
 * box hits both alike; each round's order is flipped.
 */
async function benchHsmVsFile(alg: 'ECDSA-P256' | 'RSA-2048', token: string, module: string): Promise<void> {
  const ROUNDS = 10;
  const per = Math.max(1, Math.floor(N / ROUNDS));
  const kinds = ['file', 'hsm'] as const;
  const homes: string[] = [];
  const dbs: Database.Database[] = [];
  const cas: Record<string, StationCa> = {};
  const total = { cert: { file: 0, hsm: 0 }, sign: { file: 0, hsm: 0 }, crl: { file: 0, hsm: 0 } };
  try {
    for (const kind of kinds) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-bench-hsm-'));
      const db = memoryDb();
      homes.push(home);
      dbs.push(db);
      cas[kind] = await StationCa.init(home, memory(), {
        algorithm: alg,
        db,
        env: { ASSET_STATION_TOKEN_PIN: '1234' },
        ...(kind === 'hsm' ? { pkcs11: { module, token, keyLabel: `bench-${alg}` } } : {}),
      });
    }
    const csrs: VerifiedCsr[] = [];
    for (let i = 0; i < 2 * (ROUNDS * per + 11); i++)
      csrs.push(await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', `h${i}`]] })));
    let next = 0;
    const tbs = crypto.randomBytes(400);
    for (const kind of kinds) {
      for (let i = 0; i < 10; i++) await cas[kind]!.issue(csrs[next++]!, { deviceUid: `warm-${next}` });
      await cas[kind]!.issue(csrs[next++]!, { deviceUid: `revoked-${kind}` });
      await cas[kind]!.revoke({ deviceUid: `revoked-${kind}` }, { reason: 'keyCompromise' });
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of r % 2 ? [...kinds].reverse() : kinds) {
        const ca = cas[kind]!;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < per; i++) await ca.issue(csrs[next++]!, { deviceUid: `d-${next}` });
        total.cert[kind] += ms(t0);
        const t1 = process.hrtime.bigint();
        for (let i = 0; i < per; i++) await ca.signer.sign(tbs);
        total.sign[kind] += ms(t1);
        const t2 = process.hrtime.bigint();
        await ca.publishCrl();
        total.crl[kind] += ms(t2);
      }
    }
  } finally {
    for (const ca of Object.values(cas)) ca.close();
    for (const db of dbs) db.close();
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  }
  const n = ROUNDS * per;
  const f = (v: number) => v.toFixed(3).padStart(7);
  console.log(
    `issue ${alg.padEnd(10)} CA  HSM (SoftHSM2/PKCS#11) ${f(total.cert.hsm / n)} ms/cert  vs file key ${f(total.cert.file / n)} ms/cert   bare signature ${f(total.sign.hsm / n)} vs ${f(total.sign.file / n)} ms   CRL ${f(total.crl.hsm / ROUNDS)} vs ${f(total.crl.file / ROUNDS)} ms   (${n} certs each, in-memory DB)`,
  );
}

console.log(
  `node ${process.version}, ${os.cpus().length} cpus, ${crypto.getFips() ? 'FIPS' : 'default'} OpenSSL ${process.versions.openssl}`,
);
for (const spec of ['p256', 'p384', 'rsa2048', 'ed25519'] as const) await benchCsr(spec);
for (const alg of ['ECDSA-P256', 'RSA-2048'] as const) {
  await benchIssue(alg, false);
  await benchIssue(alg, true);
}
let module: string | undefined;
try {
  module = softHsmModule();
} catch (e) {
  console.log(`HSM vs file: skipped (${(e as Error).message})`);
}
if (module) {
  const hsm = makeSoftHsm('bench-ca', '1234');
  try {
    for (const alg of ['ECDSA-P256', 'RSA-2048'] as const) await benchHsmVsFile(alg, 'bench-ca', module);
  } finally {
    hsm.remove();
  }
}
