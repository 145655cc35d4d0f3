// Every user-facing string goes through t(). Vietnamese is the default; the choice of English is
// remembered in localStorage and reflected in <html lang>.
import { createStore, useStore } from '../lib/store';
import { en } from './en';
import { vi, type MessageKey } from './vi';

export type { MessageKey };
export type Lang = 'vi' | 'en';

const STORAGE_KEY = 'phonghop.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

export const lang = createStore<Lang>(initialLang());

function applyLang(l: Lang) {
  document.documentElement.lang = l;
  document.title = dictionaries[l]['app.name'];
}
applyLang(lang.get());

export function setLang(l: Lang) {
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyLang(l);
  lang.set(l);
}

/** Translates key in the current language, filling {placeholders} from params. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[lang.get()][key] ?? vi[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Re-renders the caller when the language changes; returns the current language. */
export function useLang(): Lang {
  return useStore(lang);
}

const dateFormats: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

/** Formats an RFC 3339 time for the current language (dd/mm/yyyy in both). */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(dateFormats[lang.get()], { day: '2-digit', month: '2-digit', year: 'numeric' });
}
