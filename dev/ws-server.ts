/**
 * The browser harness: serves the built renderer and carries the station API over a WebSocket, so the
 * real React app runs in a plain browser (development, Playwright e2e) against a real station core.
 *
 * Security: bound to 127.0.0.1 only; a random 256-bit token per run, presented by the page as a
 * WebSocket subprotocol (`token.<base64url>`) and compared in constant time; the Origin must be the
 * harness's own; every message is validated with the shared schemas (shared/api-server.ts) in both
 * directions; frames over 1 MiB are refused by ws (the connection is closed, 1009); only requests whose
 * Host is `127.0.0.1:<port>` or `localhost:<port>` are served (DNS rebinding: a hostile page on another
 * name that resolves to 127.0.0.1 gets 421). No request can take the process down: bad percent-encoding
 * is a 400, socket errors are logged (issue 11).
 *
 * The page learns the token from the URL fragment (`/#token=…`), which browsers never send to servers
 * and which the renderer removes from the address bar at once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CallMessage, type StationMethods } from '../shared/api';
import { dispatchCall, validateEvent } from '../shared/api-server';
import { StationError } from '../shared/errors';
import type { Station } from '../core/station';
import { CSP_DIRECTIVES } from '../shared/csp';

/** WebSocket subprotocol naming the API version; the token travels as a second subprotocol. */
export const HARNESS_PROTOCOL = 'asset-station.v1';

export interface HarnessOptions {
  station: Station;
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Where refused requests and socket errors are reported (default: console.warn). */
  log?: (message: string) => void;
}

export interface Harness {
  /** Page URL including the token fragment: open this in a browser. */
  url: string;
  origin: string;
  token: string;
  port: number;
  /** Open WebSocket connections (for tests). */
  readonly clients: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The Electron window's CSP (electron/security.ts), plus the harness's own WebSocket origin in connect-src. */
function harnessCsp(wsOrigin: string): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(
      ([name, sources]) => `${name} ${[...sources, ...(name === 'connect-src' ? [wsOrigin] : [])].join(' ')}`,
    )
    .join('; ');
}

function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * Starts the harness. @throws StationError INTERNAL when the renderer is not built (with the command to build it).
 */
export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const staticDir = path.resolve(opts.staticDir);
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new StationError(
      'INTERNAL',
      `The renderer is not built: ${path.join(staticDir, 'index.html')} is missing.`,
      'Run `npm run build` first (it builds the renderer into dist/renderer).',
    );
  }
  const token = crypto.randomBytes(32).toString('base64url');
  let origin = '';
  let port = 0;
  const log = opts.log ?? ((m: string) => console.warn(`[harness] ${m}`));
  /** The Host header names this harness (127.0.0.1 or localhost, its port). */
  const hostAllowed = (host: string | undefined) =>
    host === `127.0.0.1:${port}` || host === `localhost:${port}`;

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host)) {
      log(`refused a request for host ${JSON.stringify(String(req.headers.host ?? '').slice(0, 100))}`);
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      log('refused a request with bad percent-encoding');
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticDir, '.' + rel);
    const inside = file === staticDir || file.startsWith(staticDir + path.sep);
    if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile() || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': harnessCsp(origin.replace(/^http/, 'ws')),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    fs.createReadStream(file)
      .on('error', (e) => {
        log(`could not read ${rel}: ${e.message}`);
        res.destroy();
      })
      .pipe(res);
  });
  server.on('clientError', (e, socket) => {
    log(`bad HTTP request: ${e.message}`);
    socket.destroy();
  });

  const wss = new WebSocketServer({
    server,
    path: '/station',
    maxPayload: 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(HARNESS_PROTOCOL) ? HARNESS_PROTOCOL : false),
    verifyClient: (info, cb) => {
      const offered = String(info.req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim());
      const presented = offered.find((p) => p.startsWith('token.'))?.slice('token.'.length) ?? '';
      if (!offered.includes(HARNESS_PROTOCOL) || !tokenMatches(presented, token))
        return cb(false, 401, 'bad token');
      if (!hostAllowed(info.req.headers.host)) return cb(false, 421, 'misdirected request');
      if (info.origin && info.origin !== origin) return cb(false, 403, 'bad origin');
      cb(true);
    },
  });

  const sockets = new Set<WebSocket>();
  const unsubscribe = opts.station.subscribe((event, payload) => {
    const valid = validateEvent(event, payload);
    if (valid === undefined) return;
    const frame = JSON.stringify({ type: 'event', event, payload: valid });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  wss.on('error', (e) => log(`WebSocket server error: ${e.message}`));
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // an oversized frame (ws closes with 1009) or a broken frame: logged, the connection closed, never thrown
    ws.on('error', (e) => log(`WebSocket connection closed: ${e.message}`));
    ws.on('message', async (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'malformed JSON');
      }
      const call = CallMessage.safeParse(msg);
      if (!call.success) return ws.close(1007, 'malformed call');
      let outcome;
      try {
        outcome = await dispatchCall(
          opts.station as unknown as StationMethods,
          call.data.method,
          call.data.params,
        );
      } catch (e) {
        log(`call ${call.data.method} failed: ${(e as Error).message}`);
        return ws.close(1011, 'internal error');
      }
      if (ws.readyState === ws.OPEN)
        ws.send(JSON.stringify({ type: 'result', id: call.data.id, ...outcome }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  opts.station.setTransport('websocket');

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port,
    get clients() {
      return sockets.size;
    },
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      // server.close() waits for idle keep-alive HTTP connections (a browser keeps some open):
      // close them so shutting down never hangs.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
