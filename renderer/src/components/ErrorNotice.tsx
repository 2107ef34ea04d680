import type { PlainError } from '../lib/errors';
import type { StationErrorShape } from '../../../shared/errors';

/**
 * An error in plain words: what happened, then what to do, with the stable code in small print for
 * the maintainer. `alert` announces it to screen readers at once (use for errors caused by an action).
 */
export function ErrorNotice({
  error,
  alert = false,
  onDismiss,
  testId,
}: {
  error: PlainError | StationErrorShape;
  alert?: boolean;
  onDismiss?: () => void;
  testId?: string;
}) {
  return (
    <div className="error-notice" role={alert ? 'alert' : undefined} data-testid={testId ?? 'error-notice'}>
      <p className="error-notice__what">
        <span className="error-notice__label">Problem:</span> {error.message}
      </p>
      <p className="error-notice__remedy" data-testid="remedy">
        <span className="error-notice__label">What to do:</span> {error.remedy}
      </p>
      <p className="error-notice__code">Code {error.code}</p>
      {onDismiss ? (
        <button type="button" className="btn btn--quiet" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
