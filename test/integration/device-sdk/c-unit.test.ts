/**
 * The device SDK's C unit tests, built by device-sdk/Makefile with -std=c99 -Wall -Wextra -Werror
 * under AddressSanitizer + UndefinedBehaviorSanitizer and run here: every C test case (one TAP line)
 * becomes one test below. test_codec, test_engine and test_commands check the codec, the engine and
 * the commands against docs/device-protocol.md (its golden vectors are read from the document);
 * test_psa runs the PSA Crypto key store against Debian's Mbed TLS.
 *
 * The build and the runs happen while the file is collected, so each C case can be listed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { built, make, parseTap, requireTools, REPO_DIR, type CCase } from './sdk';

const BUILD = 'vitest-unit';
const SPEC = path.join(REPO_DIR, 'docs', 'device-protocol.md');
const PROGRAMS = ['test_codec', 'test_engine', 'test_commands', 'test_psa'];

interface Run {
  program: string;
  cases: CCase[];
  status: number | null;
  output: string;
}

function runAll(): { build: { ok: boolean; output: string }; runs: Run[] } {
  requireTools();
  const build = make(
    BUILD,
    PROGRAMS.map((p) => `build/${BUILD}/${p}`),
  );
  if (!build.ok) return { build, runs: [] };
  const psaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'as-psa-')); // PSA keeps key files in its cwd
  try {
    return {
      build,
      runs: PROGRAMS.map((program) => {
        const r = spawnSync(built(BUILD, program), program === 'test_psa' ? [] : [SPEC], {
          cwd: program === 'test_psa' ? psaDir : REPO_DIR,
          encoding: 'utf8',
          timeout: 60_000,
        });
        return {
          program,
          cases: parseTap(r.stdout ?? ''),
          status: r.status,
          output: `${r.stdout}${r.stderr}`,
        };
      }),
    };
  } finally {
    fs.rmSync(psaDir, { recursive: true, force: true });
  }
}

const { build, runs } = runAll();

describe('device SDK C unit tests (ASan + UBSan)', () => {
  it('builds with -std=c99 -Wall -Wextra -Werror -fsanitize=address,undefined', () => {
    expect(build.ok, build.output).toBe(true);
  });
  for (const run of runs) {
    describe(run.program, () => {
      it('exits 0 with every case reported and no sanitizer finding', () => {
        expect(run.output).not.toMatch(/runtime error|AddressSanitizer|LeakSanitizer/);
        expect(run.cases.length, run.output).toBeGreaterThan(0);
        expect(run.status, run.output).toBe(0);
      });
      for (const c of run.cases) it(c.name, () => expect(c.ok, c.detail).toBe(true));
    });
  }
});
