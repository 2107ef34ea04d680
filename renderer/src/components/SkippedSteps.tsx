import type { Job } from '../../../shared/domain';
import { stepLabel } from '../lib/format';

/**
 * The steps a job skipped, each with its reason in plain words (e.g. "Write Asset ID — an nRF91 modem
 * has no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI"): a skip is
 * always shown, never silent. Nothing is rendered when no step was skipped.
 */
export function SkippedSteps({ job }: { job: Job | undefined }) {
  const skipped = job?.steps.filter((s) => s.state === 'skipped') ?? [];
  if (!skipped.length) return null;
  return (
    <div className="skipped" data-testid="bay-skipped">
      <p className="skipped__title">Skipped, and why</p>
      <ul className="skipped__list">
        {skipped.map((s) => (
          <li key={s.name} data-step={s.name}>
            <strong>{stepLabel(s.name)}</strong> — {s.detail ?? 'not needed for this device'}
          </li>
        ))}
      </ul>
    </div>
  );
}
