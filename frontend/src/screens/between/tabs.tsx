import type { MeetingTab } from '../meetings/tabs';
import type { MeetingState } from '../meetings/useMeeting';
import { OpinionsTab } from './OpinionsTab';
import { TasksTab } from './TasksTab';

/** Moves whenever an event about opinion forms arrives, so the tab reloads its list. */
const opinionVersion = (st: MeetingState) => (st.lastEvent && /^(notice\.)?opinion\./.test(st.lastEvent.type) ? st.lastEvent.seq : 0);

/** The meeting page's tabs for the work between sessions. */
export const betweenTabs: MeetingTab[] = [
  { key: 'opinions', label: 'tab.opinions', render: (s, st) => <OpinionsTab snap={s} version={opinionVersion(st)} />, visible: (s) => s.me.role !== 'guest' },
  { key: 'tasks', label: 'tab.tasks', render: (s) => <TasksTab snap={s} />, visible: (s) => s.me.role !== 'guest' },
];
