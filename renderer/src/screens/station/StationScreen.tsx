import { useCallback, useEffect, useMemo, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { bayView, jobForBay } from '../../lib/bayView';
import { useAltHotkeys } from '../../lib/useHotkeys';
import { useScanner } from '../../lib/useScanner';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import { DEFAULT_RECONNECT_WINDOW_MS } from '../../lib/tileState';
import { useNow } from '../../state/useNow';
import { useProduction } from '../../state/useProduction';
import { AttachDevice } from './AttachDevice';
import { Attention } from './Attention';
import { BayCard } from './BayCard';
import { JobInputs, toJobInputs, type JobInputValues } from './JobInputs';
import { ProductionBar } from './ProductionBar';
import { TileBench } from './TileBench';
import { BenchPrefsPanel } from './BenchPrefsPanel';
import { useBenchPrefs } from './benchPrefs';
import { useBenchScan, type InputsSetter } from './useBenchScan';
import { useBenchSignals } from './useBenchSignals';
import { StationLogPanel } from './StationLogPanel';
import { ParkedQueue } from '../../components/ParkedQueue';

/** How the bays are laid out: big cards, compact tiles (16 a screen) or dense tiles (32 a screen). */
export type BayLayout = 'cards' | 'tiles' | 'dense';
const LAYOUT_KEY = 'asset-station.layout';
const LAYOUT_WORDS: Record<BayLayout, string> = { cards: 'Cards', tiles: 'Tiles', dense: 'Dense' };

/** The layout to use: the technician's choice, else cards for a few bays and tiles for many. */
function chooseLayout(stored: string | null, bayCount: number): BayLayout {
  if (stored === 'cards' || stored === 'tiles' || stored === 'dense') return stored;
  return bayCount > 6 ? (bayCount > 16 ? 'dense' : 'tiles') : 'cards';
}

/**
 * The bench view: every bay as a card, auto mode, start-all, the scanned job inputs, the last batch
 * result and the station log. Alt+A toggles auto mode, Alt+S starts every ready bay.
 */
export function StationScreen({
  inputs,
  onInputsChange,
}: {
  inputs: JobInputValues;
  onInputsChange: InputsSetter;
}) {
  const { api, live, dispatch, loadError, reload } = useStation();
  const [autoMode, setAutoModeState] = useState<boolean | undefined>();
  const [storedLayout, setStoredLayout] = useState<string | null>(() => localStorage.getItem(LAYOUT_KEY));
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const [reconnectWindowMs, setReconnectWindowMs] = useState(DEFAULT_RECONNECT_WINDOW_MS);
  const production = useProduction(live.jobs);
  const now = useNow(true, 5000);

  useEffect(() => {
    api.getConfig({}).then(
      (c) => setAutoModeState(c.autoMode),
      () => setAutoModeState(undefined),
    );
    api.getStationInfo({}).then(
      (i) => {
        if (i.reconnectWindowMs) setReconnectWindowMs(i.reconnectWindowMs);
      },
      () => {},
    );
  }, [api]);
  const layout = chooseLayout(storedLayout, live.bays.length);
  const setLayout = (l: BayLayout) => {
    localStorage.setItem(LAYOUT_KEY, l);
    setStoredLayout(l);
  };

  const auto = useAsyncAction(
    useCallback(
      async (enabled: boolean) => {
        const r = await api.setAutoMode({ enabled });
        setAutoModeState(r.enabled);
      },
      [api],
    ),
  );

  const cards = useMemo(
    () => live.bays.map((bay) => ({ bay, job: jobForBay(bay, live.jobs) })),
    [live.bays, live.jobs],
  );
  const views = cards.map((c) => bayView(c.bay, c.job));
  const counts = {
    passed: views.filter((v) => v.tone === 'pass').length,
    failed: views.filter((v) => v.tone === 'fail').length,
    working: views.filter((v) => v.active).length,
  };
  const jobInputs = toJobInputs(inputs);
  const attention = cards
    .map((c, index) => ({ bay: c.bay, index, view: views[index]! }))
    .filter((a) => a.view.tone === 'fail');

  const startAll = useAsyncAction(
    useCallback(async () => {
      const ready = cards.filter((c) => bayView(c.bay, c.job).canStart);
      const results = await Promise.allSettled(
        ready.map((c) =>
          api.startJob({ bayId: c.bay.id, kind: 'provision', ...(jobInputs ? { inputs: jobInputs } : {}) }),
        ),
      );
      for (const r of results) if (r.status === 'fulfilled') dispatch({ type: 'jobIfNew', job: r.value });
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }, [api, cards, dispatch, jobInputs]),
  );
  const readyCount = views.filter((v) => v.canStart).length;

  // A scan: a device's UID label picks its bay and starts (or resumes) its job; an Account Id is looked
  // up in the org and shown by name; a work order matching the bench's pattern fills its field;
  // anything else clears the selection and says so (useBenchScan.ts).
  const [prefs, setPrefs] = useBenchPrefs();
  const { onScan, lastScan, accountNames } = useBenchScan({
    cards,
    jobInputs,
    setInputs: onInputsChange,
    setSelectedId,
    workOrderPattern: prefs.workOrderPattern,
  });
  const printStatus = useBenchSignals(live.jobs, prefs);
  useScanner(onScan);

  useAltHotkeys({
    KeyA: () => {
      if (autoMode !== undefined) void auto.run(!autoMode);
    },
    KeyS: () => {
      if (readyCount > 0) void startAll.run();
    },
  });

  const compact = layout !== 'cards';
  const banner =
    live.batch && counts.working === 0 ? (
      <div
        className={`banner ${live.batch.failed ? 'banner--fail' : 'banner--pass'}`}
        role="status"
        data-testid="batch-banner"
      >
        <p>
          Batch finished: {live.batch.succeeded} passed, {live.batch.failed} failed.
        </p>
        <button type="button" className="btn btn--quiet" onClick={() => dispatch({ type: 'dismissBatch' })}>
          Dismiss
        </button>
      </div>
    ) : null;
  // What the last auto-print did, where the technician looks after a pass (not inside the grid).
  const printNote = printStatus ? (
    <p
      className={`print-note ${printStatus.includes('not printed') ? 'print-note--fail' : ''}`}
      role="status"
      data-testid="print-status"
    >
      {printStatus}
    </p>
  ) : null;
  const productionBar = (
    <ProductionBar production={production} workOrder={jobInputs?.workOrder ?? ''} now={now} />
  );
  // The log that stays (core station_log table): docked under the side panel, or under the cards.
  const stationLog = <StationLogPanel bays={live.bays} lastLive={live.logs[live.logs.length - 1]} />;
  const jobInputsPanel = (
    <>
      <JobInputs
        values={inputs}
        onChange={onInputsChange}
        lastScan={lastScan}
        accountName={accountNames[inputs.accountId.trim()]}
      />
      <BenchPrefsPanel prefs={prefs} onChange={setPrefs} />
      {compact ? stationLog : null}
    </>
  );

  return (
    <div className={`screen station-screen ${compact ? 'station-screen--compact' : ''}`}>
      <div className="toolbar">
        <button
          type="button"
          className={`btn btn--toggle ${autoMode ? 'btn--toggle-on' : ''}`}
          aria-pressed={autoMode === true}
          disabled={autoMode === undefined || auto.busy}
          onClick={() => void auto.run(!autoMode)}
          aria-keyshortcuts="Alt+A"
        >
          Auto mode: {autoMode === undefined ? 'unknown' : autoMode ? 'ON' : 'OFF'}
        </button>
        <button
          type="button"
          className="btn btn--primary"
          disabled={readyCount === 0 || startAll.busy}
          onClick={() => void startAll.run()}
          aria-keyshortcuts="Alt+S"
        >
          Start all ready ({readyCount})
        </button>
        <div className="layout-switch" role="group" aria-label="Bay layout">
          {(['cards', 'tiles', 'dense'] as const).map((l) => (
            <button
              key={l}
              type="button"
              className={`btn btn--quiet ${layout === l ? 'btn--toggle-on' : ''}`}
              aria-pressed={layout === l}
              onClick={() => setLayout(l)}
            >
              {LAYOUT_WORDS[l]}
            </button>
          ))}
        </div>
        <ParkedQueue />
        {compact ? null : (
          <p className="toolbar__summary" data-testid="bay-summary">
            <span className="count count--pass">{counts.passed} passed</span>
            <span className="count count--fail">{counts.failed} failed</span>
            <span className="count count--busy">{counts.working} working</span>
          </p>
        )}
      </div>

      {auto.error ? <ErrorNotice error={auto.error} alert onDismiss={auto.clearError} /> : null}
      {startAll.error ? <ErrorNotice error={startAll.error} alert onDismiss={startAll.clearError} /> : null}

      {compact ? null : banner}

      {compact ? null : productionBar}
      {compact ? null : printNote}

      {layout === 'cards' ? (
        <Attention
          items={attention}
          onGo={(bay) => {
            const el = document.getElementById(`bay-${bay.id}-card`);
            el?.scrollIntoView?.({ block: 'center' });
            el?.querySelector<HTMLButtonElement>('.bay__actions .btn')?.focus();
          }}
        />
      ) : null}

      {compact ? null : jobInputsPanel}

      {loadError ? (
        <div>
          <ErrorNotice error={loadError} alert />
          <button type="button" className="btn" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      ) : null}

      {cards.length === 0 && !loadError ? (
        <p className="empty">No bays yet. Plug a device into the station; it appears here by itself.</p>
      ) : layout === 'cards' ? (
        <div className="bay-grid">
          {cards.map((c, i) => (
            <BayCard key={c.bay.id} bay={c.bay} job={c.job} index={i} inputs={jobInputs} />
          ))}
        </div>
      ) : (
        <TileBench
          cards={cards}
          views={views}
          dense={layout === 'dense'}
          inputs={jobInputs}
          reconnectWindowMs={reconnectWindowMs}
          sessionStart={production.since}
          selectedId={selectedId}
          onSelect={setSelectedId}
          top={
            <>
              {productionBar}
              {printNote}
              {banner}
            </>
          }
          bottom={jobInputsPanel}
        />
      )}

      <AttachDevice />

      {compact ? null : stationLog}
    </div>
  );
}
