import { useState } from 'preact/hooks';
import { ApiError, errorText } from '../api/client';
import { t, type MessageKey } from '../i18n';

/**
 * Runs a form submission and keeps its error. An ApiError that names a field the form shows is
 * displayed next to that field; anything else above the form. Messages are computed at render
 * time, so they follow a language switch.
 */
export function useSubmit(knownFields: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, MessageKey>>({});

  const fieldErr = error instanceof ApiError && error.field && knownFields.includes(error.field) ? error : null;

  /** Runs action; returns whether it succeeded. */
  async function submit(action: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setError(null);
    setLocal({});
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }

  return {
    busy,
    submit,
    /** Errors found in the page before sending, as message keys. */
    setLocalErrors: setLocal,
    clear: () => {
      setError(null);
      setLocal({});
    },
    fieldError: (name: string): string | undefined =>
      (local[name] ? t(local[name]) : undefined) ?? (fieldErr && fieldErr.field === name ? fieldErr.text() : undefined),
    formError: (): string =>
      error == null ? (Object.keys(local).length ? t('error.formHasErrors') : '') : fieldErr ? t('error.formHasErrors') : errorText(error),
  };
}
