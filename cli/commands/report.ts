/**
 * `asset-station report`: the yield figures of this station's journal (docs/analytics.md) — first-pass
 * and final yield, the failure Pareto by step and by failure class, breakdowns and the active cycle
 * time. `--json` prints the report exactly as the History screen's Yield view gets it (one core
 * function, core/analytics), so the numbers agree.
 */
import type { Command } from 'commander';
import { YieldFilter, type ParetoBar, type YieldGroup, type YieldReport } from '../../shared/analytics';
import type { CliContext } from '../context';
import { usageError } from '../context';
import { integerOption } from '../options';
import { Station } from '../../core/station';

interface ReportOpts {
  from?: string;
  to?: string;
  workOrder?: string;
  lot?: string;
  model?: string;
  firmware?: string;
  station?: string;
  utcOffset?: string;
}

/** A calendar day `YYYY-MM-DD`. @throws UsageError naming the option */
function dayOption(raw: string, flag: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`));
  if (!ok)
    throw usageError(`${flag} '${raw}' is not a day.`, `Pass a day as YYYY-MM-DD, e.g. ${flag} 2026-03-01.`);
  return raw;
}

/**
 * The report filter of the options; days are the station clock's unless `--utc-offset` says otherwise.
 * @throws UsageError for a value the filter does not accept
 */
export function toYieldFilter(o: ReportOpts, localOffsetMinutes: number): YieldFilter {
  const filter: YieldFilter = {
    ...(o.from ? { fromDay: dayOption(o.from, '--from') } : {}),
    ...(o.to ? { toDay: dayOption(o.to, '--to') } : {}),
    ...(o.workOrder ? { workOrder: o.workOrder } : {}),
    ...(o.lot ? { lot: o.lot } : {}),
    ...(o.model ? { model: o.model } : {}),
    ...(o.firmware ? { firmware: o.firmware } : {}),
    ...(o.station ? { station: o.station } : {}),
    utcOffsetMinutes:
      o.utcOffset !== undefined ? integerOption(o.utcOffset, '--utc-offset', -840, 840) : localOffsetMinutes,
  };
  if (filter.fromDay && filter.toDay && filter.fromDay > filter.toDay)
    throw usageError(
      `--from ${filter.fromDay} is after --to ${filter.toDay}.`,
      'Give the first day with --from and the last day with --to.',
    );
  const checked = YieldFilter.safeParse(filter);
  if (!checked.success)
    throw usageError(
      `The report filter is not valid: ${checked.error.issues[0]?.message ?? 'unexpected value'}.`,
      'Check the values given to --work-order, --lot, --model, --firmware and --station (1 to 256 characters).',
    );
  return checked.data;
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);
const secs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

function paretoLines(title: string, bars: ParetoBar[]): string[] {
  if (!bars.length) return [`${title}: no failures`];
  return [
    `${title}:`,
    ...bars.map(
      (b) =>
        `  ${b.key.padEnd(22)} ${String(b.failures).padStart(5)} failed attempts  ${String(b.units).padStart(4)} units  ${pct(b.cumulative).padStart(8)} cumulative`,
    ),
  ];
}

function groupLines(title: string, groups: YieldGroup[]): string[] {
  if (groups.length < 2) return [];
  return [
    `By ${title}:`,
    ...groups.map(
      (g) =>
        `  ${g.key.padEnd(22)} ${String(g.units).padStart(5)} units  first pass ${pct(g.firstPassYield).padStart(8)}  final ${pct(g.finalYield).padStart(8)}  ${g.failures} failed attempts`,
    ),
  ];
}

/** The report for people. */
export function reportText(r: YieldReport): string {
  const t = r.totals;
  const c = r.cycleTime;
  return [
    `${t.units} ${t.units === 1 ? 'unit' : 'units'} (${r.jobs} provisioning ${r.jobs === 1 ? 'job' : 'jobs'}${r.inProgress ? `, ${r.inProgress} units still in progress` : ''})`,
    `First-pass yield ${pct(t.firstPassYield)} (${t.firstPass} of ${t.units}); final yield ${pct(t.finalYield)} (${t.passed} of ${t.units})`,
    `Active cycle time of passed units: median ${secs(c.medianMs)}, 90th percentile ${secs(c.p90Ms)}, ${c.samples} units`,
    ...paretoLines('Failures by step', r.paretoByStep),
    ...paretoLines('Failures by class', r.paretoByClass),
    ...groupLines('work order', r.breakdowns.workOrder),
    ...groupLines('lot', r.breakdowns.lot),
    ...groupLines('station', r.breakdowns.station),
    ...groupLines('model', r.breakdowns.model),
    ...groupLines('firmware', r.breakdowns.firmware),
    ...groupLines('day', r.breakdowns.day),
  ].join('\n');
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('report')
    .description('yield analytics: first-pass yield, failure Pareto, cycle time (--json: the full report)')
    .option('--from <day>', 'first day, YYYY-MM-DD (station clock)')
    .option('--to <day>', 'last day, YYYY-MM-DD (inclusive)')
    .option('--work-order <id>', 'only this work order')
    .option('--lot <id>', 'only this lot')
    .option('--model <model>', 'only this device model')
    .option('--firmware <version>', 'only this firmware version')
    .option('--station <id>', 'only this station id')
    .option('--utc-offset <minutes>', 'minutes east of UTC for days (default: this computer’s clock)')
    .action(async (o: ReportOpts) => {
      const c = ctx();
      const filter = toYieldFilter(o, -new Date().getTimezoneOffset());
      const station = await Station.open({ home: c.home, transport: 'in-process' });
      try {
        c.result(await station.getYieldReport(filter), reportText);
      } finally {
        await station.close();
      }
    });
}
