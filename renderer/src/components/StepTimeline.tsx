import type { Step } from '../../../shared/domain';
import { elapsedMs, formatDateTime, stepLabel } from '../lib/format';

const STATE_TEXT: Record<Step['state'], string> = {
  pending: 'Waiting',
  running: 'Running',
  done: 'Done',
  skipped: 'Skipped',
  failed: 'Failed',
};

const STATE_ICON: Record<Step['state'], string> = {
  pending: '○',
  running: '▶',
  done: '✓',
  skipped: '–',
  failed: '✗',
};

/**
 * A job's steps in order, each with its state (icon + word, never colour alone), duration, detail and,
 * for a failed step, the error's remedy.
 */
export function StepTimeline({ steps, showTimes = false }: { steps: Step[]; showTimes?: boolean }) {
  if (steps.length === 0) return <p className="muted">No steps recorded.</p>;
  return (
    <ol className="timeline" data-testid="step-timeline">
      {steps.map((s) => (
        <li
          key={s.name}
          className={`timeline__step timeline__step--${s.state}`}
          data-step={s.name}
          data-state={s.state}
        >
          <span className="timeline__icon" aria-hidden="true">
            {STATE_ICON[s.state]}
          </span>
          <span className="timeline__name">{stepLabel(s.name)}</span>
          <span className="timeline__state">{STATE_TEXT[s.state]}</span>
          {showTimes && s.startedAt ? (
            <span className="timeline__time">
              {formatDateTime(s.startedAt)}
              {s.endedAt ? ` · ${elapsedMs(s.startedAt, s.endedAt)} ms` : ''}
            </span>
          ) : null}
          {s.detail ? <span className="timeline__detail">{s.detail}</span> : null}
          {s.error ? (
            <span className="timeline__detail timeline__detail--error">
              {s.error.message} What to do: {s.error.remedy}
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
