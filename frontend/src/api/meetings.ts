// Meetings, agenda and the running session (docs/API.md "Meetings" and "Session").
import { api } from './client';
import type { Items } from './types';

export type MeetingKind = 'in_person' | 'online' | 'hybrid';
export type MeetingStatus = 'draft' | 'scheduled' | 'in_session' | 'paused' | 'ended' | 'archived' | 'cancelled';
export type MeetingRole = 'chair' | 'secretary' | 'delegate' | 'guest' | 'operator';
export type Attendance = 'unknown' | 'in_person' | 'online' | 'absent';

export interface Meeting {
  id: number;
  organization_id: number;
  organization_name: string;
  title: string;
  kind: MeetingKind;
  place: string;
  starts_at: string;
  ends_at: string;
  status: MeetingStatus;
  started_at?: string;
  ended_at?: string;
}

export interface MeetingSummary extends Meeting {
  my_role: MeetingRole | '';
  response: 'pending' | 'accepted' | 'declined' | '';
  changed_at?: string;
  organizing: boolean;
}

export interface MeetingInput {
  organization_id: number;
  title: string;
  kind: MeetingKind;
  place: string;
  starts_at: string;
  ends_at: string;
  chair_id?: number | null;
  secretary_id?: number | null;
}

export interface Member {
  meeting_id: number;
  user_id: number;
  role: MeetingRole | '';
  can_vote: boolean;
  organizer: boolean;
  participant_id: number;
}

export interface Participant {
  id: number;
  user_id: number | null;
  meeting_point_id: number | null;
  name: string;
  title: string;
  organization: string;
  role: MeetingRole;
  can_vote: boolean;
  response: 'pending' | 'accepted' | 'declined';
  response_reason: string;
  attendance: Attendance;
  attendance_reason: string;
  changed_at?: string;
}

export interface AttendanceCount {
  members: number;
  present: number;
  in_person: number;
  online: number;
  absent: number;
  not_yet: number;
  /** Members with the right to vote, and of them those present (what votes count). */
  voters?: number;
  voters_present?: number;
}

export interface AgendaItem {
  id: number;
  parent_id: number | null;
  position: number;
  title: string;
  presenter: string;
  planned_minutes: number;
  status: 'pending' | 'discussing' | 'done';
  spent_seconds: number;
  current: boolean;
}

export interface Snapshot {
  seq: number;
  meeting: Meeting;
  me: Member;
  participants: Participant[];
  attendance: AttendanceCount;
  agenda: AgendaItem[];
}

export interface Invitee {
  user_id?: number;
  meeting_point_id?: number;
  role: MeetingRole;
  can_vote: boolean;
}

export type VoteKind = 'approval' | 'choice';
export type VoteStatus = 'created' | 'open' | 'closed' | 'published';
export interface Vote {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  question: string;
  /** approve/reject a proposal, or choose one of several options */
  kind: VoteKind;
  options: string[];
  approve_option: number;
  secret: boolean;
  live_results: boolean;
  electorate: 'present' | 'all';
  quorum: string;
  majority: string;
  status: VoteStatus;
  eligible: number;
  turnout: number;
  counts?: number[];
  tally?: { members: number; present: number; ballots: number };
  /** chosen: in a choice vote, the index of the option that met the rule */
  result?: { quorum_met: boolean; needed: number; passed: boolean; chosen?: number; hash: string };
  voted: boolean;
  my_choice?: number;
}

export interface VoteSpec {
  agenda_item_id?: number | null;
  question: string;
  kind?: VoteKind;
  options?: string[];
  secret: boolean;
  live_results?: boolean;
  electorate?: 'present' | 'all';
  majority?: string;
  quorum?: string;
}

export interface FloorRequest {
  id: number;
  agenda_item_id: number | null;
  user_id: number;
  user_name: string;
  meeting_point_id: number | null;
  topic: string;
  status: 'waiting' | 'speaking' | 'done' | 'skipped' | 'withdrawn';
  position: number;
  limit_seconds: number;
  started_at?: string;
  ended_at?: string;
}

export interface RecordDoc<T> {
  id: number;
  kind: 'minutes' | 'conclusion';
  version: number;
  content: T;
  sha256: string;
  updated_at: string;
}

export interface MinutesItem {
  agenda_item_id: number | null;
  title: string;
  proceedings: string;
  speeches: string;
  votes: string;
  conclusion: string;
}

export interface Minutes {
  title: string;
  started_at: string;
  place: string;
  chair: string;
  secretary: string;
  participants: string;
  absent: string;
  items: MinutesItem[];
  ended_at: string;
  closing: string;
}

export interface Conclusion {
  title: string;
  preamble: string;
  items: { title: string; conclusion: string }[];
  recipients: string;
}

export interface Approval {
  id: number;
  subject_kind: 'minutes' | 'conclusion' | 'document';
  subject_version: number;
  subject_sha256: string;
  title: string;
  leader_id: number;
  leader_name: string;
  status: 'pending' | 'approved' | 'returned' | 'withdrawn';
  note: string;
  comment: string;
  requested_at: string;
  decided_at?: string;
}

const m = (id: number, p = '') => `/api/meetings/${id}${p}`;
const list = <T>(p: Promise<Items<T>>) => p.then((r) => r.items ?? []);

export const meetings = {
  mine: () => list(api.get<Items<MeetingSummary>>('/api/meetings')),
  create: (in_: MeetingInput) => api.post<Meeting>('/api/meetings', in_),
  update: (id: number, in_: MeetingInput) => api.put<Meeting>(m(id), in_),
  snapshot: (id: number) => api.get<Snapshot>(m(id)),
  transition: (id: number, action: string) => api.post<Meeting>(m(id, '/transition'), { action }),
  invite: (id: number, invitees: Invitee[]) => list(api.post<Items<Participant>>(m(id, '/participants'), { invitees })),
  updateParticipant: (id: number, pid: number, role: MeetingRole, can_vote: boolean) =>
    api.put<Participant>(m(id, `/participants/${pid}`), { role, can_vote }),
  removeParticipant: (id: number, pid: number) => api.del<void>(m(id, `/participants/${pid}`)),
  respond: (id: number, accept: boolean, reason: string) => api.post<Participant>(m(id, '/response'), { accept, reason }),
  attendance: (id: number, status: Attendance, reason = '', participant_id = 0) =>
    api.post<{ count: AttendanceCount }>(m(id, '/attendance'), { participant_id, status, reason }),
};

export const agendaApi = {
  add: (id: number, item: Partial<AgendaItem>) => api.post<AgendaItem>(m(id, '/agenda'), pickItem(item)),
  update: (id: number, itemId: number, item: Partial<AgendaItem>) => api.put<AgendaItem>(m(id, `/agenda/${itemId}`), pickItem(item)),
  remove: (id: number, itemId: number) => list(api.del<Items<AgendaItem>>(m(id, `/agenda/${itemId}`))),
  reorder: (id: number, parent_id: number | null, ids: number[]) => list(api.put<Items<AgendaItem>>(m(id, '/agenda-order'), { parent_id, ids })),
  setCurrent: (id: number, item_id: number | null) => list(api.put<Items<AgendaItem>>(m(id, '/agenda-current'), { item_id })),
};

function pickItem(i: Partial<AgendaItem>) {
  return { parent_id: i.parent_id ?? null, title: i.title ?? '', presenter: i.presenter ?? '', planned_minutes: i.planned_minutes ?? 0, status: i.status ?? '' };
}

export const votes = {
  list: (id: number) => list(api.get<Items<Vote>>(m(id, '/votes'))),
  create: (id: number, spec: VoteSpec) => api.post<Vote>(m(id, '/votes'), spec),
  act: (id: number, vote: number, action: 'open' | 'close' | 'publish') => api.post<Vote>(m(id, `/votes/${vote}/${action}`)),
  ballot: (id: number, vote: number, option: number) => api.post<{ vote_id: number; turnout: number }>(m(id, `/votes/${vote}/ballot`), { option }),
};

export const floor = {
  list: (id: number) => list(api.get<Items<FloorRequest>>(m(id, '/floor'))),
  request: (id: number, topic: string, agenda_item_id: number | null, meeting_point_id: number | null = null) =>
    api.post<FloorRequest>(m(id, '/floor'), { topic, agenda_item_id, ...(meeting_point_id ? { meeting_point_id } : {}) }),
  /** The invited meeting points the person may take part as (joining the video as the point). */
  pointSeats: (id: number) => list(api.get<Items<{ id: number; name: string; role: MeetingRole }>>(m(id, '/point-seats'))),
  act: (id: number, req: number, action: string, position = 0) => api.post<FloorRequest>(m(id, `/floor/${req}`), { action, position }),
};

export const records = {
  get: <T>(id: number, kind: 'minutes' | 'conclusion') => api.get<RecordDoc<T>>(m(id, `/records/${kind}`)),
  draft: <T>(id: number, kind: 'minutes' | 'conclusion') => api.get<T>(m(id, `/records/${kind}/draft`)),
  save: <T>(id: number, kind: 'minutes' | 'conclusion', base_version: number, content: T) =>
    api.put<RecordDoc<T>>(m(id, `/records/${kind}`), { base_version, content }),
};

export const approvals = {
  list: (id: number) => list(api.get<Items<Approval>>(m(id, '/approvals'))),
  request: (id: number, subject_kind: string, leader_id: number, note: string, subject_id = 0) =>
    api.post<Approval>(m(id, '/approvals'), { subject_kind, subject_id, leader_id, note }),
  decide: (id: number, approval: number, approve: boolean, comment: string) =>
    api.post<Approval>(m(id, `/approvals/${approval}`), { approve, comment }),
};
