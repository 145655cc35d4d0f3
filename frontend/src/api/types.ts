// Shapes of the server's JSON, as documented in docs/API.md.

export type Level = 'province' | 'department' | 'district' | 'commune';
export const LEVELS: readonly Level[] = ['province', 'department', 'district', 'commune'];

export interface Role {
  role: 'admin' | 'secretary' | 'clerk';
  organization_id: number | null;
}

export interface User {
  id: number;
  username: string;
  full_name: string;
  title: string;
  organization_id: number;
  organization_name: string;
  active: boolean;
  roles: Role[];
  is_admin: boolean;
  created_at?: string;
  /** On the admin list: whether the person has a local password, and their province provider. */
  local_password?: boolean;
  provider?: string;
}

/** A province identity provider the login page offers. */
export interface SSOProvider {
  name: string;
  display_name: string;
}

export interface SessionInfo {
  user: User;
  csrf_token: string;
}

export interface Organization {
  id: number;
  parent_id: number | null;
  code: string;
  name: string;
  abbreviation: string;
  level: Level;
  created_at: string;
}

export interface MeetingPoint {
  id: number;
  organization_id: number;
  code: string;
  name: string;
  location: string;
  created_at: string;
}

export interface Items<T> {
  items: T[];
}

export interface NewOrganization {
  parent_id: number | null;
  code: string;
  name: string;
  abbreviation: string;
  level: Level;
}

export interface NewMeetingPoint {
  organization_id: number;
  code: string;
  name: string;
  location: string;
}

export interface NewUser {
  username: string;
  password: string;
  full_name: string;
  title: string;
  organization_id: number;
  roles: Role[];
}
