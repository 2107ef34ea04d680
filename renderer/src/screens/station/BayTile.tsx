import { memo } from 'react';
import type { Bay, Job } from '../../../../shared/domain';
import { tileState } from '../../lib/tileState';
import { deviceFamilyWords } from '../../../../shared/device-families';
import { FamilyBadge } from '../../components/FamilyBadge';
import { Uid } from '../../components/Uid';
import { LONG_UID } from '../../lib/format';

const TONE_ICON = { pass: '✓', fail: '✗', busy: '⟳', idle: '•', warn: '!' } as const;

/**
 * One bay as a compact tile, readable from a metre: bay number, device UID (kept on a failed tile too),
 * one-word state, colour, one short line (failure class, current step, what to do) and progress.
 * Pressing it opens the bay's details (steps, remedy, actions) in the side panel.
 *
 * Its accessible name is its own text, in reading order ("Bay 3, device SIM-0003, FAILED, NOT
 * RESPONDING, protocol v1 firmware"): the joining words and the family's full name are there for screen
 * readers only, so what is seen is always part of what is heard (WCAG 2.5.3 Label in Name).
 */
export const BayTile = memo(function BayTile({
  bay,
  job,
  index,
  now,
  reconnectWindowMs,
  sessionStart,
  selected,
  dense,
  onSelect,
}: {
  /** Dense mode (32 a screen): the UID gets its own row; the RECONNECT line keeps only the seconds left. */
  dense: boolean;
  bay: Bay;
  job: Job | undefined;
  index: number;
  now: number;
  reconnectWindowMs: number;
  sessionStart: number;
  selected: boolean;
  /** Called with the bay to select, or undefined to close its details (a stable function: the tile is memoised). */
  onSelect: (bayId: string | undefined) => void;
}) {
  const t = tileState(bay, job, now, reconnectWindowMs, sessionStart);
  const heard = (words: string) => <span className="sr-only">{words}</span>;
  return (
    <button
      type="button"
      className={`tile tile--${t.tone} ${selected ? 'tile--selected' : ''} ${t.uid.length > LONG_UID ? 'tile--long-uid' : ''}`}
      aria-pressed={selected}
      data-testid="bay-tile"
      data-bay-id={bay.id}
      data-uid={bay.device?.uid ?? ''}
      data-word={t.word}
      onClick={() => onSelect(selected ? undefined : bay.id)}
    >
      <span className="tile__num">
        {heard('Bay ')}
        {index + 1}
        {bay.device ? <FamilyBadge family={bay.device.family} /> : null}
      </span>
      {t.uid ? heard(', device ') : null}
      <span
        className={`tile__uid mono ${t.uid.length > LONG_UID ? 'tile__uid--long' : ''}`}
        data-testid="tile-uid"
        title={t.uid || undefined}
      >
        <Uid uid={t.uid} />
      </span>
      {heard(', ')}
      <span className={`tile__word ${t.word.length > 9 ? 'tile__word--long' : ''}`} data-testid="tile-word">
        <span className="tile__icon" aria-hidden="true">
          {TONE_ICON[t.tone]}{' '}
        </span>
        {t.word}
      </span>
      {t.line || t.word === 'RECONNECT' ? heard(', ') : null}
      <span className="tile__line" data-testid="tile-line">
        {t.word === 'RECONNECT' ? (
          <>
            {dense ? '' : 'plug it back in · '}
            <strong data-testid="tile-countdown">{t.secondsLeft} s</strong> left
          </>
        ) : (
          t.line
        )}
      </span>
      {bay.device ? heard(`, ${deviceFamilyWords(bay.device.family).title}`) : null}
      <span className="tile__bar" aria-hidden="true">
        <span className="tile__fill" style={{ width: `${Math.round(t.progress * 100)}%` }} />
      </span>
    </button>
  );
});
