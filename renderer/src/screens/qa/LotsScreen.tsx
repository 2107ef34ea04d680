/**
 * Lots (QA, docs/qa.md): the QA lots of the station, a form to start one (by work order, production
 * lot, or scanned devices), and the chosen lot — its devices with pass/fail per check, verification of
 * the attached ones, the sign-off and the lot report (PDF, CSV). Scanning a device's UID label adds it
 * to the open lot (keyboard-wedge scanner).
 */
import { useCallback, useState } from 'react';
import type { Lot, LotSource, LotSummary } from '../../../../shared/qa';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { SelectField, TextField } from '../../components/Field';
import { formatDateTime } from '../../lib/format';
import { useStation } from '../../state/StationContext';
import { useAsyncAction, useLoad } from '../../state/useAsync';
import { LotDetail } from './LotDetail';

type SourceKind = LotSource['kind'];
const SOURCE_LABEL: Record<SourceKind, string> = {
  'work-order': 'Work order',
  lot: 'Production lot',
  scan: 'Scan devices one by one',
};

/** A lot's state in words: open, accepted or rejected. */
export function lotState(l: Pick<LotSummary, 'signOff'>): string {
  return l.signOff ? (l.signOff.verdict === 'accepted' ? 'Accepted' : 'Rejected') : 'Open';
}

/** The Lots screen. */
export function LotsScreen() {
  const { api } = useStation();
  const [refresh, setRefresh] = useState(0);
  const lots = useLoad(useCallback(() => api.listLots({}), [api, refresh])); // eslint-disable-line react-hooks/exhaustive-deps
  const [lot, setLot] = useState<Lot | undefined>();
  const [kind, setKind] = useState<SourceKind>('work-order');
  const [value, setValue] = useState('');
  const [name, setName] = useState('');

  const show = useCallback((l: Lot) => {
    setLot(l);
    setRefresh((n) => n + 1);
  }, []);
  const create = useAsyncAction(
    useCallback(async () => {
      const source: LotSource = kind === 'scan' ? { kind } : { kind, value: value.trim() };
      show(await api.createLot({ source, ...(name.trim() ? { name: name.trim() } : {}) }));
      setValue('');
      setName('');
    }, [api, kind, value, name, show]),
  );
  const open = useAsyncAction(
    useCallback(async (lotId: string) => setLot(await api.getLot({ lotId })), [api]),
  );

  return (
    <div className="screen lots-screen">
      <div className="lots-layout">
        <div className="lots-side">
          <Panel title="New lot">
            <form
              className="lots-new"
              onSubmit={(e) => {
                e.preventDefault();
                void create.run();
              }}
            >
              <SelectField label="Devices chosen by" value={kind} onChange={(v) => setKind(v as SourceKind)}>
                {(Object.keys(SOURCE_LABEL) as SourceKind[]).map((k) => (
                  <option key={k} value={k}>
                    {SOURCE_LABEL[k]}
                  </option>
                ))}
              </SelectField>
              {kind !== 'scan' ? (
                <TextField label={SOURCE_LABEL[kind]} value={value} onChange={setValue} mono />
              ) : null}
              <TextField label="Lot name (optional)" value={name} onChange={setName} />
              <button
                type="submit"
                className="btn btn--primary"
                disabled={create.busy || (kind !== 'scan' && !value.trim())}
              >
                Create lot
              </button>
            </form>
            {create.error ? <ErrorNotice error={create.error} alert onDismiss={create.clearError} /> : null}
          </Panel>
          <Panel title="Lots" testId="lots-list">
            {lots.error ? <ErrorNotice error={lots.error} /> : null}
            {lots.value?.length === 0 ? <p className="empty">No lots yet.</p> : null}
            <ul className="lots-list">
              {(lots.value ?? []).map((l) => (
                <li key={l.id}>
                  <button
                    type="button"
                    className="btn btn--quiet lots-list__item"
                    aria-current={lot?.id === l.id ? 'true' : undefined}
                    onClick={() => void open.run(l.id)}
                  >
                    <span className="mono">{l.id}</span> {l.name}
                    <span className="lots-list__counts">
                      {lotState(l)} · {l.devices} devices · {l.passed} pass · {l.failed} fail
                      {l.unverified ? ` · ${l.unverified} not verified` : ''} · {formatDateTime(l.createdAt)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {open.error ? <ErrorNotice error={open.error} alert onDismiss={open.clearError} /> : null}
          </Panel>
        </div>
        {lot ? (
          <LotDetail lot={lot} onChange={show} />
        ) : (
          <p className="empty">Create a lot, or pick one from the list.</p>
        )}
      </div>
    </div>
  );
}
