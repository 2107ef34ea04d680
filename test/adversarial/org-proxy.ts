/**
 * A real HTTP reverse proxy for the adversarial suite: the station talks to it as if it were the org,
 * it forwards every request to the org emulator and hands each answer to a rewrite hook before the
 * station sees it — the "something on the path to Salesforce" of issue 11 (a compromised corporate
 * proxy, a TLS-intercepting middlebox). Start it first, start the emulator with `publicUrl` = the
 * proxy's URL (so the instance URL, identity URLs and asset tokens' `iss` name the proxy), then
 * {@link OrgProxy.forwardTo} the emulator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy received it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One answer from the emulator (or the rewritten one). */
export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The running proxy. */
export interface OrgProxy {
  /** `http://127.0.0.1:<port>`: what the station is configured with. */
  url: string;
  /** Every request the proxy received: method, path and whether it carried a bearer token. */
  seen: Array<{ method: string; path: string; auth: boolean }>;
  /** Rewrites the emulator's answer (undefined: unchanged). */
  rewrite?: (req: ProxiedRequest, answer: ProxiedAnswer) => ProxiedAnswer | undefined;
  /** Answers a request itself without asking the emulator (true: handled). */
  intercept?: (req: ProxiedRequest, res: http.ServerResponse) => boolean;
  /** Sets the emulator the proxy forwards to. */
  forwardTo(target: string): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding'];

/** Starts the proxy on a free loopback port. */
export async function startOrgProxy(): Promise<OrgProxy> {
  let target = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const preq: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      proxy.seen.push({ method: preq.method, path: preq.path, auth: !!req.headers.authorization });
      if (proxy.intercept?.(preq, res)) return;
      forward(target, preq)
        .then((answer) => {
          const out = proxy.rewrite?.(preq, answer) ?? answer;
          res.writeHead(out.status, { ...out.headers, 'content-length': String(out.body.length) });
          res.end(out.body);
        })
        .catch((e: Error) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${e.message}`);
        });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const proxy: OrgProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: [],
    forwardTo: (t) => (target = t),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}

/** Sends the request on to the emulator (no compression asked, so answers can be rewritten). */
function forward(target: string, r: ProxiedRequest): Promise<ProxiedAnswer> {
  const headers = { ...r.headers };
  delete headers.host;
  delete headers['accept-encoding'];
  return new Promise((resolve, reject) => {
    const up = http.request(new URL(r.path, target), { method: r.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined && !HOP_BY_HOP.includes(k)) h[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    up.on('error', reject);
    up.end(r.body);
  });
}

/** The JSON of a body, or undefined. */
export function jsonOf(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Streams `total` bytes of a JSON-looking body in 64 KiB chunks, respecting backpressure. */
export function streamHuge(res: http.ServerResponse, total: number, sent: { bytes: number }): void {
  res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.write('{"compositeResponse":[{"body":{"id":"02i000000000001AAA","pad":"');
  const pump = () => {
    while (sent.bytes < total) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}}]}');
  };
  pump();
}
