import { emptyTotals, figures, type Production } from '../../lib/production';

function pct(x: number | undefined): string {
  return x === undefined ? '—' : `${Math.round(x * 100)} %`;
}

function secs(ms: number | undefined): string {
  return ms === undefined ? '—' : `${Math.round(ms / 1000)} s`;
}

/**
 * Production counters of the session (shift) and of the current work order: passed, failed,
 * first-pass yield, units per hour, median active cycle time. They only grow (lib/production.ts).
 */
export function ProductionBar({
  production,
  workOrder,
  now,
}: {
  production: Production;
  workOrder: string;
  now: number;
}) {
  const rows: Array<{ label: string; testId: string; f: ReturnType<typeof figures> }> = [
    { label: 'Shift', testId: 'production-shift', f: figures(production.session, production.since, now) },
  ];
  const wo = workOrder ? production.byWorkOrder[workOrder] : undefined;
  if (workOrder)
    rows.push({
      label: `WO ${workOrder}`,
      testId: 'production-wo',
      f: figures(wo ?? emptyTotals(), production.since, now),
    });
  return (
    <section className="production" aria-label="Production counters">
      {rows.map(({ label, testId, f }) => (
        <dl key={testId} className="production__row" data-testid={testId}>
          <dt className="production__scope">{label}</dt>
          <dd className="count count--pass" data-testid="prod-passed">
            {f.passed} passed
          </dd>
          <dd className="count count--fail" data-testid="prod-failed">
            {f.failed} failed
          </dd>
          <dd className="production__fig">FPY {pct(f.fpy)}</dd>
          <dd className="production__fig" data-testid="prod-per-hour">
            {f.perHour === undefined ? '—' : Math.round(f.perHour)} /h
          </dd>
          <dd className="production__fig">median {secs(f.medianCycleMs)}</dd>
        </dl>
      ))}
    </section>
  );
}
