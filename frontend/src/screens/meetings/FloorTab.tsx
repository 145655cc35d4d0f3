import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { floor as floorApi, type FloorRequest, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { mmss } from './useMeeting';

/** Seconds left of a speech (negative when over time), ticking every second. */
export function useSpeechClock(f: FloorRequest | undefined): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!f?.started_at) return;
    const h = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(h);
  }, [f?.id, f?.started_at]);
  if (!f?.started_at) return null;
  return f.limit_seconds - (now - new Date(f.started_at).getTime()) / 1000;
}

export function SpeechTimer({ f }: { f: FloorRequest }) {
  const left = useSpeechClock(f);
  if (left === null) return null;
  return (
    <span class={`speech-timer${left < 0 ? ' over' : left < 30 ? ' ending' : ''}`} data-testid="speech-timer">
      {left >= 0 ? t('floor.remaining', { time: mmss(left) }) : t('floor.over', { time: mmss(-left) })}
    </span>
  );
}

/** The floor: delegates ask to speak; the chair gives, ends, skips and reorders; a timer for all. */
export function FloorTab({ snap, list }: { snap: Snapshot; list: FloorRequest[] | null }) {
  const id = snap.meeting.id;
  const [topic, setTopic] = useState('');
  const chair = snap.me.role === 'chair';
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  if (list === null) return null;
  const speaking = list.find((f) => f.status === 'speaking');
  const waiting = list.filter((f) => f.status === 'waiting');
  const done = list.filter((f) => f.status === 'done');
  const current = snap.agenda.find((a) => a.current);
  const mineWaiting = waiting.find((f) => f.user_id === snap.me.user_id);
  return (
    <div class="floor" data-testid="floor">
      {speaking && (
        <div class="speaker card-body" data-testid="speaker">
          <span class="badge badge-red">{t('floor.speaking')}</span> <strong>{speaking.user_name}</strong>
          {speaking.topic && <span class="muted"> — {speaking.topic}</span>} <SpeechTimer f={speaking} />
          {chair && <Button size="sm" variant="danger" onClick={() => run(() => floorApi.act(id, speaking.id, 'end'))} data-testid="floor-end">{t('floor.end')}</Button>}
        </div>
      )}
      <h3>{t('floor.queue')}</h3>
      {waiting.length === 0 ? (
        <EmptyState title={t('floor.empty')} />
      ) : (
        <ol class="floor-queue">
          {waiting.map((f, i) => (
            <li key={f.id} data-testid="floor-waiting">
              <strong>{f.user_name}</strong>{f.topic && <span class="muted"> — {f.topic}</span>}
              <span class="btn-row">
                {chair && <Button size="sm" onClick={() => run(() => floorApi.act(id, f.id, 'grant'))} data-testid="floor-grant">{t('floor.grant')}</Button>}
                {chair && i > 0 && <Button size="sm" variant="ghost" onClick={() => run(() => floorApi.act(id, f.id, 'move', i))} aria-label={t('agenda.up')}>↑</Button>}
                {chair && <Button size="sm" variant="ghost" onClick={() => run(() => floorApi.act(id, f.id, 'skip'))}>{t('floor.skip')}</Button>}
                {f.user_id === snap.me.user_id && <Button size="sm" variant="ghost" onClick={() => run(() => floorApi.act(id, f.id, 'withdraw'))}>{t('floor.withdraw')}</Button>}
              </span>
            </li>
          ))}
        </ol>
      )}
      {snap.me.role !== 'guest' && !mineWaiting && (snap.meeting.status === 'in_session' || snap.meeting.status === 'paused') && (
        <form class="form-row" onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await floorApi.request(id, topic, current?.id ?? null);
            setTopic('');
            toast(t('floor.requested'));
          });
        }}>
          <input class="input" name="topic" value={topic} placeholder={t('floor.topic')} aria-label={t('floor.topic')} onInput={(e) => setTopic(e.currentTarget.value)} />
          <Button type="submit" data-testid="floor-request">{t('floor.request')}</Button>
        </form>
      )}
      {done.length > 0 && (
        <>
          <h3>{t('floor.history')}</h3>
          <ul class="floor-history">
            {done.map((f) => <li key={f.id}>{f.user_name}{f.topic ? ` — ${f.topic}` : ''}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}
