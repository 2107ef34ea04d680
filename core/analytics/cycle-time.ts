/**
 * Cycle-time statistics (pure): median, 90th percentile (nearest rank), mean and a histogram whose
 * bin width is a 1-2-5 step (100 ms, 200 ms, 500 ms, 1 s, 2 s, 5 s, 10 s …) chosen so that the
 * samples fall in at most {@link MAX_BINS} bins. docs/analytics.md defines the samples (active time).
 */
import type { CycleBin, CycleTime } from '../../shared/analytics';

/** Most bins a histogram has. */
export const MAX_BINS = 12;
/** Narrowest bin, ms. */
export const MIN_BIN_MS = 100;

/** Median of sorted values (mean of the middle two for an even count); undefined when empty. */
export function median(sorted: readonly number[]): number | undefined {
  if (!sorted.length) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The p-th percentile of sorted values by the nearest-rank method (the smallest value with at least
 * p % of the values at or below it); undefined when empty. `p` is 0 < p ≤ 100.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The smallest 1-2-5 step ≥ MIN_BIN_MS that puts `maxMs` in one of at most MAX_BINS bins, ms. */
export function binWidth(maxMs: number): number {
  for (let decade = MIN_BIN_MS; ; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const w = decade * m;
      if (Math.floor(maxMs / w) + 1 <= MAX_BINS) return w;
    }
  }
}

/**
 * Statistics and histogram of cycle-time samples (ms) and the step attempts each sample took.
 * The histogram covers 0 up to the bin holding the largest sample; empty bins are kept (a gap is
 * information).
 */
export function cycleTime(samples: ReadonlyArray<{ ms: number; attempts: number }>): CycleTime {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  if (!sorted.length) return { samples: 0, binMs: MIN_BIN_MS, bins: [] };
  const width = binWidth(sorted[sorted.length - 1]!);
  const bins: CycleBin[] = [];
  const count = Math.floor(sorted[sorted.length - 1]! / width) + 1;
  for (let i = 0; i < count; i++) bins.push({ fromMs: i * width, toMs: (i + 1) * width, count: 0 });
  for (const ms of sorted) bins[Math.floor(ms / width)]!.count += 1;
  const sum = sorted.reduce((a, b) => a + b, 0);
  const attempts = samples.reduce((a, s) => a + s.attempts, 0);
  return {
    samples: sorted.length,
    medianMs: median(sorted)!,
    p90Ms: percentile(sorted, 90)!,
    meanMs: sum / sorted.length,
    meanAttempts: attempts / samples.length,
    binMs: width,
    bins,
  };
}
