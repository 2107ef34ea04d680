/**
 * Electron main process of Asset Station: app lifecycle, single-instance lock, the hardened window
 * and session, the `app://` protocol serving the packaged renderer, the menu, the station core bound
 * to IPC, and the desktop notification for finished batches.
 *
 * Every security decision lives in plain functions (electron/security.ts, harden.ts, ipc.ts) that are
 * unit-tested under Node; this file only wires them to Electron. Built by scripts/build.mjs into
 * dist/electron/main.cjs (CommonJS, so `__dirname` is dist/electron).
 */
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  protocol,
  safeStorage,
  session,
  shell,
} from 'electron';
import { validateEvent } from '../shared/api-server';
import { isStationError, StationError, toErrorShape, type StationErrorShape } from '../shared/errors';
import { serveAppRequest } from './app-protocol';
import { hardenSession, hardenWebContents } from './harden';
import { bindStationIpc, type StationIpcBinding } from './ipc';
import { menuTemplate } from './menu';
import { batchNotice } from './notify';
import { SafeStorageStore } from './safe-storage-store';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  DEFAULT_EXTERNAL_ORIGINS,
  isAllowedLoginUrl,
  originOf,
  windowOptions,
} from './security';
import { resolveHome } from '../core/home';
import type { SecretStore } from '../core/secrets';
import { Station } from '../core/station';
import { realServices } from '../core/wiring';

/** dist/renderer: the Vite build of renderer/ (the only content the window ever loads). */
const RENDERER_DIR = path.join(__dirname, '..', 'renderer');
/** dist/electron/preload.cjs: the sandboxed preload bundle. */
const PRELOAD_PATH = path.join(__dirname, 'preload.cjs');

/** https origins that may open in the system browser; the configured org login URL is added on start. */
const externalOrigins: string[] = [...DEFAULT_EXTERNAL_ORIGINS];

let mainWindow: BrowserWindow | undefined;
let station: Station | undefined;
let binding: StationIpcBinding | undefined;
/** The desktop SecretStore, or why it is unavailable (shown in the log; the CLI vault remains). */
let secrets: SecretStore | undefined;

// ---- before `ready` ----
// One station home for the desktop and the CLI: --home is a CLI flag; here ASSET_STATION_HOME or the
// OS app-data folder (core/home.ts). On Linux this replaces Electron's "~/.config/Asset
// Station" with the CLI's "~/.config/asset-station".
// Chromium's own data (cache, cookies, local storage) goes to a subfolder, apart from the station's files.
app.setPath('userData', resolveHome());
app.setPath('sessionData', path.join(app.getPath('userData'), 'electron-session'));
app.enableSandbox();
// standard: real origin `app://bundle` (relative URLs, 'self' in the CSP); secure: a secure context;
// corsEnabled: Vite's `<script type="module" crossorigin>` is fetched in CORS mode. No bypassCSP.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
  },
]);

const openExternal = (url: string): Promise<void> => shell.openExternal(url);

// Every webContents (windows, frames, anything created later) gets the same hardening.
app.on('web-contents-created', (_event, contents) => {
  hardenWebContents(contents, openExternal, externalOrigins);
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (station && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  // Close the station (database, devices) before the process exits.
  app.on('will-quit', (event) => {
    binding?.dispose();
    binding = undefined;
    const open = station;
    if (!open) return;
    station = undefined;
    event.preventDefault();
    open
      .close()
      .catch((e: unknown) => console.error(`asset-station: closing the station failed: ${String(e)}`))
      .finally(() => app.quit());
  });
  app.whenReady().then(start, fatal);
}

/** Serves `app://bundle/...` from dist/renderer only, with the CSP header on every response. */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, RENDERER_DIR));
}

function createWindow(): void {
  const win = new BrowserWindow(windowOptions(PRELOAD_PATH, { devTools: !app.isPackaged }));
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  binding?.addTarget(win.webContents);
  const contents = win.webContents;
  win.on('closed', () => {
    binding?.removeTarget(contents);
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(APP_ENTRY_URL);
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  registerAppProtocol();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', devTools: !app.isPackaged })),
  );

  const home = app.getPath('userData');
  let secretsProblem: StationErrorShape | undefined;
  try {
    secrets = SafeStorageStore.open(home, safeStorage);
  } catch (e) {
    secretsProblem = toErrorShape(e);
    console.warn(`asset-station: ${secretsProblem.message} ${secretsProblem.remedy}`);
  }

  // Without a SecretStore the station still opens (records, settings, info) but cannot provision.
  station = await Station.open({
    home,
    transport: 'ipc',
    ...(secrets ? { services: realServices({ home, secrets, openUrl: openLoginUrl }) } : {}),
  });
  const config = await station.getConfig({});
  const loginOrigin = originOf(config.salesforce.loginUrl);
  if (loginOrigin?.startsWith('https://')) externalOrigins.push(loginOrigin);

  binding = bindStationIpc({ ipcMain, station });
  station.subscribe((event, payload) => {
    if (event !== 'batch') return;
    const batch = validateEvent(event, payload) as { succeeded: number; failed: number } | undefined;
    if (batch && Notification.isSupported()) new Notification(batchNotice(batch)).show();
  });

  createWindow();
  if (secrets) station.watch();
  if (secretsProblem) {
    void dialog.showMessageBox({
      type: 'warning',
      title: 'Asset Station',
      message: secretsProblem.message,
      detail: `${secretsProblem.remedy} Until then the station shows its records and settings but cannot provision devices.`,
    });
  }
}

/** PKCE login for the core: the system browser, https or loopback http only ({@link isAllowedLoginUrl}). */
function openLoginUrl(url: string): Promise<void> {
  if (isAllowedLoginUrl(url)) return shell.openExternal(url);
  return Promise.reject(
    new StationError(
      'ORG_CONFIG',
      `The org login URL ${url.slice(0, 200)} is neither https nor a local (loopback) address.`,
      'Set an https login URL (e.g. https://login.salesforce.com or your My Domain) in Settings.',
    ),
  );
}

/** Start-up failure: one dialog with what happened and what to do, then quit (no stack trace). */
function fatal(e: unknown): void {
  const shape = toErrorShape(e);
  dialog.showErrorBox('Asset Station could not start', `${shape.message}\n\n${shape.remedy}`);
  if (!isStationError(e)) console.error(e);
  app.exit(1);
}
