// The subscribe connection (sfu/PROTOCOL.md): the server makes every offer, one sending
// transceiver per slot of the layout this page asked for; this side answers. A slot's source may
// change without renegotiation, so received media is mapped by transceiver mid (the `tracks`
// message says what each mid carries now), never by stream id.
import type { IceServer, Slot } from './mediaProtocol';

type Send = (m: object) => void;

/** What one receiver has taken in, for diagnostics, the reconnect clock and the tests. */
export interface InboundStats {
  mid: string;
  kind: string;
  identity: string;
  source: string;
  quality: string;
  packetsReceived: number;
  bytesReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
}

export class Subscriber {
  pc: RTCPeerConnection | null = null;
  private queued: RTCIceCandidateInit[] = [];
  private streams = new Map<string, MediaStream>();
  /** What each mid carries now, from the last `tracks`. */
  slots: Slot[] = [];
  /** Video mids in m-line order: the first is the main screen's slot (see mainSlot). */
  videoMids: string[] = [];

  constructor(private ice: IceServer[], private send: Send, private onState: (s: RTCPeerConnectionState) => void, private onChange: () => void) {}

  private ensure(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection({ iceServers: this.ice, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => e.candidate && this.send({ type: 'candidate', pc: 'subscribe', candidate: e.candidate.toJSON() });
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    this.pc = pc;
    return pc;
  }

  /** Answers an offer of the server (new slots, or an ICE restart). */
  async onOffer(sdp: string) {
    const pc = this.ensure();
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.send({ type: 'answer', sdp: pc.localDescription!.sdp });
    for (const c of this.queued.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    const video: string[] = [];
    for (const tr of pc.getTransceivers()) {
      if (!tr.mid) continue;
      if (!this.streams.has(tr.mid)) this.streams.set(tr.mid, new MediaStream([tr.receiver.track]));
      if (tr.receiver.track.kind === 'video') video.push(tr.mid);
    }
    this.videoMids = video;
    this.onChange();
  }

  async onCandidate(c: RTCIceCandidateInit) {
    if (!this.pc?.remoteDescription) this.queued.push(c);
    else await this.pc.addIceCandidate(c).catch(() => {});
  }

  onTracks(slots: Slot[]) {
    this.slots = slots;
    this.onChange();
  }

  /** The stream of one slot: the same object for as long as the connection lives. */
  stream(mid: string): MediaStream | undefined {
    return this.streams.get(mid);
  }

  async stats(): Promise<InboundStats[]> {
    const pc = this.pc;
    if (!pc) return [];
    const bySlot = new Map(this.slots.map((s) => [s.mid, s]));
    const out: InboundStats[] = [];
    for (const tr of pc.getTransceivers()) {
      if (!tr.mid) continue;
      const slot = bySlot.get(tr.mid);
      const row: InboundStats = {
        mid: tr.mid, kind: tr.receiver.track.kind, identity: slot?.identity ?? '', source: slot?.source ?? '', quality: slot?.quality ?? '',
        packetsReceived: 0, bytesReceived: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0,
      };
      const report = await tr.receiver.getStats().catch(() => null);
      report?.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        row.packetsReceived += Number(s.packetsReceived ?? 0);
        row.bytesReceived += Number(s.bytesReceived ?? 0);
        row.framesDecoded += Number(s.framesDecoded ?? 0);
        row.frameWidth = Math.max(row.frameWidth, Number(s.frameWidth ?? 0));
        row.frameHeight = Math.max(row.frameHeight, Number(s.frameHeight ?? 0));
      });
      out.push(row);
    }
    return out;
  }

  close() {
    if (!this.pc) return;
    this.pc.onconnectionstatechange = null;
    this.pc.onicecandidate = null;
    this.pc.close();
  }
}
