// The media room client: signaling over /rtc (sfu/PROTOCOL.md) and one RTCPeerConnection. The
// server makes every offer; this side answers, attaching the camera and microphone to the receive
// slots the server offered for them.
import { api } from '../api/client';

export interface Grant {
  room: string;
  sub: string;
  name: string;
  pub?: string[];
  start_muted?: boolean;
  self_unmute?: boolean;
}

export interface MediaEvents {
  onStream(identity: string, stream: MediaStream): void;
  onPeer(identity: string, name: string, present: boolean): void;
  onMuted(identity: string, muted: boolean, by: string): void;
  onSpotlight(identity: string): void;
  onState(state: 'connecting' | 'live' | 'ended' | 'error', message?: string): void;
}

export class MediaRoom {
  private ws: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private queued: RTCIceCandidateInit[] = [];
  private attached = false;
  grant: Grant | null = null;

  constructor(private meetingId: number, private local: MediaStream, private ev: MediaEvents) {}

  async join() {
    const { token, grant } = await api.post<{ token: string; grant: Grant }>(`/api/meetings/${this.meetingId}/media-token`);
    this.grant = grant;
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.onicecandidate = (e) => e.candidate && this.send({ type: 'candidate', candidate: e.candidate.toJSON() });
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (stream) this.ev.onStream(stream.id, stream);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this.ev.onState('live');
      if (pc.connectionState === 'failed') this.ev.onState('error', 'ICE');
    };
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/rtc`);
    this.ws = ws;
    ws.onopen = () => this.send({ v: 1, type: 'join', token });
    ws.onclose = () => this.ev.onState('ended');
    // Messages are handled one after another: a candidate may arrive before its offer is applied.
    let chain = Promise.resolve();
    ws.onmessage = (m) => {
      chain = chain.then(() => this.handle(JSON.parse(m.data as string))).catch((err) => this.ev.onState('error', String(err)));
    };
    this.ev.onState('connecting');
  }

  private send(m: unknown) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private async handle(m: { type: string; sdp?: string; candidate?: RTCIceCandidateInit; identity?: string; name?: string; participants?: { identity: string; name: string }[]; muted?: boolean; by?: string; message?: string }) {
    const pc = this.pc!;
    switch (m.type) {
      case 'joined':
        for (const p of m.participants ?? []) this.ev.onPeer(p.identity, p.name, true);
        break;
      case 'offer': {
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp! });
        if (!this.attached) {
          this.attached = true;
          // The server offers our receive slots first: the first audio and video transceivers.
          for (const kind of ['audio', 'video'] as const) {
            if (!this.grant?.pub?.includes(kind)) continue;
            const tr = pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
            const track = this.local.getTracks().find((t) => t.kind === kind);
            if (tr && track) {
              await tr.sender.replaceTrack(track);
              tr.direction = 'sendonly';
            }
          }
        }
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        this.send({ type: 'answer', sdp: answer.sdp });
        for (const c of this.queued.splice(0)) await pc.addIceCandidate(c);
        break;
      }
      case 'candidate':
        if (!pc.remoteDescription) this.queued.push(m.candidate!);
        else await pc.addIceCandidate(m.candidate!);
        break;
      case 'participant_joined':
        this.ev.onPeer(m.identity!, m.name ?? '', true);
        break;
      case 'participant_left':
        this.ev.onPeer(m.identity!, '', false);
        break;
      case 'muted':
        this.ev.onMuted(m.identity!, !!m.muted, m.by ?? '');
        if (m.identity === this.grant?.sub) this.local.getAudioTracks().forEach((t) => (t.enabled = !m.muted));
        break;
      case 'spotlight':
        this.ev.onSpotlight(m.identity!);
        break;
      case 'ended':
      case 'removed':
        this.ev.onState('ended');
        break;
      case 'error':
        this.ev.onState('error', m.message);
        break;
    }
  }

  /** Mutes or unmutes one's own microphone or camera (the server may refuse an unmute). */
  mute(kind: 'audio' | 'video', muted: boolean) {
    this.local.getTracks().filter((t) => t.kind === kind).forEach((t) => (t.enabled = !muted));
    this.send({ type: 'mute', kind, muted });
  }

  leave() {
    this.send({ type: 'leave' });
    this.ws?.close();
    this.pc?.close();
    this.local.getTracks().forEach((t) => t.stop());
  }
}
