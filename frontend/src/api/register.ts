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

export const registerApi = {
  search: (q: RegisterQuery) => api.get<Items<RegisterEntry>>(`/api/register/entries${qs(q)}`).then((r) => r.items ?? []),
  csvUrl: (q: RegisterQuery) => `/api/register/entries.csv${qs(q)}`,
  fileApproval: (meetingId: number, approvalId: number, f: { signer: string; recipients: string; doc_type?: string }) =>
    api.post<RegisterEntry>(`/api/meetings/${meetingId}/approvals/${approvalId}/file`, f),
};
