/**
 * Attack: crafted requests to the browser harness (dev/ws-server.ts), which any web page can send to
 * 127.0.0.1. Bad percent-encoding (`GET /%E0%A4%A`, no token needed), a 2 MiB WebSocket frame, malformed
 * JSON, and a Host header that is not the harness's (DNS rebinding) are each refused and logged, and the
 * harness keeps serving afterwards (an uncaught error here would fail the run: vitest reports it).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HARNESS_PROTOCOL, startHarness, type Harness } from '../../dev/ws-server';
import type { Station } from '../../core/station';

const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A harness over a station stand-in: these attacks never reach the station API. */
async function harness(): Promise<{ h: Harness; logs: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-harness-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const station = { subscribe: () => () => {}, setTransport: () => {} } as unknown as Station;
  const logs: string[] = [];
  const h = await startHarness({ station, staticDir: dir, log: (m) => logs.push(m) });
  open.push(h);
  return { h, logs };
}

/** A raw GET (the path is sent exactly as given) with an optional Host header. */
function get(port: number, rawPath: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, headers: host ? { host } : {} },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function connect(h: Harness, host?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/station`, [HARNESS_PROTOCOL, `token.${h.token}`], {
      origin: h.origin,
      ...(host ? { headers: { host } } : {}),
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

describe('adversarial: the browser harness survives crafted requests', () => {
  it('bad percent-encoding is a 400, logged, and the harness keeps serving', async () => {
    const { h, logs } = await harness();
    expect(await get(h.port, '/%E0%A4%A')).toBe(400);
    expect(await get(h.port, '/%')).toBe(400);
    expect(logs.some((l) => /percent-encoding/.test(l))).toBe(true);
    expect(await get(h.port, '/')).toBe(200);
  });

  it('a Host not in the allow-list gets 421 for pages and the WebSocket; 127.0.0.1 and localhost are served', async () => {
    const { h } = await harness();
    expect(await get(h.port, '/', 'evil.example')).toBe(421);
    expect(await get(h.port, '/', `evil.example:${h.port}`)).toBe(421);
    expect(await get(h.port, '/', `127.0.0.1:${h.port + 1}`)).toBe(421);
    await expect(connect(h, `rebind.example:${h.port}`)).rejects.toThrow(/421/);
    expect(await get(h.port, '/', `localhost:${h.port}`)).toBe(200);
    expect(await get(h.port, '/')).toBe(200);
    const ws = await connect(h);
    ws.close();
  });

  it('a 2 MiB frame closes that connection (1009), is logged, and new connections still work', async () => {
    const { h, logs } = await harness();
    const ws = await connect(h);
    const closed = closeCode(ws);
    ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.some((l) => /Max payload size exceeded/i.test(l))).toBe(true);
    const again = await connect(h);
    const bad = closeCode(again);
    again.send('{not json');
    expect(await bad).toBe(1007);
    expect(await get(h.port, '/')).toBe(200);
  });
});
