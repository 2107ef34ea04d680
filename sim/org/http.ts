/**
 * HTTP plumbing of the org emulator: reading a request (body size-capped, bearer token from the
 * `Authorization` header or `?oauth_token=`), and writing JSON or HTML answers with the content types
 * Salesforce uses (docs/salesforce-wire.md §8).
 */
import type http from 'node:http';

/** Content type of every JSON answer (docs/salesforce-wire.md §8). */
export const JSON_TYPE = 'application/json;charset=UTF-8';
/** Content type of HTML pages (authorize page, maintenance page). */
export const HTML_TYPE = 'text/html;charset=UTF-8';
/** Largest request body read, bytes. */
const MAX_BODY = 4 * 1024 * 1024;

/** A request as the emulator's routes see it. */
export interface EmuRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** URL path, not decoded, with runs of `/` collapsed to one (sf CLI joins URLs into `//`, which Salesforce accepts). */
  path: string;
  url: URL;
  /** The body as text; '' for GET and HEAD. */
  raw: string;
  /** The bearer token (`Authorization: Bearer|OAuth …`, or `?oauth_token=`), if any. */
  bearer?: string;
}

/**
 * Reads one request.
 * @throws Error when the body is larger than 4 MiB (the connection is destroyed).
 */
export async function readRequest(req: http.IncomingMessage, baseUrl: string): Promise<EmuRequest> {
  // `//services/data` would parse as a host name: collapse runs of `/` in the path first
  const target = (req.url ?? '/').replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, '/'));
  const url = new URL(target, baseUrl);
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
  const h = req.headers.authorization;
  const bearer =
    h && /^(Bearer|OAuth) /i.test(h)
      ? h.replace(/^(Bearer|OAuth) /i, '').trim()
      : (url.searchParams.get('oauth_token') ?? undefined);
  return { method, path: url.pathname, url, raw, ...(bearer ? { bearer } : {}) };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with `body` as JSON; `undefined` → no body (e.g. 204). */
export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': JSON_TYPE, ...headers });
  res.end(JSON.stringify(body));
}

/** Answers with an HTML page. */
export function sendHtml(
  res: http.ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': HTML_TYPE, ...headers });
  res.end(html);
}

/** A promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
