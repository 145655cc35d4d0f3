import { useEffect, useRef, useState } from 'preact/hooks';
import type { AgendaItem, AttendanceCount, FloorRequest, Participant, Snapshot } from '../../api/meetings';
import { floor as floorApi, meetings } from '../../api/meetings';
import { applyFloorEvent } from '../../lib/floorState';
import { useMeetingEvents, type LinkState, type MeetingEvent } from '../../lib/meetingEvents';

/** Which parts of the page an event touches; tabs reload their part when its counter moves. */
export interface Versions {
  votes: number;
  floor: number;
  records: number;
  approvals: number;
  documents: number;
  recordings: number;
}

export interface MeetingState {
  snap: Snapshot | null;
  error: unknown;
  link: LinkState;
  versions: Versions;
  /** The latest vote turnout notice per vote, live while a vote is open. */
  turnout: Record<number, number>;
  reload: () => void;
  /** Subscribe to raw events (other tabs, such as documents, plug in here). */
  lastEvent: MeetingEvent | null;
  /** The floor, kept from its events (null until first read). */
  floor: FloorRequest[] | null;
}

/**
 * Loads a meeting's snapshot and keeps it current with the meeting's events: agenda and
 * attendance events carry their new state; other events reload the part they name.
 */
export function useMeeting(id: number): MeetingState {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [startSeq, setStartSeq] = useState<number | null>(null);
  const [versions, setVersions] = useState<Versions>({ votes: 0, floor: 0, records: 0, approvals: 0, documents: 0, recordings: 0 });
  const [turnout, setTurnout] = useState<Record<number, number>>({});
  const [lastEvent, setLastEvent] = useState<MeetingEvent | null>(null);
  const pending = useRef(0);
  const [floor, setFloorState] = useState<FloorRequest[] | null>(null);
  const floorNow = useRef<FloorRequest[] | null>(null);
  const setFloor = (l: FloorRequest[]) => {
    floorNow.current = l;
    setFloorState(l);
  };
  const floorSeq = useRef(0); // events applied: a read begun before one of them is stale
  const readFloor = () => {
    const at = floorSeq.current;
    floorApi.list(id).then((l) => floorSeq.current === at && setFloor(l), () => floorSeq.current === at && setFloor(floorNow.current ?? []));
  };
  useEffect(readFloor, [id]);

  const reload = () => {
    meetings.snapshot(id).then(
      (s) => {
        setSnap(s);
        setError(null);
        setStartSeq((cur) => (cur === null ? s.seq : cur));
      },
      setError,
    );
  };
  useEffect(reload, [id]);

  const bump = (k: keyof Versions) => setVersions((v) => ({ ...v, [k]: v[k] + 1 }));

  const link = useMeetingEvents(id, startSeq, (e) => {
    setLastEvent(e);
    const d = e.data as Record<string, unknown>;
    if (e.type === 'agenda.changed') {
      setSnap((s) => (s ? { ...s, agenda: (d.items as AgendaItem[]) ?? [] } : s));
    } else if (e.type === 'attendance.changed') {
      const p = d.participant as Participant;
      setSnap((s) => (s ? { ...s, attendance: d.count as AttendanceCount, participants: s.participants.map((x) => (x.id === p.id ? p : x)) } : s));
    } else if (e.type === 'vote.turnout') {
      setTurnout((t) => ({ ...t, [d.vote_id as number]: d.turnout as number }));
    } else if (e.type.startsWith('vote.')) {
      bump('votes');
    } else if (e.type.startsWith('floor.') || e.type === 'session.settings') {
      // The event carries the request: show it now. A move renumbers others, so read those.
      floorSeq.current++;
      const next = floorNow.current && applyFloorEvent(floorNow.current, e.type, e.data);
      if (next) setFloor(next);
      if (!next || (d.action as string) === 'move') readFloor();
      bump('floor');
    } else if (e.type === 'record.saved') {
      bump('records');
    } else if (e.type === 'recording.changed') {
      bump('recordings');
    } else if (e.type.startsWith('approval.')) {
      bump('approvals');
    } else if (e.type.startsWith('document.') || e.type.startsWith('comment.')) {
      bump('documents');
    } else {
      // Meeting details, status or participants changed: reload the snapshot, coalescing bursts.
      window.clearTimeout(pending.current);
      pending.current = window.setTimeout(reload, 150);
    }
  });

  return { snap, error, link, versions, turnout, reload, lastEvent, floor };
}

export function formatWhen(startISO: string, endISO: string): string {
  const s = new Date(startISO);
  const e = new Date(endISO);
  const d = s.toLocaleDateString('vi-VN', { weekday: 'long', day: '2-digit', month: '2-digit', year: 'numeric' });
  const hm = (x: Date) => x.toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' });
  return `${hm(s)}–${hm(e)}, ${d}`;
}

export function mmss(seconds: number): string {
  const s = Math.max(0, Math.floor(Math.abs(seconds)));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
