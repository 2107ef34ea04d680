/**
 * The app:// handler body (electron/app-protocol.ts) against a real folder: what the window receives
 * for good and hostile URLs (Electron security checklist items 7 and 18).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAppRequest } from '../../../electron/app-protocol';
import { contentSecurityPolicy } from '../../../electron/security';

let dir: string;
let rendererDir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'as-app-protocol-'));
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>x</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secrets.vault'), 'TOP SECRET');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('serveAppRequest', () => {
  it('serves index.html for the entry URL with the CSP, nosniff and the content type', async () => {
    const res = await serveAppRequest({ url: 'app://bundle/index.html' }, rendererDir);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<!doctype html><title>x</title>');
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const root = await serveAppRequest({ url: 'app://bundle/' }, rendererDir);
    expect(await root.text()).toContain('<title>x</title>');
  });

  it('serves assets with their type; HEAD has no body', async () => {
    const res = await serveAppRequest({ url: 'app://bundle/assets/app.js?v=2' }, rendererDir);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await res.text()).toBe('console.log(1)');
    const head = await serveAppRequest({ url: 'app://bundle/assets/app.js', method: 'HEAD' }, rendererDir);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect(await head.text()).toBe('');
  });

  it.each([
    'app://bundle/assets/%2e%2e%2f%2e%2e%2fsecrets.vault',
    'app://bundle/..%2fsecrets.vault',
    'app://bundle/missing.js',
    'app://bundle/assets',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('answers %s with 404 and never leaks a file outside the renderer', async (url) => {
    const res = await serveAppRequest({ url }, rendererDir);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('TOP SECRET');
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await serveAppRequest({ url: 'app://bundle/index.html', method: 'POST' }, rendererDir);
    expect(res.status).toBe(405);
  });
});
