// Recordings of a meeting's video conference (docs/API.md "Media").
import { api } from './client';
import type { Items } from './types';

export type RecordingStatus = 'recording' | 'stopping' | 'done' | 'failed';

export interface Recording {
  id: number;
  status: RecordingStatus;
  started_at: string;
  started_by_name: string;
  stopped_at?: string;
  duration_ms: number;
  bytes: number;
  error?: string;
  /** The document holding the file, when the caller may see it. */
  document_id?: number;
  /** Whether the caller may watch it now. */
  readable: boolean;
}

const m = (id: number, p: string) => `/api/meetings/${id}${p}`;

export const recordings = {
  list: (id: number) => api.get<Items<Recording>>(m(id, '/recordings')).then((r) => r.items ?? []),
  start: (id: number) => api.post<Recording>(m(id, '/media-commands'), { type: 'record_start' }),
  stop: (id: number) => api.post<Recording>(m(id, '/media-commands'), { type: 'record_stop' }),
};
