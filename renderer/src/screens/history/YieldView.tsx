import { useEffect, useMemo, useState } from 'react';
import type { YieldReport } from '../../../../shared/analytics';
import { stepLabel } from '../../../../shared/step-labels';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { SelectField, TextField } from '../../components/Field';
import { toPlainError, type PlainError } from '../../lib/errors';
import { useStation } from '../../state/StationContext';
import { BreakdownPanel, ChartPanel } from './YieldPanels';
import {
  binLabel,
  cycleCsv,
  emptyYieldForm,
  percent,
  seconds,
  toYieldFilter,
  type YieldFilterForm,
} from './yieldTables';

const PICKS: Array<{ key: Exclude<keyof YieldFilterForm, 'from' | 'to'>; label: string }> = [
  { key: 'workOrder', label: 'Work order' },
  { key: 'lot', label: 'Lot' },
  { key: 'model', label: 'Model' },
  { key: 'firmware', label: 'Firmware' },
  { key: 'station', label: 'Station' },
];

/**
 * History → Yield: first-pass yield, failure Paretos by step and by failure class, the active
 * cycle-time histogram and the breakdowns, for the filtered provisioning jobs (docs/analytics.md).
 * The figures come from the station's getYieldReport — the same function as `asset-station report`.
 */
export function YieldView() {
  const { api, live } = useStation();
  const [form, setForm] = useState<YieldFilterForm>(emptyYieldForm);
  const [report, setReport] = useState<YieldReport | undefined>();
  const [error, setError] = useState<PlainError | undefined>();
  const finishedJobs = Object.values(live.jobs).filter((j) => j.endedAt).length;

  // Ask again when the filters change (debounced for typing) and when a job finishes.
  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      api.getYieldReport(toYieldFilter(form, -new Date().getTimezoneOffset())).then(
        (r) => {
          if (stale) return;
          setReport(r);
          setError(undefined);
        },
        (e) => {
          if (!stale) setError(toPlainError(e));
        },
      );
    }, 250);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [api, form, finishedJobs]);

  const steps = useMemo(
    () => (report?.paretoByStep ?? []).map((b) => ({ ...b, key: stepLabel(b.key) })),
    [report],
  );
  const classes = report?.paretoByClass ?? [];
  const cycle = report?.cycleTime;
  const bins = useMemo(() => cycle?.bins.map((b) => binLabel(b.fromMs, b.toMs)) ?? [], [cycle]);
  const t = report?.totals;
  const set = (k: keyof YieldFilterForm, v: string) => setForm({ ...form, [k]: v });

  return (
    <div className="yield" data-testid="yield-view">
      <Panel title="Yield filters">
        <div className="filters yield__filters">
          <TextField label="From day" type="date" value={form.from} onChange={(v) => set('from', v)} />
          <TextField label="To day" type="date" value={form.to} onChange={(v) => set('to', v)} />
          {PICKS.map((p) => (
            <SelectField key={p.key} label={p.label} value={form[p.key]} onChange={(v) => set(p.key, v)}>
              <option value="">Any</option>
              {(report?.choices[p.key] ?? []).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </SelectField>
          ))}
        </div>
        <div className="form-row">
          <button type="button" className="btn" onClick={() => setForm(emptyYieldForm)}>
            Clear filters
          </button>
        </div>
      </Panel>

      {error ? <ErrorNotice error={error} alert /> : null}

      <div className="yield__figures" aria-live="polite">
        <Figure
          label="First-pass yield"
          value={percent(t?.firstPassYield)}
          detail={t ? `${t.firstPass} of ${t.units} units passed at once` : 'Loading…'}
          testId="fpy"
        />
        <Figure
          label="Final yield"
          value={percent(t?.finalYield)}
          detail={t ? `${t.passed} of ${t.units} units passed` : ''}
          testId="final-yield"
        />
        <Figure
          label="Failed attempts"
          value={t ? String(t.failures) : '—'}
          detail={
            report?.inProgress
              ? `${report.inProgress} units still in progress`
              : 'step attempts that ended in an error'
          }
          testId="failures"
        />
        <Figure
          label="Median active cycle time"
          value={seconds(cycle?.medianMs)}
          detail={
            cycle?.samples
              ? `90 % within ${seconds(cycle.p90Ms)} · ${cycle.samples} passed units`
              : 'no unit passed yet'
          }
          testId="cycle-median"
        />
      </div>

      <div className="yield__charts">
        <ChartPanel
          title="Failures by step"
          what="step"
          file="failures-by-step"
          bars={steps}
          color="#b00020"
          testId="pareto-step"
        />
        <ChartPanel
          title="Failures by class"
          what="failure class"
          file="failures-by-class"
          bars={classes}
          color="#7a4b00"
          testId="pareto-class"
        />
        <ChartPanel
          title="Active cycle time of passed units"
          what="cycle time"
          file="cycle-time"
          histogram={{
            labels: bins,
            values: cycle?.bins.map((b) => b.count) ?? [],
            csv: () => (cycle ? cycleCsv(cycle) : ''),
          }}
          color="#0a4fc2"
          testId="cycle-histogram"
        />
        {report ? <BreakdownPanel breakdowns={report.breakdowns} /> : null}
      </div>
      <p className="muted">
        First pass: the device’s first provisioning job passed with every step done on its first attempt.
        Active time leaves out waiting between attempts. CSV files carry the table behind each chart.
      </p>
    </div>
  );
}

function Figure(props: { label: string; value: string; detail: string; testId: string }) {
  return (
    <div className="yield__figure" data-testid={props.testId}>
      <span className="yield__figure-label">{props.label}</span>
      <strong className="yield__figure-value">{props.value}</strong>
      <span className="muted">{props.detail}</span>
    </div>
  );
}
