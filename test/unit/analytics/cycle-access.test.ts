/**
 * Cycle-time statistics (nearest-rank percentile, median, 1-2-5 bin widths) and who may read the
 * yield report: any signed-in operator, nobody before signing in (the attack: an unsigned caller asks
 * the station for its production figures).
 */
import { describe, expect, it } from 'vitest';
import { YieldFilter } from '../../../shared/analytics';
import type { StationError } from '../../../shared/errors';
import { toYieldFilter } from '../../../cli/commands/report';
import { binWidth, cycleTime, median, percentile } from '../../../core/analytics/cycle-time';
import { AccessGuard } from '../../../core/operators/guard';
import type { Operator } from '../../../core/operators/roles';

describe('cycle-time statistics', () => {
  it('median, and the 90th percentile by nearest rank', () => {
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeUndefined();
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile([...ten, 11], 90)).toBe(10);
    expect(percentile([7], 90)).toBe(7);
  });

  it('bin width is the smallest 1-2-5 step giving at most 12 bins', () => {
    expect(binWidth(50)).toBe(100);
    expect(binWidth(1_199)).toBe(100);
    expect(binWidth(1_200)).toBe(200);
    expect(binWidth(11_999)).toBe(1_000);
    expect(binWidth(12_000)).toBe(2_000);
    expect(binWidth(59_000)).toBe(5_000);
    expect(binWidth(60_000)).toBe(10_000);
  });

  it('every sample lands in the bin that holds it; empty bins between are kept', () => {
    const c = cycleTime([1_000, 1_100, 9_000].map((ms) => ({ ms, attempts: 11 })));
    expect(c.binMs).toBe(1_000);
    expect(c.bins.map((b) => b.count)).toEqual([0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(c.bins[9]).toEqual({ fromMs: 9_000, toMs: 10_000, count: 1 });
    expect(cycleTime([])).toEqual({ samples: 0, binMs: 100, bins: [] });
  });
});

describe('who may read the yield report', () => {
  const check = (who: Operator | undefined) =>
    new AccessGuard({
      signedIn: () => who,
      hasAccounts: async () => true,
      jobKind: () => undefined,
      audit: () => {},
    })
      .check('getYieldReport', {})
      .then(
        () => 'ok',
        (e: StationError) => e.code,
      );

  it('every role once signed in; nobody before', async () => {
    for (const role of ['technician', 'qa', 'installer', 'admin'] as const)
      expect(await check({ login: role, name: role, role })).toBe('ok');
    expect(await check(undefined)).toBe('UNAUTHORIZED');
  });
});

describe('the report filter', () => {
  it('the API refuses a malformed day, an unknown field and an offset beyond ±14 h', () => {
    expect(YieldFilter.safeParse({ fromDay: '2026-3-1' }).success).toBe(false);
    expect(YieldFilter.safeParse({ sql: 'DROP TABLE jobs' }).success).toBe(false);
    expect(YieldFilter.safeParse({ utcOffsetMinutes: 900 }).success).toBe(false);
    expect(
      YieldFilter.safeParse({ fromDay: '2026-03-01', workOrder: 'WO-1', utcOffsetMinutes: 60 }).success,
    ).toBe(true);
  });

  it('the CLI turns its options into the filter and says what to type for a bad one', () => {
    expect(toYieldFilter({ from: '2026-03-01', workOrder: 'WO-1' }, 120)).toEqual({
      fromDay: '2026-03-01',
      workOrder: 'WO-1',
      utcOffsetMinutes: 120,
    });
    expect(toYieldFilter({ utcOffset: '-300' }, 120)).toEqual({ utcOffsetMinutes: -300 });
    expect(() => toYieldFilter({ from: '2026-03-05', to: '2026-03-01' }, 0)).toThrow(
      /--from 2026-03-05 is after --to 2026-03-01/,
    );
    expect(() => toYieldFilter({ utcOffset: '9999' }, 0)).toThrow(
      /--utc-offset must be a whole number from -840 to 840/,
    );
  });
});
