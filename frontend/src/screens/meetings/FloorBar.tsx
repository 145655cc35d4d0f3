// Asking for the floor without leaving the video: the raise-hand button, one's place in the
// queue, the speaker with the timer and, for the chair, the queue with grant and end.
import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { floor as floorApi, type FloorRequest, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { callOf } from '../../lib/call';
import { SpeechTimer } from './FloorTab';

export function FloorBar({ snap, list, compact }: { snap: Snapshot; list: FloorRequest[] | null; compact?: boolean }) {
  const id = snap.meeting.id;
  const [busy, setBusy] = useState('');
  if (!list) return null;
  const me = snap.me;
  const chair = me.role === 'chair';
  const live = snap.meeting.status === 'in_session' || snap.meeting.status === 'paused';
  const speaking = list.find((f) => f.status === 'speaking');
  const waiting = list.filter((f) => f.status === 'waiting');
  const mine = waiting.findIndex((f) => f.user_id === me.user_id);
  const current = snap.agenda.find((a) => a.current);
  const run = async (key: string, fn: () => Promise<unknown>) => {
    setBusy(key);
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy('');
    }
  };
  const mySpeech = speaking?.user_id === me.user_id;
  return (
    <section class={`floor-bar${compact ? ' floor-bar-compact' : ''}`} data-testid="floor-bar" aria-label={t('tab.floor')}>
      <div class="floor-bar-row">
        {speaking ? (
          <span class="floor-bar-speaker" data-testid="floor-bar-speaker">
            <span class="badge badge-red">{t('floor.speaking')}</span> <strong>{mySpeech ? t('floor.you') : speaking.user_name}</strong> <SpeechTimer f={speaking} />
          </span>
        ) : (
          <span class="muted">{t('floor.nobody')}</span>
        )}
        <span class="btn-row">
          {chair && speaking && (
            <Button variant="danger" busy={busy === 'end'} onClick={() => run('end', () => floorApi.act(id, speaking.id, 'end'))} data-testid="floor-bar-end">{t('floor.end')}</Button>
          )}
          {me.role !== 'guest' && !chair && live && !mySpeech && mine < 0 && (
            <Button busy={busy === 'raise'} onClick={() => run('raise', () => floorApi.request(id, '', current?.id ?? null, callOf(id)?.room?.point ?? null))} data-testid="raise-hand">
              {t('floor.raise')}
            </Button>
          )}
          {mine >= 0 && (
            <>
              <span class="badge badge-navy" role="status" data-testid="my-place">{t('floor.place', { n: mine + 1 })}</span>
              <Button variant="secondary" busy={busy === 'lower'} onClick={() => run('lower', () => floorApi.act(id, waiting[mine]!.id, 'withdraw'))} data-testid="lower-hand">{t('floor.lower')}</Button>
            </>
          )}
        </span>
      </div>
      {chair && waiting.length > 0 && (
        <ol class="floor-bar-queue" data-testid="floor-bar-queue">
          {waiting.map((f) => (
            <li key={f.id} data-testid="floor-bar-waiting">
              <span>{f.user_name}{f.topic && <span class="muted"> — {f.topic}</span>}</span>
              <span class="btn-row">
                <Button size="sm" busy={busy === `g${f.id}`} onClick={() => run(`g${f.id}`, () => floorApi.act(id, f.id, 'grant'))} data-testid="floor-bar-grant">{t('floor.grant')}</Button>
                <Button size="sm" variant="ghost" onClick={() => run(`s${f.id}`, () => floorApi.act(id, f.id, 'skip'))}>{t('floor.skip')}</Button>
              </span>
            </li>
          ))}
        </ol>
      )}
      {!chair && waiting.length > 0 && !compact && <p class="muted floor-bar-count">{t('floor.waitingCount', { n: waiting.length })}</p>}
    </section>
  );
}
