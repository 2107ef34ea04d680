/**
 * Salesforce REST calls per provisioned device, single and batched, against the org emulator
 * (sim/org) through the real OrgClient. Prints figures; asserts nothing.
 *
 * Per device the saga calls: checkClone (1 SOQL query) → upsertAsset (1 Composite call: the upsert —
 * one PATCH, or a share of one Collections upsert when bays are batched — and its check by external ID) → [asset token: exchange (token endpoint, not a REST call),
 * validate (keys fetched once per client)] → findAssetByUid for verify (1 SOQL query).
 *
 * Run: npx tsx bench/salesforce.bench.ts [devices=8] [latencyMs=20]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrgEmulator } from '../sim/org';
import { OrgClient, type AssetFacts } from '../core/salesforce';
import { defaultConfig } from '../core/config';
import { FileVault, SECRET_NAMES } from '../core/secrets';

const N = Number(process.argv[2] ?? 8);
const LATENCY = Number(process.argv[3] ?? 20);
const AUD = 'https://asset-station.invalid/devices';

const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = device.publicKey.export({ format: 'jwk' });

function facts(uid: string): AssetFacts {
  return {
    deviceUid: uid,
    model: 'AS-SIM-1',
    certSerial: hex(uid).slice(0, 32),
    certFingerprint: hex(`c${uid}`),
    keyFingerprint: hex(`k${uid}`),
    notAfter: '2031-01-01T00:00:00Z',
    firmware: '1.0.0',
    stationId: 'bench',
    provisionedBy: 'bench',
    provisionedAt: new Date().toISOString(),
  };
}

interface Ops {
  checkClone: OrgClient['checkClone'];
  upsert: (f: AssetFacts) => Promise<{ id: string }>;
  findAssetByUid: OrgClient['findAssetByUid'];
}

async function provision(client: OrgClient, uid: string, ops: Ops, token: boolean) {
  await ops.checkClone({ deviceUid: uid, keyFingerprint: hex(`k${uid}`), reprovision: false });
  const { id } = await ops.upsert(facts(uid));
  if (token) {
    const u = client.buildActorToken({ did: uid, name: uid, assetId: id, serialNumber: uid, jwk });
    const actor = u.finish(crypto.sign('sha256', Buffer.from(u.signingInput), device.privateKey));
    const issued = await client.exchangeAssetToken(actor);
    await client.validateAssetToken(issued.assetToken, { audience: AUD });
  }
  await ops.findAssetByUid(uid);
}

async function main() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const emu = await startOrgEmulator({
    jwtBearerCertPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    assetAudience: AUD,
    latencyMs: LATENCY,
  });
  const cfg = {
    ...defaultConfig().salesforce,
    loginUrl: emu.baseUrl,
    clientId: emu.clientId,
    authFlow: 'jwt' as const,
    username: emu.adminUsername,
    accountId: emu.defaultAccountId,
    productByModel: { 'AS-SIM-1': emu.productIds['AS-SENSOR-1']! },
    assetTokens: { enabled: true, audience: AUD },
  };
  const rows: string[] = [];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-sf-bench-'));
  const run = async (label: string, mode: 'single' | 'batched' | 'all-batched', token: boolean) => {
    // the station's own vault (its key is derived once per run, before the clock starts)
    const secrets = FileVault.inHome(fs.mkdtempSync(path.join(home, 'run-')), 'bench-only-passphrase');
    await secrets.set(SECRET_NAMES.orgJwtKey, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const client = await OrgClient.loginWithJwtBearer(cfg, secrets);
    const base = { ...client.stats };
    const apiBefore = emu.stats().apiUsed;
    const prefix = `B${rows.length}-${Date.now().toString(36)}-`;
    const t0 = performance.now();
    if (mode === 'single') {
      const ops: Ops = {
        checkClone: (a) => client.checkClone(a),
        upsert: (f) => client.upsertAsset(f),
        findAssetByUid: (u) => client.findAssetByUid(u),
      };
      for (let i = 0; i < N; i++) await provision(client, `${prefix}${i}`, ops, token);
    } else {
      const b = client.batcher({ windowMs: 50 });
      const l = mode === 'all-batched' ? client.lookups({ windowMs: 50 }) : undefined;
      const ops: Ops = {
        checkClone: (a) => (l ? l.checkClone(a) : client.checkClone(a)),
        upsert: (f) => b.upsert(f),
        findAssetByUid: (u) => (l ? l.findAssetByUid(u) : client.findAssetByUid(u)),
      };
      await Promise.all(Array.from({ length: N }, (_, i) => provision(client, `${prefix}${i}`, ops, token)));
    }
    const ms = performance.now() - t0;
    const rest = client.stats.restCalls - base.restCalls;
    const tok = client.stats.tokenCalls - base.tokenCalls;
    const other = client.stats.otherCalls - base.otherCalls;
    const api = emu.stats().apiUsed - apiBefore;
    rows.push(
      [
        label.padEnd(30),
        String(N).padStart(3),
        (rest / N).toFixed(2).padStart(10),
        (api / N).toFixed(2).padStart(12),
        (tok / N).toFixed(2).padStart(11),
        String(other).padStart(6),
        (ms / N).toFixed(1).padStart(10),
      ].join(' '),
    );
  };
  await run('sequential, no asset token', 'single', false);
  await run('sequential, asset token', 'single', true);
  await run('concurrent, upserts batched', 'batched', false);
  await run('concurrent, all batched', 'all-batched', false);
  await run('concurrent, all batched+token', 'all-batched', true);
  console.log(
    `Salesforce calls per provisioned device (org emulator, ${LATENCY} ms latency per response, ${N} devices)`,
  );
  console.log(
    ['mode'.padEnd(30), '  N', ' REST/dev', ' API used/dev', ' token/dev', ' other', '  ms/dev'].join(' '),
  );
  for (const r of rows) console.log(r);
  console.log(
    "REST = /services/data calls counted by the client; API used = the org's Sforce-Limit-Info counter;",
  );
  console.log(
    'token = /services/oauth2/token (login + asset-token exchange); other = /id/keys fetches (once per client).',
  );
  await emu.stop();
  fs.rmSync(home, { recursive: true, force: true });
}

await main();
