/**
 * An optional CPU profile of a bench's measured phase only (not module loading or set-up): set
 * `BENCH_CPU_PROF=<folder>` and each measured phase writes `<folder>/<name>.cpuprofile` (`<name>-2`… when
 * that file exists: a scenario run twice) (Chrome DevTools
 * format, https://nodejs.org/api/inspector.html#cpu-profiler). Unset, nothing is profiled.
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import path from 'node:path';

/** A running profile; `stop(name)` writes it and ends the session. */
export interface RunningProfile {
  stop(name: string): Promise<void>;
}

/** Starts the CPU profiler when `BENCH_CPU_PROF` names a folder; otherwise resolves undefined. */
export async function startProfile(): Promise<RunningProfile | undefined> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return undefined;
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(dir, { recursive: true });
      // a second run of the same scenario in one process (`… 16 16`: cold, then warm) gets `<name>-2`
      let file = path.join(dir, `${name}.cpuprofile`);
      for (let i = 2; fs.existsSync(file); i++) file = path.join(dir, `${name}-${i}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
