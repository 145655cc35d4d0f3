// The call while the person reads documents, votes or follows the agenda: the sound keeps
// playing, the microphone and the raised hand stay at hand, and one tap goes back to the video.
// It also owns the call's end: leaving the meeting page leaves the call.
import { useEffect } from 'preact/hooks';
import type { FloorRequest, Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { t } from '../../i18n';
import { call, callOf, endCall } from '../../lib/call';
import type { MediaRoom, RoomView } from '../../lib/media';
import { useStore } from '../../lib/store';
import { FloorBar } from './FloorBar';
import { Sound } from './VideoRoom';

export function CallDock({ snap, floor, onVideoTab }: { snap: Snapshot; floor: FloorRequest[] | null; onVideoTab: boolean }) {
  const id = snap.meeting.id;
  const c = useStore(call);
  const room = c && c.meetingId === id ? c.room : null;
  useEffect(() => {
    const hide = () => callOf(id)?.room?.touch();
    addEventListener('pagehide', hide);
    return () => {
      removeEventListener('pagehide', hide);
      endCall(id);
    };
  }, [id]);
  if (!room || onVideoTab) return null;
  return <Dock room={room} snap={snap} floor={floor} />;
}

function Dock({ room, snap, floor }: { room: MediaRoom; snap: Snapshot; floor: FloorRequest[] | null }) {
  const v: RoomView = useStore(room.view);
  const audioMids = v.slots.filter((s) => s.kind === 'audio').map((s) => s.mid);
  const locked = v.audioMuted && v.mutedBy !== 'self' && !room.grant?.self_unmute;
  return (
    <aside class="call-dock" data-testid="call-dock" data-state={v.state} aria-label={t('call.on')}>
      <span class="call-dock-state"><span class={`live-dot live-${v.state === 'live' ? 'live' : 'reconnecting'}`} /> {t('call.on')}</span>
      <Button size="sm" variant={v.audioMuted ? 'danger' : 'secondary'} disabled={locked} onClick={() => room.setMicMuted(!v.audioMuted)}
        aria-pressed={!v.audioMuted} data-testid="dock-mic">
        {v.audioMuted ? t('video.micOff') : t('video.micOn')}
      </Button>
      <FloorBar snap={snap} list={floor} compact />
      <a class="btn btn-primary btn-sm" href={`/meetings/${snap.meeting.id}?tab=video`} data-testid="dock-video">{t('call.back')}</a>
      <Sound room={room} mids={audioMids} />
    </aside>
  );
}
