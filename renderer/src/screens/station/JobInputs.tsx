import { useRef, type KeyboardEvent } from 'react';
import { TextField } from '../../components/Field';
import { Panel } from '../../components/Panel';

/** Operator inputs that go into startJob's `inputs` (keys match the core's expectations). */
export interface JobInputValues {
  workOrder: string;
  /** Production lot (job input `lot`: yield analytics and QA lots group by it). */
  lot: string;
  accountId: string;
}

/** The inputs with empty fields dropped, ready for startJob's `inputs`. */
export function toJobInputs(v: JobInputValues): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (v.workOrder.trim()) out.workOrder = v.workOrder.trim();
  if (v.lot.trim()) out.lot = v.lot.trim();
  if (v.accountId.trim()) out.accountId = v.accountId.trim();
  return Object.keys(out).length ? out : undefined;
}

/**
 * Work order, lot and Account Id for the next jobs. A scan anywhere on the Station screen lands in the
 * right field by itself; typing works too, and Enter moves to the next field. Values stay for the
 * whole batch (never type anything twice).
 */
export function JobInputs({
  values,
  onChange,
  lastScan,
  accountName,
}: {
  values: JobInputValues;
  onChange: (v: JobInputValues) => void;
  lastScan?: string | undefined;
  /** The Account's name as the org returned it for a scanned Account Id (shown under the field). */
  accountName?: string | undefined;
}) {
  const lotRef = useRef<HTMLInputElement>(null);
  const accountRef = useRef<HTMLInputElement>(null);
  // Enter never submits: it moves from the work order to the lot to the Account Id, and there it leaves.
  const onEnter = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (e.currentTarget.name === 'workOrder') lotRef.current?.focus();
    else if (e.currentTarget.name === 'lot') accountRef.current?.focus();
    else e.currentTarget.blur();
  };
  return (
    <Panel title="Job inputs" className="job-inputs">
      <div className="job-inputs__fields">
        <TextField
          label="Work order"
          name="workOrder"
          value={values.workOrder}
          onChange={(v) => onChange({ ...values, workOrder: v })}
          onKeyDown={onEnter}
        />
        <TextField
          ref={lotRef}
          label="Lot"
          name="lot"
          value={values.lot}
          onChange={(v) => onChange({ ...values, lot: v })}
          onKeyDown={onEnter}
        />
        <TextField
          ref={accountRef}
          label="Account Id"
          name="accountId"
          value={values.accountId}
          onChange={(v) => onChange({ ...values, accountId: v })}
          onKeyDown={onEnter}
          {...(accountName
            ? { hint: <span data-testid="account-name">Customer: {accountName} (found in Salesforce)</span> }
            : {})}
        />
        <button
          type="button"
          className="btn btn--quiet"
          onClick={() => onChange({ workOrder: '', lot: '', accountId: '' })}
          disabled={!values.workOrder && !values.lot && !values.accountId}
        >
          Clear inputs
        </button>
      </div>
      <p className="hint" aria-live="polite" data-testid="scan-status">
        {lastScan ?? 'Scan a work order or Account barcode at any time — it fills the right field.'}
      </p>
    </Panel>
  );
}
