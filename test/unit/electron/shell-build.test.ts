/**
 * The Electron shell as built artefacts: main/preload/ipc type-check against the shipped
 * electron.d.ts; scripts/build.mjs's esbuild step yields a preload that requires nothing but
 * 'electron' (sandboxed preloads cannot require anything else) and exposes only `window.station`
 * (checklist item 20); `npm start` without Electron's binary fails with one clear sentence.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../shared/api';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../electron/ipc-channels';
import { MAIN_EXTERNALS, PRELOAD_EXTERNALS, buildElectron } from '../../../scripts/build.mjs';

const root = path.resolve(__dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-shell-build-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Module ids passed to require("...") in a CommonJS bundle. */
function requiredIds(code: string): string[] {
  return [...new Set([...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!))].sort();
}

describe('type-check against node_modules/electron/electron.d.ts', () => {
  it('tsconfig.node.json covers electron/**', () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.node.json'), 'utf8')) as {
      include: string[];
    };
    expect(cfg.include).toContain('electron/**/*.ts');
  });

  it('main.ts, preload.ts and ipc.ts (and what they import) type-check with the node target settings', () => {
    const tsconfig = path.join(tmp, 'tsconfig.shell.json');
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(root, 'tsconfig.node.json'),
        compilerOptions: { typeRoots: [path.join(root, 'node_modules/@types')] },
        files: ['electron/main.ts', 'electron/preload.ts', 'electron/ipc.ts'].map((f) => path.join(root, f)),
        include: [],
      }),
    );
    const r = spawnSync(
      path.join(root, 'node_modules/.bin/tsc'),
      ['--noEmit', '--listFiles', '-p', tsconfig],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    // Only errors in the shell's own files count here (the core's other modules have their own tests).
    const shellErrors = (r.stdout + r.stderr)
      .split('\n')
      .filter((l) =>
        /^electron\/(main|preload|ipc|ipc-channels|security|harden|bridge|menu|notify|safe-storage-store)\.ts\(/.test(
          l,
        ),
      );
    expect(shellErrors).toEqual([]);
    expect(r.stdout).not.toMatch(/error TS\d+: Cannot find module 'electron'/);
    // The program really contained the shell and Electron's own declarations.
    expect(r.stdout).toContain(path.join(root, 'electron/main.ts'));
    expect(r.stdout).toContain(path.join(root, 'electron/preload.ts'));
    expect(r.stdout).toContain(path.join(root, 'node_modules/electron/electron.d.ts'));
  }, 60_000);
});

describe('esbuild bundles (scripts/build.mjs)', () => {
  let preload = '';
  let main = '';
  beforeAll(async () => {
    const out = await buildElectron({ outdir: tmp });
    preload = fs.readFileSync(path.join(out.outdir, 'preload.cjs'), 'utf8');
    main = fs.readFileSync(path.join(out.outdir, 'main.cjs'), 'utf8');
  }, 60_000);

  it("the preload requires only 'electron'", () => {
    expect(PRELOAD_EXTERNALS).toEqual(['electron']);
    expect(requiredIds(preload)).toEqual(['electron']);
    // No dynamic import either (code, not comments).
    expect(preload.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '')).not.toMatch(/\bimport\s*\(/);
  });

  it('the main bundle requires only Node built-ins and the declared externals', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const external = (id: string) =>
      MAIN_EXTERNALS.some((e) =>
        e.endsWith('/*') ? id.startsWith(e.slice(0, -1)) : id === e || id.startsWith(`${e}/`),
      );
    const stray = requiredIds(main).filter((id) => !builtins.has(id) && !external(id));
    expect(stray).toEqual([]);
    expect(requiredIds(main)).toContain('electron');
  });

  it('running the preload exposes only window.station — never ipcRenderer (checklist item 20)', async () => {
    const exposed: [string, unknown][] = [];
    const invoked: unknown[][] = [];
    const listening: string[] = [];
    const ipcRenderer = {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return { ok: true, value: { nonce: 'p', at: '2026-01-01T00:00:00.000Z' } };
      },
      on: (channel: string) => listening.push(channel),
      send: () => {
        throw new Error('the preload must not use send');
      },
    };
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.push([k, v]) },
      ipcRenderer,
    };
    const requireStub = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require '${id}'`);
    };
    const mod = { exports: {} };
    new Function('require', 'module', 'exports', preload)(requireStub, mod, mod.exports);

    expect(exposed.map(([k]) => k)).toEqual(['station']);
    const station = exposed[0]![1] as Record<string, unknown>;
    expect(Object.keys(station).sort()).toEqual([...METHOD_NAMES, 'on'].sort());
    expect(Object.isFrozen(station)).toBe(true);
    for (const v of Object.values(station)) {
      expect(typeof v).toBe('function');
      expect(v).not.toBe(ipcRenderer.invoke);
      expect(v).not.toBe(ipcRenderer.on);
    }
    expect(JSON.stringify(Object.keys(station))).not.toMatch(/ipc|invoke|send|require/);
    expect(listening).toEqual([EVENT_CHANNEL]);

    const res = await (station.ping as (r: unknown) => Promise<unknown>)({ nonce: 'p' });
    expect(res).toEqual({ nonce: 'p', at: '2026-01-01T00:00:00.000Z' });
    expect(invoked).toEqual([[CALL_CHANNEL, 'ping', { nonce: 'p' }]]);
  });
});

describe('npm start with Electron but better-sqlite3 built for Node', () => {
  it('says to rebuild native modules for Electron, exits 1, builds nothing', () => {
    // A stand-in Electron binary (ELECTRON_OVERRIDE_DIST_PATH is honoured by the electron package)
    // that fails the native-module probe the way Electron does for a Node-ABI better-sqlite3.
    const dist = path.join(tmp, 'fake-electron');
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(
      path.join(dist, 'electron'),
      '#!/bin/sh\n' +
        'if [ "$ELECTRON_RUN_AS_NODE" = "1" ]; then\n' +
        '  echo "Error: The module better_sqlite3.node was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 145." >&2\n' +
        '  exit 1\n' +
        'fi\n' +
        `touch "${path.join(dist, 'launched')}"\n`,
      { mode: 0o755 },
    );
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/start.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist },
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^better-sqlite3 is compiled for Node, not for Electron/);
    expect(lines[0]).toContain('npx electron-builder install-app-deps');
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(dist, 'launched'))).toBe(false);
  });
});

describe('npm start without the Electron binary', () => {
  const installed = fs.existsSync(path.join(root, 'node_modules/electron/path.txt'));
  it.skipIf(installed)('prints one sentence saying how to get Electron, exits 1, no stack trace', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/start.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Electron's binary is not installed/);
    expect(lines[0]).toContain('node node_modules/electron/install.js');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
