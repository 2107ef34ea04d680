import { Suspense, lazy, useState } from 'react';
import { RecordsView } from './RecordsView';

// The Yield view and its charting library load when the tab is first opened (a chunk of their own).
const YieldView = lazy(() => import('./YieldView').then((m) => ({ default: m.YieldView })));

type HistoryTab = 'records' | 'yield';

const TABS: Array<{ id: HistoryTab; label: string }> = [
  { id: 'records', label: 'Records' },
  { id: 'yield', label: 'Yield' },
];

/**
 * History: the journal's records (search, timeline, CSV) and the Yield view (first-pass yield,
 * failure Paretos, cycle time). Two tabs; arrow keys move between them (WAI-ARIA tabs pattern).
 */
export function HistoryScreen() {
  const [tab, setTab] = useState<HistoryTab>('records');
  const move = (delta: number) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + delta + TABS.length) % TABS.length]!;
    setTab(next.id);
    document.getElementById(`history-tab-${next.id}`)?.focus();
  };
  return (
    <div className="screen history-screen">
      <div className="tabs" role="tablist" aria-label="History views">
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`history-tab-${t.id}`}
            type="button"
            role="tab"
            className="tabs__tab"
            aria-selected={tab === t.id}
            aria-controls={`history-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight') move(1);
              else if (e.key === 'ArrowLeft') move(-1);
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`history-panel-${tab}`}
        aria-labelledby={`history-tab-${tab}`}
        className="history-screen__panel"
      >
        {tab === 'records' ? (
          <RecordsView />
        ) : (
          <Suspense fallback={<p className="muted">Loading the yield view…</p>}>
            <YieldView />
          </Suspense>
        )}
      </div>
    </div>
  );
}
