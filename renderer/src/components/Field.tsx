/**
 * A labelled form field: the label, the control (text input, select or textarea), an optional hint
 * and an optional error, wired for assistive technology — the label's `htmlFor` names the control
 * (its accessible name), the hint and the error are the control's `aria-describedby`, and an error
 * sets `aria-invalid`. Every form on every screen uses these; styles in styles/base.css (`.field*`).
 */
import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

/** What every field has besides its control. */
export interface FieldFrame {
  /** The visible label, also the control's accessible name. */
  label: string;
  /** A line under the control saying what to enter. */
  hint?: ReactNode;
  /** What is wrong with the value (shown under the control; marks it invalid). */
  error?: string;
  /** Extra classes on the field (layout: `field--wide`, `attach__field`). */
  className?: string;
  /** Monospace control (IDs, URLs, templates). */
  mono?: boolean;
}

/** The attributes that tie a control to its label, hint and error. */
interface ControlWiring {
  id: string;
  className: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/** Lays out one field and hands the control its {@link ControlWiring}. */
function Field({ frame, control }: { frame: FieldFrame; control: (wiring: ControlWiring) => ReactNode }) {
  const id = useId();
  const hintId = frame.hint ? `${id}-hint` : undefined;
  const errorId = frame.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  return (
    <div className={frame.className ? `field ${frame.className}` : 'field'}>
      <label className="field__label" htmlFor={id}>
        {frame.label}
      </label>
      {control({
        id,
        className: frame.mono ? 'field__input mono' : 'field__input',
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(frame.error ? { 'aria-invalid': true } : {}),
      })}
      {frame.hint ? (
        <span className="field__hint" id={hintId}>
          {frame.hint}
        </span>
      ) : null}
      {frame.error ? (
        <span className="field__error" id={errorId}>
          {frame.error}
        </span>
      ) : null}
    </div>
  );
}

type Native<E> = Omit<E, 'id' | 'className' | 'onChange' | 'value' | 'children'>;

/** Splits the frame props from the control props. */
function split<P extends FieldFrame>(props: P): [FieldFrame, Omit<P, keyof FieldFrame>] {
  const { label, hint, error, className, mono, ...rest } = props;
  return [{ label, hint, error, className, mono }, rest];
}

/**
 * A text input (also `type="search"`, `"password"`, `"date"`). Autocomplete and spell checking are off
 * unless asked for: the station's values are IDs, codes and addresses.
 */
export function TextField(
  props: FieldFrame &
    Native<InputHTMLAttributes<HTMLInputElement>> & {
      value: string;
      onChange: (value: string) => void;
      ref?: Ref<HTMLInputElement>;
    },
) {
  const [frame, { value, onChange, ref, ...input }] = split(props);
  return (
    <Field
      frame={frame}
      control={(wiring) => (
        <input
          ref={ref}
          autoComplete="off"
          spellCheck={false}
          {...input}
          {...wiring}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    />
  );
}

/** A select; its `<option>`s are the children. */
export function SelectField(
  props: FieldFrame &
    Native<SelectHTMLAttributes<HTMLSelectElement>> & {
      value: string;
      onChange: (value: string) => void;
      children: ReactNode;
    },
) {
  const [frame, { value, onChange, children, ...select }] = split(props);
  return (
    <Field
      frame={frame}
      control={(wiring) => (
        <select {...select} {...wiring} value={value} onChange={(e) => onChange(e.target.value)}>
          {children}
        </select>
      )}
    />
  );
}

/** A multi-line text area. */
export function TextAreaField(
  props: FieldFrame &
    Native<TextareaHTMLAttributes<HTMLTextAreaElement>> & {
      value: string;
      onChange: (value: string) => void;
    },
) {
  const [frame, { value, onChange, ...area }] = split(props);
  return (
    <Field
      frame={frame}
      control={(wiring) => (
        <textarea
          spellCheck={false}
          {...area}
          {...wiring}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    />
  );
}
