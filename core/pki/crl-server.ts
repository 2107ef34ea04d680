/**
 * A small HTTP server that publishes the station's CRL on the loopback interface (for tests, and for
 * a local relying party such as a reverse proxy that re-publishes it). `GET /crl.der` returns the DER
 * CRL as `application/pkix-crl` (RFC 2585 §4.2, the form a CRL distribution point URI serves, RFC 5280
 * §4.2.1.13); `GET /crl.pem` returns PEM text. Each request asks `source` for the current CRL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StationError } from '../../shared/errors';
import { encodePem } from './pem';

/** A running CRL server. */
export interface CrlServer {
  /** Base URL, e.g. `http://127.0.0.1:8089`; the CRL is at `${url}/crl.der`. */
  url: string;
  port: number;
  /** Stops listening; resolves once closed. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves the CRL over HTTP on a loopback address.
 * @param source returns the current CRL DER (e.g. `() => ca.currentCrl()`); called per request.
 * @param opts `port` (default 0: any free port), `host` (default 127.0.0.1; loopback only).
 * @throws StationError BAD_REQUEST for a non-loopback host; CONFLICT when the port is taken.
 */
export async function serveCrl(
  source: () => Promise<Uint8Array> | Uint8Array,
  opts: { port?: number; host?: string } = {},
): Promise<CrlServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new StationError(
      'BAD_REQUEST',
      `The CRL server only listens on the loopback interface, not on ${host}.`,
      'Use 127.0.0.1, and publish the CRL file (ca/crl.der) through your web server for other machines.',
    );
  }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/crl.der' && path !== '/crl.pem') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('The CRL is at /crl.der (or /crl.pem).\n');
      return;
    }
    Promise.resolve()
      .then(source)
      .then((der) => {
        const body = path === '/crl.der' ? Buffer.from(der) : Buffer.from(encodePem('X509 CRL', der));
        res.writeHead(200, {
          'Content-Type': path === '/crl.der' ? 'application/pkix-crl' : 'application/x-pem-file',
          'Content-Length': body.length,
          'Cache-Control': 'no-cache',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      })
      .catch((e: unknown) => {
        res
          .writeHead(503, { 'Content-Type': 'text/plain' })
          .end(`The CRL is not available: ${(e as Error).message}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new StationError(
              'CONFLICT',
              `Port ${opts.port} is already in use.`,
              'Choose another port with --port.',
            )
          : e,
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
