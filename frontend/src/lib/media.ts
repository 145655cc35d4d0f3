// The media room client, protocol version 2 (sfu/PROTOCOL.md): signaling over the /rtc
// WebSocket, a publish connection this page offers (mic, camera simulcast, screen) and a
// subscribe connection the server offers (the slots of the layout the page asks for).
//
// It keeps the room's state (roster, spotlight, speakers, own mute) in one store the video tab
// renders, and keeps the point in the meeting: a dropped peer connection first gets an ICE
// restart while the socket lives; a dropped socket, a failed restart or a server restart leads
// to a full rejoin with a fresh token and the last session id, with exponential backoff.
import { api, ApiError } from '../api/client';
import { createStore, type Store } from './store';
import { Publisher, type OutboundStats } from './mediaPublish';
import { PROTOCOL_VERSION, mayPublish, type Grant, type IceServer, type Participant, type PcName, type ServerMessage, type Slot, type Want } from './mediaProtocol';
import { Subscriber, type InboundStats } from './mediaSubscribe';

export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'removed' | 'replaced' | 'error';

/** Everything the video tab renders, replaced as a whole on every change. */
export interface RoomView {
  state: LinkState;
  me: string;
  /** Everyone else present, in order of arrival (roster entries only: cheap for 250 points). */
  roster: Participant[];
  spotlight: string;
  speaking: ReadonlySet<string>;
  /** What each slot of the subscribe connection carries, and the video mids in m-line order. */
  slots: Slot[];
  videoMids: string[];
  audioMuted: boolean;
  mutedBy: string;
  camOff: boolean;
  audioOnly: boolean;
  sharing: boolean;
  /** A refusal or notice from the server, newest last. */
  notice: { code: string; message: string; at: number } | null;
  /** ms from the join (or the page's start, after a reload) to the first decoded frame. */
  firstFrameMs: number | null;
  /**
   * After the last loss of media: ms until both connections were up again (liveMs) and until
   * the first decoded frame (mediaMs); how many times media came back.
   */
  liveMs: number | null;
  mediaMs: number | null;
  reconnects: number;
}

/** What the page remembers across a reload, so the point comes back as it was. */
export interface Remembered {
  session: string;
  at: number;
  micMuted: boolean;
  camOff: boolean;
  /** The meeting point joined as, if any. */
  point?: number | null;
}

const memoryKey = (meetingId: number) => `phonghop.media.${meetingId}`;
const REMEMBER_MS = 10 * 60_000;

export function remembered(meetingId: number): Remembered | null {
  try {
    const r = JSON.parse(sessionStorage.getItem(memoryKey(meetingId)) ?? 'null') as Remembered | null;
    return r && Date.now() - r.at < REMEMBER_MS ? r : null;
  } catch {
    return null;
  }
}

function remember(meetingId: number, r: Remembered | null) {
  try {
    if (r) sessionStorage.setItem(memoryKey(meetingId), JSON.stringify(r));
    else sessionStorage.removeItem(memoryKey(meetingId));
  } catch {
    // storage unavailable: a reload then starts from the lobby
  }
}

// How long a peer connection may stay "disconnected" before an ICE restart, and how long the
// restart may take before a full rejoin; the backoff of rejoins.
const DISCONNECTED_MS = 3000;
const RESTART_MS = 8000;
const JOIN_TIMEOUT_MS = 10_000;
const BACKOFF_MS = [0, 500, 1000, 2000, 4000];

class Refused extends Error {}

export interface Options {
  /** Starts with the own microphone or camera off (the point's choice before a reload). */
  micMuted?: boolean;
  camOff?: boolean;
  /** The session of an earlier connection (after a reload). */
  session?: string;
  /** The moment the measurement of time to first frame starts (performance.now()). */
  since?: number;
  /** Take part as this invited meeting point (its identity in the room), not as oneself. */
  point?: number | null;
}

export class MediaRoom {
  readonly view: Store<RoomView>;
  grant: Grant | null = null;
  /** The meeting point this connection is, or null for the person. */
  readonly point: number | null;
  private ws: WebSocket | null = null;
  private pub: Publisher | null = null;
  private sub: Subscriber | null = null;
  private ice: IceServer[] = [];
  private session = '';
  private roster = new Map<string, Participant>();
  private layout: { video: Want[]; audio: number } | null = null;
  private sentLayout = '';
  private micMutedSelf: boolean;
  /** Own audio mutes sent and not yet answered by a `muted` (by self). */
  private selfAudioPending = 0;
  private screen: MediaStreamTrack | null = null;
  private closed = false;
  /** Between `joined` and the loss of the socket. */
  private inRoom = false;
  private unauthorized = 0;
  private attempt = 0;
  private retryTimer = 0;
  /** Per connection: "disconnected" for a while leads to an ICE restart; a restart that does
   * not bring the connection back by its deadline leads to a full rejoin. */
  private discTimers: Partial<Record<PcName, number>> = {};
  private restartDeadline: Partial<Record<PcName, number>> = {};
  private lostAt: number | null = null;
  private joinStart: number;
  private framePoll = 0;
  private joinedWait: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private dirty = false;
  private v: RoomView;
  /** Logs every signaling message to the console (localStorage phonghop.mediaDebug = 1). */
  private debug = (() => {
    try {
      return localStorage.getItem('phonghop.mediaDebug') === '1';
    } catch {
      return false;
    }
  })();

  constructor(private meetingId: number, private local: MediaStream, opts: Options = {}) {
    this.micMutedSelf = !!opts.micMuted;
    this.point = opts.point ?? null;
    this.session = opts.session ?? '';
    this.joinStart = opts.since ?? performance.now();
    this.v = {
      state: 'connecting', me: '', roster: [], spotlight: '', speaking: new Set(), slots: [], videoMids: [],
      audioMuted: this.micMutedSelf, mutedBy: this.micMutedSelf ? 'self' : '', camOff: !!opts.camOff, audioOnly: false, sharing: false,
      notice: null, firstFrameMs: null, liveMs: null, mediaMs: null, reconnects: 0,
    };
    this.view = createStore(this.v);
    this.applyLocalTracks();
  }

  /** Joins the room; rejects only when the first token cannot be had (shown in the lobby). */
  async join() {
    try {
      await this.connect();
    } catch (err) {
      if (err instanceof ApiError || err instanceof Refused) {
        this.shutdown('error');
        throw err;
      }
      this.lost(); // the socket or the media server: keep trying
    }
  }

  /** The stream of one subscribe slot (stable for as long as the connection lasts). */
  stream(mid: string): MediaStream | undefined {
    return this.sub?.stream(mid);
  }

  /** Asks for a layout: the main screen, the visible thumbnails, the screen and N audio slots. */
  setLayout(video: Want[], audio: number) {
    this.layout = { video, audio };
    this.sendLayout();
  }

  private sendLayout(force = false) {
    if (!this.layout || !this.inRoom || this.grant?.subscribe === false) return;
    const json = JSON.stringify(this.layout);
    if (json === this.sentLayout && !force) return;
    if (this.send({ type: 'subscribe', ...this.layout })) this.sentLayout = json;
  }

  /** Mutes or unmutes one's own microphone; unmuting waits for the server's consent. */
  setMicMuted(muted: boolean) {
    this.micMutedSelf = muted;
    if (muted) this.patch({ audioMuted: true, mutedBy: this.v.mutedBy || 'self' });
    this.applyLocalTracks();
    if (this.send({ type: 'mute', kind: 'audio', muted })) this.selfAudioPending++;
    this.persist();
  }

  setCamOff(off: boolean) {
    this.patch({ camOff: off });
    this.applyLocalTracks();
    void this.pub?.setCameraOff(off);
    this.send({ type: 'mute', kind: 'video', muted: off });
    this.persist();
  }

  /** Shares the screen as a second video track of the publish connection. */
  async shareScreen() {
    if (!this.pub || this.screen) return;
    const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    const track = s.getVideoTracks()[0]!;
    this.screen = track;
    track.onended = () => void this.stopScreen();
    this.patch({ sharing: true });
    await this.pub.shareScreen(track);
  }

  async stopScreen() {
    const track = this.screen;
    if (!track) return;
    this.screen = null;
    track.onended = null;
    track.stop();
    this.patch({ sharing: false });
    await this.pub?.stopScreen();
  }

  /** The screen being shared by this page, for its own preview. */
  screenTrack(): MediaStreamTrack | null {
    return this.screen;
  }

  /** Uses another microphone or camera from now on. */
  async replaceTrack(track: MediaStreamTrack) {
    const old = this.local.getTracks().find((t) => t.kind === track.kind);
    if (old) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    this.applyLocalTracks();
    await this.pub?.replace(track.kind === 'audio' ? 'mic' : 'camera', track);
  }

  /** Inbound statistics per slot, and the camera layers being sent (diagnostics and tests). */
  async stats(): Promise<{ inbound: InboundStats[]; outbound: OutboundStats[]; layers: string[]; publish: string; subscribe: string }> {
    return {
      inbound: (await this.sub?.stats()) ?? [],
      outbound: (await this.pub?.stats()) ?? [],
      layers: this.pub?.activeLayers() ?? [],
      publish: this.pub?.pc.connectionState ?? '',
      subscribe: this.sub?.pc?.connectionState ?? '',
    };
  }

  leave() {
    this.send({ type: 'leave' });
    this.shutdown('ended');
    remember(this.meetingId, null);
  }

  // ---- connection ----

  private send(m: object): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  private async connect() {
    const { token, grant, url } = await api.post<{ token: string; grant: Grant; url?: string }>(`/api/meetings/${this.meetingId}/media-token`,
      this.point ? { meeting_point_id: this.point } : undefined);
    if (this.closed) return;
    this.grant = grant;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const path = url && url.startsWith('/') ? url : '/rtc';
    const ws = new WebSocket(url && /^wss?:/.test(url) ? url : `${proto}//${location.host}${path}`);
    this.ws = ws;
    let joined = false;
    const wait = new Promise<void>((resolve, reject) => {
      this.joinedWait = {
        resolve: () => {
          joined = true;
          resolve();
        },
        reject,
      };
    });
    const timer = window.setTimeout(() => this.joinedWait?.reject(new Error('join timed out')), JOIN_TIMEOUT_MS);
    ws.onopen = () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'join', token, ...(this.session ? { session: this.session } : {}) }));
    // Messages are handled one after another: a candidate may come before its description.
    let chain = Promise.resolve();
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      chain = chain.then(() => this.handle(JSON.parse(e.data as string) as ServerMessage)).catch((err) => console.warn('media:', err));
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      if (!joined) this.joinedWait?.reject(new Error('connection closed before joining'));
      else this.lost();
    };
    try {
      await wait;
    } catch (err) {
      if (this.ws === ws) this.teardown();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Media was lost: tear down and rejoin fully after the backoff. */
  private lost() {
    if (this.closed) return;
    this.lostAt ??= performance.now();
    this.patch({ state: 'reconnecting' });
    this.teardown();
    clearTimeout(this.retryTimer);
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.retryTimer = window.setTimeout(() => {
      this.connect().catch((err) => {
        if (this.closed) return;
        // Not a member any more, or signed out: there is nothing to come back to.
        if (err instanceof ApiError && [401, 403, 404].includes(err.status)) this.fail(err.text());
        else if (err instanceof Refused) this.fail(err.message);
        else this.lost();
      });
    }, delay);
  }

  /** Restarts ICE on one connection while the socket lives; a full rejoin if that fails too. */
  private restartIce(which: PcName) {
    if (this.closed || this.ws?.readyState !== WebSocket.OPEN) return;
    this.lostAt ??= performance.now();
    this.patch({ state: 'reconnecting' });
    if (which === 'publish') void this.pub?.negotiate(true);
    else this.send({ type: 'restart_ice', pc: 'subscribe' });
    this.restartDeadline[which] ??= window.setTimeout(() => this.lost(), RESTART_MS);
  }

  private pcState(which: PcName, st: RTCPeerConnectionState) {
    if (st !== 'disconnected') {
      clearTimeout(this.discTimers[which]);
      delete this.discTimers[which];
    }
    if (st === 'connected') {
      clearTimeout(this.restartDeadline[which]);
      delete this.restartDeadline[which];
      if (this.connectedAll() && this.v.state !== 'live') {
        this.attempt = 0;
        const back = this.lostAt !== null ? { reconnects: this.v.reconnects + 1, liveMs: Math.round(performance.now() - this.lostAt!) } : {};
        this.patch({ state: 'live', ...back });
        this.watchFirstFrame();
      }
    } else if (st === 'failed') {
      this.restartIce(which);
    } else if (st === 'disconnected') {
      this.discTimers[which] ??= window.setTimeout(() => {
        delete this.discTimers[which];
        this.restartIce(which);
      }, DISCONNECTED_MS);
    }
  }

  private connectedAll(): boolean {
    const ok = (pc: RTCPeerConnection | null | undefined) => !pc || pc.connectionState === 'connected';
    return ok(this.pub?.pc) && ok(this.sub?.pc) && !!(this.pub || this.sub?.pc);
  }

  /** Times the way back to media: the first decoded frame on the new subscribe connection. */
  private watchFirstFrame() {
    clearInterval(this.framePoll);
    if (this.v.firstFrameMs !== null && this.lostAt === null) return;
    const deadline = performance.now() + 30_000;
    this.framePoll = window.setInterval(async () => {
      const rows = (await this.sub?.stats()) ?? [];
      const now = performance.now();
      if (rows.some((r) => r.kind === 'video' && r.framesDecoded > 0)) {
        clearInterval(this.framePoll);
        if (this.v.firstFrameMs === null) this.patch({ firstFrameMs: Math.round(now - this.joinStart) });
        if (this.lostAt !== null) this.patch({ mediaMs: Math.round(now - this.lostAt) });
        this.lostAt = null;
      } else if (now > deadline) {
        clearInterval(this.framePoll); // nobody sends video: nothing to time
        this.lostAt = null;
      }
    }, 100);
  }

  private teardown() {
    const ws = this.ws;
    this.ws = null;
    this.inRoom = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      ws.close();
    }
    this.pub?.close();
    this.sub?.close();
    this.pub = this.sub = null;
    for (const timers of [this.discTimers, this.restartDeadline]) {
      for (const k of Object.keys(timers) as PcName[]) clearTimeout(timers[k]);
    }
    this.discTimers = {};
    this.restartDeadline = {};
    clearInterval(this.framePoll);
    this.sentLayout = '';
    if (this.screen) {
      // The screen goes with the connection; sharing again is the person's choice.
      this.screen.onended = null;
      this.screen.stop();
      this.screen = null;
    }
    this.patch({ slots: [], videoMids: [], sharing: false });
  }

  private shutdown(state: LinkState) {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.teardown();
    this.patch({ state });
    // Out of the room: the camera and microphone are let go until the person joins again.
    this.local.getTracks().forEach((t) => t.stop());
  }

  private fail(message: string) {
    this.shutdown('error');
    this.patch({ notice: { code: 'error', message, at: Date.now() } });
  }

  // ---- messages ----

  private async handle(m: ServerMessage) {
    if (this.debug) console.debug('media ←', m.type, m.type === 'offer' || m.type === 'publish_answer' ? '' : JSON.stringify(m));
    switch (m.type) {
      case 'joined':
        return this.joined(m);
      case 'publish_answer':
        return this.pub?.onAnswer(m.sdp!);
      case 'offer':
        return this.sub?.onOffer(m.sdp!);
      case 'candidate':
        return m.pc === 'publish' ? this.pub?.onCandidate(m.candidate!) : this.sub?.onCandidate(m.candidate!);
      case 'tracks':
        return this.sub?.onTracks(m.tracks ?? []);
      case 'roster':
        for (const id of m.remove ?? []) this.roster.delete(id);
        for (const p of m.upsert ?? []) if (p.identity !== this.v.me) this.roster.set(p.identity, p);
        return this.patch({ roster: [...this.roster.values()] });
      case 'speaking':
        return this.patch({ speaking: new Set(m.identities ?? []) });
      case 'spotlight':
        return this.patch({ spotlight: m.identity ?? '' });
      case 'muted':
        return this.muted(m);
      case 'layers':
        if ((m.source ?? 'camera') === 'camera') await this.pub?.setLayers(m.active ?? []);
        return;
      case 'audio_only':
        this.patch({ audioOnly: !!m.on });
        return this.pub?.setAudioOnly(!!m.on);
      case 'rejoin':
        // The operator asks for a fresh connection: same session, fresh token.
        this.attempt = 0;
        return this.lost();
      case 'removed':
      case 'ended':
        remember(this.meetingId, null);
        return this.shutdown(m.type === 'removed' ? 'removed' : 'ended');
      case 'error':
        return this.refusal(m);
    }
  }

  private async joined(m: ServerMessage) {
    this.session = m.session ?? '';
    this.ice = m.ice_servers ?? this.ice;
    this.inRoom = true;
    this.unauthorized = 0;
    this.roster = new Map((m.participants ?? []).filter((p) => p.identity !== m.identity).map((p) => [p.identity, p]));
    // Own audio state: what this point chose; the server says at once if the chair muted it.
    this.patch({
      me: m.identity ?? '', spotlight: m.spotlight ?? '', roster: [...this.roster.values()], speaking: new Set(),
      audioMuted: this.micMutedSelf, mutedBy: this.micMutedSelf ? 'self' : '',
    });
    this.applyLocalTracks();
    this.persist();
    const send = (x: object) => this.send(x);
    const sub = new Subscriber(this.ice, send, (st) => this.pcState('subscribe', st), () => this.patch({ slots: sub.slots, videoMids: sub.videoMids }));
    this.sub = sub;
    this.selfAudioPending = 0;
    if (this.micMutedSelf && this.send({ type: 'mute', kind: 'audio', muted: true })) this.selfAudioPending++;
    if (this.v.camOff) this.send({ type: 'mute', kind: 'video', muted: true });
    this.sendLayout(true);
    this.joinedWait?.resolve();
    const mic = mayPublish(this.grant, 'mic') ? this.local.getAudioTracks()[0] ?? null : null;
    const cam = mayPublish(this.grant, 'camera') ? this.local.getVideoTracks()[0] ?? null : null;
    if (mic || cam) {
      this.pub = new Publisher(this.ice, send, (st) => this.pcState('publish', st));
      await this.pub.start(mic, cam, this.v.camOff);
    }
  }

  private muted(m: ServerMessage) {
    if (m.kind === 'video') {
      this.patch({ camOff: !!m.muted });
      this.applyLocalTracks();
      return;
    }
    const muted = !!m.muted;
    if (m.by === 'self') {
      // The server also reports the audio state after one's own camera mute, with by=self: an
      // answer to no audio mute of ours changes nothing, or a chair's mute would pass as ours.
      if (this.selfAudioPending === 0 && muted === this.v.audioMuted) return;
      this.selfAudioPending = Math.max(0, this.selfAudioPending - 1);
      this.micMutedSelf = muted;
    }
    else if (!muted) this.micMutedSelf = false;
    this.patch({ audioMuted: muted, mutedBy: muted ? m.by ?? '' : '' });
    this.applyLocalTracks();
    this.persist();
  }

  private async refusal(m: ServerMessage) {
    const message = m.message ?? '';
    if (m.code === 'unavailable' && /another connection/.test(message)) {
      // The same person joined from another tablet or tab: this one steps aside.
      remember(this.meetingId, null);
      this.shutdown('replaced');
      return;
    }
    if (/publish/.test(message)) await this.pub?.refused();
    if (m.code === 'forbidden' && /muted/.test(message)) {
      // Unmuting was refused: the chair muted this point and it waits for the floor.
      this.micMutedSelf = false;
      this.patch({ audioMuted: true, mutedBy: 'chair' });
      this.applyLocalTracks();
    }
    // A fresh token refused again and again will not be accepted later either.
    if (m.code === 'unauthorized' && ++this.unauthorized >= 3) this.joinedWait?.reject(new Refused(message));
    this.patch({ notice: { code: m.code ?? 'error', message, at: Date.now() } });
  }

  // ---- state ----

  /** The microphone sends only when the point is not muted; the camera only when it is on. */
  private applyLocalTracks() {
    for (const t of this.local.getAudioTracks()) t.enabled = !this.v.audioMuted;
    for (const t of this.local.getVideoTracks()) t.enabled = !this.v.camOff;
  }

  private persist() {
    if (!this.session || this.closed) return;
    remember(this.meetingId, { session: this.session, at: Date.now(), micMuted: this.micMutedSelf, camOff: this.v.camOff, point: this.point });
  }

  /** Keeps the remembered state fresh (called when the page is hidden or reloaded). */
  touch() {
    this.persist();
  }

  /** Changes the view; listeners hear once per turn of the event loop, however many changes. */
  private patch(p: Partial<RoomView>) {
    this.v = { ...this.v, ...p };
    if (this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => {
      this.dirty = false;
      this.view.set(this.v);
    });
  }
}
