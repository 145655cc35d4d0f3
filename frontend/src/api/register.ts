// The register of outgoing documents (docs/API.md "Register").
import { api } from './client';
import type { Items } from './types';

export interface RegisterEntry {
  id: number;
  organization_id: number;
  year: number;
  series: 'regular' | 'confidential';
  number: number;
  symbol: string;
  doc_type: string;
  doc_type_name: string;
  doc_date: string;
  summary: string;
  signer: string;
  recipients: string;
  archive_unit: string;
  copies: number;
  notes: string;
  sha256: string;
  meeting_id: number | null;
  corrects_id: number | null;
  filed_at: string;
  deliveries?: { sent_on: string; received_by: string }[];
}

export interface RegisterQuery {
  organization_id?: number;
  year?: number;
  doc_type?: string;
  q?: string;
  from?: string;
  to?: string;
}

const qs = (q: RegisterQuery) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '' && v !== 0) s.set(k, String(v));
  const str = s.toString();
  return str ? `?${str}` : '';
};

export interface SignatureInfo {
  signed: boolean;
  valid: boolean;
  whole: boolean;
  signer: string;
  issuer: string;
  self_signed: boolean;
  problem?: string;
}

export interface IncomingDoc {
  header: {
    From: { OrganId: string; OrganName: string };
    To: { OrganId: string; OrganName: string }[];
    Code: { CodeNumber: string; CodeNotation: string };
    PromulgationInfo: { Place: string; PromulgationDate: string };
    DocumentType: { Type: string; TypeName: string };
    Subject: string;
    SignerInfo: { Position: string; FullName: string };
    ToPlaces: string[] | null;
  };
  attachments: { name: string; content_type: string; size: number }[] | null;
}

export const registerApi = {
  get: (id: number) => api.get<RegisterEntry>(`/api/register/entries/${id}`),
  deliveries: (id: number) => api.get<{ items: { sent_on: string; received_by: string }[] }>(`/api/register/entries/${id}/deliveries`).then((r) => r.items ?? []),
  deliver: (id: number, sent_on: string, received_by: string) => api.post(`/api/register/entries/${id}/deliveries`, { sent_on, received_by }),
  signature: (id: number) => api.get<SignatureInfo>(`/api/register/entries/${id}/signature`),
  fileUrl: (id: number) => `/api/register/entries/${id}/file`,
  edxmlUrl: (id: number) => `/api/register/entries/${id}/edxml`,
  bookUrl: (org: number, year: number) => `/api/register/book.pdf?organization_id=${org}&year=${year}`,
  search: (q: RegisterQuery) => api.get<Items<RegisterEntry>>(`/api/register/entries${qs(q)}`).then((r) => r.items ?? []),
  csvUrl: (q: RegisterQuery) => `/api/register/entries.csv${qs(q)}`,
  fileApproval: (meetingId: number, approvalId: number, f: { signer: string; recipients: string; doc_type?: string }) =>
    api.post<RegisterEntry>(`/api/meetings/${meetingId}/approvals/${approvalId}/file`, f),
};
