/**
 * The renderer's Content-Security-Policy directives: only the app's own files; no inline code, no
 * eval, no remote hosts. One source for the Electron window (electron/security.ts sends them as a
 * header and renderer/index.html repeats them in a meta tag) and the browser harness (dev/ws-server.ts
 * adds only its WebSocket origin). Pure data.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
};
