/**
 * One QA lot: scan or type device UIDs into it, verify the attached devices, read pass/fail per check
 * per device (a failed device links to its provisioning record), disposition failures, sign off, and
 * download the lot report (PDF, CSV). The core enforces the sign-off rule (docs/qa.md); this screen
 * shows its answer.
 */
import { useCallback, useState } from 'react';
import type { Step } from '../../../../shared/domain';
import { VERIFY_STEPS } from '../../../../shared/domain';
import {
  DISPOSITIONS,
  lotCounts,
  type Disposition,
  type Lot,
  type LotReportFile,
} from '../../../../shared/qa';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { SelectField, TextField } from '../../components/Field';
import { StepTimeline } from '../../components/StepTimeline';
import { downloadText } from '../../lib/download';
import { formatDateTime, stepLabel } from '../../lib/format';
import { useScanner } from '../../lib/useScanner';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import { SignOffPanel, type Dispositions } from './SignOffPanel';

/** Offers a lot report file (CSV text or base64 PDF) as a download. */
function download(f: LotReportFile): void {
  if (f.encoding === 'utf8') return downloadText(f.filename, f.mimeType, f.content);
  const bytes = Uint8Array.from(atob(f.content), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: f.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = f.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The mark of one check of one device: pass, skip, FAIL, or — when not run. */
function mark(passed: boolean | undefined, detail: string | undefined): string {
  if (passed === undefined) return '—';
  return passed ? (detail?.startsWith('skipped') ? 'skip' : 'pass') : 'FAIL';
}

/** The chosen lot. `onChange` receives the lot as the core answers after each act. */
export function LotDetail({ lot, onChange }: { lot: Lot; onChange: (l: Lot) => void }) {
  const { api } = useStation();
  const isOpen = !lot.signOff;
  const counts = lotCounts(lot.devices);
  const [typed, setTyped] = useState('');
  const [disp, setDisp] = useState<Dispositions>({});
  const [record, setRecord] = useState<{ jobId: string; outcome: string; steps: Step[] } | undefined>();

  const add = useAsyncAction(
    useCallback(
      async (uid: string) => onChange(await api.addLotDevice({ lotId: lot.id, deviceUid: uid })),
      [api, lot.id, onChange],
    ),
  );
  useScanner(
    useCallback((code: string) => void add.run(code.trim()), [add]),
    isOpen,
  );
  const verify = useAsyncAction(
    useCallback(async () => onChange(await api.verifyLot({ lotId: lot.id })), [api, lot.id, onChange]),
  );
  const report = useAsyncAction(
    useCallback(
      async (format: 'pdf' | 'csv') => download(await api.exportLotReport({ lotId: lot.id, format })),
      [api, lot.id],
    ),
  );
  const showRecord = useAsyncAction(
    useCallback(
      async (jobId: string) => {
        const r = await api.getRecord({ jobId });
        setRecord({ jobId, outcome: r.record.outcome, steps: r.steps });
      },
      [api],
    ),
  );
  const setOne = (uid: string, d: Partial<{ disposition: Disposition | ''; note: string }>) =>
    setDisp((prev) => ({ ...prev, [uid]: { disposition: '', note: '', ...prev[uid], ...d } }));

  return (
    <div className="lot-detail" data-testid="lot-detail">
      <Panel title={`Lot ${lot.id} — ${lot.name}`}>
        <p data-testid="lot-summary">
          <strong>{lot.signOff ? lot.signOff.verdict.toUpperCase() : 'OPEN'}</strong> · {lot.devices.length}{' '}
          devices · {counts.passed} passed · {counts.failed} failed · {counts.unverified} not verified ·
          created {formatDateTime(lot.createdAt)} by {lot.createdBy}
        </p>
        {isOpen ? (
          <form
            className="form-row"
            onSubmit={(e) => {
              e.preventDefault();
              void add.run(typed.trim()).then(() => setTyped(''));
            }}
          >
            <TextField label="Device UID" value={typed} onChange={setTyped} mono />
            <button type="submit" className="btn" disabled={!typed.trim() || add.busy}>
              Add device
            </button>
            <button
              type="button"
              className="btn btn--primary"
              disabled={verify.busy || lot.devices.length === 0}
              onClick={() => void verify.run()}
            >
              {verify.busy ? 'Verifying the attached devices…' : 'Verify attached devices'}
            </button>
          </form>
        ) : null}
        <div className="form-row">
          <button type="button" className="btn" disabled={report.busy} onClick={() => void report.run('pdf')}>
            Lot report (PDF)
          </button>
          <button type="button" className="btn" disabled={report.busy} onClick={() => void report.run('csv')}>
            Lot report (CSV)
          </button>
        </div>
        {isOpen ? (
          <p className="hint" aria-live="polite">
            Scan a device’s UID label to add it to this lot.
          </p>
        ) : null}
        {[add, verify, report, showRecord].map((a, i) =>
          a.error ? <ErrorNotice key={i} error={a.error} alert onDismiss={a.clearError} /> : null,
        )}
      </Panel>

      <div className="table-wrap" tabIndex={0} aria-label="Devices of the lot">
        <table className="records" data-testid="lot-devices">
          <thead>
            <tr>
              <th scope="col">Device UID</th>
              {VERIFY_STEPS.map((s) => (
                <th scope="col" key={s}>
                  {stepLabel(s)}
                </th>
              ))}
              <th scope="col">Result</th>
              <th scope="col" title="The journal record of the job that provisioned the device">
                Record
              </th>
            </tr>
          </thead>
          <tbody>
            {lot.devices.map((d) => {
              const v = d.verification;
              const result = v ? (v.passed ? 'PASS' : 'FAIL') : 'NOT VERIFIED';
              return (
                <tr key={d.deviceUid} data-testid="lot-device" data-result={result}>
                  <th scope="row" className="mono">
                    {d.deviceUid}
                  </th>
                  {VERIFY_STEPS.map((s) => {
                    const c = v?.checks.find((x) => x.name === s);
                    const m = mark(c?.passed, c?.detail);
                    return (
                      <td
                        key={s}
                        title={c?.detail}
                        className={m === 'FAIL' ? 'outcome outcome--failed' : undefined}
                      >
                        {m}
                      </td>
                    );
                  })}
                  <td className={`outcome outcome--${v ? (v.passed ? 'succeeded' : 'failed') : 'cancelled'}`}>
                    {result}
                  </td>
                  <td>
                    {d.provisioning ? (
                      <button
                        type="button"
                        className="btn btn--quiet"
                        title={d.provisioning.jobId}
                        aria-label={`Open record ${d.provisioning.jobId}`}
                        onClick={() => void showRecord.run(d.provisioning!.jobId)}
                      >
                        Open
                      </button>
                    ) : (
                      'none'
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {lot.devices.some((d) => !d.verification?.passed) ? (
        <Panel title="Failures" testId="lot-failures">
          <ul className="checks">
            {lot.devices
              .filter((d) => !d.verification?.passed)
              .map((d) => (
                <li key={d.deviceUid} className="check check--fail">
                  <span className="check__mark">{d.verification ? '✗ Fail' : 'Not verified'}</span>
                  <span className="check__name mono">{d.deviceUid}</span>
                  <span className="check__detail">
                    {d.verification
                      ? d.verification.checks
                          .filter((c) => !c.passed)
                          .map((c) => `${stepLabel(c.name)}: ${c.detail}`)
                          .join('; ')
                      : (d.notVerified ?? 'Attach the device and verify the lot.')}
                    {d.provisioning ? ` — provisioning record ${d.provisioning.jobId}` : ''}
                  </span>
                  {isOpen ? (
                    <span className="lot-disp">
                      <SelectField
                        label={`Disposition of ${d.deviceUid}`}
                        value={disp[d.deviceUid]?.disposition ?? ''}
                        onChange={(x) => setOne(d.deviceUid, { disposition: x as Disposition | '' })}
                      >
                        <option value="">(none)</option>
                        {DISPOSITIONS.map((k) => (
                          <option key={k} value={k}>
                            {k}
                          </option>
                        ))}
                      </SelectField>
                      <TextField
                        label={`Reason for ${d.deviceUid}`}
                        value={disp[d.deviceUid]?.note ?? ''}
                        onChange={(x) => setOne(d.deviceUid, { note: x })}
                      />
                    </span>
                  ) : d.disposition ? (
                    <span className="lot-disp">
                      Disposition: {d.disposition.disposition} ({d.disposition.note})
                    </span>
                  ) : null}
                </li>
              ))}
          </ul>
        </Panel>
      ) : null}

      {record ? (
        <Panel title={`Provisioning record ${record.jobId}`} testId="lot-record">
          <p>Outcome: {record.outcome}</p>
          <StepTimeline steps={record.steps} showTimes />
          <button type="button" className="btn" onClick={() => setRecord(undefined)}>
            Close
          </button>
        </Panel>
      ) : null}

      <SignOffPanel lot={lot} dispositions={disp} onSigned={onChange} />
    </div>
  );
}
