// The meeting's call outlives the video tab: opening documents, the floor or a vote keeps the
// connection (and the sound) going. It ends when the person leaves it or the meeting page.
import { createStore } from './store';
import type { MediaRoom } from './media';

export interface Call {
  meetingId: number;
  /** The camera and microphone (the lobby's preview until joined). */
  local: MediaStream | null;
  room: MediaRoom | null;
}

export const call = createStore<Call | null>(null);

/** The call of this meeting, if one is going on. */
export function callOf(meetingId: number): Call | null {
  const c = call.get();
  return c && c.meetingId === meetingId ? c : null;
}

export function setCall(meetingId: number, patch: Partial<Omit<Call, 'meetingId'>>) {
  const cur = callOf(meetingId) ?? { meetingId, local: null, room: null };
  call.set({ ...cur, ...patch });
}

/** Leaves the room and frees the camera and microphone. */
export function endCall(meetingId: number) {
  const c = callOf(meetingId);
  if (!c) return;
  c.room?.leave();
  c.local?.getTracks().forEach((x) => x.stop());
  call.set(null);
}
