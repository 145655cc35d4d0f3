import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { documents } from '../../api/documents';
import type { Snapshot } from '../../api/meetings';
import { recordings, type Recording } from '../../api/recordings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { formatDate, t } from '../../i18n';

/** The meeting's recordings, reloaded whenever a recording.changed event moves `version`. */
export function useRecordings(meetingId: number, version: number) {
  const [list, setList] = useState<Recording[]>([]);
  const reload = () => {
    recordings.list(meetingId).then(setList, () => setList([]));
  };
  useEffect(reload, [meetingId, version]);
  return { list, running: list.find((r) => r.status === 'recording'), reload };
}

const canRecord = (snap: Snapshot) =>
  (snap.me.role === 'chair' || snap.me.role === 'secretary') && (snap.meeting.status === 'in_session' || snap.meeting.status === 'paused');

/** "Đang ghi hình" for everyone while a recording runs. */
export function RecordingBadge({ running }: { running?: Recording }) {
  if (!running) return null;
  return (
    <span class="badge badge-red recording-badge" role="status" data-testid="recording-badge">
      {t('recording.live')}
    </span>
  );
}

/** Start and stop, for the chair and the secretary during the session (the server checks too). */
export function RecordingButtons({ snap, running, onChange }: { snap: Snapshot; running?: Recording; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  if (!canRecord(snap)) return null;
  async function act() {
    setBusy(true);
    try {
      if (running) {
        await recordings.stop(snap.meeting.id);
        toast(t('recording.stopped'));
      } else {
        await recordings.start(snap.meeting.id);
        toast(t('recording.started'));
      }
      onChange();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  return running ? (
    <Button size="sm" variant="danger" busy={busy} onClick={act} data-testid="record-stop">{t('recording.stop')}</Button>
  ) : (
    <Button size="sm" variant="secondary" busy={busy} onClick={act} data-testid="record-start">{t('recording.start')}</Button>
  );
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' });
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return (hms[0] ? `${hms[0]}:` : '') + hms.slice(1).map((n) => String(n).padStart(2, '0')).join(':');
}

/** The recordings tab: every recording with its date, length and size, and a player for those the member may watch. */
export function RecordingsTab({ snap, version }: { snap: Snapshot; version: number }) {
  const { list, running, reload } = useRecordings(snap.meeting.id, version);
  const [playing, setPlaying] = useState<number | null>(null);
  return (
    <div class="recordings" data-testid="recordings">
      <div class="recordings-head">
        <p class="field-hint">{t('recording.hint')}</p>
        <span class="btn-row">
          <RecordingBadge running={running} />
          <RecordingButtons snap={snap} running={running} onChange={reload} />
        </span>
      </div>
      {list.length === 0 && <EmptyState title={t('recording.empty')} />}
      <ul class="recording-list">
        {list.map((r) => {
          const when = t('recording.when', { date: formatDate(r.started_at), start: clock(r.started_at) });
          return (
            <li key={r.id} class={`recording recording-${r.status}`} data-testid="recording-row">
              <div class="recording-main">
                <strong>{when}</strong>
                <span class="muted">
                  <span data-testid="recording-status">{t(`recording.status.${r.status}`)}</span>
                  {r.status === 'done' && ` · ${t('recording.duration', { duration: duration(r.duration_ms) })} · ${t('recording.size', { mb: (r.bytes / 1048576).toFixed(1) })}`}
                  {` · ${t('recording.by', { name: r.started_by_name })}`}
                </span>
                {r.status === 'failed' && r.error && <span class="muted">{r.error}</span>}
                {r.status === 'done' && !r.readable && <span class="muted">{t('recording.notReadable')}</span>}
              </div>
              {r.status === 'done' && r.readable && r.document_id !== undefined && (
                <span class="btn-row">
                  <Button size="sm" variant={playing === r.id ? 'ghost' : 'primary'} onClick={() => setPlaying(playing === r.id ? null : r.id)} data-testid="recording-play">
                    {playing === r.id ? t('recording.hide') : t('recording.play')}
                  </Button>
                  <a class="btn btn-ghost btn-sm" href={`${documents.fileUrl(snap.meeting.id, r.document_id)}?download=1`}>{t('recording.download')}</a>
                </span>
              )}
              {playing === r.id && r.document_id !== undefined && <Player src={documents.fileUrl(snap.meeting.id, r.document_id)} label={t('recording.player', { when })} />}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** An HTML5 player streaming the recording through the document file route (which answers Range, so seeking fetches only what it needs). */
function Player({ src, label }: { src: string; label: string }) {
  const [error, setError] = useState('');
  return (
    <div class="recording-player">
      <video
        controls
        preload="metadata"
        src={src}
        aria-label={label}
        data-testid="recording-video"
        onError={(e) => setError(t('recording.playError', { reason: e.currentTarget.error?.message || String(e.currentTarget.error?.code ?? '') }))}
      />
      {error && <p class="alert alert-error" role="alert">{error}</p>}
    </div>
  );
}
