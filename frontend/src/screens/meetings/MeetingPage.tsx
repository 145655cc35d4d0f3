import { errorText } from '../../api/client';
import { meetings, type MeetingStatus, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { PageHeader } from '../../components/Layout';
import { ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { confirmAction } from '../../components/Dialog';
import { navigate, useLocation } from '../../router';
import { session } from '../../session';
import { AgendaTab } from './AgendaTab';
import { CallDock } from './CallDock';
import { TaskTabs } from './TaskTabs';
import { InvitationBar } from './InvitationBar';
import { ConsoleTab } from './ConsoleTab';
import { ControlRoomTab } from './ControlRoomTab';
import { DocumentsTab } from './DocumentsTab';
import { ApprovalsTab } from './ApprovalsTab';
import { FloorTab } from './FloorTab';
import { ParticipantsTab } from './ParticipantsTab';
import { RecordingBadge, RecordingButtons, RecordingsTab, useRecordings } from './Recordings';
import { RecordTab } from './RecordTab';
import { extraTabs, type MeetingTab } from './tabs';
import { formatWhen, useMeeting } from './useMeeting';
import { VideoTab } from './VideoTab';
import { VotesTab } from './VotesTab';

const ACTIONS: Record<MeetingStatus, string[]> = {
  draft: ['schedule', 'cancel'],
  scheduled: ['start', 'cancel'],
  in_session: ['pause', 'end'],
  paused: ['resume', 'end'],
  ended: ['archive'],
  archived: [],
  cancelled: [],
};

const notGuest = (s: Snapshot) => s.me.role !== 'guest';

/** Says what is counted: those taking part (chair, secretary, delegates, points), and voters. */
export function presentText(s: Snapshot): string {
  const a = s.attendance;
  const base = t('meeting.presentNamed', { present: a.present, members: a.members });
  return a.voters ? `${base} · ${t('meeting.votersPresent', { present: a.voters_present ?? 0, voters: a.voters })}` : base;
}

/** The control room is for the operator and the chair, and administrators (as on the server). */
function mayOpenControlRoom(s: Snapshot): boolean {
  const cur = session.get();
  return s.me.role === 'operator' || s.me.role === 'chair' || (cur.state === 'signed-in' && cur.user.is_admin);
}

const TABS: MeetingTab[] = [
  { key: 'console', label: 'tab.console', render: (s, st) => <ConsoleTab snap={s} st={st} />, visible: (s) => s.me.role === 'chair' },
  { key: 'agenda', label: 'tab.agenda', render: (s) => <AgendaTab snap={s} /> },
  { key: 'participants', label: 'tab.participants', render: (s) => <ParticipantsTab snap={s} /> },
  { key: 'documents', label: 'tab.documents', render: (s, st) => <DocumentsTab snap={s} version={st.versions.documents} /> },
  { key: 'votes', label: 'tab.votes', render: (s, st) => <VotesTab snap={s} version={st.versions.votes} turnout={st.turnout} /> },
  { key: 'video', label: 'tab.video', render: (s, st) => <VideoTab snap={s} floor={st.floor} /> },
  { key: 'control', label: 'tab.control', render: (s) => <ControlRoomTab snap={s} />, visible: mayOpenControlRoom },
  { key: 'recordings', label: 'tab.recordings', render: (s, st) => <RecordingsTab snap={s} version={st.versions.recordings} /> },
  { key: 'floor', label: 'tab.floor', render: (s, st) => <FloorTab snap={s} list={st.floor} /> },
  { key: 'minutes', label: 'tab.minutes', render: (s, st) => <RecordTab snap={s} kind="minutes" version={st.versions.records} />, visible: notGuest },
  { key: 'conclusion', label: 'tab.conclusion', render: (s, st) => <RecordTab snap={s} kind="conclusion" version={st.versions.records} />, visible: notGuest },
  { key: 'approvals', label: 'tab.approvals', render: (s, st) => <ApprovalsTab snap={s} version={st.versions.approvals} />, visible: notGuest },
];

/** The meeting page: header, status actions for organizers, and the tabs. */
export function MeetingPage({ meetingId }: { meetingId: number }) {
  const st = useMeeting(meetingId);
  const rec = useRecordings(meetingId, st.versions.recordings);
  const { query } = useLocation();
  if (st.error) return <ErrorBox message={errorText(st.error)} onRetry={st.reload} />;
  if (!st.snap) return <Loading />;
  const snap = st.snap;
  const m = snap.meeting;
  const me = snap.me;
  const tabs = [...TABS.slice(0, 4), ...extraTabs, ...TABS.slice(4)].filter((x) => !x.visible || x.visible(snap));
  const active = tabs.find((x) => x.key === query.get('tab')) ?? tabs[0]!;
  const organizer = me.organizer && me.role !== 'guest';
  const sessionAction = (a: string) => ['start', 'pause', 'resume', 'end'].includes(a);
  const actions = ACTIONS[m.status].filter((a) => organizer && (!sessionAction(a) || me.role === 'chair' || me.role === 'secretary' || me.role === ''));

  async function act(a: string) {
    // Ending and cancelling cannot be undone: one click must not do them.
    if ((a === 'end' || a === 'cancel') && !(await confirmAction(t(`confirm.${a}.title`), t(`confirm.${a}.message`), t(`action.${a}`), `confirm-${a}`))) return;
    try {
      await meetings.transition(meetingId, a);
      toast(t('action.done'));
      st.reload();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  return (
    <div class="page meeting-page">
      <PageHeader title={m.title} subtitle={`${m.organization_name} · ${formatWhen(m.starts_at, m.ends_at)}${m.place ? ` · ${m.place}` : ''}`} />
      <div class="meeting-bar">
        <span class="badges">
          <span class={`badge status-${m.status}`} data-testid="meeting-status">{t(`status.${m.status}`)}</span>
          <span class="badge">{me.role ? t(`role.${me.role}`) : t('role.organizer')}</span>
          <span class="badge" data-testid="present-count" title={t('meeting.presentWho')}>{presentText(snap)}</span>
          <span class={`live-dot live-${st.link}`} role="status" data-testid="live-state">{t(`live.${st.link}`)}</span>
          <RecordingBadge running={rec.running} />
        </span>
        <span class="btn-row">
          <RecordingButtons snap={snap} running={rec.running} onChange={rec.reload} />
          {organizer && m.status !== 'archived' && m.status !== 'cancelled' && m.status !== 'ended' && (
            <Button size="sm" variant="ghost" onClick={() => navigate(`/meetings/${m.id}/edit`)}>{t('action.edit')}</Button>
          )}
          <a class="btn btn-secondary btn-sm" href={`/meetings/${m.id}/projector`} target="_blank" rel="noopener">{t('meeting.projector')}</a>
          {actions.map((a) => (
            <Button key={a} size="sm" variant={a === 'end' || a === 'cancel' ? 'danger' : 'primary'} onClick={() => act(a)} data-testid={`action-${a}`}>
              {t(`action.${a}` as 'action.start')}
            </Button>
          ))}
        </span>
      </div>
      <TaskTabs tabs={tabs} active={active.key} meetingId={m.id} role={me.role} />
      <InvitationBar snap={snap} />
      <CallDock snap={snap} floor={st.floor} onVideoTab={active.key === 'video'} />
      <div class="tab-panel" role="tabpanel">{active.render(snap, st)}</div>
    </div>
  );
}
