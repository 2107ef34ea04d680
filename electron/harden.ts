/**
 * Installs the handlers of electron/security.ts on Electron objects: every webContents (main.ts calls
 * {@link hardenWebContents} from `app.on('web-contents-created')`, so windows, frames and anything
 * created later are covered) and every session ({@link hardenSession}). Type-only Electron imports:
 * the wiring is unit-tested with recording stand-ins.
 */
import type { Session, WebContents } from 'electron';
import {
  APP_ORIGIN,
  DEFAULT_EXTERNAL_ORIGINS,
  denyDeviceSelection,
  devicePermissionHandler,
  navigationGuard,
  permissionCheckHandler,
  permissionRequestHandler,
  willAttachWebview,
  windowOpenHandler,
  withCspHeader,
  type OpenExternal,
} from './security';

/** The webContents methods the hardening uses. */
export type HardenableContents = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;
/** The session methods the hardening uses. */
export type HardenableSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'
> & { webRequest: Pick<Session['webRequest'], 'onHeadersReceived'> };

/**
 * Denies new windows (allow-listed https links go to the system browser), blocks navigation off the
 * app origin (`will-navigate`, `will-redirect`, `will-frame-navigate`) and every `<webview>`.
 */
export function hardenWebContents(
  contents: HardenableContents,
  openExternal: OpenExternal,
  allowedExternalOrigins: readonly string[] = DEFAULT_EXTERNAL_ORIGINS,
  appOrigin: string = APP_ORIGIN,
): void {
  contents.setWindowOpenHandler(windowOpenHandler(openExternal, allowedExternalOrigins));
  const guard = navigationGuard(appOrigin);
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-redirect', (event, url) => guard(event, url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  contents.on('will-attach-webview', (event) => willAttachWebview(event));
}

/**
 * Denies every permission request and check, every WebSerial/WebHID/WebUSB device, and forces the
 * Content-Security-Policy header on every response of the session.
 */
export function hardenSession(ses: HardenableSession): void {
  ses.setPermissionRequestHandler(permissionRequestHandler);
  ses.setPermissionCheckHandler(permissionCheckHandler);
  ses.setDevicePermissionHandler(devicePermissionHandler);
  ses.on('select-serial-port', (event, _ports, _wc, callback) => denyDeviceSelection(event, callback));
  ses.on('select-hid-device', (event, _details, callback) => denyDeviceSelection(event, callback));
  ses.on('select-usb-device', (event, _details, callback) => denyDeviceSelection(event, callback));
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withCspHeader(details.responseHeaders) }),
  );
}
