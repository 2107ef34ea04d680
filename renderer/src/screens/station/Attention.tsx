import type { Bay } from '../../../../shared/domain';
import { benchFailure } from '../../../../shared/failure-class';
import type { BayView } from '../../lib/bayView';
import { shortLocator, withoutLocator } from '../../lib/format';

/** The failed bays with their remedies, each with a button that takes the technician to it. */
export function Attention({
  items,
  onGo,
}: {
  items: Array<{ bay: Bay; index: number; view: BayView }>;
  onGo: (bay: Bay) => void;
}) {
  if (items.length === 0) return null;
  return (
    <section className="attention" aria-labelledby="attention-title" data-testid="attention">
      <h2 id="attention-title" className="attention__title">
        <span aria-hidden="true">✗</span> Needs attention ({items.length})
      </h2>
      <ul className="attention__list">
        {items.map(({ bay, index, view }) => (
          <li key={bay.id} className="attention__item">
            <span className="attention__bay">
              Bay {index + 1} · <span className="mono">{bay.device?.uid ?? shortLocator(bay.locator)}</span>
            </span>
            <span className="attention__remedy">
              {view.error ? (
                <>
                  <strong>{benchFailure(view.error).failureClass ?? 'FAILED'}:</strong>{' '}
                  {withoutLocator(benchFailure(view.error).remedy, bay.locator)}
                </>
              ) : (
                'Open the card for details.'
              )}
            </span>
            <button type="button" className="btn btn--quiet attention__go" onClick={() => onGo(bay)}>
              Go to bay {index + 1}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
