// Tasks from conclusions and the meetings report, docs/API.md "Between sessions".
import { api, ApiError, csrf } from './client';
import type { Items } from './types';

export type TaskStatus = 'todo' | 'in_progress' | 'done';

export interface Task {
  id: number;
  meeting_id: number;
  meeting_title: string;
  conclusion_index: number;
  title: string;
  content: string;
  organization_id: number;
  organization_name: string;
  owner_id: number | null;
  owner_name: string;
  deadline: string;
  status: TaskStatus;
  state: TaskStatus | 'overdue';
  overdue: boolean;
  late: boolean;
  done_at?: string;
}

export interface TaskReport {
  id: number;
  user_name: string;
  status: TaskStatus;
  text: string;
  attachment_name?: string;
  has_attachment: boolean;
  created_at: string;
}

export interface Attendance {
  name: string;
  unit: string;
  invited: number;
  in_person: number;
  online: number;
  excused: number;
  unexcused: number;
}

export interface MeetingsReport {
  organization_name: string;
  from: string;
  to: string;
  scope: 'organization' | 'chaired';
  meetings: { id: number; title: string; kind: string; starts_at: string; status: string; held: boolean; members: number; present: number; documents: number }[];
  held: number;
  by_kind: Record<string, number>;
  by_unit: Attendance[];
  by_person: Attendance[];
  documents: Record<string, number>;
  tasks: { total: number; done_on_time: number; done_late: number; overdue: number; open_in_time: number };
}

export const tasks = {
  forMeeting: (meeting: number) => api.get<Items<Task>>(`/api/meetings/${meeting}/tasks`).then((r) => r.items ?? []),
  mine: () => api.get<Items<Task>>('/api/tasks').then((r) => r.items ?? []),
  create: (meeting: number, body: { conclusion_index: number; title: string; organization_id: number; owner_id: number | null; deadline: string }) =>
    api.post<Task>(`/api/meetings/${meeting}/tasks`, body),
  get: (id: number) => api.get<{ task: Task; reports: TaskReport[]; can_report: boolean }>(`/api/tasks/${id}`),
  fileUrl: (id: number, report: number) => `/api/tasks/${id}/reports/${report}/file`,
  async report(id: number, status: TaskStatus, text: string, file?: File | null): Promise<void> {
    if (!file) {
      await api.post(`/api/tasks/${id}/reports`, { status, text });
      return;
    }
    const form = new FormData();
    form.append('report', JSON.stringify({ status, text }));
    form.append('file', file, file.name);
    let res: Response;
    try {
      res = await fetch(`/api/tasks/${id}/reports`, { method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf(), Accept: 'application/json' } });
    } catch {
      throw new ApiError(0, 'network', '', '');
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; message_en?: string; field?: string } };
      const e = body.error ?? {};
      throw new ApiError(res.status, (e.code as 'invalid') || 'internal', e.message ?? '', e.message_en ?? '', e.field);
    }
  },
};

export const reportsApi = {
  query: (org: number, from: string, to: string) => `?organization_id=${org}&from=${from}&to=${to}`,
  get: (org: number, from: string, to: string) => api.get<MeetingsReport>(`/api/reports/meetings${reportsApi.query(org, from, to)}`),
};
