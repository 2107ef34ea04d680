/**
 * The strict Content-Security-Policy against the REAL renderer in Debian's Chromium: the renderer is
 * built with Vite into a temp folder and served through the app:// handler body
 * (electron/app-protocol.ts, mounted on a 127.0.0.1 HTTP server, where 'self' means the same as on
 * app://bundle). `window.station` is provided the way the preload does it — one object on the page,
 * backed by the real IPC call handler (electron/ipc.ts handleCall) and a real station core.
 *
 * Asserts: the app renders with no CSP violation (but zod's eval probe, see below), and the policy is
 * really enforced (an injected inline script and eval do not run; a fetch to another origin is refused).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAppRequest } from '../../../electron/app-protocol';
import { handleCall } from '../../../electron/ipc';
import { APP_ENTRY_URL } from '../../../electron/security';
import { Station } from '../../../core/station';

const root = path.resolve(__dirname, '../../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let tmp: string;
let server: http.Server;
let base: string;
let browser: Browser;
let station: Station;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-csp-'));
  const outDir = path.join(tmp, 'renderer');
  const vite = spawnSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { cwd: root, encoding: 'utf8' },
  );
  expect(vite.status, vite.stderr).toBe(0);

  station = await Station.open({ home: path.join(tmp, 'home'), transport: 'ipc' });

  server = http.createServer(async (req, res) => {
    const r = await serveAppRequest({ url: `app://bundle${req.url ?? '/'}`, method: req.method }, outDir);
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await station?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('renderer under the shell CSP', () => {
  it('renders with zero CSP violations, and the policy is enforced', async () => {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));

    // What the preload does: one `window.station` object whose calls go through the IPC handler,
    // here as if sent by the app window's top frame.
    await page.exposeFunction('__stationCall', (method: string, params: unknown) =>
      handleCall(station, { senderFrame: { url: APP_ENTRY_URL, parent: null } }, method, params),
    );
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (w.__violations as string[]).push(
          `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
        ),
      );
      const call = w.__stationCall as (
        m: string,
        p: unknown,
      ) => Promise<{ ok: boolean; value?: unknown; error?: unknown }>;
      w.station = new Proxy(
        {},
        {
          get: (_t, name: string) =>
            name === 'on'
              ? () => () => {}
              : name === 'then'
                ? undefined
                : async (req: unknown) => {
                    const out = await call(name, req ?? {});
                    if (out.ok) return out.value;
                    throw Object.assign({ name: 'StationError' }, out.error);
                  },
        },
      );
    });

    const response = await page.goto(`${base}/index.html`);
    expect(response!.headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';/);
    await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0, null, {
      timeout: 15_000,
    });
    await page.waitForTimeout(300);
    const text = await page.locator('#root').innerText();
    expect(text.length).toBeGreaterThan(20);

    // No CSP violation at all while the app starts (zod runs jitless: renderer/src/zod-config.ts).
    const violations = await page.evaluate(() =>
      (window as unknown as { __violations: string[] }).__violations.slice(),
    );
    expect(violations, messages.join('\n')).toEqual([]);

    // Enforcement: an inline script must not run; a request to another origin must be refused.
    const probe = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      // A string timer is eval-gated and runs outside DevTools' evaluate (which may bypass the CSP).
      (setTimeout as unknown as (code: string, ms: number) => void)('window.__evalRan = true', 0);
      let fetched = 'sent';
      try {
        await fetch('http://127.0.0.1:9/');
      } catch {
        fetched = 'refused';
      }
      await new Promise((r) => setTimeout(r, 100));
      const w = window as unknown as { __inlineRan?: boolean; __evalRan?: boolean; __violations: string[] };
      return {
        inlineRan: w.__inlineRan === true,
        evalRan: w.__evalRan === true,
        fetched,
        violations: w.__violations.slice(),
      };
    });
    expect(probe.inlineRan).toBe(false);
    expect(probe.evalRan).toBe(false);
    expect(probe.fetched).toBe('refused');
    expect(probe.violations.some((v) => v.startsWith('script-src'))).toBe(true);
    expect(probe.violations.some((v) => v.startsWith('connect-src'))).toBe(true);
    await page.close();
  });
});
