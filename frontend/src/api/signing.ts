// Leaders' digital signatures (docs/API.md "Signing").
import { api } from './client';

export interface SigningConfig {
  remote: boolean;
  token: boolean;
  leader_required: boolean;
}

export interface SignBody {
  method: 'remote' | 'token';
  csc_user?: string;
  csc_password?: string;
  otp?: string;
  pin?: string;
  sha256: string;
  signer?: string;
  doc_type?: string;
}

export interface EntrySignature {
  revision: number;
  signer: string;
  issuer: string;
  sub_filter: string;
  signing_at: string;
  stamped_at?: string;
  valid: boolean;
  whole: boolean;
  trusted: boolean;
  problem?: string;
  record?: { role: 'leader' | 'seal'; method: 'remote' | 'token' | 'server'; key_location: string };
}

const m = (id: number, a: number, p: string) => `/api/meetings/${id}/approvals/${a}/sign${p}`;

export const signingApi = {
  config: () => api.get<SigningConfig>('/api/signing'),
  sendOtp: (id: number, approval: number, csc_user: string, csc_password: string) =>
    api.post<void>(m(id, approval, '/otp'), { csc_user, csc_password }),
  sign: (id: number, approval: number, body: SignBody) => api.post<{ id: number; symbol: string }>(m(id, approval, ''), body),
  signatures: (entry: number) => api.get<{ signatures: EntrySignature[] }>(`/api/register/entries/${entry}/signatures`),
};
