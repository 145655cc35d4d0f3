// Typed calls for each endpoint of docs/API.md. Screens use these, never raw paths.
import { api } from './client';
import type {
  Items, MeetingPoint, NewMeetingPoint, NewOrganization, NewUser, Organization, SessionInfo, SSOProvider, User,
} from './types';

const q = (params: Record<string, number | string | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') s.set(k, String(v));
  const str = s.toString();
  return str ? `?${str}` : '';
};

export const auth = {
  login: (username: string, password: string) =>
    api.post<SessionInfo>('/api/auth/login', { username, password }, { allow401: true }),
  /** Ends the session; a province account's answer names the provider's logout page to visit. */
  logout: () => api.post<{ logout_url?: string } | undefined>('/api/auth/logout', undefined, { allow401: true }),
  providers: () =>
    api.get<{ providers: SSOProvider[]; passwords_admins_only: boolean }>('/api/auth/providers', { allow401: true }),
  session: () => api.get<SessionInfo>('/api/auth/session', { allow401: true }),
  changePassword: (current_password: string, new_password: string) =>
    api.post<void>('/api/auth/password', { current_password, new_password }),
};

export const organizations = {
  list: () => api.get<Items<Organization>>('/api/organizations').then((r) => r.items ?? []),
  mine: () => api.get<Items<Organization>>('/api/me/organizations').then((r) => r.items ?? []),
  get: (id: number) => api.get<Organization>(`/api/organizations/${id}`),
  create: (o: NewOrganization) => api.post<Organization>('/api/organizations', o),
};

export const meetingPoints = {
  list: (organizationId?: number) =>
    api.get<Items<MeetingPoint>>(`/api/meeting-points${q({ organization_id: organizationId })}`).then((r) => r.items ?? []),
  create: (p: NewMeetingPoint) => api.post<MeetingPoint>('/api/meeting-points', p),
};

export const users = {
  list: (organizationId?: number) =>
    api.get<Items<User>>(`/api/users${q({ organization_id: organizationId })}`).then((r) => r.items ?? []),
  create: (u: NewUser) => api.post<User>('/api/users', u),
  resetPassword: (id: number, new_password: string) => api.post<void>(`/api/users/${id}/password`, { new_password }),
};
