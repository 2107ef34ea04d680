import { useCallback } from 'react';
import type { Bay, Job } from '../../../../shared/domain';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FamilyBadge } from '../../components/FamilyBadge';
import { SkippedSteps } from '../../components/SkippedSteps';
import { LabelButton } from './LabelButton';
import { RetryAccount } from '../../components/RetryAccount';
import { bayView } from '../../lib/bayView';
import { LONG_UID, elapsedMs, formatElapsed, shortLocator, stepLabel } from '../../lib/format';
import { Uid } from '../../components/Uid';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import { useNow } from '../../state/useNow';

const TONE_ICON = { pass: '✓', fail: '✗', busy: '⟳', idle: '•', warn: '!' } as const;

/**
 * One bay at a glance: a big pass/fail headline, the device, the current step with progress and
 * elapsed time, the failure's remedy, and Start / Retry / Cancel.
 */
export function BayCard({
  bay,
  job,
  index,
  inputs,
}: {
  bay: Bay;
  job: Job | undefined;
  index: number;
  inputs: Record<string, string> | undefined;
}) {
  const { api, dispatch } = useStation();
  const view = bayView(bay, job);
  const now = useNow(view.active);
  const elapsed = job ? elapsedMs(job.startedAt, job.endedAt, now) : 0;
  const titleId = `bay-${bay.id}-title`;

  const start = useAsyncAction(
    useCallback(async () => {
      const j = await api.startJob({ bayId: bay.id, kind: 'provision', ...(inputs ? { inputs } : {}) });
      dispatch({ type: 'jobIfNew', job: j });
    }, [api, bay.id, dispatch, inputs]),
  );
  const retry = useAsyncAction(
    useCallback(async () => {
      if (!job) return;
      dispatch({ type: 'jobIfNew', job: await api.retryJob({ jobId: job.id }) });
    }, [api, dispatch, job]),
  );
  const cancel = useAsyncAction(
    useCallback(async () => {
      if (!job) return;
      dispatch({ type: 'job', job: await api.cancelJob({ jobId: job.id }) });
    }, [api, dispatch, job]),
  );
  const reconnect = useAsyncAction(
    useCallback(async () => {
      dispatch({ type: 'bay', bay: await api.attachBay({ locator: bay.locator }) });
    }, [api, bay.locator, dispatch]),
  );
  const actionError = start.error ?? retry.error ?? cancel.error ?? reconnect.error;
  const busy = start.busy || retry.busy || cancel.busy || reconnect.busy;
  // A bay whose device could not be identified offers to connect again.
  const canReconnect = !bay.device && (bay.status === 'failed' || bay.status === 'offline') && !view.active;

  return (
    <article
      id={`bay-${bay.id}-card`}
      className={`bay bay--${view.tone}`}
      aria-labelledby={titleId}
      data-testid="bay-card"
      data-bay-id={bay.id}
      data-uid={bay.device?.uid ?? ''}
      data-tone={view.tone}
    >
      <header className="bay__header">
        <h2 id={titleId} className="bay__title">
          Bay {index + 1}
        </h2>
        <span className="bay__locator" title={bay.locator}>
          {shortLocator(bay.locator)}
        </span>
      </header>

      {bay.device ? (
        <p className="bay__family">
          <FamilyBadge family={bay.device.family} long />
        </p>
      ) : null}

      <p
        className={`bay__headline bay__headline--${view.tone}`}
        data-testid="bay-headline"
        aria-live="polite"
      >
        <span className="bay__icon" aria-hidden="true">
          {TONE_ICON[view.tone]}
        </span>{' '}
        {view.headline}
      </p>

      <dl className="bay__facts">
        <div>
          <dt>Model</dt>
          <dd>{bay.device?.model ?? '—'}</dd>
        </div>
        <div className={(bay.device?.uid.length ?? 0) > LONG_UID ? 'bay__uid--long' : undefined}>
          <dt>UID</dt>
          <dd className="mono" data-testid="bay-uid">
            {bay.device ? <Uid uid={bay.device.uid} /> : '—'}
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd className="mono">{job ? formatElapsed(elapsed) : '—'}</dd>
        </div>
      </dl>

      <div className="bay__step">
        <p className="bay__step-name" data-testid="bay-step">
          {view.currentStep
            ? `Step ${view.stepNumber} of ${view.stepCount}: ${stepLabel(view.currentStep.name)}`
            : job
              ? 'Starting…'
              : 'No job yet'}
        </p>
        <progress
          className="bay__progress"
          max={1}
          value={view.progress}
          aria-label={`Bay ${index + 1} progress`}
        />
        {view.currentStep?.detail && view.tone !== 'fail' ? (
          <p className="bay__detail" data-testid="bay-step-detail">
            {view.currentStep.detail}
          </p>
        ) : null}
        {view.deviceAbsent && view.tone !== 'idle' && view.headline !== 'OFFLINE' ? (
          <p className="bay__absent">Device not connected.</p>
        ) : null}
      </div>

      <SkippedSteps job={job} />

      {view.error ? <ErrorNotice error={view.error} testId="bay-error" locator={bay.locator} /> : null}
      {view.canRetry ? <RetryAccount job={job} /> : null}
      {actionError ? (
        <ErrorNotice
          error={actionError}
          alert
          testId="bay-action-error"
          onDismiss={() => {
            start.clearError();
            retry.clearError();
            cancel.clearError();
            reconnect.clearError();
          }}
        />
      ) : null}

      <div className="bay__actions">
        {view.canStart ? (
          <button type="button" className="btn btn--primary" disabled={busy} onClick={() => void start.run()}>
            Start
          </button>
        ) : null}
        {view.canRetry ? (
          <button type="button" className="btn btn--primary" disabled={busy} onClick={() => void retry.run()}>
            Retry
          </button>
        ) : null}
        {canReconnect ? (
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy}
            onClick={() => void reconnect.run()}
          >
            Connect again
          </button>
        ) : null}
        {job && job.kind === 'provision' && job.state === 'succeeded' && bay.device ? (
          <LabelButton jobId={job.id} uid={bay.device.uid} />
        ) : null}
        {view.canCancel ? (
          <button
            type="button"
            className="btn btn--danger-outline"
            disabled={busy}
            onClick={() => void cancel.run()}
          >
            Cancel
          </button>
        ) : null}
      </div>
    </article>
  );
}
