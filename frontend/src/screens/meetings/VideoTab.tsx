// The video conference of the meeting: the lobby (preview and devices), then the room. A page
// reloaded in the middle of a meeting goes straight back in, with the same session and the
// point's own microphone and camera state. The call itself lives in lib/call.ts: leaving this
// tab keeps it going.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { floor as floorApi, type FloorRequest, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { call, callOf, endCall, setCall } from '../../lib/call';
import { MediaRoom, remembered, type Remembered } from '../../lib/media';
import { useStore } from '../../lib/store';
import { DevicePicker, openMedia } from './VideoDevices';
import { Video, VideoRoom } from './VideoRoom';
import '../../styles/video.css';

export function VideoTab({ snap, floor }: { snap: Snapshot; floor: FloorRequest[] | null }) {
  const id = snap.meeting.id;
  const c = useStore(call);
  const mine = c && c.meetingId === id ? c : null;
  const local = mine?.local ?? null;
  const room = mine?.room ?? null;
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState(0); // bumps when the preview's tracks change
  // At a meeting point's PC the person takes part as the point ('' = as oneself).
  const [seats, setSeats] = useState<{ id: number; name: string }[]>([]);
  const [seat, setSeat] = useState('');
  useEffect(() => {
    floorApi.pointSeats(id).then(setSeats, () => setSeats([]));
  }, [id]);
  const mounted = useRef(true);

  async function join(stream: MediaStream, memo: Remembered | null) {
    const r = new MediaRoom(id, stream, {
      micMuted: memo?.micMuted, camOff: memo?.camOff, session: memo?.session,
      point: memo ? memo.point ?? null : seat ? Number(seat) : null,
      // After a reload the clock runs from the page's start: the time a person waits for pictures.
      since: memo ? 0 : performance.now(),
    });
    setBusy(true);
    try {
      await r.join();
      setCall(id, { room: r, local: stream });
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }

  async function open(memo: Remembered | null) {
    const s = await openMedia();
    if (!mounted.current) {
      // The tab was left while the camera was opening: no preview to keep.
      s?.getTracks().forEach((x) => x.stop());
      return;
    }
    setCall(id, { local: s });
    if (memo && s) await join(s, memo);
  }

  useEffect(() => {
    mounted.current = true;
    // Coming back to the tab during a call shows the same call; otherwise the lobby (or, after a
    // reload, straight back in).
    if (!callOf(id)?.local) void open(remembered(id));
    return () => {
      mounted.current = false;
      // Leaving the tab keeps a joined call (the call bar carries it); a lobby preview is let go.
      if (!callOf(id)?.room) endCall(id);
    };
  }, [id]);

  function leave() {
    endCall(id);
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
    return <VideoRoom room={room} local={local} snap={snap} floor={floor} onLeave={leave} />;
  }
  return (
    <div class="video-lobby" data-testid="video-lobby">
      {local && <Video key={preview} stream={local} label={t('video.preview')} testid="preview" />}
      {local && <DevicePicker local={local} onTrack={replacePreview} />}
      {seats.length > 0 && (
        <div class="field">
          <label class="field-label" for="join-as">{t('video.joinAs')}</label>
          <select id="join-as" class="input" value={seat} onChange={(e) => setSeat(e.currentTarget.value)} data-testid="join-as">
            <option value="">{t('video.joinAsSelf')}</option>
            {seats.map((p) => <option key={p.id} value={String(p.id)}>{t('video.joinAsPoint', { name: p.name })}</option>)}
          </select>
        </div>
      )}
      <div class="btn-row">
        <Button onClick={() => local && join(local, null)} disabled={!local} busy={busy} data-testid="video-join">{t('video.join')}</Button>
      </div>
      <p class="field-hint">{t('video.mutedHint')}</p>
    </div>
  );
}
