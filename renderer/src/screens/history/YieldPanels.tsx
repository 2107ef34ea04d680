import { useRef, useState } from 'react';
import {
  YIELD_DIMENSIONS,
  type ParetoBar,
  type YieldDimension,
  type YieldReport,
} from '../../../../shared/analytics';
import { BarChart, type BarChartHandle } from '../../components/BarChart';
import { SelectField } from '../../components/Field';
import { Panel } from '../../components/Panel';
import { downloadBlob, downloadText } from '../../lib/download';
import { breakdownCsv, paretoCsv, percent } from './yieldTables';

/** A histogram's bars and the CSV behind them. */
interface Histogram {
  labels: string[];
  values: number[];
  csv(): string;
}

/**
 * One chart with the table behind it and its two exports: the table as CSV, the chart as PNG.
 * Either Pareto `bars` (most first, with counts, units and cumulative share) or a `histogram`.
 */
export function ChartPanel(props: {
  title: string;
  /** First column's name: step, failure class, cycle time. */
  what: string;
  /** File name stem for the exports. */
  file: string;
  bars?: ParetoBar[];
  histogram?: Histogram;
  color: string;
  testId: string;
}) {
  const chart = useRef<BarChartHandle>(null);
  const [note, setNote] = useState<string | undefined>();
  const bars = props.bars;
  const labels = bars ? bars.map((b) => b.key) : (props.histogram?.labels ?? []);
  const values = bars ? bars.map((b) => b.failures) : (props.histogram?.values ?? []);
  const empty = values.every((v) => v === 0);
  const top = bars?.[0];
  const description = empty
    ? `${props.title}: nothing to show.`
    : top
      ? `${props.title}: ${top.key} first with ${top.failures} failed attempts.`
      : `${props.title}: histogram of ${values.reduce((a, b) => a + b, 0)} passed units.`;

  const csv = () => (bars ? paretoCsv(props.what, bars) : (props.histogram?.csv() ?? ''));
  const savePng = async () => {
    const png = await chart.current?.png();
    if (png) {
      setNote(undefined);
      downloadBlob(`${props.file}.png`, png);
    } else setNote('This window cannot draw the chart as a picture. Save the table as CSV instead.');
  };

  return (
    <Panel title={props.title} className="yield__chart" testId={props.testId}>
      {empty ? (
        <p className="empty">
          {bars ? 'No failed attempts in this selection.' : 'No passed units in this selection.'}
        </p>
      ) : (
        <BarChart
          ref={chart}
          description={description}
          labels={labels}
          values={values}
          seriesLabel={bars ? 'failed attempts' : 'passed units'}
          categoryTitle={bars ? props.what : 'active cycle time'}
          color={props.color}
          horizontal={Boolean(bars)}
        />
      )}
      {bars && bars.length ? (
        <table
          className="records yield__table"
          aria-label={`${props.title}, most first`}
          data-testid={`${props.testId}-table`}
        >
          <thead>
            <tr>
              <th scope="col">{props.what[0]!.toUpperCase() + props.what.slice(1)}</th>
              <th scope="col">Failed attempts</th>
              <th scope="col">Units</th>
              <th scope="col">Cumulative</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.key} data-testid="pareto-row">
                <td>{b.key}</td>
                <td className="mono">{b.failures}</td>
                <td className="mono">{b.units}</td>
                <td className="mono">{percent(b.cumulative)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="form-row">
        <button
          type="button"
          className="btn"
          disabled={empty}
          onClick={() => downloadText(`${props.file}.csv`, 'text/csv', csv())}
        >
          Save table as CSV
        </button>
        <button type="button" className="btn" disabled={empty} onClick={() => void savePng()}>
          Save chart as PNG
        </button>
      </div>
      {note ? <p role="status">{note}</p> : null}
    </Panel>
  );
}

const DIMENSION_NAMES: Record<YieldDimension, string> = {
  workOrder: 'work order',
  lot: 'lot',
  station: 'station',
  model: 'model',
  firmware: 'firmware',
  day: 'day',
};

/** The figures per work order, lot, station, model, firmware or day, as a table with its CSV. */
export function BreakdownPanel({ breakdowns }: { breakdowns: YieldReport['breakdowns'] }) {
  const [by, setBy] = useState<YieldDimension>('workOrder');
  const groups = breakdowns[by];
  const name = DIMENSION_NAMES[by];
  return (
    <Panel title="Yield by group" testId="yield-breakdown">
      <div className="form-row">
        <SelectField label="Group by" value={by} onChange={(v) => setBy(v as YieldDimension)}>
          {YIELD_DIMENSIONS.map((d) => (
            <option key={d} value={d}>
              {DIMENSION_NAMES[d]}
            </option>
          ))}
        </SelectField>
        <button
          type="button"
          className="btn"
          disabled={!groups.length}
          onClick={() => downloadText(`yield-by-${by}.csv`, 'text/csv', breakdownCsv(name, groups))}
        >
          Save table as CSV
        </button>
      </div>
      {groups.length ? (
        <div className="table-wrap">
          <table className="records yield__table">
            <thead>
              <tr>
                <th scope="col">{name[0]!.toUpperCase() + name.slice(1)}</th>
                <th scope="col">Units</th>
                <th scope="col">First-pass yield</th>
                <th scope="col">Final yield</th>
                <th scope="col">Failed attempts</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.key}>
                  <td>{g.key}</td>
                  <td className="mono">{g.units}</td>
                  <td className="mono">
                    {percent(g.firstPassYield)} ({g.firstPass})
                  </td>
                  <td className="mono">
                    {percent(g.finalYield)} ({g.passed})
                  </td>
                  <td className="mono">{g.failures}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="empty">No units in this selection.</p>
      )}
    </Panel>
  );
}
