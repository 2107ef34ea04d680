/**
 * A bounded libFuzzer run (clang -fsanitize=fuzzer,address,undefined) of the SDK's frame collector,
 * frame parser and device engine (device-sdk/fuzz/fuzz_frame.c), seeded with the spec's golden
 * frames. Any crash, sanitizer finding or broken invariant (a parsed frame that does not re-encode
 * to itself, a device output line that is not a valid frame) fails the test. It prints the number of
 * executions. Length: AS_FUZZ_SECONDS (default 20).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { built, make, requireTools, SDK_DIR } from './sdk';

const SECONDS = Number(process.env.AS_FUZZ_SECONDS ?? 20);

it(
  `fuzzes the frame parser and device engine for ${SECONDS} s without a crash`,
  () => {
    requireTools();
    const b = make('vitest-fuzz', ['fuzz']);
    expect(b.ok, b.output).toBe(true);
    const corpus = fs.mkdtempSync(path.join(os.tmpdir(), 'as-fuzz-'));
    try {
      const r = spawnSync(
        built('vitest-fuzz', 'fuzz_frame'),
        [
          `-max_total_time=${SECONDS}`,
          '-print_final_stats=1',
          '-timeout=5',
          corpus,
          path.join(SDK_DIR, 'fuzz', 'seeds'),
        ],
        { encoding: 'utf8', timeout: (SECONDS + 60) * 1000 },
      );
      const log = `${r.stdout}${r.stderr}`;
      const runs = /stat::number_of_executed_units:\s+(\d+)/.exec(log);
      expect(log).not.toMatch(/ERROR: (libFuzzer|AddressSanitizer)|runtime error|deadly signal/);
      expect(r.status, log.slice(-3000)).toBe(0);
      expect(runs, log.slice(-2000)).not.toBeNull();
      expect(Number(runs![1])).toBeGreaterThan(1000);
      process.stdout.write(`device-sdk fuzz: ${runs![1]} executions in ${SECONDS} s\n`);
    } finally {
      fs.rmSync(corpus, { recursive: true, force: true });
    }
  },
  (SECONDS + 120) * 1000,
);
