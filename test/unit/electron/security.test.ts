/**
 * Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security, items 1–20):
 * one or more assertions per item against the plain functions of electron/security.ts and
 * electron/harden.ts, plus the static facts of main.ts / package.json that the item depends on.
 * (Item 17 is covered in depth by ipc.test.ts, item 19 by builder-config.test.ts, item 20 by
 * shell-build.test.ts, which runs the built preload bundle.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hardenSession, hardenWebContents } from '../../../electron/harden';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  CSP_DIRECTIVES,
  DEFAULT_EXTERNAL_ORIGINS,
  contentSecurityPolicy,
  denyDeviceSelection,
  devicePermissionHandler,
  isAllowedExternal,
  isAllowedLoginUrl,
  isAllowedNavigation,
  isTrustedSender,
  mimeTypeOf,
  navigationGuard,
  originOf,
  permissionCheckHandler,
  permissionRequestHandler,
  resolveAppFile,
  willAttachWebview,
  windowOpenHandler,
  windowOptions,
  withCspHeader,
} from '../../../electron/security';
import { menuTemplate } from '../../../electron/menu';
import { batchNotice } from '../../../electron/notify';

const root = path.resolve(__dirname, '../../..');
const mainSource = fs.readFileSync(path.join(root, 'electron/main.ts'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const opts = windowOptions('/app/dist/electron/preload.cjs');
const prefs = opts.webPreferences!;

/** A preventable event that records whether preventDefault was called. */
function ev(url?: string): { preventDefault(): void; prevented: boolean; url?: string } {
  const e = {
    prevented: false,
    url,
    preventDefault() {
      e.prevented = true;
    },
  };
  return e;
}

/** Parses a CSP header value into directive → sources. */
function parseCsp(value: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of value.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(out.has(name), `duplicate directive ${name}`).toBe(false);
    out.set(name.toLowerCase(), sources);
  }
  return out;
}

describe('checklist 1: only load secure (local) content', () => {
  it('the window loads only the app:// entry of the packaged renderer', () => {
    expect(originOf(APP_ENTRY_URL)).toBe(APP_ORIGIN);
    expect(APP_ENTRY_URL).toBe('app://bundle/index.html');
    expect(mainSource.match(/\.loadURL\(/g)).toHaveLength(1);
    expect(mainSource).toContain('loadURL(APP_ENTRY_URL)');
    expect(mainSource).not.toMatch(/loadFile\(|loadURL\((?!APP_ENTRY_URL)|['"`]https?:\/\/[a-z]/);
  });
  it('http and https pages are never navigation targets', () => {
    expect(isAllowedNavigation('http://example.com/')).toBe(false);
    expect(isAllowedNavigation('https://login.salesforce.com/')).toBe(false);
  });
});

describe('checklists 2–4, 6, 8–10: window options', () => {
  it('2: Node.js integration is off everywhere', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });
  it('3: context isolation is on', () => expect(prefs.contextIsolation).toBe(true));
  it('4: the renderer is sandboxed, and main enables the sandbox for every renderer', () => {
    expect(prefs.sandbox).toBe(true);
    expect(mainSource).toMatch(/app\.enableSandbox\(\);/);
  });
  it('6: webSecurity stays on', () => expect(prefs.webSecurity).toBe(true));
  it('8: no insecure content', () => expect(prefs.allowRunningInsecureContent).toBe(false));
  it('9: no experimental features', () => expect(prefs.experimentalFeatures).toBe(false));
  it('10: no enableBlinkFeatures', () => {
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(mainSource).not.toContain('enableBlinkFeatures');
  });
  it('the preload is the given bundle; window stays hidden until ready-to-show', () => {
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
    expect(opts.show).toBe(false);
    expect(mainSource).toMatch(/once\('ready-to-show', \(\) => win\.show\(\)\)/);
    expect(opts.width).toBeGreaterThanOrEqual(1024);
    expect(opts.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
  });
  it('spellcheck (sends words to a service on some OSes), drag-drop navigation and DevTools are off', () => {
    expect(prefs.spellcheck).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs.devTools).toBe(false);
    expect(windowOptions('/p', { devTools: true }).webPreferences!.devTools).toBe(true);
  });
  it('DevTools and Reload are only in the development menu', () => {
    const roles = (t: ReturnType<typeof menuTemplate>): string[] =>
      JSON.stringify(t).match(/"role":"(\w+)"/g) ?? [];
    expect(roles(menuTemplate({ isMac: false, devTools: false })).join()).not.toMatch(
      /toggleDevTools|reload/,
    );
    expect(roles(menuTemplate({ isMac: false, devTools: true })).join()).toMatch(/toggleDevTools/);
  });
});

describe('checklist 5: permission requests from content are denied', () => {
  const requests = [
    'media',
    'geolocation',
    'notifications',
    'midiSysex',
    'pointerLock',
    'fullscreen',
    'openExternal',
    'clipboard-read',
    'display-capture',
    'fileSystem',
    'window-management',
    'unknown',
  ];
  it.each(requests)('request %s → denied', (permission) => {
    const answers: boolean[] = [];
    permissionRequestHandler(null, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false]);
  });
  it('permission checks (incl. serial, hid, usb) are false', () => {
    expect(permissionCheckHandler()).toBe(false);
  });
  it('WebSerial/WebHID/WebUSB device access is never granted; the chooser is cancelled', () => {
    expect(devicePermissionHandler()).toBe(false);
    const chosen: string[] = [];
    const e = ev();
    denyDeviceSelection(e, [{ portId: 'p1' }], {}, (id: string) => chosen.push(id));
    expect(e.prevented).toBe(true);
    expect(chosen).toEqual(['']);
  });
});

describe('checklist 7: Content-Security-Policy', () => {
  const csp = contentSecurityPolicy();
  const parsed = parseCsp(csp);
  it('has exactly the strict directives', () => {
    expect(Object.fromEntries(parsed)).toEqual({
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
    });
  });
  it('allows no inline code, eval, wildcard, remote scheme or host', () => {
    for (const [name, sources] of parsed) {
      for (const s of sources) {
        expect(["'self'", "'none'", 'data:'], `${name} ${s}`).toContain(s);
        expect(s).not.toMatch(/unsafe|\*|https?:|wss?:|blob:/);
      }
    }
    expect(parsed.get('script-src')).not.toContain('data:');
  });
  it('is forced on every response, replacing a weaker CSP whatever its header case', () => {
    const out = withCspHeader({
      'content-security-policy': ["default-src *; script-src 'unsafe-inline'"],
      'Content-Type': 'text/html',
    });
    expect(out['Content-Security-Policy']).toEqual([csp]);
    expect(Object.keys(out).filter((k) => k.toLowerCase() === 'content-security-policy')).toHaveLength(1);
    expect(out['Content-Type']).toEqual(['text/html']);
    expect(withCspHeader(undefined)).toEqual({ 'Content-Security-Policy': [csp] });
  });
  it('the session hook and the app:// protocol both send it', () => {
    const rec = recordingSession();
    hardenSession(rec.session);
    let response: { responseHeaders?: Record<string, string[]> } = {};
    rec.headersListener!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (response = r));
    expect(response.responseHeaders!['Content-Security-Policy']).toEqual([csp]);
    // The app:// handler's own header is asserted in app-protocol.test.ts.
    expect(mainSource).toMatch(
      /protocol\.handle\(APP_SCHEME, \(request\) => serveAppRequest\(request, RENDERER_DIR\)\)/,
    );
  });
  it('keeps the directive table and the string in sync', () => {
    expect(parsed.size).toBe(Object.keys(CSP_DIRECTIVES).length);
  });
});

describe('checklists 11–12: <webview>', () => {
  it('the webview tag is disabled and every attach is prevented', () => {
    expect(prefs.webviewTag).toBe(false);
    const e = ev();
    willAttachWebview(e);
    expect(e.prevented).toBe(true);
  });
});

describe('checklist 13: navigation is limited to the app origin', () => {
  it.each([
    ['app://bundle/index.html', true],
    ['app://bundle/assets/x.js#frag', true],
    ['APP://BUNDLE/index.html', true],
    ['app://other/index.html', false],
    ['app://bundle.evil/index.html', false],
    ['file:///etc/passwd', false],
    ['https://example.com/', false],
    ['http://127.0.0.1:5173/', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<script>1</script>', false],
    ['about:blank', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedNavigation(url)).toBe(allowed);
    const e = ev();
    navigationGuard()(e, url);
    expect(e.prevented).toBe(!allowed);
  });
  it('the guard also reads the url from a will-frame-navigate event', () => {
    const e = ev('https://evil.example/');
    navigationGuard()(e);
    expect(e.prevented).toBe(true);
  });
});

describe('checklists 14–15: new windows denied; openExternal restricted', () => {
  it('every window.open is denied; only allow-listed https goes to the system browser', () => {
    const opened: string[] = [];
    const handler = windowOpenHandler(
      async (u) => void opened.push(u),
      [...DEFAULT_EXTERNAL_ORIGINS, 'https://acme.my.salesforce.com'],
    );
    const urls = [
      'https://login.salesforce.com/services/oauth2/authorize?x=1',
      'https://acme.my.salesforce.com/',
      'https://login.salesforce.com.evil.io/',
      'http://login.salesforce.com/',
      'https://user:pw@login.salesforce.com/',
      'file:///etc/passwd',
      'smb://host/share',
      'javascript:alert(1)',
      'app://bundle/index.html',
    ];
    for (const url of urls) expect(handler({ url })).toEqual({ action: 'deny' });
    expect(opened).toEqual([
      'https://login.salesforce.com/services/oauth2/authorize?x=1',
      'https://acme.my.salesforce.com/',
    ]);
  });
  it('an opener failure is logged, not thrown into Electron', async () => {
    const handler = windowOpenHandler(() => Promise.reject(new Error('no browser')));
    expect(handler({ url: 'https://login.salesforce.com/' })).toEqual({ action: 'deny' });
    await new Promise((r) => setTimeout(r, 0));
  });
  it('isAllowedExternal matches exact origins only', () => {
    expect(isAllowedExternal('https://test.salesforce.com/x', DEFAULT_EXTERNAL_ORIGINS)).toBe(true);
    expect(isAllowedExternal('https://test.salesforce.com:8443/x', DEFAULT_EXTERNAL_ORIGINS)).toBe(false);
    expect(
      isAllowedExternal('https://evil.com/?https://login.salesforce.com', DEFAULT_EXTERNAL_ORIGINS),
    ).toBe(false);
    expect(isAllowedExternal('garbage', DEFAULT_EXTERNAL_ORIGINS)).toBe(false);
  });
});

describe("checklist 15: the core's login opener", () => {
  it.each([
    ['https://login.salesforce.com/services/oauth2/authorize?x=1', true],
    ['https://acme.my.salesforce.com/', true],
    ['http://127.0.0.1:41234/services/oauth2/authorize', true],
    ['http://localhost:8080/', true],
    ['http://[::1]:8080/', true],
    ['http://login.salesforce.com/', false],
    ['http://127.0.0.1.evil.io/', false],
    ['https://user:pw@login.salesforce.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['app://bundle/index.html', false],
    ['garbage', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedLoginUrl(url)).toBe(allowed);
  });
  it('main.ts opens login URLs only through this check', () => {
    expect(mainSource).toMatch(/if \(isAllowedLoginUrl\(url\)\) return shell\.openExternal\(url\);/);
    expect(mainSource.match(/shell\.openExternal\(/g)).toHaveLength(2);
  });
});

describe('checklist 16: a current Electron', () => {
  it('pins Electron ≥ 41 (the newest major that installs on Node 20, docs/toolchain.md finding B)', () => {
    const pinned = pkg.devDependencies.electron!;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(pinned.split('.')[0])).toBeGreaterThanOrEqual(41);
    const installed = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8'),
    ) as {
      version: string;
    };
    expect(installed.version).toBe(pinned);
  });
  it('does not use the removed remote module', () => {
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('@electron/remote');
    expect(prefs).not.toHaveProperty('enableRemoteModule');
  });
});

describe('checklist 17: IPC sender validation', () => {
  it.each([
    [{ url: 'app://bundle/index.html', parent: null }, true],
    [{ url: 'app://bundle/index.html', parent: {} }, false],
    [{ url: 'https://evil.example/', parent: null }, false],
    [{ url: 'file:///app/dist/renderer/index.html', parent: null }, false],
    [{ url: 'about:blank', parent: null }, false],
    [null, false],
    [undefined, false],
  ])('%j → %s', (frame, trusted) => {
    expect(isTrustedSender(frame)).toBe(trusted);
  });
});

describe('checklist 18: a custom protocol instead of file://', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'as-renderer-'));
  const rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps app:// URLs into the renderer folder only', () => {
    expect(resolveAppFile('app://bundle/', rendererDir)).toBe(path.join(rendererDir, 'index.html'));
    expect(resolveAppFile('app://bundle/assets/a.js?v=1', rendererDir)).toBe(
      path.join(rendererDir, 'assets/a.js'),
    );
    expect(resolveAppFile('app://bundle/a%20b.css', rendererDir)).toBe(path.join(rendererDir, 'a b.css'));
  });
  it.each([
    'app://bundle/../secrets.vault',
    'app://bundle/%2e%2e/secrets.vault',
    'app://bundle/assets/../../../secrets.vault',
  ])('keeps dot segments inside the renderer folder: %s', (url) => {
    expect(resolveAppFile(url, rendererDir)).toBe(path.join(rendererDir, 'secrets.vault'));
  });
  it.each([
    'app://bundle/assets/%2e%2e%2f%2e%2e%2fsecrets.vault',
    'app://bundle/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
    'app://bundle/..%5c..%5csecrets.vault',
    'app://bundle/%00index.html',
    'app://bundle/%E0%A4%A',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(url, rendererDir)).toBeUndefined();
  });
  it('registers app:// as a standard, secure scheme and serves it with the right types', () => {
    const reg = /registerSchemesAsPrivileged\(\[\s*\{\s*scheme: APP_SCHEME,\s*privileges: (\{[^}]*\})/.exec(
      mainSource,
    );
    expect(reg?.[1]).toMatch(/standard: true, secure: true/);
    expect(reg?.[1]).not.toMatch(/bypassCSP|allowServiceWorkers/);
    expect(mimeTypeOf('/x/index.html')).toMatch(/^text\/html/);
    expect(mimeTypeOf('/x/a.JS')).toMatch(/^text\/javascript/);
    expect(mimeTypeOf('/x/blob.bin')).toBe('application/octet-stream');
  });
});

describe('every webContents and session gets the hardening (main.ts wiring)', () => {
  it('hardenWebContents installs the window-open handler and every guard', () => {
    const listeners = new Map<string, (...a: unknown[]) => void>();
    let openHandler: ((d: { url: string }) => unknown) | undefined;
    const contents = {
      setWindowOpenHandler: (h: (d: { url: string }) => unknown) => (openHandler = h),
      on: (name: string, l: (...a: unknown[]) => void) => listeners.set(name, l),
    };
    const opened: string[] = [];
    hardenWebContents(contents as never, async (u) => void opened.push(u));
    expect([...listeners.keys()].sort()).toEqual([
      'will-attach-webview',
      'will-frame-navigate',
      'will-navigate',
      'will-redirect',
    ]);
    expect(openHandler!({ url: 'https://login.salesforce.com/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://login.salesforce.com/']);
    for (const [name, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-redirect', 'file:///etc/passwd'],
    ] as const) {
      const e = ev();
      listeners.get(name)!(e, url);
      expect(e.prevented, name).toBe(true);
    }
    const ok = ev();
    listeners.get('will-navigate')!(ok, 'app://bundle/index.html');
    expect(ok.prevented).toBe(false);
    const frameNav = ev('https://evil.example/');
    listeners.get('will-frame-navigate')!(frameNav);
    expect(frameNav.prevented).toBe(true);
    const wv = ev();
    listeners.get('will-attach-webview')!(wv, {}, {});
    expect(wv.prevented).toBe(true);
  });
  it('main.ts hardens every created webContents and the default session', () => {
    expect(mainSource).toMatch(
      /app\.on\('web-contents-created', \(_event, contents\) => \{\s*hardenWebContents\(contents/,
    );
    expect(mainSource).toContain('hardenSession(session.defaultSession)');
  });
  it('hardenSession denies requests, checks, devices and choosers', () => {
    const rec = recordingSession();
    hardenSession(rec.session);
    expect(rec.request).toBe(permissionRequestHandler);
    expect(rec.check).toBe(permissionCheckHandler);
    expect(rec.device).toBe(devicePermissionHandler);
    const chosen: string[] = [];
    for (const [name, args] of [
      ['select-serial-port', [[{ portId: 'a' }], {}, (id: string) => chosen.push(id)]],
      ['select-hid-device', [{ deviceList: [] }, (id: string) => chosen.push(id)]],
      ['select-usb-device', [{ deviceList: [] }, (id: string) => chosen.push(id)]],
    ] as const) {
      const e = ev();
      rec.events.get(name)!(e, ...args);
      expect(e.prevented, name).toBe(true);
    }
    expect(chosen).toEqual(['', '', '']);
  });
});

describe('desktop notification on the batch event', () => {
  it('says how many devices succeeded and failed', () => {
    expect(batchNotice({ succeeded: 5, failed: 0 })).toEqual({
      title: 'Batch finished',
      body: '5 of 5 devices provisioned, 0 failed.',
    });
    expect(batchNotice({ succeeded: 0, failed: 1 }).title).toBe('Batch finished with failures');
    expect(mainSource).toMatch(/event !== 'batch'/);
  });
});

/** A session stand-in that records what hardenSession installs. */
function recordingSession() {
  const rec = {
    request: undefined as unknown,
    check: undefined as unknown,
    device: undefined as unknown,
    events: new Map<string, (...a: unknown[]) => void>(),
    headersListener: undefined as
      | ((
          d: { responseHeaders?: Record<string, string[]> },
          cb: (r: { responseHeaders?: Record<string, string[]> }) => void,
        ) => void)
      | undefined,
    session: undefined as never,
  };
  rec.session = {
    setPermissionRequestHandler: (h: unknown) => (rec.request = h),
    setPermissionCheckHandler: (h: unknown) => (rec.check = h),
    setDevicePermissionHandler: (h: unknown) => (rec.device = h),
    on: (name: string, l: (...a: unknown[]) => void) => rec.events.set(name, l),
    webRequest: { onHeadersReceived: (l: typeof rec.headersListener) => (rec.headersListener = l) },
  } as never;
  return rec;
}
