import { useId } from 'react';
import { TextField } from '../../components/Field';
import { patternError, type BenchPrefs } from './benchPrefs';

/**
 * Bench preferences in the side panel: the work-order barcode pattern, the pass/fail tone and
 * auto-print of the label on pass (to the network label printer set in Settings).
 */
export function BenchPrefsPanel({
  prefs,
  onChange,
}: {
  prefs: BenchPrefs;
  onChange: (change: Partial<BenchPrefs>) => void;
}) {
  return (
    <details className="panel bench-prefs" data-testid="bench-prefs">
      <summary>Bench settings</summary>
      <TextField
        label="Work-order barcode pattern"
        name="workOrderPattern"
        mono
        value={prefs.workOrderPattern}
        hint="A scan matching this pattern fills the Work order field."
        {...(patternError(prefs.workOrderPattern) ? { error: patternError(prefs.workOrderPattern)! } : {})}
        onChange={(v) => onChange({ workOrderPattern: v })}
      />
      <Toggle
        name="tone"
        label="Pass/fail tone"
        checked={prefs.tone}
        onChange={(v) => onChange({ tone: v })}
      />
      <Toggle
        name="autoPrint"
        label="Print the label when a bay passes"
        checked={prefs.autoPrint}
        onChange={(v) => onChange({ autoPrint: v })}
      />
    </details>
  );
}

/** One on/off preference: a checkbox with its label (id-linked). */
function Toggle({
  name,
  label,
  checked,
  onChange,
}: {
  name: string;
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="bench-prefs__toggle">
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
