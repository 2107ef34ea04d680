/**
 * Station CPU by thread (Linux only): user + system time of each of this process's threads, summed by
 * thread name (`/proc/self/task/<tid>/stat`, fields 14–15 in clock ticks of 10 ms; `comm` names such as
 * `main` for the main thread, else the thread's name, `libuv-worker` for the thread pool, `V8 Worker` for the compiler and GC
 * helpers). Used by the provisioning bench with BENCH_THREADS=1 to show where CPU outside the main
 * thread's profile goes. Source: https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import fs from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU ms by thread name; undefined where /proc/self/task is not readable (macOS, Windows). */
export function threadCpuMs(): Map<string, number> | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const byName = new Map<string, number>();
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat
        .slice(stat.indexOf('(') + 1, close)
        .replace(/[0-9]+$/, '')
        .trim();
      const f = stat.slice(close + 2).split(' ');
      // after ")": field 3 is index 0, so utime (14) is index 11 and stime (15) index 12
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
      const key = tid === String(process.pid) ? 'main' : name;
      byName.set(key, (byName.get(key) ?? 0) + ms);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return byName;
}

/** The CPU ms each thread name spent between two {@link threadCpuMs} readings, largest first. */
export function threadCpuDelta(a: Map<string, number>, b: Map<string, number>): Array<[string, number]> {
  return [...b]
    .map(([k, v]): [string, number] => [k, v - (a.get(k) ?? 0)])
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
}
