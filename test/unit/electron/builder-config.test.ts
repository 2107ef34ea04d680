/**
 * build/electron-builder.yml: validated offline with electron-builder's own schema (docs/toolchain.md §8:
 * app-builder-lib's getConfig + validateConfiguration), plus the keys that matter for this app —
 * targets, native modules unpacked from the asar, fuses, icons, and the udev rule of the .deb.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const CONFIG = 'build/electron-builder.yml';
const require = createRequire(path.join(root, 'package.json'));
const requireFromBuilder = createRequire(require.resolve('app-builder-lib/package.json'));

interface BuilderConfig {
  appId?: string;
  productName?: string;
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  extraResources?: { from: string; to: string }[];
  linux?: { target?: string[]; icon?: string; executableName?: string };
  deb?: { fpm?: string[] };
  win?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string; hardenedRuntime?: boolean };
}

const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(dir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { minimatch } = requireFromBuilder('minimatch') as {
  minimatch(p: string, pattern: string, o?: { dot?: boolean; matchBase?: boolean }): boolean;
};

let config: BuilderConfig;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-builder-'));

beforeAll(async () => {
  config = await getConfig(root, CONFIG, null);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the validator is live: an unknown key is rejected', async () => {
    const bad = path.join(tmp, 'bad.yml');
    fs.writeFileSync(bad, fs.readFileSync(path.join(root, CONFIG), 'utf8') + '\nnotAKey: true\n');
    const badConfig = await getConfig(root, bad, null);
    await expect(validateConfiguration(badConfig, new DebugLogger(false))).rejects.toThrow(
      /notAKey|Invalid configuration/,
    );
  });

  it('is wired by the package script, not by package.json "build"', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      build?: unknown;
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.build).toBeUndefined();
    expect(pkg.scripts.package).toContain(`electron-builder --config ${CONFIG}`);
    expect(pkg.main).toBe('dist/electron/main.cjs');
  });

  it('identifies the app', () => {
    expect(config.appId).toBe('com.assetstation.app');
    expect(config.productName).toBe('Asset Station');
  });

  it('builds AppImage + deb, NSIS and dmg', () => {
    expect(config.linux?.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
  });

  it('packs the built main, preload and renderer', () => {
    // getConfig normalises `files` to [{ filter: [...] }].
    const patterns = (config.files as unknown as (string | { filter: string[] })[]).flatMap((f) =>
      typeof f === 'string' ? [f] : f.filter,
    );
    expect(patterns).toEqual(
      expect.arrayContaining(['dist/electron/**', 'dist/renderer/**', 'package.json']),
    );
    expect(config.asar).toBe(true);
  });

  it('unpacks every native binary of serialport and better-sqlite3 from the asar', () => {
    const natives = [
      ...findNodeFiles(path.join(root, 'node_modules/better-sqlite3')),
      ...findNodeFiles(path.join(root, 'node_modules/@serialport/bindings-cpp')),
    ].map((f) => path.relative(root, f));
    expect(natives.some((f) => f.includes('better_sqlite3.node'))).toBe(true);
    expect(natives.some((f) => f.includes('bindings-cpp'))).toBe(true);
    for (const f of natives) {
      expect(
        config.asarUnpack!.some((p) => minimatch(f, p, { dot: true })),
        f,
      ).toBe(true);
    }
    // The JS loaders next to the binaries are unpacked too (they resolve the .node relative to themselves).
    for (const f of [
      'node_modules/better-sqlite3/lib/database.js',
      'node_modules/@serialport/bindings-cpp/dist/index.js',
    ])
      expect(
        config.asarUnpack!.some((p) => minimatch(f, p, { dot: true })),
        f,
      ).toBe(true);
  });

  it('flips the security fuses (checklist item 19)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('uses real icons: an SVG source and 512/256 PNGs of the right size', () => {
    const dir = path.join(root, config.linux!.icon!);
    expect(pngSize(path.join(dir, '512x512.png'))).toEqual({ width: 512, height: 512 });
    expect(pngSize(path.join(dir, '256x256.png'))).toEqual({ width: 256, height: 256 });
    expect(fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8')).toMatch(/^<svg[^>]+viewBox="0 0 512 512"/);
    for (const icon of [config.win!.icon!, config.mac!.icon!]) {
      expect(pngSize(path.join(root, icon)).width).toBeGreaterThanOrEqual(512);
    }
    // Not a placeholder: a real drawing has many distinct bytes (a flat fill compresses to < 1 kB).
    expect(fs.statSync(path.join(dir, '512x512.png')).size).toBeGreaterThan(5_000);
  });

  it('ships the udev rule in the .deb and as a resource', () => {
    const rules = 'build/udev/99-asset-station.rules';
    expect(config.deb?.fpm).toContain(`${rules}=/usr/lib/udev/rules.d/99-asset-station.rules`);
    expect(config.extraResources).toContainEqual({ from: rules, to: 'udev/99-asset-station.rules' });
    const lines = fs
      .readFileSync(path.join(root, rules), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    for (const [vid, pid] of [
      ['10c4', 'ea60'],
      ['1a86', '7523'],
      ['0403', '6001'],
      ['1915', undefined],
    ] as const) {
      const line = lines.find((l) => l.includes(`ATTRS{idVendor}=="${vid}"`));
      expect(line, vid).toBeDefined();
      if (pid) expect(line).toContain(`ATTRS{idProduct}=="${pid}"`);
      expect(line).toMatch(/^SUBSYSTEM=="tty", .*MODE="0660", GROUP="dialout"$/);
    }
  });
});

function findNodeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findNodeFiles(p));
    else if (e.name.endsWith('.node')) out.push(p);
  }
  return out;
}
