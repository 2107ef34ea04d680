/**
 * The `app://` protocol handler body (Electron security checklist item 18): answers a request for
 * `app://bundle/<path>` with the file from the packaged renderer folder, or 404. Every response
 * carries the Content-Security-Policy, `X-Content-Type-Options: nosniff` and the file's content type.
 * Plain Node (global fetch `Response`); main.ts passes it to `protocol.handle`.
 */
import fs from 'node:fs';
import { contentSecurityPolicy, mimeTypeOf, resolveAppFile, APP_ORIGIN } from './security';

/** Headers sent with every app:// response. */
function baseHeaders(): Record<string, string> {
  return { 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' };
}

function notFound(): Response {
  return new Response('Not found', {
    status: 404,
    headers: { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Serves one app:// request from `rendererDir` (dist/renderer). GET/HEAD only (others get 405).
 * Never throws: a refused URL ({@link resolveAppFile}) or a missing/unreadable file is a 404.
 */
export async function serveAppRequest(
  request: { url: string; method?: string },
  rendererDir: string,
  appOrigin: string = APP_ORIGIN,
): Promise<Response> {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return new Response('Method not allowed', {
      status: 405,
      headers: { ...baseHeaders(), Allow: 'GET, HEAD' },
    });
  }
  const file = resolveAppFile(request.url, rendererDir, appOrigin);
  if (!file) return notFound();
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile()) return notFound();
    const body = method === 'HEAD' ? null : await fs.promises.readFile(file);
    return new Response(body, {
      status: 200,
      headers: { ...baseHeaders(), 'Content-Type': mimeTypeOf(file), 'Content-Length': String(stat.size) },
    });
  } catch {
    return notFound();
  }
}
