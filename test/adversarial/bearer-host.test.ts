/**
 * Attack: lead the station to send its Salesforce session to a host other than the org's instance. The
 * asset-token exchange carries the session in its body (`subject_token`), so a configured exchange URL
 * on another host, or a redirect to one, would hand the session over. Each is refused before anything is
 * sent: a listener on the other host records every Authorization header and body it receives, and
 * receives nothing. (REST calls with a bearer header: test/adversarial/org-io.test.ts; redirects of a
 * whole station's calls: test/adversarial/org-proxy.test.ts.) Org emulator over HTTP, unmodified jsforce.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startOrgEmulator } from '../../sim/org';
import { AUDIENCE, caught, JWT_KEYS, jwtClient, orgClientSuite } from '../integration/salesforce/helpers';
import { startOrgProxy } from './org-proxy';

const suite = orgClientSuite();
const servers: http.Server[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A listener recording what reaches it; `answer` handles each request (default `{}`). */
async function listener(answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
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
      if (answer) answer(req, res);
      else res.end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, seen };
}

describe('adversarial: the session goes to the instance only', () => {
  it('an asset-token exchange URL on another host is refused before anything is sent', async () => {
    const other = await listener();
    const { client } = await suite.jwtClient({}, { assetTokenUrl: other.url });
    const e = await caught(client.assetTokens.exchange('actor.token.here'));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(
      /refused to send its Salesforce session to localhost:\d+ to exchange the asset token/,
    );
    expect(e.message).toContain(new URL(suite.emu.baseUrl).host);
    expect(e.remedy).toMatch(/Reconnect the org/);
    expect(other.seen).toEqual([]);
  });

  it('a redirect of the exchange to another host is not followed: the session never reaches it', async () => {
    const other = await listener();
    // the org sits behind a proxy (its instance URL is the proxy's), which answers the exchange with a
    // 307 to the other host (307 keeps method and body: the subject token would go along)
    const proxy = await startOrgProxy();
    const emu = await startOrgEmulator({
      jwtBearerCertPem: JWT_KEYS.publicPem,
      assetAudience: AUDIENCE,
      publicUrl: proxy.url,
    });
    stops.push(
      () => emu.stop(),
      () => proxy.stop(),
    );
    proxy.forwardTo(`http://127.0.0.1:${emu.port}`);
    proxy.intercept = (req, res) => {
      if (!req.body.toString().includes('token-exchange')) return false;
      res.writeHead(307, { location: `${other.url}${req.path}` });
      res.end();
      return true;
    };
    const { client } = await jwtClient(emu);
    expect(client.session.instanceUrl).toBe(proxy.url);
    const e = await caught(client.assetTokens.exchange('actor.token.here'));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(/redirect to localhost:\d+ \(HTTP 307\)/);
    expect(proxy.seen.filter((r) => r.path.startsWith('/services/oauth2/token')).length).toBeGreaterThan(0);
    expect(other.seen).toEqual([]);
  });

  it('the exchange on the instance itself is sent (the check lets the org through)', async () => {
    const { client } = await suite.jwtClient({}, { assetTokenUrl: `${suite.emu.baseUrl}/` });
    const e = await caught(client.assetTokens.exchange('actor.token.here'));
    // the emulator received it and refused the made-up actor token
    expect(e.code).toBe('ASSET_TOKEN_REJECTED');
  });
});
