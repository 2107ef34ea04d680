/**
 * The emulator's HTTP server on 127.0.0.1: reads each request, applies the latency fault (not to the
 * token endpoint, whose grants apply it themselves), hands it to the OAuth, emulator-only and REST routes
 * in turn, and answers 404 NOT_FOUND otherwise (500 UNKNOWN_EXCEPTION if a route throws). Tracks its
 * sockets so that stop() ends at once.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { emulatorRoutes } from './emulator-routes';
import { readRequest, send, sleep, type EmuRequest } from './http';
import { oauthRoutes } from './oauth-routes';
import { restRoutes } from './rest-routes';
import type { EmulatorState } from './state';

type Route = (st: EmulatorState, req: EmuRequest, res: http.ServerResponse) => boolean | Promise<boolean>;

const ROUTES: Route[] = [oauthRoutes, emulatorRoutes, restRoutes];

/** A listening emulator server. */
export interface OrgServer {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  port: number;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1:`port` (0 → any free port) and resolves once it listens.
 * @param onListening receives the base URL before any request is served.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE)
 */
export async function listenOrgServer(
  st: EmulatorState,
  port: number,
  onListening: (baseUrl: string) => void,
): Promise<OrgServer> {
  const server = http.createServer((req, res) => {
    handle(st, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        send(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String((e as Error)?.message ?? e) }]);
      } else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${bound}`;
  onListening(baseUrl);
  return {
    baseUrl,
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function handle(st: EmulatorState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const r = await readRequest(req, st.baseUrl());
  if (st.faults.latencyMs > 0 && !r.path.startsWith('/services/oauth2/token'))
    await sleep(st.faults.latencyMs);
  for (const route of ROUTES) if (await route(st, r, res)) return;
  send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
}
