import { useEffect, useRef, type ReactNode } from 'react';
import type { Bay, Job } from '../../../../shared/domain';
import type { BayView } from '../../lib/bayView';
import { useNow } from '../../state/useNow';
import { Attention } from './Attention';
import { BayCard } from './BayCard';
import { BayTile } from './BayTile';
import { tileNeedsClock } from '../../lib/tileState';

/**
 * The compact bench: every bay as a tile (16 on one screen at 1366×768; 32 in the dense mode), and a
 * side panel with the selected bay's details, remedy and actions — or, with no bay selected, the
 * failed bays and their remedies. Nothing in the grid grows with a failure's text.
 */
export function TileBench({
  cards,
  views,
  dense,
  inputs,
  reconnectWindowMs,
  sessionStart,
  selectedId,
  onSelect,
  top,
  bottom,
}: {
  /** What the side panel shows above the details (counters, the batch result) and below (job inputs). */
  top: ReactNode;
  bottom: ReactNode;
  cards: Array<{ bay: Bay; job: Job | undefined }>;
  views: BayView[];
  dense: boolean;
  inputs: Record<string, string> | undefined;
  reconnectWindowMs: number;
  sessionStart: number;
  selectedId: string | undefined;
  onSelect: (bayId: string | undefined) => void;
}) {
  const now = useNow(true, 500);
  const selected = cards.findIndex((c) => c.bay.id === selectedId);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [selectedId]);
  const attention = cards
    .map((c, index) => ({ bay: c.bay, index, view: views[index]! }))
    .filter((a) => a.view.tone === 'fail');

  return (
    <div className={`bench ${dense ? 'bench--dense' : ''}`}>
      <div className="tile-grid" role="group" aria-label="Bays">
        {cards.map((c, i) => (
          <BayTile
            key={c.bay.id}
            bay={c.bay}
            job={c.job}
            index={i}
            now={tileNeedsClock(c.bay, c.job) ? now : sessionStart}
            reconnectWindowMs={reconnectWindowMs}
            sessionStart={sessionStart}
            selected={i === selected}
            dense={dense}
            onSelect={onSelect}
          />
        ))}
      </div>
      <aside
        className={`bench__side ${selected >= 0 ? 'bench__side--details' : ''}`}
        aria-label="Counters, job inputs and bay details"
        data-testid="bay-drawer"
      >
        {/* Counters, the last print and the batch result stay in sight above the part of the panel
            that scrolls (the bay's details, the job inputs, the bench settings, the log). */}
        <div className="bench__status" data-testid="bench-status">
          {top}
        </div>
        {/* A newly picked bay's details start at the top of the scrolling part. */}
        <div className="bench__scroll" ref={scroller}>
          {selected >= 0 ? (
            <>
              <button
                type="button"
                className="btn btn--quiet bench__close"
                onClick={() => onSelect(undefined)}
              >
                Close details
              </button>
              <BayCard
                bay={cards[selected]!.bay}
                job={cards[selected]!.job}
                index={selected}
                inputs={inputs}
              />
            </>
          ) : attention.length ? (
            <Attention
              items={attention}
              onGo={(bay) => {
                onSelect(bay.id);
                // Keyboard-first: land on the bay's first action (Retry) once the panel shows it.
                requestAnimationFrame(() =>
                  document.querySelector<HTMLButtonElement>('.bench__side .bay__actions .btn')?.focus(),
                );
              }}
            />
          ) : (
            <p className="bench__hint">Press a bay to see its steps, its remedy and its actions.</p>
          )}
          {bottom}
        </div>
      </aside>
    </div>
  );
}
