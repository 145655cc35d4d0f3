import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { agendaApi, approvals as approvalsApi, type Approval, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { ApprovalPreview } from './ApprovalPreview';
import { FloorTab } from './FloorTab';
import type { MeetingState } from './useMeeting';
import { VotesTab } from './VotesTab';

/**
 * The chair's console: the item under discussion with a button to the next one, the floor queue
 * with the speaker's timer, the votes with their controls, and the drafts waiting for approval.
 */
export function ConsoleTab({ snap, st }: { snap: Snapshot; st: MeetingState }) {
  const id = snap.meeting.id;
  const [waiting, setWaiting] = useState<Approval[]>([]);
  useEffect(() => {
    approvalsApi.list(id).then((as) => setWaiting(as.filter((a) => a.status === 'pending' && a.leader_id === snap.me.user_id)), () => setWaiting([]));
  }, [id, st.versions.approvals]);
  const top = snap.agenda;
  const cur = top.findIndex((a) => a.current);
  const next = top[cur + 1] ?? (cur < 0 ? top[0] : undefined);
  const move = (itemId: number | null) => agendaApi.setCurrent(id, itemId).catch((err) => toast(errorText(err), 'error'));
  return (
    <div class="console" data-testid="console">
      <section class="console-item card-body">
        <h3>{t('proj.currentItem')}</h3>
        <p class="console-current" data-testid="console-current">{cur >= 0 ? top[cur]!.title : t('proj.noItem')}</p>
        <span class="btn-row">
          {next && <Button onClick={() => move(next.id)} data-testid="console-next">{t('agenda.setCurrent')}: {next.title}</Button>}
          {cur >= 0 && <Button variant="ghost" onClick={() => move(null)}>{t('agenda.status.done')}</Button>}
        </span>
      </section>
      {waiting.length > 0 && (
        <section class="console-approvals card-body">
          <h3>{t('appr.waiting')}</h3>
          <ul>
            {waiting.map((a) => (
              <li key={a.id} data-testid="console-approval">
                {t(`appr.kind.${a.subject_kind}`)} — {a.title}{' '}
                <Button size="sm" onClick={() => approvalsApi.decide(id, a.id, true, '').catch((err) => toast(errorText(err), 'error'))}>{t('appr.approve')}</Button>
                <ApprovalPreview meetingId={id} a={a} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="console-grid">
        <FloorTab snap={snap} list={st.floor} />
        <VotesTab snap={snap} version={st.versions.votes} turnout={st.turnout} />
      </div>
    </div>
  );
}
