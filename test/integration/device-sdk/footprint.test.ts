/**
 * The SDK core cross-compiled for a Cortex-M4 (arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb, the
 * Debian toolchain) with warnings as errors, linked into a minimal firmware (device-sdk/port/
 * footprint.c: maxFrame 512, a 2560-byte message buffer, P-256 keys). Targets of issue 13: the core
 * within 12 KB of flash and 4 KB of RAM. Prints the figures that docs/device-sdk.md reports.
 */
import { expect, it } from 'vitest';
import { make, requireTools } from './sdk';

it('the core builds for Cortex-M4 within 12 KB flash and 4 KB RAM (512-byte frames)', () => {
  requireTools();
  const r = make('vitest-arm', ['footprint']);
  expect(r.ok, r.output).toBe(true);
  const totals = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\(TOTALS\)$/m.exec(r.output);
  expect(totals, r.output).not.toBeNull();
  const [text, data, bss] = totals!.slice(1).map(Number) as [number, number, number];
  const sym = (name: string) => {
    const m = new RegExp(`^[0-9a-f]+ ([0-9a-f]+) [bB] ${name}$`, 'm').exec(r.output);
    expect(m, `${name} in ${r.output}`).not.toBeNull();
    return parseInt(m![1]!, 16);
  };
  const ram = data + bss + sym('dev') + sym('line_buf') + sym('msg_buf');
  process.stdout.write(
    `device-sdk core on Cortex-M4: text ${text} B, data ${data} B, bss ${bss} B; ` +
      `RAM with buffers ${ram} B (as_dev ${sym('dev')}, line ${sym('line_buf')}, message ${sym('msg_buf')})\n`,
  );
  expect(text + data).toBeLessThanOrEqual(12 * 1024);
  expect(sym('line_buf')).toBe(512);
  expect(ram).toBeLessThanOrEqual(4 * 1024);
}, 120_000);
