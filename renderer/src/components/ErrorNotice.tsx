import type { PlainError } from '../lib/errors';
import type { StationErrorShape } from '../../../shared/errors';
import { benchFailure } from '../../../shared/failure-class';
import { withoutLocator } from '../lib/format';

/**
 * An error in plain words: its failure class in capitals (NOT RESPONDING, LINK NOISE, UNPLUGGED,
 * DEVICE REFUSED, CONFIGURATION, ORG — shared/failure-class.ts), what happened, then what to do, with
 * the stable code in small print for the maintainer. `alert` announces it to screen readers at once (use for errors caused by an action).
 * `locator`: the bay's port, named once in the bay's header, so the text says "this bay's port" instead.
 */
export function ErrorNotice({
  error,
  alert = false,
  onDismiss,
  testId,
  locator,
}: {
  locator?: string;
  error: PlainError | StationErrorShape;
  alert?: boolean;
  onDismiss?: () => void;
  testId?: string;
}) {
  const bench = benchFailure(error);
  const plain = {
    ...bench,
    message: withoutLocator(bench.message, locator),
    remedy: withoutLocator(bench.remedy, locator),
  };
  return (
    <div className="error-notice" role={alert ? 'alert' : undefined} data-testid={testId ?? 'error-notice'}>
      {plain.failureClass ? (
        <p className="error-notice__class" data-testid="failure-class">
          {plain.failureClass}
        </p>
      ) : null}
      <p className="error-notice__what">
        <span className="error-notice__label">Problem:</span> {plain.message}
      </p>
      <p className="error-notice__remedy" data-testid="remedy">
        <span className="error-notice__label">What to do:</span> {plain.remedy}
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
