import type { ComponentChildren, Ref } from 'preact';
import { useId } from 'preact/hooks';

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ComponentChildren;
}

/** A labelled form field whose error (from the server's `field`) sits right under the input. */
export function Field({ label, error, hint, required, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : '';
  const errId = error ? `${id}-err` : '';
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <div class="field-label-row">
        {/* The star stays outside the label so the field's accessible name is just its label. */}
        <label for={id} class="field-label">
          {label}
        </label>
        {required && <span class="field-req" aria-hidden="true">*</span>}
      </div>
      {children({ id, describedBy, invalid: !!error })}
      {hint && !error && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errId} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The input attributes forms here use; kept explicit so each field's props stay readable. */
interface InputAttrs {
  name?: string;
  type?: 'text' | 'password' | 'email' | 'tel' | 'number' | 'search';
  autocomplete?: string;
  autocapitalize?: 'none' | 'off' | 'sentences' | 'words';
  spellcheck?: boolean;
  required?: boolean;
  autofocus?: boolean;
  placeholder?: string;
  disabled?: boolean;
  maxLength?: number;
}

type InputProps = InputAttrs & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  inputRef?: Ref<HTMLInputElement>;
};

export function TextField({ label, value, onValue, error, hint, required, inputRef, type = 'text', ...rest }: InputProps) {
  return (
    <Field label={label} error={error} hint={hint} required={!!required}>
      {({ id, describedBy, invalid }) => (
        <input
          ref={inputRef}
          // Preact types <input> as a union keyed on a literal type; one branch is enough to check the rest.
          type={type as 'text'}
          id={id}
          class="input"
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          required={required}
          {...rest}
        />
      )}
    </Field>
  );
}

export interface Option {
  value: string;
  label: string;
}

type SelectProps = {
  label: string;
  name?: string;
  required?: boolean;
  disabled?: boolean;
  value: string;
  onValue: (v: string) => void;
  options: Option[];
  error?: string | undefined;
  hint?: string | undefined;
};

export function SelectField({ label, value, onValue, options, error, hint, required, ...rest }: SelectProps) {
  return (
    <Field label={label} error={error} hint={hint} required={!!required}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          class="input select"
          value={value}
          onChange={(e) => onValue(e.currentTarget.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          required={required}
          {...rest}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
