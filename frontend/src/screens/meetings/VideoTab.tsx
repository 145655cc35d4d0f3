// The video conference of the meeting: the lobby (preview and devices), then the room. A page
// reloaded in the middle of a meeting goes straight back in, with the same session and the
// point's own microphone and camera state.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import type { Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { MediaRoom, remembered, type Remembered } from '../../lib/media';
import { DevicePicker, openMedia } from './VideoDevices';
import { Video, VideoRoom } from './VideoRoom';
import '../../styles/video.css';

export function VideoTab({ snap }: { snap: Snapshot }) {
  const id = snap.meeting.id;
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [room, setRoom] = useState<MediaRoom | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState(0); // bumps when the preview's tracks change
  const live = useRef<{ room: MediaRoom | null; local: MediaStream | null }>({ room: null, local: null });
  live.current = { room, local };

  async function join(stream: MediaStream, memo: Remembered | null) {
    const r = new MediaRoom(id, stream, {
      micMuted: memo?.micMuted, camOff: memo?.camOff, session: memo?.session,
      // After a reload the clock runs from the page's start: the time a person waits for pictures.
      since: memo ? 0 : performance.now(),
    });
    setBusy(true);
    try {
      await r.join();
      setRoom(r);
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }

  async function open(memo: Remembered | null) {
    const s = await openMedia();
    setLocal(s);
    if (memo) await join(s, memo);
  }

  useEffect(() => {
    void open(remembered(id));
    const hide = () => live.current.room?.touch();
    addEventListener('pagehide', hide);
    return () => {
      removeEventListener('pagehide', hide);
      live.current.room?.leave();
      live.current.local?.getTracks().forEach((x) => x.stop());
    };
  }, [id]);

  function leave() {
    room?.leave();
    setRoom(null);
    setLocal(null);
    void open(null);
  }

  function replacePreview(track: MediaStreamTrack) {
    if (!local) return;
    for (const old of local.getTracks().filter((x) => x.kind === track.kind)) {
      local.removeTrack(old);
      old.stop();
    }
    local.addTrack(track);
    setPreview(preview + 1);
  }

  if (room && local) {
    return <VideoRoom room={room} local={local} snap={snap} onLeave={leave} />;
  }
  return (
    <div class="video-lobby" data-testid="video-lobby">
      {local && <Video key={preview} stream={local} label={t('video.preview')} testid="preview" />}
      {local && <DevicePicker local={local} onTrack={replacePreview} />}
      <div class="btn-row">
        <Button onClick={() => local && join(local, null)} disabled={!local} busy={busy} data-testid="video-join">{t('video.join')}</Button>
      </div>
      <p class="field-hint">{t('video.mutedHint')}</p>
    </div>
  );
}
