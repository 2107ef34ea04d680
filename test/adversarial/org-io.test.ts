/**
 * Attack: a rogue "org" (or something on the path to it) answers with a 300 MB body, redirects to
 * another host, or the station is led to send its bearer token elsewhere. Driven through unmodified
 * jsforce (Connection.request with the station's CountingTransport, as RestApi does) against real local
 * HTTP servers: the read stops at the 1 MiB cap with memory bounded, a 307 is refused naming the target
 * host and nothing reaches it, and a bearer token is never sent to a host other than the instance.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from 'jsforce';
import { CountingTransport } from '../../core/salesforce/transport';
import { boundedFetch, DEFAULT_MAX_BODY_BYTES } from '../../core/salesforce/bounded-http';
import { fetchUsername } from '../../core/salesforce/grants';
import type { TokenResponse } from '../../core/salesforce/auth';
import { isStationError, type StationError } from '../../shared/errors';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Rogue {
  url: string;
  /** Requests seen: path and whether they carried an Authorization header. */
  seen: Array<{ path: string; auth: boolean }>;
  /** Body bytes written so far (by the streaming route). */
  sent: { bytes: number };
}

async function rogue(handler: (req: http.IncomingMessage, res: http.ServerResponse, r: Rogue) => void) {
  const r: Rogue = { url: '', seen: [], sent: { bytes: 0 } };
  const server = http.createServer((req, res) => {
    r.seen.push({ path: req.url ?? '', auth: req.headers.authorization !== undefined });
    handler(req, res, r);
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

/** Streams `total` bytes of a JSON-looking body in 64 KiB chunks, respecting backpressure. */
function streamHuge(res: http.ServerResponse, r: Rogue, total: number): void {
  res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.write('{"id":"02i000000000001AAA","pad":"');
  const pump = () => {
    while (r.sent.bytes < total) {
      r.sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  res.on('close', () => (r.sent.bytes = Math.min(r.sent.bytes, total)));
  pump();
}

/** A jsforce call through the station's transport, as RestApi makes it; resolves to the StationError. */
async function callThrough(instanceUrl: string, url: string, opts: { maxBodyBytes?: number } = {}) {
  const stats = { restCalls: 0, tokenCalls: 0, otherCalls: 0 };
  const transport = new CountingTransport(stats, () => {}, { instanceUrl: () => instanceUrl, ...opts });
  const conn = new Connection({ instanceUrl, accessToken: 'SECRET-SESSION', version: '62.0' });
  try {
    await conn.request({ method: 'GET', url }, {
      transport,
      timeout: 20_000,
      retry: { maxRetries: 0 },
    } as never);
  } catch (e) {
    if (isStationError(e)) return e as StationError;
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('adversarial: bounded org I/O', () => {
  it('a 300 MB answer: the read stops at the 1 MiB cap, memory stays bounded', async () => {
    const org = await rogue((_req, res, r) => streamHuge(res, r, 300 * 1024 * 1024));
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const e = await callThrough(org.url, '/services/data/v62.0/composite');
    const grew = process.memoryUsage().rss - rss0;
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(
      new RegExp(`larger than ${DEFAULT_MAX_BODY_BYTES} bytes, so the station stopped reading`),
    );
    expect(e.remedy).toMatch(/proxy/);
    // the server could write at most the cap plus what socket buffers hold, not 300 MB
    expect(org.sent.bytes).toBeLessThan(32 * 1024 * 1024);
    expect(grew).toBeLessThan(100 * 1024 * 1024);
  });

  it('a declared Content-Length over the cap is refused before reading; the cap is configurable', async () => {
    const org = await rogue((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) });
      res.write('{"a":"');
    });
    const e = await callThrough(org.url, '/services/data/v62.0/');
    expect(e.details).toMatchObject({ maxBodyBytes: DEFAULT_MAX_BODY_BYTES });
    const small = await rogue((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pad: 'x'.repeat(5000) }));
    });
    expect((await callThrough(small.url, '/services/data/v62.0/', { maxBodyBytes: 1000 })).message).toMatch(
      /larger than 1000 bytes/,
    );
  });

  it('a 307 to another host is refused, named, and nothing (no token) reaches that host', async () => {
    const elsewhere = await rogue((_req, res) => res.end('{}'));
    const org = await rogue((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/steal` });
      res.end();
    });
    const e = await callThrough(org.url, '/services/data/v62.0/composite');
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(/redirect to localhost:\d+ \(HTTP 307\)/);
    expect(e.message).toMatch(/nothing was sent there/);
    expect(elsewhere.seen).toHaveLength(0);
    expect(org.seen).toEqual([{ path: '/services/data/v62.0/composite', auth: true }]);
  });

  it('the bearer token is only sent to the instance: a call to another host is refused before sending', async () => {
    const org = await rogue((_req, res) => res.end('{}'));
    const elsewhere = await rogue((_req, res) => res.end('{}'));
    const e = await callThrough(org.url, `${elsewhere.url}/services/data/v62.0/`);
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(/refused to send its Salesforce session/);
    expect(elsewhere.seen).toHaveLength(0);
    // without a known instance no bearer request leaves at all
    await expect(
      boundedFetch(
        { method: 'GET', url: `${org.url}/x`, headers: { Authorization: 'Bearer t' }, timeoutMs: 5000 },
        'test',
      ),
    ).rejects.toMatchObject({ code: 'ORG_CONFIG' });
    expect(org.seen).toHaveLength(0);
  });

  it('an honest answer under the cap passes through jsforce unchanged', async () => {
    const org = await rogue((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'sforce-limit-info': 'api-usage=5/100' });
      res.end(JSON.stringify({ ok: true }));
    });
    const transport = new CountingTransport({ restCalls: 0, tokenCalls: 0, otherCalls: 0 }, () => {}, {
      instanceUrl: () => org.url,
    });
    const conn = new Connection({ instanceUrl: org.url, accessToken: 'T', version: '62.0' });
    expect(
      await conn.request({ method: 'GET', url: '/services/data/v62.0/' }, { transport } as never),
    ).toEqual({
      ok: true,
    });
  });

  describe('the identity-URL read (username) is bounded like every other org call', () => {
    const tokenFor = (instance: string, id: string): TokenResponse =>
      ({ access_token: 'SECRET-SESSION', instance_url: instance, id, token_type: 'Bearer' }) as TokenResponse;

    it('reads the username from the instance or the login host', async () => {
      const org = await rogue((_req, res) => res.end(JSON.stringify({ username: 'tech@acme.example' })));
      const login = await rogue((_req, res) => res.end(JSON.stringify({ username: 'login@acme.example' })));
      expect(await fetchUsername(tokenFor(org.url, `${org.url}/id/00D/005`))).toBe('tech@acme.example');
      expect(await fetchUsername(tokenFor(org.url, `${login.url}/id/00D/005`), login.url)).toBe(
        'login@acme.example',
      );
      expect(org.seen).toEqual([{ path: '/id/00D/005', auth: true }]);
      expect(login.seen).toEqual([{ path: '/id/00D/005', auth: true }]);
    });

    it('an identity URL on another host: the session is never sent there', async () => {
      const org = await rogue((_req, res) => res.end('{}'));
      const elsewhere = await rogue((_req, res) => res.end(JSON.stringify({ username: 'x' })));
      expect(await fetchUsername(tokenFor(org.url, `${elsewhere.url}/id/00D/005`), org.url)).toBeUndefined();
      expect(elsewhere.seen).toHaveLength(0);
    });

    it('a redirect is not followed and an oversized identity answer is not read whole', async () => {
      const elsewhere = await rogue((_req, res) => res.end(JSON.stringify({ username: 'stolen' })));
      const org = await rogue((req, res, r) => {
        if (req.url === '/id/redirect') {
          res.writeHead(307, { location: `${elsewhere.url}/steal` });
          return void res.end();
        }
        streamHuge(res, r, 300 * 1024 * 1024);
      });
      expect(await fetchUsername(tokenFor(org.url, `${org.url}/id/redirect`))).toBeUndefined();
      expect(elsewhere.seen).toHaveLength(0);
      expect(await fetchUsername(tokenFor(org.url, `${org.url}/id/huge`))).toBeUndefined();
      expect(org.sent.bytes).toBeLessThan(32 * 1024 * 1024);
      const small = await rogue((_req, res) =>
        res.end(JSON.stringify({ username: 'u', pad: 'x'.repeat(5000) })),
      );
      expect(
        await fetchUsername(tokenFor(small.url, `${small.url}/id/1`), undefined, { maxBodyBytes: 1000 }),
      ).toBeUndefined();
    });
  });
});
