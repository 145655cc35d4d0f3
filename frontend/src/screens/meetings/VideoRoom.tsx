// The room once joined: the shared screen and the main screen large, a page of thumbnails, one's
// own picture and controls, and the chair's controls on every tile. Only the visible page is
// rendered and subscribed; other participants exist here only as roster entries.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import type { FloorRequest, Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import type { MediaRoom, RoomView } from '../../lib/media';
import { mayPublish, type Participant, type Slot } from '../../lib/mediaProtocol';
import { useStore } from '../../lib/store';
import { DevicePicker } from './VideoDevices';
import { FloorBar } from './FloorBar';
import { buildLayout, mainSlot, pageCount, pageOf, screenSlot, sharer, thumbSlots } from './videoLayout';

const LAYOUT_DEBOUNCE_MS = 250;

/** A <video> showing one stream; remote pictures are muted because sound has its own slots. */
export function Video({ stream, label, testid, mid }: { stream: MediaStream | null | undefined; label: string; testid: string; mid?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  // Every render: a <video> that the page moved (a tile changing place) is paused by the
  // browser and autoplay does not start it again.
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    if (v.srcObject !== (stream ?? null)) v.srcObject = stream ?? null;
    if (stream && v.paused) v.play().catch(() => {});
  });
  return <video ref={ref} autoplay playsInline muted aria-label={label} data-testid={testid} data-mid={mid} />;
}

/** The sound of the room: one <audio> per audio slot, whoever it carries now. */
export function Sound({ room, mids }: { room: MediaRoom; mids: string[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [blocked, setBlocked] = useState(false);
  // Every render: after a reconnection the same mids belong to a new connection's streams.
  useEffect(() => {
    for (const el of box.current?.querySelectorAll('audio') ?? []) {
      const s = room.stream(el.dataset.mid ?? '');
      if (s && el.srcObject !== s) {
        el.srcObject = s;
        el.play().catch(() => setBlocked(true)); // autoplay refused after a reload: ask for a tap
      }
    }
  });
  const unblock = () => {
    box.current?.querySelectorAll('audio').forEach((a) => void a.play().catch(() => {}));
    setBlocked(false);
  };
  return (
    <div ref={box}>
      {mids.map((mid) => <audio key={mid} data-mid={mid} autoplay />)}
      {blocked && <Button size="sm" onClick={unblock} data-testid="enable-sound">{t('video.enableSound')}</Button>}
    </div>
  );
}

interface TileProps {
  room: MediaRoom;
  slot: Slot | undefined;
  who: Participant | undefined;
  identity: string;
  big?: boolean;
  testid: string;
  speaking: boolean;
  chair: boolean;
  command: (type: string, identity: string) => void;
}

function Tile({ room, slot, who, identity, big, testid, speaking, chair, command }: TileProps) {
  const name = who?.name || identity;
  const muted = !!who?.audio_muted;
  const noPicture = !slot || who?.video_muted || who?.audio_only;
  return (
    <figure class={`tile${big ? ' tile-main' : ''}${speaking ? ' tile-speaking' : ''}`} data-testid={testid} data-identity={identity} data-speaking={speaking || undefined}>
      <div class="tile-media">
        <Video stream={slot ? room.stream(slot.mid) : null} label={name} testid="remote-video" mid={slot?.mid} />
        {noPicture && <span class="tile-placeholder">{t('video.camOffTile')}</span>}
        {speaking && <span class="tile-speaking-mark" data-testid="tile-speaking">{t('video.speaking')}</span>}
      </div>
      <figcaption>
        <span class="tile-name">{name}</span>
        {muted && <span class="badge badge-red" data-testid="tile-muted">{t('video.muted')}</span>}
        {chair && identity && (
          <span class="btn-row">
            <Button size="sm" variant="ghost" onClick={() => command('spotlight', identity)} data-testid="tile-spotlight">{t('video.spotlight')}</Button>
            <Button size="sm" variant="ghost" onClick={() => command(muted ? 'unmute' : 'mute', identity)} data-testid="tile-mute">
              {muted ? t('video.unmute') : t('video.mute')}
            </Button>
          </span>
        )}
      </figcaption>
    </figure>
  );
}

export function VideoRoom({ room, local, snap, floor, onLeave }: { room: MediaRoom; local: MediaStream; snap: Snapshot; floor: FloorRequest[] | null; onLeave: () => void }) {
  const v: RoomView = useStore(room.view);
  const [page, setPage] = useState(0);
  const [devicesOpen, setDevicesOpen] = useState(false);
  const [selfKey, setSelfKey] = useState(0); // bumps when another device replaces a track
  const chair = snap.me.role === 'chair';

  const pages = pageCount(v.roster.length);
  const shownPage = Math.min(page, pages - 1);
  const thumbs = pageOf(v.roster, shownPage);
  const sharing = sharer(v.roster);
  const layout = buildLayout(thumbs.map((p) => p.identity), !!sharing && !v.sharing);
  const layoutKey = JSON.stringify(layout);

  // A new layout when the page or the roster changes, gathered over a moment of arrivals.
  useEffect(() => {
    const timer = setTimeout(() => room.setLayout(layout.video, layout.audio), LAYOUT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [layoutKey]);

  useEffect(() => {
    if (v.notice) toast(v.notice.code === 'forbidden' && /muted/.test(v.notice.message) ? t('video.unmuteRefused') : t('video.refused', { message: v.notice.message }), 'error');
  }, [v.notice]);
  useEffect(() => {
    if (v.liveMs !== null) toast(t('video.back', { s: (v.liveMs / 1000).toFixed(1) }));
  }, [v.reconnects]);
  // Diagnostics for the control room and the browser tests: what each slot receives.
  useEffect(() => {
    const w = window as unknown as { phonghopMedia?: unknown };
    w.phonghopMedia = { stats: () => room.stats(), view: () => room.view.get() };
    return () => delete w.phonghopMedia;
  }, [room]);

  const command = (type: string, identity = '') =>
    api.post(`/api/meetings/${snap.meeting.id}/media-commands`, { type, identity }).catch((err) => toast(errorText(err), 'error'));
  const byId = (id: string) => v.roster.find((p) => p.identity === id);

  const main = mainSlot(v.slots, v.videoMids);
  const screen = screenSlot(v.slots, main?.mid);
  const thumbSlot = thumbSlots(v.slots, [main?.mid, screen?.mid]);
  const audioMids = v.slots.filter((s) => s.kind === 'audio').map((s) => s.mid);
  const mainId = main?.identity || '';
  const terminal = v.state === 'ended' || v.state === 'removed' || v.state === 'replaced' || v.state === 'error';
  // Joining muted by the meeting's rule (by=room) is not the chair muting this person.
  const roomMuted = v.audioMuted && v.mutedBy === 'room';
  const chairMuted = v.audioMuted && v.mutedBy !== 'self' && !roomMuted;
  const mayUnmute = (!chairMuted && !roomMuted) || !!room.grant?.self_unmute;
  const canShare = mayPublish(room.grant, 'screen');
  const ownScreen = room.screenTrack();
  const ownScreenStream = useMemo(() => (ownScreen ? new MediaStream([ownScreen]) : null), [ownScreen]);

  async function toggleShare() {
    try {
      if (v.sharing) await room.stopScreen();
      else await room.shareScreen();
    } catch {
      toast(t('video.shareFailed'), 'error');
    }
  }

  return (
    <div class="video-room" data-testid="video-room" data-state={v.state} data-first-frame-ms={v.firstFrameMs ?? undefined}
      data-live-ms={v.liveMs ?? undefined} data-media-ms={v.mediaMs ?? undefined} data-reconnects={v.reconnects}>
      <div class="video-bar">
        <span class={`muted video-state video-state-${v.state}`} role="status" data-testid="video-state">{t(`video.state.${v.state}`)}</span>
        {!terminal && (
          <span class="btn-row">
            <Button size="sm" variant={v.audioMuted ? 'danger' : 'secondary'} disabled={v.audioMuted && !mayUnmute}
              onClick={() => room.setMicMuted(!v.audioMuted)} data-testid="self-mic" aria-pressed={!v.audioMuted}>
              {v.audioMuted ? t('video.micOff') : t('video.micOn')}
            </Button>
            <Button size="sm" variant={v.camOff ? 'danger' : 'secondary'} onClick={() => room.setCamOff(!v.camOff)} data-testid="self-cam" aria-pressed={!v.camOff}>
              {v.camOff ? t('video.camOff') : t('video.camOn')}
            </Button>
            {canShare && (
              <Button size="sm" variant={v.sharing ? 'danger' : 'secondary'} onClick={toggleShare} data-testid="share-screen">
                {v.sharing ? t('video.stopShare') : t('video.share')}
              </Button>
            )}
            <Button size="sm" variant="ghost" onClick={() => setDevicesOpen(!devicesOpen)} aria-expanded={devicesOpen}>{t('video.devices')}</Button>
            {chair && <Button size="sm" variant="danger" onClick={() => command('mute_all')} data-testid="mute-all">{t('video.muteAll')}</Button>}
            <Button size="sm" variant="ghost" onClick={onLeave} data-testid="video-leave">{t('video.leave')}</Button>
          </span>
        )}
        {terminal && <Button size="sm" onClick={onLeave} data-testid="video-rejoin">{t('video.rejoin')}</Button>}
      </div>
      {v.state === 'reconnecting' && <p class="alert alert-warning video-reconnecting" role="alert" data-testid="video-reconnecting">{t('video.state.reconnecting')}</p>}
      {v.audioMuted && !terminal && (
        <p class="alert alert-info" data-testid="me-muted" data-by={v.mutedBy}>{chairMuted ? t('video.youAreMuted') : roomMuted ? t('video.roomMuted') : t('video.youMutedSelf')}</p>
      )}
      {!terminal && <FloorBar snap={snap} list={floor} />}
      {v.audioOnly && <p class="alert alert-info" data-testid="audio-only">{t('video.audioOnly')}</p>}
      {devicesOpen && <DevicePicker local={local} onTrack={(tr) => void room.replaceTrack(tr).then(() => setSelfKey(selfKey + 1))} />}

      <div class={`video-stage${screen || ownScreen ? ' with-screen' : ''}`}>
        {screen && (
          <figure class="tile tile-screen" data-testid="tile-screen" data-identity={screen.identity}>
            <div class="tile-media"><Video stream={room.stream(screen.mid)} label={t('video.screenOf', { name: byId(screen.identity)?.name ?? screen.identity })} testid="screen-video" mid={screen.mid} /></div>
            <figcaption>{t('video.screenOf', { name: byId(screen.identity)?.name ?? screen.identity })}</figcaption>
          </figure>
        )}
        {!screen && ownScreen && (
          <figure class="tile tile-screen" data-testid="own-screen">
            <div class="tile-media"><Video stream={ownScreenStream} label={t('video.yourScreen')} testid="own-screen-video" /></div>
            <figcaption>{t('video.yourScreen')}</figcaption>
          </figure>
        )}
        {mainId ? (
          <Tile room={room} slot={main} who={byId(mainId)} identity={mainId} big testid="tile-main" speaking={v.speaking.has(mainId)} chair={chair} command={command} />
        ) : (
          <p class="muted video-alone" data-testid="video-alone">{v.roster.length ? t('video.state.connecting') : t('video.alone')}</p>
        )}
      </div>

      <div class="tiles">
        <figure class={`tile tile-self${!v.audioMuted && v.speaking.has(v.me) ? ' tile-speaking' : ''}`} data-testid="tile-self">
          <div class="tile-media"><Video key={selfKey} stream={local} label={t('video.you')} testid="self-video" /></div>
          <figcaption><span class="tile-name">{t('video.you')}</span>{v.audioMuted && <span class="badge badge-red">{t('video.muted')}</span>}</figcaption>
        </figure>
        {thumbs.map((p) => (
          <Tile key={p.identity} room={room} slot={thumbSlot.get(p.identity)} who={p} identity={p.identity} testid="tile" speaking={v.speaking.has(p.identity)} chair={chair} command={command} />
        ))}
      </div>
      {pages > 1 && (
        <div class="btn-row video-pager">
          <Button size="sm" variant="ghost" disabled={shownPage === 0} onClick={() => setPage(shownPage - 1)} aria-label={t('video.prev')} data-testid="page-prev">‹</Button>
          <span data-testid="page-label">{t('video.page', { page: shownPage + 1, pages })}</span>
          <Button size="sm" variant="ghost" disabled={shownPage + 1 >= pages} onClick={() => setPage(shownPage + 1)} aria-label={t('video.next')} data-testid="page-next">›</Button>
        </div>
      )}
      <p class="muted">{t('video.count', { n: v.roster.length })}</p>
      <Sound room={room} mids={audioMids} />
    </div>
  );
}
