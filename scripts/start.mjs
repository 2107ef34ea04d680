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

const exe = electronBinary();
if (!exe) {
  console.error(NOT_INSTALLED);
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
