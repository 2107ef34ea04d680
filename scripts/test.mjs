#!/usr/bin/env node
// `npm test`: typecheck (each target's tsconfig) + lint + Vitest (unit + integration) + Playwright e2e.
// Runs every stage even after a failure, then prints one closing line `N passed, N failed` (the form
// CI reads), counting individual tests from Vitest's and Playwright's JSON reports; typecheck and lint
// count as one check each.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const bin = (name) => path.join('node_modules', '.bin', name);
// Machine-readable reports stay in test-results/ (git-ignored) for whoever wants the details.
const tmp = path.resolve('test-results');
fs.mkdirSync(tmp, { recursive: true });
let passed = 0;
let failed = 0;
const failures = [];

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${label}\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  process.stdout.write(
    `=== ${label}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return r.status === 0;
}

function check(label, ok) {
  if (ok) passed++;
  else {
    failed++;
    failures.push(label);
  }
}

for (const cfg of ['shared', 'node', 'renderer', 'test']) {
  check(
    `typecheck ${cfg}`,
    run(`typecheck (tsconfig.${cfg}.json)`, bin('tsc'), ['--noEmit', '-p', `tsconfig.${cfg}.json`]),
  );
}
check('lint', run('lint (eslint)', bin('eslint'), ['--max-warnings=0', '.']));

const vitestJson = path.join(tmp, 'vitest.json');
const vitestOk = run('unit + integration (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
try {
  const v = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  if (v.numFailedTests > 0 || !vitestOk) failures.push('vitest');
  if (!vitestOk && v.numFailedTests === 0) failed++; // e.g. a suite that failed to load
} catch {
  check('vitest (no report)', false);
}

const pwJson = path.join(tmp, 'playwright.json');
const pwOk = run('e2e (playwright + chromium)', bin('playwright'), ['test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
});
try {
  const p = JSON.parse(fs.readFileSync(pwJson, 'utf8'));
  passed += p.stats.expected + p.stats.flaky;
  failed += p.stats.unexpected;
  if (p.stats.unexpected > 0 || !pwOk) failures.push('playwright');
  if (!pwOk && p.stats.unexpected === 0) failed++;
} catch {
  check('playwright (no report)', false);
}

if (failures.length) process.stdout.write(`\nfailed stages: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
