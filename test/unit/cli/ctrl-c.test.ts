/**
 * The Ctrl-C watch of `provision` (cli/interrupt.ts): the first SIGINT interrupts the station's jobs
 * once and says so; the second exits at once with 130 without waiting for them; after dispose the
 * watch is gone.
 */
import { afterEach, expect, it, vi } from 'vitest';
import type { Station } from '../../../core/station';
import { EXIT_INTERRUPTED, interruptOnCtrlC } from '../../../cli/interrupt';

afterEach(() => vi.restoreAllMocks());

it('first Ctrl-C interrupts the jobs; the second exits 130 at once; dispose removes the handler', () => {
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const interruptJobs = vi.fn(() => new Promise<never>(() => {})); // jobs that never stop
  const lines: string[] = [];
  const before = process.listenerCount('SIGINT');
  const watch = interruptOnCtrlC({ interruptJobs } as unknown as Station, {
    json: true,
    write: (l) => lines.push(l),
  });
  expect(process.listenerCount('SIGINT')).toBe(before + 1);
  expect(watch.requested()).toBe(false);

  process.emit('SIGINT');
  expect(watch.requested()).toBe(true);
  expect(interruptJobs).toHaveBeenCalledTimes(1);
  expect(exit).not.toHaveBeenCalled();
  expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'stopping' });

  process.emit('SIGINT');
  expect(exit).toHaveBeenCalledWith(EXIT_INTERRUPTED);
  expect(interruptJobs).toHaveBeenCalledTimes(1);

  watch.dispose();
  expect(process.listenerCount('SIGINT')).toBe(before);
});
