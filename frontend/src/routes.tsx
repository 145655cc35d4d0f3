// The app's screens. Each new screen (meetings, agenda editor, document viewer, voting, chair
// console, projector, video, control room, register) adds one line here.
import type { ComponentChildren } from 'preact';
import type { User } from './api/types';
import type { Params } from './router';
import { AccountScreen } from './screens/Account';
import { AdminScreen } from './screens/admin/Admin';
import { HomeScreen } from './screens/Home';
import { RegisterEntryScreen, RegisterImportScreen } from './screens/RegisterEntry';
import { RegisterScreen } from './screens/RegisterScreen';
import { LazyDocumentViewer } from './screens/meetings/LazyViewer';
import { MeetingFormScreen } from './screens/meetings/MeetingForm';
import { MeetingPage } from './screens/meetings/MeetingPage';
import { MyMeetings } from './screens/meetings/MyMeetings';
import { ProjectorScreen } from './screens/meetings/Projector';
import { PageHeader } from './components/Layout';
import { betweenRoutes } from './screens/between/routes';
import { t } from './i18n';

export interface Route {
  pattern: string;
  render: (ctx: { user: User; params: Params }) => ComponentChildren;
  /** Full-screen routes (projector view) skip the header. */
  bare?: boolean;
}

export const routes: Route[] = [
  { pattern: '/', render: ({ user }) => <HomeScreen user={user} /> },
  {
    pattern: '/meetings',
    render: () => (
      <div class="page">
        <PageHeader title={t('meetings.title')} />
        <MyMeetings />
      </div>
    ),
  },
  { pattern: '/meetings/new', render: ({ user }) => <MeetingFormScreen user={user} /> },
  { pattern: '/meetings/:id', render: ({ params }) => <MeetingPage meetingId={Number(params.id)} /> },
  { pattern: '/meetings/:id/documents/:doc', render: ({ params }) => <LazyDocumentViewer meetingId={Number(params.id)} docId={Number(params.doc)} /> },
  { pattern: '/meetings/:id/edit', render: ({ user, params }) => <MeetingFormScreen user={user} meetingId={Number(params.id)} /> },
  { pattern: '/meetings/:id/projector', bare: true, render: ({ params }) => <ProjectorScreen meetingId={Number(params.id)} /> },
  { pattern: '/register', render: () => <RegisterScreen /> },
  { pattern: '/register/import', render: () => <RegisterImportScreen /> },
  { pattern: '/register/:id', render: ({ params }) => <RegisterEntryScreen id={Number(params.id)} /> },
  ...betweenRoutes,
  { pattern: '/account', render: ({ user }) => <AccountScreen user={user} /> },
  { pattern: '/admin', render: ({ user }) => <AdminScreen user={user} section="organizations" /> },
  { pattern: '/admin/:section', render: ({ user, params }) => <AdminScreen user={user} section={params.section!} /> },
];
