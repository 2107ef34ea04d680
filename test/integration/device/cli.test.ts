/**
 * The device-link CLI commands as a user runs them: `sim device --json` in its own process (real
 * PTYs, one JSON line when ready, cleanup on SIGTERM) and `conformance --port` against it (exit 0,
 * every requirement PASS). Also: the conformance runner reports FAIL (and the CLI exits 1) for a
 * device that does not speak the protocol.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as p from '../../../shared/protocol';
import { runConformance } from '../../../core/device/conformance/run';
import { streamFactory } from '../../../core/device/index';

const entry = path.join(__dirname, 'cli-entry.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-devcli-'));
let simProc: ChildProcess | undefined;

afterAll(() => {
  if (simProc && simProc.exitCode === null) simProc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('asset-station sim device + conformance', () => {
  it('runs devices on PTYs, passes conformance, and removes its PTYs on SIGTERM', async () => {
    const home = path.join(tmp, 'home');
    simProc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        entry,
        '--home',
        home,
        '--json',
        'sim',
        'device',
        '--count',
        '2',
        '--alg',
        'ECDSA-P256',
        '--keygen-delay',
        '100',
        '--max-frame',
        '256',
        '--fault',
        'boot-noise',
        '--fault',
        'log-noise',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no JSON line; stdout=${out}`)), 20_000);
      simProc!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(t);
          resolve(out.slice(0, nl));
        }
      });
    });
    const ready = JSON.parse(line) as { devices: Array<{ uid: string; locator: string }> };
    expect(ready.devices.map((d) => d.uid)).toEqual(['SIM-0001', 'SIM-0002']);
    for (const d of ready.devices) {
      expect(d.locator).toBe(`serial:${path.join(home, 'sim', 'devices', d.uid)}`);
      expect(fs.lstatSync(d.locator.slice(7)).isSymbolicLink()).toBe(true);
    }

    const r = cli(['conformance', '--port', ready.devices[0]!.locator]);
    expect(r.stdout).toMatch(/19 passed, 0 failed, 0 skipped/);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.status).toBe(0);
    // Issue 16: a warning line before the checks that change the device, on a simulated one too.
    const lines = r.stdout;
    const writeWarning = lines.indexOf(
      `WARNING: the next checks replace the key of SIM-0001 (AS-SIM-1) on ${ready.devices[0]!.locator}`,
    );
    const lockWarning = lines.indexOf('WARNING: the next check LOCKs SIM-0001 (AS-SIM-1)');
    expect(writeWarning).toBeGreaterThan(0);
    expect(writeWarning).toBeLessThan(lines.indexOf('PROG-1'));
    expect(lockWarning).toBeGreaterThan(writeWarning);
    expect(lockWarning).toBeLessThan(lines.indexOf('LOCK-1'));
    expect(lines.match(/^WARNING/gm)).toHaveLength(2);

    const exited = new Promise<number | null>((resolve) => simProc!.once('exit', (c) => resolve(c)));
    simProc.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const d of ready.devices) expect(fs.existsSync(d.locator.slice(7))).toBe(false);
  });

  it('conformance exits 1 with a clear error when the port does not exist', () => {
    const r = cli(['conformance', '--port', `serial:${tmp}/nothing`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No device at/);
  });

  it('a device that answers everything with an empty OK fails every requirement', async () => {
    const liar: p.StreamEndpoint = {
      connect(peer) {
        const dec = new p.FrameDecoder();
        return {
          write(b) {
            for (const ev of dec.push(b))
              if (ev.kind === 'frame' && ev.frame.seq === ev.frame.total)
                queueMicrotask(() =>
                  peer.onData(
                    p.encodeFrame({
                      id: ev.frame.id,
                      type: 'OK',
                      seq: 1,
                      total: 1,
                      payload: new Uint8Array(0),
                    }),
                  ),
                );
          },
          close() {},
        };
      },
    };
    const results = await runConformance('sim:liar', {
      transports: { sim: streamFactory((name) => (name === 'liar' ? liar : undefined)) },
    });
    expect(results.length).toBe(19);
    expect(results.filter((x) => x.status === 'fail').length).toBe(results.length);
    expect(results[0]!.detail).toMatch(/DEVICE_PROTOCOL/);
  });
});
