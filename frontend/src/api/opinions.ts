// Written opinion forms (phiếu lấy ý kiến), docs/API.md "Between sessions".
import { api, ApiError, csrf } from './client';
import type { Approval } from './meetings';
import type { Items } from './types';

export type Choice = 'agree' | 'disagree' | 'other';

export interface OpinionForm {
  id: number;
  meeting_id: number;
  meeting_title: string;
  title: string;
  draft_version_id: number;
  draft_title: string;
  draft_version: number;
  deadline: string;
  status: 'open' | 'closed';
  created_at: string;
  closed_at?: string;
  questions: string[];
  answered: number;
  recipients: number;
}

export interface Recipient {
  id: number;
  user_id: number | null;
  organization_id: number | null;
  name: string;
  revisions: number;
  last_answered_at?: string;
}

export interface AnswerItem {
  choice: Choice;
  text: string;
}

export interface Answer {
  id: number;
  recipient_id: number;
  recipient_name: string;
  revision: number;
  answered_by_name: string;
  answered_at: string;
  items: AnswerItem[];
  attachment_name?: string;
  has_attachment: boolean;
  latest: boolean;
  signature?: AnswerSignature;
}

/** A member's signature of an answer revision, checked by the server on every read. */
export interface AnswerSignature {
  method: 'remote' | 'token';
  signer: string;
  issuer: string;
  signed_at: string;
  verified: boolean;
  trusted: boolean;
  problem?: string;
}

/** How the member signs their answer (sent with it). */
export interface SignAnswer {
  method: 'remote' | 'token';
  csc_user?: string;
  csc_password?: string;
  otp?: string;
  pin?: string;
}

export interface SummaryQuestion {
  question: string;
  agree: number;
  disagree: number;
  other: number;
  opinions: string;
}

export interface Summary {
  title: string;
  introduction: string;
  questions: SummaryQuestion[];
  not_answered: string;
  proposal: string;
}

export interface SummaryRecord {
  version: number;
  content: Summary;
  document_id: number;
  document_version_id: number;
  updated_at: string;
}

export interface FormView {
  form: OpinionForm;
  organizer: boolean;
  mine: Recipient[];
  answers: Answer[];
  recipients?: Recipient[];
  reminders?: { sent_at: string; recipients: number }[];
  summary?: SummaryRecord;
  approvals: Approval[];
  member?: { role: string; user_id: number };
}

export interface NewForm {
  title: string;
  draft_version_id: number;
  questions: string[];
  deadline: string;
  user_ids: number[];
  organization_ids: number[];
}

const f = (id: number, p = '') => `/api/opinions/${id}${p}`;

export const opinions = {
  list: (meeting: number) => api.get<Items<OpinionForm>>(`/api/meetings/${meeting}/opinions`).then((r) => r.items ?? []),
  mine: () => api.get<Items<OpinionForm>>('/api/opinions').then((r) => r.items ?? []),
  create: (meeting: number, body: NewForm) => api.post<OpinionForm>(`/api/meetings/${meeting}/opinions`, body),
  get: (id: number) => api.get<FormView>(f(id)),
  draftUrl: (id: number) => f(id, '/draft'),
  fileUrl: (id: number, answer: number) => f(id, `/answers/${answer}/file`),
  sendOtp: (id: number, csc_user: string, csc_password: string) => api.post<void>(f(id, '/sign/otp'), { csc_user, csc_password }),
  sign: (id: number, answer: number, sign: SignAnswer) => api.post<Answer>(f(id, `/answers/${answer}/sign`), sign),
  remind: (id: number) => api.post<{ recipients: number }>(f(id, '/remind')),
  close: (id: number) => api.post<OpinionForm>(f(id, '/close')),
  draftSummary: (id: number) => api.get<Summary>(f(id, '/summary/draft')),
  saveSummary: (id: number, base_version: number, content: Summary) => api.put<SummaryRecord>(f(id, '/summary'), { base_version, content }),

  /** Sends an answer, with an optional attachment (multipart: the JSON first, then the file). */
  async answer(id: number, recipient_id: number, items: AnswerItem[], file?: File | null, sign?: SignAnswer | null): Promise<Answer> {
    const sent = sign ? { recipient_id, items, sign } : { recipient_id, items };
    if (!file) return api.post<Answer>(f(id, '/answers'), sent);
    const form = new FormData();
    form.append('answer', JSON.stringify(sent));
    form.append('file', file, file.name);
    let res: Response;
    try {
      res = await fetch(f(id, '/answers'), { method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf(), Accept: 'application/json' } });
    } catch {
      throw new ApiError(0, 'network', '', '');
    }
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; message_en?: string; field?: string } } & Answer;
    if (!res.ok) {
      const e = body.error ?? {};
      throw new ApiError(res.status, (e.code as 'invalid') || 'internal', e.message ?? '', e.message_en ?? '', e.field);
    }
    return body;
  },
};
