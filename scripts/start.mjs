#!/usr/bin/env node
// `npm start`: builds (scripts/build.mjs) and launches the desktop app with Electron.
// Where Electron's binary is not installed (npm ci skips its download: package.json allowScripts),
// prints one sentence saying so and how to get it, and exits 1 without a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Path of the Electron executable, or undefined when the binary is not installed. The `electron`
 * package exports the path from node_modules/electron/path.txt + dist/ (or ELECTRON_OVERRIDE_DIST_PATH)
 * and throws when path.txt is missing; a path.txt whose file is absent counts as not installed too.
 */
function electronBinary() {
  try {
    const exe = createRequire(path.join(root, 'package.json'))('electron');
    return typeof exe === 'string' && fs.existsSync(exe) ? exe : undefined;
  } catch {
    return undefined;
  }
}

/** The one sentence printed when the binary is missing. */
const NOT_INSTALLED =
  "Electron's binary is not installed (npm ci skips its download here), so the desktop app cannot start: " +
  'on a machine with internet access run `node node_modules/electron/install.js` once (ELECTRON_MIRROR selects a mirror), ' +
  'then `npm start` again.';

/** The one sentence printed when better-sqlite3 is built for Node's ABI instead of Electron's. */
const NEEDS_REBUILD =
  'better-sqlite3 is compiled for Node, not for Electron, so the desktop app cannot open its database: ' +
  'run `npx electron-builder install-app-deps` once (it rebuilds native modules for Electron; ' +
  'run `npm rebuild better-sqlite3` afterwards to use the CLI and the tests under Node again), then `npm start`.';

const exe = electronBinary();
if (!exe) {
  console.error(NOT_INSTALLED);
  process.exit(1);
}

// better-sqlite3 is not N-API: a binary compiled for Node (what `npm ci` builds, for the CLI and the
// tests) does not load in Electron (another NODE_MODULE_VERSION). Check it with Electron's own Node.
const probe = spawnSync(exe, ['-e', "require('better-sqlite3')"], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
});
if (probe.status !== 0 && /NODE_MODULE_VERSION|was compiled against a different/.test(probe.stderr ?? '')) {
  console.error(NEEDS_REBUILD);
  process.exit(1);
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const child = spawn(exe, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
