// Who is signed in. The server owns the session (an HttpOnly cookie); the app only mirrors the user
// and the CSRF token it needs for state-changing requests.
import { auth } from './api/endpoints';
import { ApiError, setCsrfToken, setUnauthenticatedHandler } from './api/client';
import type { SessionInfo, User } from './api/types';
import { createStore, useStore } from './lib/store';

export type Session =
  | { state: 'loading' }
  | { state: 'anonymous'; expired?: boolean }
  | { state: 'signed-in'; user: User }
  | { state: 'error'; error: unknown };

export const session = createStore<Session>({ state: 'loading' });

export function useSession(): Session {
  return useStore(session);
}

function signedIn(info: SessionInfo) {
  setCsrfToken(info.csrf_token);
  session.set({ state: 'signed-in', user: info.user });
}

function anonymous(expired = false) {
  setCsrfToken('');
  session.set({ state: 'anonymous', expired });
}

setUnauthenticatedHandler(() => {
  if (session.get().state === 'signed-in') anonymous(true);
});

/** Asks the server whether the browser's cookie is still a valid session. */
export async function loadSession(): Promise<void> {
  try {
    signedIn(await auth.session());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) anonymous();
    else session.set({ state: 'error', error: err });
  }
}

export async function login(username: string, password: string): Promise<User> {
  const info = await auth.login(username, password);
  signedIn(info);
  return info.user;
}

/** Signs out; returns the province provider's logout page when its session should end too. */
export async function logout(): Promise<string | undefined> {
  try {
    return (await auth.logout())?.logout_url;
  } finally {
    // Even if the server could not be reached, forget the user here.
    anonymous();
  }
}

/** The roles of user as organization ids where they are secretary. */
export function secretaryOf(user: User): number[] {
  return (user.roles ?? []).filter((r) => r.role === 'secretary' && r.organization_id != null).map((r) => r.organization_id!);
}
