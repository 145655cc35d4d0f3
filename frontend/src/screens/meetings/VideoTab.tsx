import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import type { Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { MediaRoom } from '../../lib/media';

const PAGE = 12;

function Video({ stream, muted, label, testid }: { stream: MediaStream; muted?: boolean; label: string; testid: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoplay playsInline muted={muted} aria-label={label} data-testid={testid} />;
}

/** The video conference of the meeting: preview and devices, then the spotlight and thumbnails. */
export function VideoTab({ snap }: { snap: Snapshot }) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cam, setCam] = useState('');
  const [mic, setMic] = useState('');
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [room, setRoom] = useState<MediaRoom | null>(null);
  const [state, setState] = useState('');
  const [streams, setStreams] = useState<Record<string, MediaStream>>({});
  const [names, setNames] = useState<Record<string, string>>({});
  const [muted, setMuted] = useState<Record<string, boolean>>({});
  const [spot, setSpot] = useState('');
  const [page, setPage] = useState(0);
  const [camOff, setCamOff] = useState(false);
  const me = `user-${snap.me.user_id}`;
  const chair = snap.me.role === 'chair';

  useEffect(() => {
    navigator.mediaDevices?.enumerateDevices().then(setDevices, () => setDevices([]));
  }, []);
  useEffect(() => {
    let s: MediaStream | null = null;
    if (room) return;
    navigator.mediaDevices
      ?.getUserMedia({ audio: mic ? { deviceId: mic } : true, video: cam ? { deviceId: cam } : true })
      .then((m) => {
        s = m;
        setLocal(m);
        navigator.mediaDevices.enumerateDevices().then(setDevices);
      }, (err) => toast(errorText(err), 'error'));
    return () => {
      if (!room) s?.getTracks().forEach((x) => x.stop());
    };
  }, [cam, mic]);
  useEffect(() => () => room?.leave(), [room]);

  async function join() {
    if (!local) return;
    const r = new MediaRoom(snap.meeting.id, local, {
      onStream: (id, s) => setStreams((x) => ({ ...x, [id]: s })),
      onPeer: (id, name, present) => {
        setNames((x) => ({ ...x, [id]: name || x[id] || id }));
        if (!present) setStreams(({ [id]: _, ...rest }) => rest);
      },
      onMuted: (id, m) => setMuted((x) => ({ ...x, [id]: m })),
      onSpotlight: setSpot,
      onState: (s, msg) => setState(msg ? `${s}: ${msg}` : s),
    });
    try {
      await r.join();
      // Delegates join muted: their microphone is off until the chair gives them the floor.
      if (r.grant?.start_muted) local.getAudioTracks().forEach((x) => (x.enabled = false));
      setRoom(r);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  const command = (type: string, identity = '') =>
    api.post(`/api/meetings/${snap.meeting.id}/media-commands`, { type, identity }).catch((err) => toast(errorText(err), 'error'));

  if (!room) {
    return (
      <div class="video-lobby" data-testid="video-lobby">
        {local && <Video stream={local} muted label={t('video.preview')} testid="preview" />}
        <div class="form-row">
          <select class="input" value={cam} onChange={(e) => setCam(e.currentTarget.value)} aria-label={t('video.camera')}>
            {devices.filter((d) => d.kind === 'videoinput').map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `${t('video.camera')} ${i + 1}`}</option>)}
          </select>
          <select class="input" value={mic} onChange={(e) => setMic(e.currentTarget.value)} aria-label={t('video.microphone')}>
            {devices.filter((d) => d.kind === 'audioinput').map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `${t('video.microphone')} ${i + 1}`}</option>)}
          </select>
          <Button onClick={join} disabled={!local} data-testid="video-join">{t('video.join')}</Button>
        </div>
        <p class="field-hint">{t('video.mutedHint')}</p>
      </div>
    );
  }
  const others = Object.keys(streams);
  const main = spot && streams[spot] ? spot : others[0];
  const thumbs = others.filter((id) => id !== main);
  const shown = thumbs.slice(page * PAGE, page * PAGE + PAGE);
  const tile = (id: string, big: boolean) => (
    <figure key={id} class={`tile${big ? ' tile-main' : ''}`} data-testid={big ? 'tile-main' : 'tile'}>
      <Video stream={streams[id]!} label={names[id] ?? id} testid="remote-video" />
      <figcaption>
        {names[id] ?? id} {muted[id] && <span class="badge badge-red" data-testid="tile-muted">{t('video.muted')}</span>}
        {chair && (
          <span class="btn-row">
            <Button size="sm" variant="ghost" onClick={() => command('spotlight', id)}>{t('video.spotlight')}</Button>
            <Button size="sm" variant="ghost" onClick={() => command(muted[id] ? 'unmute' : 'mute', id)} data-testid="tile-mute">
              {muted[id] ? t('video.unmute') : t('video.mute')}
            </Button>
          </span>
        )}
      </figcaption>
    </figure>
  );
  return (
    <div class="video-room" data-testid="video-room">
      <div class="video-bar">
        <span class="muted" data-testid="video-state">{state}</span>
        <span class="btn-row">
          <Button size="sm" variant={muted[me] ? 'danger' : 'secondary'} onClick={() => room.mute('audio', !muted[me])} data-testid="self-mic">
            {muted[me] ? t('video.micOff') : t('video.micOn')}
          </Button>
          <Button size="sm" variant="secondary" onClick={() => { room.mute('video', !camOff); setCamOff(!camOff); }}>{camOff ? t('video.camOff') : t('video.camOn')}</Button>
          {chair && <Button size="sm" variant="danger" onClick={() => command('mute_all')} data-testid="mute-all">{t('video.muteAll')}</Button>}
          <Button size="sm" variant="ghost" onClick={() => { room.leave(); setRoom(null); setStreams({}); }}>{t('video.leave')}</Button>
        </span>
      </div>
      {muted[me] && <p class="alert alert-info" data-testid="me-muted">{t('video.youAreMuted')}</p>}
      {main ? tile(main, true) : <p class="muted">{t('video.alone')}</p>}
      <div class="tiles">{shown.map((id) => tile(id, false))}</div>
      {thumbs.length > PAGE && (
        <div class="btn-row">
          <Button size="sm" variant="ghost" disabled={page === 0} onClick={() => setPage(page - 1)}>‹</Button>
          <span>{page + 1}/{Math.ceil(thumbs.length / PAGE)}</span>
          <Button size="sm" variant="ghost" disabled={(page + 1) * PAGE >= thumbs.length} onClick={() => setPage(page + 1)}>›</Button>
        </div>
      )}
    </div>
  );
}
