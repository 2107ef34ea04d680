import { useRef } from 'react';
import { TextField } from '../../components/Field';

/** Operator inputs that go into startJob's `inputs` (keys match the core's expectations). */
export interface JobInputValues {
  workOrder: string;
  accountId: string;
}

/** The inputs with empty fields dropped, ready for startJob's `inputs`. */
export function toJobInputs(v: JobInputValues): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (v.workOrder.trim()) out.workOrder = v.workOrder.trim();
  if (v.accountId.trim()) out.accountId = v.accountId.trim();
  return Object.keys(out).length ? out : undefined;
}

/**
 * Work order and Account Id for the next jobs. A scan anywhere on the Station screen lands in the
 * right field by itself; typing works too, and Enter moves to the next field. Values stay for the
 * whole batch (never type anything twice).
 */
export function JobInputs({
  values,
  onChange,
  lastScan,
}: {
  values: JobInputValues;
  onChange: (v: JobInputValues) => void;
  lastScan?: string;
}) {
  const accountRef = useRef<HTMLInputElement>(null);
  return (
    <section className="panel job-inputs" aria-labelledby="job-inputs-title">
      <h2 id="job-inputs-title" className="panel__title">
        Job inputs
      </h2>
      <div className="job-inputs__fields">
        <TextField
          label="Work order"
          name="workOrder"
          value={values.workOrder}
          onChange={(v) => onChange({ ...values, workOrder: v })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              accountRef.current?.focus();
            }
          }}
        />
        <TextField
          ref={accountRef}
          label="Account Id"
          name="accountId"
          value={values.accountId}
          onChange={(v) => onChange({ ...values, accountId: v })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
        />
        <button
          type="button"
          className="btn btn--quiet"
          onClick={() => onChange({ workOrder: '', accountId: '' })}
          disabled={!values.workOrder && !values.accountId}
        >
          Clear inputs
        </button>
      </div>
      <p className="hint" aria-live="polite" data-testid="scan-status">
        {lastScan ?? 'Scan a work order or Account barcode at any time — it fills the right field.'}
      </p>
    </section>
  );
}
