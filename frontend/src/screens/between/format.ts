// Shared formatting of the between-sessions screens.
import { lang } from '../../i18n';

/** "14:30, 05/12/2026" in the current language. */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const loc = lang.get() === 'en' ? 'en-GB' : 'vi-VN';
  return `${d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit' })}, ${d.toLocaleDateString(loc, { day: '2-digit', month: '2-digit', year: 'numeric' })}`;
}

/** The value of a datetime-local input for a moment (local time). */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
