import { useEffect, useState } from 'react';
import type { Bay, LogEntry } from '../../../../shared/domain';
import { SelectField, TextField } from '../../components/Field';
import { downloadText } from '../../lib/download';
import { formatDateTime } from '../../lib/format';
import { useStation } from '../../state/StationContext';

type Level = 'info' | 'warn' | 'error';

/**
 * The station log, docked on the Station screen: the lines the core keeps in its database (so they
 * survive a reload and a restart), newest first, filtered by level, bay and text, exported as CSV.
 * New lines arrive through the live log events and the list is read again.
 */
export function StationLogPanel({
  bays,
  lastLive,
}: {
  bays: Bay[];
  /** The newest live log line (its arrival reads the list again). */
  lastLive: LogEntry | undefined;
}) {
  const { api } = useStation();
  const [level, setLevel] = useState<Level>('info');
  const [bayId, setBayId] = useState('');
  const [text, setText] = useState('');
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const filter = { level, ...(bayId ? { bayId } : {}), ...(text.trim() ? { text: text.trim() } : {}) };
  const key = JSON.stringify(filter);

  useEffect(() => {
    let live = true;
    // A burst of events (a batch finishing) reads the list once.
    const t = setTimeout(() => {
      api.listLog({ ...(JSON.parse(key) as typeof filter), limit: 300 }).then(
        (l) => {
          if (!live) return;
          setLines(l);
          setError(undefined);
        },
        (e: unknown) => live && setError(String((e as Error).message ?? e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, key, lastLive]);

  const bayName = (id: string | undefined) => {
    const i = bays.findIndex((b) => b.id === id);
    return i >= 0 ? `Bay ${i + 1}` : '';
  };

  return (
    <details className="panel log station-log" data-testid="station-log">
      <summary>Station log ({lines.length})</summary>
      <div className="station-log__filters">
        <SelectField label="Level" name="logLevel" value={level} onChange={(v) => setLevel(v as Level)}>
          <option value="info">All</option>
          <option value="warn">Warnings and errors</option>
          <option value="error">Errors</option>
        </SelectField>
        <SelectField label="Bay" name="logBay" value={bayId} onChange={setBayId}>
          <option value="">All bays</option>
          {bays.map((b, i) => (
            <option key={b.id} value={b.id}>
              Bay {i + 1}
              {b.device ? ` · ${b.device.uid}` : ''}
            </option>
          ))}
        </SelectField>
        <TextField label="Search the log" name="logText" type="search" value={text} onChange={setText} />
        <button
          type="button"
          className="btn btn--quiet"
          onClick={() =>
            void api.exportLog(filter).then(
              (f) => downloadText(f.filename, 'text/csv', f.body),
              (e: unknown) => setError(String((e as Error).message ?? e)),
            )
          }
        >
          Export CSV
        </button>
      </div>
      {error ? (
        <p className="hint" role="alert">
          The log could not be read: {error}
        </p>
      ) : null}
      <ol className="log__list" tabIndex={0} aria-label="Station log, newest first" data-testid="log-lines">
        {lines.map((l, i) => (
          <li key={`${l.at}-${i}`} className={`log__line log__line--${l.level}`} data-testid="log-line">
            <span className="mono">{formatDateTime(l.at)}</span> <span className="log__level">{l.level}</span>{' '}
            {l.bayId && bayName(l.bayId) ? <strong>{bayName(l.bayId)}: </strong> : null}
            {l.message}
          </li>
        ))}
        {lines.length === 0 ? <li className="log__line">No lines match.</li> : null}
      </ol>
    </details>
  );
}
