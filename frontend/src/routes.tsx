// The app's screens. Each new screen (meetings, agenda editor, document viewer, voting, chair
// console, projector, video, control room, register) adds one line here.
import type { ComponentChildren } from 'preact';
import type { User } from './api/types';
import type { Params } from './router';
import { AccountScreen } from './screens/Account';
import { AdminScreen } from './screens/admin/Admin';
import { HomeScreen } from './screens/Home';

export interface Route {
  pattern: string;
  render: (ctx: { user: User; params: Params }) => ComponentChildren;
  /** Full-screen routes (projector view) skip the header. */
  bare?: boolean;
}

export const routes: Route[] = [
  { pattern: '/', render: ({ user }) => <HomeScreen user={user} /> },
  { pattern: '/account', render: ({ user }) => <AccountScreen user={user} /> },
  { pattern: '/admin', render: ({ user }) => <AdminScreen user={user} section="organizations" /> },
  { pattern: '/admin/:section', render: ({ user, params }) => <AdminScreen user={user} section={params.section!} /> },
];
