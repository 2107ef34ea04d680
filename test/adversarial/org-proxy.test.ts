/**
 * Attack: the lying org, through a real HTTP reverse proxy (./org-proxy.ts) between the station and the
 * org emulator, which rewrites the emulator's answers: another record's Id in the upsert answer, a
 * 300 MB body, a 307 to another host, a forged or replayed asset token. The emulator names the proxy as
 * its instance (asset tokens' `iss` included), so the honest path through the proxy succeeds and every
 * attack is the proxy's doing alone. Real station, PTY devices, unmodified jsforce.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../dev/embedded';
import { jsonOf, startOrgProxy, streamHuge, type OrgProxy, type ProxiedRequest } from './org-proxy';

const envs: Embedded[] = [];
const proxies: OrgProxy[] = [];
const servers: http.Server[] = [];
const dirs: string[] = [];

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (proxies.length) await proxies.pop()!.stop();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A station whose org is reached only through the proxy; RSA devices (they get asset tokens). */
async function throughProxy(devices = 1) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-proxy-'));
  dirs.push(home);
  const proxy = await startOrgProxy();
  proxies.push(proxy);
  const env = await startEmbedded({
    home,
    devices,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 50,
    watch: false,
    orgFront: proxy,
  });
  envs.push(env);
  expect((await env.station.getOrgStatus({})).instanceUrl).toBe(proxy.url);
  const bays = await env.station.listBays({});
  const run = async (i = 0) =>
    env.station.waitForJob((await env.station.startJob({ bayId: bays[i]!.id, kind: 'provision' })).id);
  return { env, proxy, bays, run };
}

const isComposite = (r: ProxiedRequest) => r.method === 'POST' && /\/composite$/.test(r.path.split('?')[0]!);
const isExchange = (r: ProxiedRequest) =>
  r.path.startsWith('/services/oauth2/token') && r.body.toString().includes('token-exchange');

/** A listener on another host name (localhost, not 127.0.0.1) that records what reaches it. */
async function elsewhere() {
  const seen: Array<{ path: string; authorization?: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        path: req.url ?? '',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        body: Buffer.concat(chunks).toString(),
      });
      res.end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, seen };
}

describe('adversarial: the lying org through an HTTP proxy', () => {
  it('the honest proxy: the job finishes, its asset token names the proxy as issuer', async () => {
    const { env, proxy, bays, run } = await throughProxy();
    const issuers: unknown[] = [];
    proxy.rewrite = (req, answer) => {
      if (!isExchange(req)) return undefined;
      const token = (jsonOf(answer.body) as { access_token: string }).access_token;
      issuers.push((jsonOf(Buffer.from(token.split('.')[1]!, 'base64url')) as { iss: unknown }).iss);
      return undefined;
    };
    const job = await run();
    expect(job.state).toBe('succeeded');
    expect(job.steps.find((s) => s.name === 'asset-token')?.state).toBe('done');
    expect(issuers).toEqual([proxy.url]);
    expect(env.sim.device(bays[0]!.device!.uid).snapshot().assetId).toBe(env.org.assets()[0]!.Id);
    expect(proxy.seen.some((s) => s.path.includes('/composite'))).toBe(true);
  }, 90_000);

  it("another record's Id in the upsert answer: ORG_INCONSISTENT, nothing written to the device", async () => {
    const { env, proxy, bays, run } = await throughProxy();
    const victim = env.org.seedAsset({
      Name: 'someone else',
      AccountId: env.org.defaultAccountId,
      Device_UID__c: 'OTHER-0001',
    });
    proxy.rewrite = (req, answer) => {
      if (!isComposite(req)) return undefined;
      const doc = jsonOf(answer.body) as {
        compositeResponse?: Array<{ referenceId: string; body: { id?: string } }>;
      };
      const up = doc?.compositeResponse?.find((r) => r.body && typeof r.body.id === 'string');
      if (!up) return undefined;
      up.body.id = victim.Id;
      return { ...answer, body: Buffer.from(JSON.stringify(doc)) };
    };
    const job = await run();
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ORG_INCONSISTENT');
    expect(job.error?.message).toContain(victim.Id);
    expect(env.sim.device(bays[0]!.device!.uid).snapshot().assetId).toBeUndefined();
  }, 90_000);

  it('a 300 MB answer to the upsert: read stops at the cap, nothing used, the job fails for a person to look', async () => {
    const { env, proxy, bays, run } = await throughProxy();
    const sent = { bytes: 0 };
    proxy.intercept = (req, res) => {
      if (!isComposite(req)) return false;
      streamHuge(res, 300 * 1024 * 1024, sent);
      return true;
    };
    const job = await run();
    // not read whole, not used; and not parked as an outage: an oversized answer is something between the
    // station and Salesforce misbehaving, which waiting will not cure (a person checks the network)
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ORG_CONFIG');
    expect(job.error?.message).toMatch(/larger than \d+ bytes, so the station stopped reading/);
    expect(env.org.assets()).toHaveLength(0);
    expect(sent.bytes).toBeLessThan(32 * 1024 * 1024); // the cap plus socket buffers, not 300 MB
    expect(env.sim.device(bays[0]!.device!.uid).snapshot().assetId).toBeUndefined();
  }, 120_000);

  it('a 307 to another host for the upsert: refused naming the host, nothing (no session) reaches it', async () => {
    const { env, proxy, bays, run } = await throughProxy();
    const other = await elsewhere();
    proxy.intercept = (req, res) => {
      if (!isComposite(req)) return false;
      res.writeHead(307, { location: `${other.url}${req.path}` });
      res.end();
      return true;
    };
    const job = await run();
    expect(job.state).toBe('failed'); // not an outage to wait out: a redirect needs a person (reconnect or check the proxy)
    expect(job.error?.code).toBe('ORG_CONFIG');
    expect(job.error?.message).toMatch(
      /redirect to localhost:\d+ \(HTTP 307\); the station does not follow redirects, so nothing was sent there/,
    );
    expect(env.org.assets()).toHaveLength(0);
    expect(other.seen).toHaveLength(0);
    expect(env.sim.device(bays[0]!.device!.uid).snapshot().assetId).toBeUndefined();
  }, 90_000);

  it('an asset token re-signed by the proxy with its own key under the org kid: refused, nothing written', async () => {
    const { env, proxy, bays, run } = await throughProxy();
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    proxy.rewrite = (req, answer) => {
      if (!isExchange(req)) return undefined;
      const doc = jsonOf(answer.body) as { access_token: string };
      const [h, p] = doc.access_token.split('.');
      const input = `${h}.${p}`;
      const sig = crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');
      doc.access_token = `${input}.${sig}`;
      return { ...answer, body: Buffer.from(JSON.stringify(doc)) };
    };
    const job = await run();
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ASSET_TOKEN_INVALID');
    expect(job.error?.details).toMatchObject({ rule: 'signature' });
    const snap = env.sim.device(bays[0]!.device!.uid).snapshot();
    expect(snap.assetId).toBeUndefined();
  }, 90_000);

  it("another device's genuine asset token replayed by the proxy: refused, nothing written", async () => {
    const { env, proxy, bays, run } = await throughProxy(2);
    let captured: string | undefined;
    proxy.rewrite = (req, answer) => {
      if (!isExchange(req)) return undefined;
      const doc = jsonOf(answer.body) as { access_token: string };
      if (!captured) {
        captured = doc.access_token; // the first device's genuine token passes through
        return undefined;
      }
      doc.access_token = captured;
      return { ...answer, body: Buffer.from(JSON.stringify(doc)) };
    };
    expect((await run(0)).state).toBe('succeeded');
    const job = await run(1);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ASSET_TOKEN_INVALID');
    expect(job.error?.details).toMatchObject({ rule: 'did' });
    expect(env.sim.device(bays[1]!.device!.uid).snapshot().assetId).toBeUndefined();
  }, 120_000);
});
