// Documents of a meeting (docs/API.md "Documents").
import { api, ApiError } from './client';
import type { Items } from './types';

export interface DocVersion {
  id: number;
  version: number;
  sha256: string;
  size: number;
  filename: string;
  content_type: string;
  uploaded_at: string;
}

export interface Doc {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  title: string;
  kind: 'reference' | 'draft' | 'recording';
  access: 'all' | 'named' | 'organizers';
  readers: number[];
  readable_until?: string;
  versions: DocVersion[];
  readable: boolean;
}

export interface Note {
  page: number;
  text: string;
}

export interface DocComment {
  id: number;
  version: number;
  user_id: number;
  user_name: string;
  page: number | null;
  text: string;
  status: 'open' | 'accepted' | 'declined';
  created_at: string;
}

export interface UploadMeta {
  title?: string;
  kind?: string;
  access?: string;
  agenda_item_id?: number | null;
  readers?: number[];
  readable_until?: string | null;
}

const d = (m: number, p = '') => `/api/meetings/${m}/documents${p}`;

export const documents = {
  list: (m: number) => api.get<Items<Doc>>(d(m)).then((r) => r.items ?? []),
  get: (m: number, id: number) => api.get<Doc>(d(m, `/${id}`)),
  setAccess: (m: number, id: number, meta: UploadMeta) => api.put<Doc>(d(m, `/${id}`), meta),
  fileUrl: (m: number, id: number, version?: number) => d(m, `/${id}/file${version ? `?version=${version}` : ''}`),
  notes: (m: number, id: number) => api.get<Items<Note>>(d(m, `/${id}/notes`)).then((r) => r.items ?? []),
  setNote: (m: number, id: number, page: number, text: string) => api.put<void>(d(m, `/${id}/notes`), { page, text }),
  comments: (m: number, id: number) => api.get<Items<DocComment>>(d(m, `/${id}/comments`)).then((r) => r.items ?? []),
  comment: (m: number, id: number, version: number, page: number | null, text: string) =>
    api.post<DocComment>(d(m, `/${id}/comments`), { version, page, text }),
  decide: (m: number, id: number, comment: number, status: string) => api.post<DocComment>(d(m, `/${id}/comments/${comment}`), { status }),
  csvUrl: (m: number, id: number) => d(m, `/${id}/comments.csv`),
  pdfUrl: (m: number, id: number) => d(m, `/${id}/comments.pdf`),
};

/**
 * Uploads a file with its metadata (fields first, so the server can stream the file) and reports
 * progress from 0 to 1. Rejects with an ApiError carrying the server's message.
 */
export function uploadDocument(path: string, csrf: string, meta: UploadMeta, file: File, onProgress: (p: number) => void): Promise<Doc> {
  const form = new FormData();
  if (meta.title) form.append('title', meta.title);
  if (meta.kind) form.append('kind', meta.kind);
  if (meta.access) form.append('access', meta.access);
  if (meta.agenda_item_id) form.append('agenda_item_id', String(meta.agenda_item_id));
  if (meta.readers?.length) form.append('readers', meta.readers.join(','));
  if (meta.readable_until) form.append('readable_until', meta.readable_until);
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string; message_en?: string; field?: string } } & Partial<Doc> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Doc);
      else reject(new ApiError(xhr.status, (body.error?.code as 'invalid') ?? 'internal', body.error?.message ?? '', body.error?.message_en ?? '', body.error?.field));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', '', ''));
    xhr.send(form);
  });
}
