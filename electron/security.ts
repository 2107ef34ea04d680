/**
 * The hardening of the Electron shell as plain functions: window options, the Content-Security-Policy,
 * and every handler main.ts installs on sessions and webContents. Nothing here runs at import and
 * nothing here needs the Electron runtime (types only), so each item of Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security, items 1–20) is asserted by unit tests in
 * test/unit/electron/security.test.ts. docs/security.md maps every checklist item to its enforcement.
 */
import path from 'node:path';
import type { BrowserWindowConstructorOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { CSP_DIRECTIVES } from '../shared/csp';

/** Custom scheme the packaged renderer is served from (checklist item 18: no file://). */
export const APP_SCHEME = 'app';
/** Host part of the app origin. */
export const APP_HOST = 'bundle';
/** The only origin the shell trusts: `app://bundle`. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL the main window loads: dist/renderer/index.html served by the `app://` handler. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Login hosts of Salesforce that may be opened in the system browser. The configured org login URL
 * (StationConfig.salesforce.loginUrl, e.g. a My Domain) is added at runtime by main.ts.
 */
export const DEFAULT_EXTERNAL_ORIGINS: readonly string[] = [
  'https://login.salesforce.com',
  'https://test.salesforce.com',
];

/**
 * Serialised origin of a URL, also for custom schemes (WHATWG `URL.origin` is the opaque `"null"` for
 * non-special schemes such as `app:`, so it is rebuilt as `scheme://host[:port]`, lower-case).
 * Returns `undefined` for an unparsable URL. `file:` URLs give `"file://"` (never the app origin).
 */
export function originOf(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  return `${u.protocol}//${u.host}`.toLowerCase();
}

/**
 * Options of the main window (checklist items 2–4, 6, 8–11). `show: false` until `ready-to-show`
 * avoids a white flash; sizes are in DIP pixels.
 * @param preloadPath absolute path of the sandboxed preload bundle (dist/electron/preload.cjs).
 * @param opts.devTools whether DevTools may open (main.ts: only when the app is not packaged).
 */
export function windowOptions(
  preloadPath: string,
  opts: { devTools?: boolean } = {},
): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#0f172a',
    title: 'Asset Station',
    autoHideMenuBar: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      disableBlinkFeatures: 'Auxclick',
      devTools: opts.devTools ?? false,
    },
  };
}

/** CSP directives (checklist item 7): defined once in shared/csp.ts, re-exported for the shell. */
export { CSP_DIRECTIVES };

/**
 * The Content-Security-Policy of the renderer, as one header value:
 * `default-src 'none'; script-src 'self'; …`. Sent as a response header by main.ts for every app://
 * response and `session.webRequest.onHeadersReceived`, and repeated in renderer/index.html's meta tag
 * (where `frame-ancestors` is ignored by browsers, hence the header).
 */
export function contentSecurityPolicy(): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Headers of a response with the CSP forced on (replacing any CSP the response carried, whatever the
 * header's case). Used by the `onHeadersReceived` listener.
 */
export function withCspHeader(
  headers: Record<string, string[] | string> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [contentSecurityPolicy()];
  return out;
}

/**
 * Navigation guard (checklist item 13): true only for a URL on the app origin (`app://bundle/...`).
 * Everything else — https, http, file:, data:, javascript:, another app host — is refused.
 */
export function isAllowedNavigation(url: string, appOrigin: string = APP_ORIGIN): boolean {
  const origin = originOf(url);
  return origin !== undefined && origin === appOrigin.toLowerCase();
}

/**
 * True when `url` may be handed to the system browser (checklist item 15): an `https:` URL without
 * credentials whose origin is in `allowedOrigins` (exact origin match, so `login.salesforce.com.evil.io`
 * does not pass).
 */
export function isAllowedExternal(url: string, allowedOrigins: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '') return false;
  const allowed = new Set(allowedOrigins.map((o) => originOf(o)).filter((o) => o !== undefined));
  return allowed.has(u.origin.toLowerCase());
}

/**
 * True when the core may open `url` in the system browser for the operator login (PKCE, RFC 7636):
 * an `https:` URL, or an `http:` URL on the loopback interface (127.0.0.1, [::1], localhost — the
 * local org emulator; RFC 8252 §7.3 treats loopback as local to the device). Never file:, data: or
 * custom schemes.
 */
export function isAllowedLoginUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username !== '' || u.password !== '') return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
}

/** What the window-open handler needs: the system-browser opener (Electron's `shell.openExternal`). */
export type OpenExternal = (url: string) => Promise<void>;

/**
 * Builds the handler for `webContents.setWindowOpenHandler` (checklist item 14): every new window is
 * denied; an allow-listed https URL ({@link isAllowedExternal}) is opened in the system browser instead.
 * Failures of the opener are logged, never thrown into Electron.
 */
export function windowOpenHandler(
  openExternal: OpenExternal,
  allowedOrigins: readonly string[] = DEFAULT_EXTERNAL_ORIGINS,
): (details: Pick<HandlerDetails, 'url'>) => WindowOpenHandlerResponse {
  return (details) => {
    if (isAllowedExternal(details.url, allowedOrigins)) {
      openExternal(details.url).catch((e: unknown) =>
        console.error(`asset-station: could not open ${details.url} in the browser: ${String(e)}`),
      );
    }
    return { action: 'deny' };
  };
}

/**
 * Handler for `session.setPermissionRequestHandler` (checklist item 5): denies every permission
 * (media, geolocation, notifications, openExternal, fileSystem, …). The renderer needs none: device
 * I/O (serial, HID, USB) runs in the main process through the station core.
 */
export function permissionRequestHandler(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** Handler for `session.setPermissionCheckHandler`: every check (incl. serial, hid, usb) is false. */
export function permissionCheckHandler(): boolean {
  return false;
}

/** Handler for `session.setDevicePermissionHandler`: no WebSerial/WebHID/WebUSB device is ever granted. */
export function devicePermissionHandler(): boolean {
  return false;
}

/**
 * Listener for the session's `select-serial-port` / `select-hid-device` / `select-usb-device` events:
 * takes over the chooser (preventDefault) and cancels it (empty id), so no web page picks a device.
 */
export function denyDeviceSelection(event: { preventDefault(): void }, ...rest: unknown[]): void {
  event.preventDefault();
  const callback = rest.find((x): x is (id: string) => void => typeof x === 'function');
  callback?.('');
}

/** Listener for `will-attach-webview` (checklist items 11–12): no `<webview>` is ever attached. */
export function willAttachWebview(event: { preventDefault(): void }): void {
  event.preventDefault();
}

/**
 * Listener for `will-navigate` / `will-redirect` / `will-frame-navigate`: prevents any navigation off
 * the app origin (checklist item 13).
 */
export function navigationGuard(
  appOrigin: string = APP_ORIGIN,
): (event: { preventDefault(): void; url?: string }, url?: string) => void {
  return (event, url) => {
    const target = url ?? event.url ?? '';
    if (!isAllowedNavigation(target, appOrigin)) event.preventDefault();
  };
}

/** The part of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/**
 * IPC sender validation (checklist item 17): true only for the top frame (no parent) of a document on
 * the app origin. A null frame (navigated away or destroyed), a sub-frame, or any other origin is refused.
 */
export function isTrustedSender(
  frame: FrameLike | null | undefined,
  appOrigin: string = APP_ORIGIN,
): boolean {
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAllowedNavigation(frame.url, appOrigin);
}

/**
 * Maps an `app://bundle/<path>` URL to a file under `rootDir` (dist/renderer), or `undefined` when the
 * URL is on another origin or escapes the root (`..`, encoded `%2e%2e`, absolute paths, NUL bytes).
 * The directory URL `app://bundle/` maps to index.html. Checklist item 18: the custom protocol serves
 * only the packaged renderer.
 */
export function resolveAppFile(
  url: string,
  rootDir: string,
  appOrigin: string = APP_ORIGIN,
): string | undefined {
  if (!isAllowedNavigation(url, appOrigin)) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  return file;
}

/** Content types of the files the renderer bundle contains (by extension, lower-case). */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
};

/** Content type for a file path; `application/octet-stream` when unknown. */
export function mimeTypeOf(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
