// The publish connection (sfu/PROTOCOL.md): this page makes every offer. It carries the
// microphone, the camera as three simulcast layers (l, m, h) and, while sharing, the screen. The
// server says which camera layers somebody watches (`layers`); the others are paused with
// sender.setParameters so a commune point's uplink carries only what is used.
import { CAMERA_LAYERS, type IceServer, type Source } from './mediaProtocol';

type Send = (m: object) => void;

export interface OutboundStats {
  source: Source;
  rid: string;
  active: boolean;
  packetsSent: number;
  framesEncoded: number;
  frameWidth: number;
  limitation: string;
}

/** Puts VP8 first (the server forwards VP8 only, and simulcast is reliable with it). */
function preferVP8(tr: RTCRtpTransceiver) {
  const caps = RTCRtpSender.getCapabilities?.('video');
  if (!caps || !tr.setCodecPreferences) return;
  const vp8 = caps.codecs.filter((c) => /vp8/i.test(c.mimeType));
  const rest = caps.codecs.filter((c) => /rtx|red|ulpfec/i.test(c.mimeType));
  try {
    tr.setCodecPreferences([...vp8, ...rest]);
  } catch {
    // an older browser: the server's answer picks VP8 anyway
  }
}

export class Publisher {
  readonly pc: RTCPeerConnection;
  private tr: Partial<Record<Source, RTCRtpTransceiver>> = {};
  private queued: RTCIceCandidateInit[] = [];
  private busy = false;
  private again = false;
  private restart = false;
  /** Camera layers somebody receives (all until the server says otherwise). */
  private layers = new Set(CAMERA_LAYERS.map((e) => e.rid!));
  private audioOnly = false;
  private camOff = false;
  private params = Promise.resolve();

  constructor(ice: IceServer[], private send: Send, onState: (s: RTCPeerConnectionState) => void) {
    const pc = new RTCPeerConnection({ iceServers: ice, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.onicecandidate = (e) => e.candidate && this.send({ type: 'candidate', pc: 'publish', candidate: e.candidate.toJSON() });
    pc.onconnectionstatechange = () => onState(pc.connectionState);
  }

  /** Adds the microphone and camera (either may be missing) and sends the first offer. */
  async start(mic: MediaStreamTrack | null, cam: MediaStreamTrack | null, camOff: boolean) {
    this.camOff = camOff;
    if (mic) this.tr.mic = this.pc.addTransceiver(mic, { direction: 'sendonly' });
    if (cam) {
      const tr = this.pc.addTransceiver(cam, { direction: 'sendonly', sendEncodings: CAMERA_LAYERS.map((e) => ({ ...e })) });
      preferVP8(tr);
      this.tr.camera = tr;
    }
    if (!mic && !cam) return;
    await this.negotiate();
  }

  /** Sends an offer now, or after the answer to the one in flight. */
  async negotiate(iceRestart = false) {
    if (iceRestart) this.restart = true;
    if (this.busy) {
      this.again = true;
      return;
    }
    if (this.pc.signalingState === 'closed') return;
    this.busy = true;
    try {
      const offer = await this.pc.createOffer(this.restart ? { iceRestart: true } : undefined);
      this.restart = false;
      await this.pc.setLocalDescription(offer);
      const sources: { mid: string; source: Source }[] = [];
      for (const [source, tr] of Object.entries(this.tr) as [Source, RTCRtpTransceiver][]) {
        if (tr.mid && (tr.direction === 'sendonly' || tr.direction === 'sendrecv')) sources.push({ mid: tr.mid, source });
      }
      this.send({ type: 'publish_offer', sdp: this.pc.localDescription!.sdp, sources });
    } catch (err) {
      this.busy = false;
      throw err;
    }
  }

  async onAnswer(sdp: string) {
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    for (const c of this.queued.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
    this.busy = false;
    await this.applyCamera();
    if (this.again) {
      this.again = false;
      await this.negotiate();
    }
  }

  /** The server refused the last offer: go back to the last agreed description. */
  async refused() {
    if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
    this.busy = false;
    this.again = false;
  }

  async onCandidate(c: RTCIceCandidateInit) {
    if (!this.pc.remoteDescription) this.queued.push(c);
    else await this.pc.addIceCandidate(c).catch(() => {});
  }

  /** The camera layers somebody receives; the others stop being encoded until asked again. */
  setLayers(active: string[]) {
    this.layers = new Set(active);
    return this.applyCamera();
  }

  /** Stops (or resumes) sending video: the link cannot carry it, or the operator decided. */
  setAudioOnly(on: boolean) {
    this.audioOnly = on;
    return this.applyCamera();
  }

  setCameraOff(off: boolean) {
    this.camOff = off;
    return this.applyCamera();
  }

  /** Which camera layers are being encoded now (for the page's diagnostics and tests). */
  activeLayers(): string[] {
    const p = this.tr.camera?.sender.getParameters();
    return (p?.encodings ?? []).filter((e) => e.active !== false).map((e) => e.rid ?? '');
  }

  /** What each sent stream (per source and simulcast layer) has put on the wire. */
  async stats(): Promise<OutboundStats[]> {
    const out: OutboundStats[] = [];
    for (const [source, tr] of Object.entries(this.tr) as [Source, RTCRtpTransceiver][]) {
      const report = await tr.sender.getStats().catch(() => null);
      report?.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'outbound-rtp') return;
        out.push({
          source, rid: String(s.rid ?? ''), active: s.active !== false, packetsSent: Number(s.packetsSent ?? 0), framesEncoded: Number(s.framesEncoded ?? 0),
          frameWidth: Number(s.frameWidth ?? 0), limitation: String(s.qualityLimitationReason ?? ''),
        });
      });
    }
    return out;
  }

  private applyCamera() {
    // setParameters calls must not overlap: each needs the parameters the last one left.
    this.params = this.params.then(async () => {
      const s = this.tr.camera?.sender;
      if (!s || this.pc.signalingState === 'closed') return;
      const p = s.getParameters();
      if (!p.encodings?.length) return;
      let changed = false;
      for (const e of p.encodings) {
        const want = !this.camOff && !this.audioOnly && (!e.rid || this.layers.has(e.rid));
        if ((e.active !== false) !== want) {
          e.active = want;
          changed = true;
        }
      }
      if (changed) await s.setParameters(p);
    }).catch(() => {});
    return this.params;
  }

  /** Replaces the microphone or camera (another device) without renegotiating. */
  async replace(source: 'mic' | 'camera', track: MediaStreamTrack) {
    await this.tr[source]?.sender.replaceTrack(track);
  }

  /** Starts sending the screen on its own m-line (source `screen`) and renegotiates. */
  async shareScreen(track: MediaStreamTrack) {
    track.contentHint = 'detail';
    let tr = this.tr.screen;
    if (tr && tr.currentDirection !== 'stopped') {
      await tr.sender.replaceTrack(track);
      tr.direction = 'sendonly';
    } else {
      tr = this.pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate: 2_000_000 }] });
      preferVP8(tr);
      this.tr.screen = tr;
    }
    await this.negotiate();
  }

  /** Stops sending the screen: its m-line becomes inactive (the server ends the source). */
  async stopScreen() {
    const tr = this.tr.screen;
    if (!tr || tr.direction === 'inactive') return;
    await tr.sender.replaceTrack(null);
    tr.direction = 'inactive';
    await this.negotiate();
  }

  close() {
    this.pc.onconnectionstatechange = null;
    this.pc.onicecandidate = null;
    this.pc.close();
  }
}
