// The control room (docs/API.md "Media"): every point's connection as the media server reports it,
// and the commands the operator and the chair send to points.
import { api } from './client';

export type AlertKind = 'failed' | 'left' | 'reconnecting' | 'loss' | 'bandwidth' | 'rtt';
export type PointStatus = 'connected' | 'reconnecting' | 'failed' | 'left' | 'absent';
export type MediaCommandType = 'mute' | 'unmute' | 'spotlight' | 'audio_only' | 'video_on' | 'rejoin' | 'mute_all';

export interface PointAlert {
  kind: AlertKind;
  since: string;
  /** Loss as a fraction, RTT in ms, bandwidth in kbit/s; 0 for state alerts. */
  value: number;
}

export interface ControlPoint {
  identity: string;
  name: string;
  state: '' | 'connected' | 'reconnecting' | 'failed';
  status: PointStatus;
  audio_only: boolean;
  audio_muted: boolean;
  in_kbps: number;
  out_kbps: number;
  loss_in: number;
  loss_out: number;
  rtt_ms: number;
  layer: string;
  estimate_kbps: number;
  since?: string;
  present: boolean;
  left_at?: string;
  speaking: boolean;
  alerts: PointAlert[];
  severity: number;
  history: { in_kbps: number[]; loss: number[]; rtt_ms: number[] };
  invited: boolean;
  role?: string;
  organization?: string;
}

export interface AlertChange {
  identity: string;
  name: string;
  kind: AlertKind;
  raised: boolean;
  value: number;
  at: string;
}

export interface ControlRoom {
  room: string;
  updated_at: string | null;
  stale: boolean;
  counts: {
    invited: number;
    present: number;
    connected: number;
    reconnecting: number;
    failed: number;
    absent: number;
    alerts: number;
    with_alerts: number;
  };
  points: ControlPoint[];
  alerts: AlertChange[];
  commands: MediaCommandType[];
}

export const controlRoom = {
  get: (meetingId: number, signal?: AbortSignal) => api.get<ControlRoom>(`/api/meetings/${meetingId}/control-room`, { signal }),
  command: (meetingId: number, type: MediaCommandType, identity = '') =>
    api.post<void>(`/api/meetings/${meetingId}/media-commands`, { type, identity }),
};
