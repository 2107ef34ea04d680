import { useCallback, useState } from 'react';
import type { VerifyReport } from '../../../../shared/domain';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { SelectField } from '../../components/Field';
import { StepTimeline } from '../../components/StepTimeline';
import { downloadText } from '../../lib/download';
import { formatDateTime, stepLabel } from '../../lib/format';
import { useScanner } from '../../lib/useScanner';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';

/** File name of an exported verify report: `verify-<uid>-<timestamp>.json` (filesystem-safe). */
export function verifyReportFilename(report: VerifyReport): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `verify-${safe(report.deviceUid)}-${safe(report.at.replace(/[:.]/g, ''))}.json`;
}

/** Shown when a failed verify's own remedy has not arrived (it comes with the job's event). */
const DEFAULT_VERIFY_REMEDY = 'Do not ship this device; set it aside for re-provisioning or investigation.';

/**
 * QA: pick a bay, verify its device (chain, key challenge, Asset in the org, Asset link), read each
 * check with its details, export the report as JSON.
 */
export function VerifyScreen() {
  const { api, live } = useStation();
  const baysWithDevice = live.bays.filter((b) => b.device);
  const [chosenBayId, setBayId] = useState<string>('');
  // Until the user picks one, the first bay with a device is chosen.
  const bayId = live.bays.some((b) => b.id === chosenBayId && b.device)
    ? chosenBayId
    : (baysWithDevice[0]?.id ?? '');
  const [report, setReport] = useState<VerifyReport | undefined>();
  const [runningJobId, setRunningJobId] = useState<string | undefined>();

  // Scanning a device's UID label picks its bay.
  const [scanNote, setScanNote] = useState<string | undefined>();
  useScanner(
    useCallback(
      (code: string) => {
        const hit = live.bays.find((b) => b.device?.uid === code.trim());
        setScanNote(hit ? undefined : `No attached device has UID ${code.trim()}.`);
        if (hit) {
          setBayId(hit.id);
          setReport(undefined);
        }
      },
      [live.bays],
    ),
  );

  const verify = useAsyncAction(
    useCallback(async () => {
      setReport(undefined);
      setRunningJobId(undefined);
      const r = await api.verifyDevice({ bayId });
      setReport(r);
      setRunningJobId(r.jobId);
    }, [api, bayId]),
  );

  // While verifying, show the live steps of the verify job on the chosen bay.
  const bay = live.bays.find((b) => b.id === bayId);
  const liveJob =
    verify.busy && bay?.jobId ? live.jobs[bay.jobId] : runningJobId ? live.jobs[runningJobId] : undefined;
  const showLiveSteps = verify.busy && liveJob?.kind === 'verify';

  return (
    <div className="screen verify-screen">
      <Panel title="Verify a device">
        <div className="form-row">
          <SelectField
            label="Bay"
            name="bay"
            value={bayId}
            onChange={(v) => {
              setBayId(v);
              setReport(undefined);
            }}
            disabled={verify.busy}
          >
            {baysWithDevice.length === 0 ? <option value="">No device attached</option> : null}
            {live.bays.map((b, i) =>
              b.device ? (
                <option key={b.id} value={b.id}>
                  Bay {i + 1} — {b.device.model} {b.device.uid}
                </option>
              ) : null,
            )}
          </SelectField>
          <button
            type="button"
            className="btn btn--primary"
            disabled={!bayId || verify.busy}
            onClick={() => void verify.run()}
          >
            {verify.busy ? 'Verifying…' : 'Run verification'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!report}
            onClick={() =>
              report &&
              downloadText(
                verifyReportFilename(report),
                'application/json',
                JSON.stringify(report, null, 2) + '\n',
              )
            }
          >
            Export report (JSON)
          </button>
        </div>
        <p className="hint" aria-live="polite" data-testid="verify-scan-status">
          {scanNote ?? 'Scan a device’s UID label to pick its bay.'}
        </p>
      </Panel>

      {verify.error ? <ErrorNotice error={verify.error} alert onDismiss={verify.clearError} /> : null}
      {showLiveSteps && liveJob ? (
        <section className="panel" aria-label="Verification in progress">
          <StepTimeline steps={liveJob.steps} />
        </section>
      ) : null}

      {report ? (
        <section className="panel" aria-labelledby="verify-result-title" data-testid="verify-report">
          <h2
            id="verify-result-title"
            className={`verdict verdict--${report.passed ? 'pass' : 'fail'}`}
            data-testid="verify-verdict"
          >
            <span aria-hidden="true">{report.passed ? '✓' : '✗'}</span>{' '}
            {report.passed ? 'VERIFIED' : 'VERIFICATION FAILED'}
          </h2>
          {!report.passed ? (
            <p className="verdict-remedy" data-testid="verify-remedy">
              What to do: {live.jobs[report.jobId]?.error?.remedy ?? DEFAULT_VERIFY_REMEDY}
            </p>
          ) : null}
          <p className="muted">
            Device <span className="mono">{report.deviceUid}</span> · {formatDateTime(report.at)} · job{' '}
            <span className="mono">{report.jobId}</span>
          </p>
          <ul className="checks">
            {report.checks.map((c) => (
              <li
                key={c.name}
                className={`check check--${c.passed ? 'pass' : 'fail'}`}
                data-testid="verify-check"
                data-passed={c.passed}
              >
                <span className="check__mark">{c.passed ? '✓ Pass' : '✗ Fail'}</span>
                <span className="check__name">{stepLabel(c.name)}</span>
                <span className="check__detail">{c.detail}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : !verify.busy && !verify.error ? (
        <p className="empty">
          Pick a bay and run verification. Each check shows pass or fail with its details.
        </p>
      ) : null}
    </div>
  );
}
