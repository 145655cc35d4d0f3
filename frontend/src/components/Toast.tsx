import { useEffect, useState } from 'preact/hooks';
import { createStore, useStore } from '../lib/store';
import { t } from '../i18n';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: string;
}

const toasts = createStore<Toast[]>([]);
let nextId = 1;

/** Shows a short message at the bottom of the screen for a few seconds. */
export function toast(text: string, kind: Toast['kind'] = 'success', ms = 5000) {
  const id = nextId++;
  toasts.update((list) => [...list, { id, kind, text }]);
  window.setTimeout(() => dismiss(id), ms);
}

/** Removes every toast, e.g. when a different person signs in on the same tablet. */
export function clearToasts() {
  toasts.set([]);
}

function dismiss(id: number) {
  toasts.update((list) => list.filter((x) => x.id !== id));
}

/** True while a field in the lower half of the screen is being filled: toasts then go to the top. */
function useFillingLow(): boolean {
  const [low, setLow] = useState(false);
  useEffect(() => {
    const check = () => {
      const el = document.activeElement;
      const field = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
      setLow(field && el.getBoundingClientRect().bottom > window.innerHeight / 2);
    };
    addEventListener('focusin', check);
    addEventListener('focusout', check);
    return () => {
      removeEventListener('focusin', check);
      removeEventListener('focusout', check);
    };
  }, []);
  return low;
}

export function Toasts() {
  const list = useStore(toasts);
  const low = useFillingLow();
  return (
    <div class={`toasts${low ? ' toasts-top' : ''}`} aria-live="polite" aria-atomic="false">
      {list.map((x) => (
        <div key={x.id} class={`toast toast-${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
          <span>{x.text}</span>
          <button type="button" class="toast-close" aria-label={t('common.close')} onClick={() => dismiss(x.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
