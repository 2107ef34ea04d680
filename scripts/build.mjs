#!/usr/bin/env node
// `npm run build`: bundles the Electron main process and the sandboxed preload with esbuild, then
// builds the renderer with Vite (vite.config.ts → dist/renderer).
//
//   electron/main.ts    → dist/electron/main.cjs     (CommonJS; native and heavy deps stay external)
//   electron/preload.ts → dist/electron/preload.cjs  (ONE CommonJS file; only 'electron' external,
//                                                     as sandboxed preloads cannot require anything else)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages left out of the main bundle and loaded from node_modules at run time: Electron itself,
 * native modules (their .node binaries are unpacked from the asar, see build/electron-builder.yml),
 * and large packages that do not bundle cleanly (optional requires, dynamic loading).
 */
export const MAIN_EXTERNALS = [
  'electron',
  'serialport',
  '@serialport/*',
  'better-sqlite3',
  'pkcs11js',
  'bindings',
  'node-gyp-build',
  'jsforce',
  'ws',
  'bufferutil',
  'utf-8-validate',
];

/** The only module the sandboxed preload may require. */
export const PRELOAD_EXTERNALS = ['electron'];

/**
 * Bundles main and preload into `outdir`. Returns esbuild's metafiles (inputs/outputs) for inspection.
 * @param {{ outdir?: string, minify?: boolean }} [opts]
 */
export async function buildElectron(opts = {}) {
  const outdir = opts.outdir ?? path.join(root, 'dist', 'electron');
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    minify: opts.minify ?? false,
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  };
  const main = await esbuild.build({
    ...common,
    entryPoints: { main: 'electron/main.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    external: MAIN_EXTERNALS,
  });
  const preload = await esbuild.build({
    ...common,
    entryPoints: { preload: 'electron/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    // Sandboxed preloads run in a renderer: target Chromium's JS, and inline everything else.
    platform: 'browser',
    mainFields: ['browser', 'module', 'main'],
    external: PRELOAD_EXTERNALS,
  });
  return { main: main.metafile, preload: preload.metafile, outdir };
}

async function main() {
  const t0 = Date.now();
  const { outdir } = await buildElectron();
  console.log(`electron: main.cjs + preload.cjs → ${path.relative(root, outdir)} (${Date.now() - t0} ms)`);
  const vite = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (vite.status !== 0) {
    console.error('build: the renderer build (vite build) failed; see the output above.');
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
