import type { ComponentChildren } from 'preact';
import type { MessageKey } from '../../i18n';
import type { MeetingState } from './useMeeting';
import type { Snapshot } from '../../api/meetings';
import { betweenTabs } from '../between/tabs';

/** A tab of the meeting page. Features add theirs to meetingTabs (documents, video, ...). */
export interface MeetingTab {
  key: string;
  label: MessageKey;
  render: (snap: Snapshot, state: MeetingState) => ComponentChildren;
  /** Hide the tab from some members (e.g. minutes from guests). */
  visible?: (snap: Snapshot) => boolean;
}

export const extraTabs: MeetingTab[] = [...betweenTabs];
