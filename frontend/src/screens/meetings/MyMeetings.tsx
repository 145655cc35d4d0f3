import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { meetings, type MeetingSummary } from '../../api/meetings';
import { EmptyState, ErrorBox, Loading } from '../../components/Status';
import { t } from '../../i18n';
import { formatWhen } from './useMeeting';

/** "My meetings": meetings the person is invited to or organizes, the coming ones first. */
export function MyMeetings() {
  const [list, setList] = useState<MeetingSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    meetings.mine().then(setList, setError);
  };
  useEffect(load, []);
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (list === null) return <Loading />;
  if (list.length === 0) return <EmptyState icon="calendar" title={t('meetings.empty')} />;
  return (
    <ul class="meeting-list" data-testid="my-meetings">
      {list.map((m) => (
        <li key={m.id} class="meeting-row">
          <a href={`/meetings/${m.id}`} class="meeting-link">
            <span class="meeting-title">{m.title}</span>
            <span class="meeting-meta">
              {formatWhen(m.starts_at, m.ends_at)} · {m.place || t(`kind.${m.kind}`)}
            </span>
          </a>
          <span class="badges">
            <span class={`badge status-${m.status}`}>{t(`status.${m.status}`)}</span>
            {m.my_role && <span class="badge">{t(`role.${m.my_role}`)}</span>}
            {/* The invitee's own answer, where one is still asked of them. */}
            {m.my_role && m.my_role !== 'chair' && m.my_role !== 'secretary' && m.status === 'scheduled' && m.response && (
              <span class={`badge${m.response === 'pending' ? ' badge-red' : ''}`} data-testid="my-response">{t(`response.${m.response}` as 'response.pending')}</span>
            )}
            {m.organizing && !m.my_role && <span class="badge badge-navy">{t('meetings.organizing')}</span>}
            {m.changed_at && <span class="badge badge-red">{t('meetings.changed')}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}
