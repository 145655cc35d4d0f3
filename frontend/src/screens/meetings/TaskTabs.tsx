// Each role's few tasks up front, as large buttons that fit a tablet in either orientation
// (a delegate reads documents, speaks, votes and follows the video); everything else stays one
// tap away in a wrapped row below, so no tab is ever pushed off-screen.
import { t } from '../../i18n';
import type { MeetingTab } from './tabs';

const TASKS: Record<string, string[]> = {
  delegate: ['documents', 'floor', 'votes', 'video'],
  chair: ['console', 'video', 'documents', 'votes'],
  secretary: ['agenda', 'participants', 'documents', 'minutes', 'approvals'],
  operator: ['control', 'video', 'participants'],
  guest: ['agenda', 'documents', 'video'],
  '': ['agenda', 'participants', 'documents', 'minutes', 'approvals'], // an organizer not in the meeting
};

export function TaskTabs({ tabs, active, meetingId, role }: { tabs: MeetingTab[]; active: string; meetingId: number; role: string }) {
  const order = TASKS[role] ?? TASKS['']!;
  const primary = order.map((k) => tabs.find((x) => x.key === k)).filter((x): x is MeetingTab => !!x);
  const more = tabs.filter((x) => !primary.includes(x));
  const link = (x: MeetingTab, cls: string) => (
    <a key={x.key} role="tab" aria-selected={x.key === active} class={`${cls}${x.key === active ? ' active' : ''}`}
      href={`/meetings/${meetingId}?tab=${x.key}`} data-testid={`tab-${x.key}`}>
      {t(x.label)}
    </a>
  );
  return (
    <nav class="task-nav" aria-label={t('tasks.label')}>
      <div class="task-tabs" role="tablist">{primary.map((x) => link(x, 'task-tab'))}</div>
      {more.length > 0 && (
        <div class="more-tabs" role="tablist" aria-label={t('tasks.more')}>
          <span class="more-tabs-label" aria-hidden="true">{t('tasks.more')}:</span>
          {more.map((x) => link(x, 'more-tab'))}
        </div>
      )}
    </nav>
  );
}
