// Live meeting events over the meeting WebSocket (docs/API.md "Meeting events"). The page keeps
// the last sequence number it saw; after a dropped connection it reconnects with it and the
// server replays what was missed, in order. Notices (seq 0) are live only.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface MeetingEvent {
  meeting_id: number;
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

export type LinkState = 'connecting' | 'live' | 'reconnecting';

/**
 * Calls onEvent for each event of the meeting after `fromSeq`, reconnecting with backoff (1 s up
 * to 15 s) whenever the connection drops. Returns the connection state for a status indicator.
 */
export function useMeetingEvents(meetingId: number, fromSeq: number | null, onEvent: (e: MeetingEvent) => void): LinkState {
  const [state, setState] = useState<LinkState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (fromSeq === null) return;
    let last = fromSeq;
    let ws: WebSocket | null = null;
    let stopped = false;
    let delay = 1000;
    let timer = 0;

    const connect = () => {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(`${proto}//${location.host}/api/meetings/${meetingId}/ws?after=${last}`);
      ws.onmessage = (msg) => {
        let e: MeetingEvent;
        try {
          e = JSON.parse(msg.data as string) as MeetingEvent;
        } catch {
          return;
        }
        if (e.type === 'ready') {
          delay = 1000;
          setState('live');
          return;
        }
        if (e.seq > 0) {
          if (e.seq <= last) return;
          last = e.seq;
        }
        handler.current(e);
      };
      ws.onclose = () => {
        if (stopped) return;
        setState('reconnecting');
        timer = window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, [meetingId, fromSeq]);

  return state;
}
