import { useEffect, useRef, useState } from 'preact/hooks';
import { createStore, useStore } from '../lib/store';
import { t } from '../i18n';

/** A field the person fills in a dialog (a reason, a signer, the recipients of a document). */
export interface DialogField {
  name: string;
  label: string;
  value?: string;
  multiline?: boolean;
  /** Shown under the field when it is left empty; a field with it must be filled. */
  required?: string;
  hint?: string;
}

export interface DialogRequest {
  title: string;
  message?: string;
  fields?: DialogField[];
  confirm: string;
  /** An irreversible action: the confirm button is red and Cancel has the focus. */
  danger?: boolean;
  testid?: string;
}

interface Pending extends DialogRequest {
  resolve: (values: Record<string, string> | null) => void;
}

const current = createStore<Pending | null>(null);

/**
 * Asks the person in a modal dialog, in place of the browser's prompt()/confirm(): the values of
 * the fields once confirmed, null if cancelled. One dialog at a time; a second replaces the first.
 */
export function ask(req: DialogRequest): Promise<Record<string, string> | null> {
  current.get()?.resolve(null);
  return new Promise((resolve) => current.set({ ...req, resolve }));
}

/** Confirms an action that cannot be undone. */
export async function confirmAction(title: string, message: string, confirm: string, testid?: string): Promise<boolean> {
  return (await ask({ title, message, confirm, danger: true, ...(testid ? { testid } : {}) })) !== null;
}

export function Dialogs() {
  const req = useStore(current);
  return req ? <DialogView key={req.resolve} req={req} /> : null;
}

function DialogView({ req }: { req: Pending }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries((req.fields ?? []).map((f) => [f.name, f.value ?? ''])));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const close = (v: Record<string, string> | null) => {
    current.set(null);
    req.resolve(v);
  };
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    // Cancel is the safe default of an irreversible action; otherwise start in the first field.
    const focus = req.danger ? d?.querySelector<HTMLElement>('[data-dialog-cancel]') : d?.querySelector<HTMLElement>('input, textarea');
    focus?.focus();
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    for (const f of req.fields ?? []) if (f.required && !values[f.name]?.trim()) errs[f.name] = f.required;
    setErrors(errs);
    if (Object.keys(errs).length === 0) close(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])));
  };
  const titleId = `dlg-title-${req.testid ?? 'x'}`;
  return (
    <dialog ref={ref} class="dialog ask-dialog" aria-labelledby={titleId} data-testid={req.testid ?? 'dialog'}
      onCancel={(e) => { e.preventDefault(); close(null); }}>
      <form method="dialog" class="form dialog-form" onSubmit={submit} noValidate>
        <h2 id={titleId} class="dialog-title">{req.title}</h2>
        {req.message && <p class="dialog-message">{req.message}</p>}
        {(req.fields ?? []).map((f) => {
          const id = `dlg-${f.name}`;
          const err = errors[f.name];
          const common = {
            id, name: f.name, class: 'input', value: values[f.name] ?? '', 'aria-invalid': err ? true : undefined,
            'aria-describedby': err ? `${id}-err` : f.hint ? `${id}-hint` : undefined,
            onInput: (e: Event) => {
              setValues({ ...values, [f.name]: (e.currentTarget as HTMLInputElement).value });
              if (err) setErrors({ ...errors, [f.name]: '' });
            },
          };
          return (
            <div key={f.name} class={`field${err ? ' field-invalid' : ''}`}>
              <label class="field-label" for={id}>{f.label}</label>
              {f.multiline ? <textarea rows={4} {...common} /> : <input {...common} />}
              {f.hint && !err && <p id={`${id}-hint`} class="field-hint">{f.hint}</p>}
              {err && <p id={`${id}-err`} class="field-error" role="alert">{err}</p>}
            </div>
          );
        })}
        <div class="dialog-actions">
          <button type="button" class="btn btn-secondary" data-dialog-cancel onClick={() => close(null)} data-testid="dialog-cancel">{t('dialog.back')}</button>
          <button type="submit" class={`btn ${req.danger ? 'btn-danger' : 'btn-primary'}`} data-testid="dialog-confirm">{req.confirm}</button>
        </div>
      </form>
    </dialog>
  );
}
