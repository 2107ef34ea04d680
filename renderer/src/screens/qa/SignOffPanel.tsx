/**
 * The sign-off of a QA lot: accept (every failed or unverified device needs a disposition with a
 * reason, chosen in the device table) or reject, with a note; once signed, who signed, the verdict and
 * when. The core decides (core/qa/service.ts) and its refusal is shown in plain words.
 */
import { useCallback, useState } from 'react';
import type { DeviceDisposition, Disposition, Lot } from '../../../../shared/qa';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { TextAreaField } from '../../components/Field';
import { formatDateTime } from '../../lib/format';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';

/** Dispositions being chosen in the device table, by device UID. */
export type Dispositions = Record<string, { disposition: Disposition | ''; note: string }>;

/** The chosen dispositions as the API takes them (rows without a disposition left out). */
export function chosenDispositions(d: Dispositions): DeviceDisposition[] {
  return Object.entries(d).flatMap(([deviceUid, x]) =>
    x.disposition ? [{ deviceUid, disposition: x.disposition, note: x.note.trim() }] : [],
  );
}

export function SignOffPanel({
  lot,
  dispositions,
  onSigned,
}: {
  lot: Lot;
  dispositions: Dispositions;
  onSigned: (l: Lot) => void;
}) {
  const { api } = useStation();
  const [note, setNote] = useState('');
  const sign = useAsyncAction(
    useCallback(
      async (verdict: 'accepted' | 'rejected') => {
        const given = chosenDispositions(dispositions);
        onSigned(
          await api.signOffLot({
            lotId: lot.id,
            verdict,
            ...(note.trim() ? { note: note.trim() } : {}),
            ...(given.length ? { dispositions: given } : {}),
          }),
        );
      },
      [api, lot.id, note, dispositions, onSigned],
    ),
  );
  const s = lot.signOff;
  if (s)
    return (
      <div
        className={`banner banner--${s.verdict === 'accepted' ? 'pass' : 'fail'}`}
        role="status"
        data-testid="lot-signed"
      >
        <p>
          Signed off <strong>{s.verdict.toUpperCase()}</strong> by {s.name} ({s.login}) on{' '}
          {formatDateTime(s.at)}
          {s.note ? ` — ${s.note}` : ''}
        </p>
      </div>
    );
  return (
    <Panel title="Sign-off">
      <p className="hint">
        Accepting needs a disposition (scrap, rework or quarantine, with a reason) for every device that
        failed or was not verified; those devices leave the shipment. Rejecting is always possible.
      </p>
      <TextAreaField label="Note (optional)" value={note} onChange={setNote} rows={2} />
      <div className="form-row">
        <button
          type="button"
          className="btn btn--primary"
          disabled={sign.busy || lot.devices.length === 0}
          onClick={() => void sign.run('accepted')}
        >
          Accept lot
        </button>
        <button
          type="button"
          className="btn"
          disabled={sign.busy || lot.devices.length === 0}
          onClick={() => void sign.run('rejected')}
        >
          Reject lot
        </button>
      </div>
      {sign.error ? (
        <ErrorNotice error={sign.error} alert onDismiss={sign.clearError} testId="signoff-error" />
      ) : null}
    </Panel>
  );
}
