// A small router over the History API. Routes are patterns like "/meetings/:id"; links are plain
// <a href> elements whose clicks are intercepted, so they open in a new tab too.
import { createStore, useStore } from './lib/store';

export const location = createStore<string>(window.location.pathname + window.location.search);

window.addEventListener('popstate', () => {
  location.set(window.location.pathname + window.location.search);
});

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === location.get()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.set(to);
  window.scrollTo(0, 0);
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const full = useStore(location);
  const i = full.indexOf('?');
  return i < 0
    ? { path: full, query: new URLSearchParams() }
    : { path: full.slice(0, i), query: new URLSearchParams(full.slice(i + 1)) };
}

export type Params = Record<string, string>;

/** Matches path against pattern ("/admin/users", "/meetings/:id", "/admin/*"); null if it does not. */
export function match(pattern: string, path: string): Params | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params: Params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '*') {
      params['*'] = s.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= s.length) return null;
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return p.length === s.length ? params : null;
}

/** Intercepts clicks on same-origin links so they navigate without reloading the page. */
export function installLinkInterception() {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
    if (a.pathname.startsWith('/api/')) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
}
