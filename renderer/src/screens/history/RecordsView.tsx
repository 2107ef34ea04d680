import { useCallback, useEffect, useState } from 'react';
import type { ProvisioningRecord, Step } from '../../../../shared/domain';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { SelectField, TextField } from '../../components/Field';
import { StepTimeline } from '../../components/StepTimeline';
import { downloadText } from '../../lib/download';
import { toPlainError, type PlainError } from '../../lib/errors';
import { formatDateTime, formatElapsed, shortFingerprint } from '../../lib/format';
import { useScanner } from '../../lib/useScanner';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import {
  emptyFilterForm,
  refineRecords,
  toRecordFilter,
  type HistoryFilterForm,
  type OutcomeFilter,
} from './filters';

const OUTCOMES: { value: OutcomeFilter; label: string }[] = [
  { value: '', label: 'Any outcome' },
  { value: 'succeeded', label: 'Passed' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'interrupted', label: 'Interrupted' },
  { value: 'running', label: 'Running' },
];

const OUTCOME_TEXT: Record<string, string> = {
  succeeded: '✓ Passed',
  failed: '✗ Failed',
  cancelled: '! Cancelled',
  interrupted: '✗ Interrupted',
  running: '⟳ Running',
  queued: '⟳ Queued',
};

/** The journal: search and filter records, open one to see its step timeline, export CSV. */
export function RecordsView() {
  const { api, live } = useStation();
  const [form, setForm] = useState<HistoryFilterForm>(emptyFilterForm);
  const [records, setRecords] = useState<ProvisioningRecord[] | undefined>();
  const [listError, setListError] = useState<PlainError | undefined>();
  const [selected, setSelected] = useState<{ record: ProvisioningRecord; steps: Step[] } | undefined>();
  const [detailError, setDetailError] = useState<PlainError | undefined>();
  const finishedJobs = Object.values(live.jobs).filter((j) => j.endedAt).length;

  // Query the journal when the filters change (debounced for typing) and when a job finishes.
  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      api.listRecords(toRecordFilter(form)).then(
        (r) => {
          if (stale) return;
          setRecords(refineRecords(r, form));
          setListError(undefined);
        },
        (e) => {
          if (!stale) setListError(toPlainError(e));
        },
      );
    }, 250);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [api, form, finishedJobs]);

  const open = useCallback(
    async (jobId: string) => {
      setDetailError(undefined);
      try {
        setSelected(await api.getRecord({ jobId }));
      } catch (e) {
        setDetailError(toPlainError(e));
      }
    },
    [api],
  );

  const exportCsv = useAsyncAction(
    useCallback(async () => {
      const file = await api.exportRecords({ format: 'csv', filter: toRecordFilter(form, 10_000) });
      downloadText(file.filename, file.mimeType, file.content);
    }, [api, form]),
  );

  // A scanned label (UID or Asset ID barcode) becomes the search, wherever the focus is.
  useScanner(useCallback((code: string) => setForm((f) => ({ ...f, text: code.trim() })), []));

  const set = <K extends keyof HistoryFilterForm>(k: K, v: HistoryFilterForm[K]) =>
    setForm({ ...form, [k]: v });

  return (
    <>
      <Panel title="Find records">
        <div className="filters">
          <TextField
            label="Search"
            className="field--wide"
            type="search"
            name="search"
            value={form.text}
            placeholder="UID, Asset ID, serial…"
            onChange={(v) => set('text', v)}
          />
          <SelectField
            label="Outcome"
            name="outcome"
            value={form.outcome}
            onChange={(v) => set('outcome', v as OutcomeFilter)}
          >
            {OUTCOMES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </SelectField>
          <TextField label="From date" type="date" value={form.from} onChange={(v) => set('from', v)} />
          <TextField label="To date" type="date" value={form.to} onChange={(v) => set('to', v)} />
          <TextField label="Device UID" name="uid" value={form.uid} onChange={(v) => set('uid', v)} />
          <TextField
            label="Asset ID"
            name="assetId"
            value={form.assetId}
            onChange={(v) => set('assetId', v)}
          />
        </div>
        <div className="form-row">
          <button type="button" className="btn" onClick={() => setForm(emptyFilterForm)}>
            Clear filters
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={exportCsv.busy}
            onClick={() => void exportCsv.run()}
          >
            Export CSV
          </button>
          <p className="muted" aria-live="polite" data-testid="record-count">
            {records ? `${records.length} record${records.length === 1 ? '' : 's'}` : 'Loading…'}
          </p>
        </div>
      </Panel>

      {exportCsv.error ? (
        <ErrorNotice error={exportCsv.error} alert onDismiss={exportCsv.clearError} />
      ) : null}
      {listError ? <ErrorNotice error={listError} alert /> : null}

      <div className="history-layout">
        <div className="table-wrap" tabIndex={0} aria-label="Records">
          <table className="records" data-testid="records-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Device UID</th>
                <th scope="col">Model</th>
                <th scope="col">Asset ID</th>
                <th scope="col">Kind</th>
                <th scope="col">Outcome</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {(records ?? []).map((r) => (
                <tr
                  key={r.jobId}
                  data-testid="record-row"
                  data-uid={r.deviceUid}
                  className={selected?.record.jobId === r.jobId ? 'records__row--selected' : undefined}
                >
                  <td className="mono">{formatDateTime(r.startedAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button mono"
                      aria-label={`Show timeline of ${r.kind} job for ${r.deviceUid}`}
                      onClick={() => void open(r.jobId)}
                    >
                      {r.deviceUid}
                    </button>
                  </td>
                  <td>{r.model ?? '—'}</td>
                  <td className="mono">{r.assetId ?? '—'}</td>
                  <td>{r.kind}</td>
                  <td className={`outcome outcome--${r.outcome}`}>{OUTCOME_TEXT[r.outcome] ?? r.outcome}</td>
                  <td className="mono">{r.durationMs !== undefined ? formatElapsed(r.durationMs) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {records && records.length === 0 ? <p className="empty">No records match these filters.</p> : null}
        </div>

        <aside
          className="panel record-detail"
          aria-labelledby="record-detail-title"
          data-testid="record-detail"
        >
          <h2 id="record-detail-title" className="panel__title">
            {selected ? `Record ${selected.record.deviceUid}` : 'Record'}
          </h2>
          {detailError ? <ErrorNotice error={detailError} alert /> : null}
          {selected ? (
            <>
              <dl className="facts">
                <dt>Outcome</dt>
                <dd className={`outcome outcome--${selected.record.outcome}`}>
                  {OUTCOME_TEXT[selected.record.outcome] ?? selected.record.outcome}
                </dd>
                <dt>Asset ID</dt>
                <dd className="mono">{selected.record.assetId ?? '—'}</dd>
                <dt>Certificate serial</dt>
                <dd className="mono">{selected.record.certSerial ?? '—'}</dd>
                <dt>Cert fingerprint</dt>
                <dd className="mono" title={selected.record.certFingerprint}>
                  {shortFingerprint(selected.record.certFingerprint)}
                </dd>
                <dt>Key fingerprint</dt>
                <dd className="mono" title={selected.record.keyFingerprint}>
                  {shortFingerprint(selected.record.keyFingerprint)}
                </dd>
                <dt>Valid until</dt>
                <dd>{formatDateTime(selected.record.notAfter)}</dd>
                <dt>Operator</dt>
                <dd>{selected.record.operator ?? '—'}</dd>
                <dt>Station</dt>
                <dd>{selected.record.stationId}</dd>
              </dl>
              {selected.record.error ? <ErrorNotice error={selected.record.error} /> : null}
              <h3 className="panel__subtitle">Steps</h3>
              <StepTimeline steps={selected.steps} showTimes />
            </>
          ) : (
            <p className="muted">Choose a record’s UID to see its step timeline.</p>
          )}
        </aside>
      </div>
    </>
  );
}
