// The one way the app talks to the server: JSON in and out, the session cookie, the CSRF header
// on state-changing requests, and server errors turned into ApiError.
import { t } from '../i18n';
import { lang } from '../i18n';

/** Error codes from docs/API.md, plus "network" when the server could not be reached. */
export type ErrorCode =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  | 'network';

interface ErrorBody {
  error?: { code?: string; message?: string; message_en?: string; field?: string };
}

/** A failed request, carrying the server's message in both languages. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly messageVi: string,
    readonly messageEn: string,
    /** The input field at fault, when the server names one (e.g. "code", "parent_id"). */
    readonly field?: string,
  ) {
    super(messageEn || messageVi || code);
    this.name = 'ApiError';
  }

  /** The message in the current language, falling back to the other one or a generic text. */
  text(): string {
    if (this.code === 'network') return t('error.network');
    const first = lang.get() === 'en' ? this.messageEn : this.messageVi;
    return first || this.messageVi || this.messageEn || t('error.unknown');
  }
}

/** The message to show for any error thrown by a request. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.text() : t('error.unknown');
}

let csrfToken = '';
let onUnauthenticated: (() => void) | null = null;

/** Set from the login and session responses. */
export function setCsrfToken(token: string) {
  csrfToken = token;
}

/** For requests made outside request() (uploads with progress). */
export function csrf(): string {
  return csrfToken;
}

/** Called when a request made while signed in comes back 401 (the session expired). */
export function setUnauthenticatedHandler(fn: () => void) {
  onUnauthenticated = fn;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  body?: unknown;
  /** Do not treat a 401 as an expired session (login and the session probe). */
  allow401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (unsafe.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', '', '');
  }

  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // a proxy's HTML error page: keep the status only
  }
  const e = body.error ?? {};
  const err = new ApiError(
    res.status,
    (e.code as ErrorCode) || codeForStatus(res.status),
    e.message ?? '',
    e.message_en ?? '',
    e.field || undefined,
  );
  if (res.status === 401 && !opts.allow401) onUnauthenticated?.();
  throw err;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'invalid';
    case 401: return 'unauthenticated';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 413: return 'too_large';
    case 415: return 'unsupported';
    case 429: return 'rate_limited';
    case 503: return 'unavailable';
    default: return 'internal';
  }
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
};
