import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { meetingPoints, users } from '../../api/endpoints';
import { meetings, type Attendance, type MeetingRole, type Snapshot } from '../../api/meetings';
import type { MeetingPoint, User } from '../../api/types';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { Deliveries } from './Deliveries';
import { ask } from '../../components/Dialog';
import { declineInvitation } from './InvitationBar';

const ATT: Attendance[] = ['in_person', 'online', 'absent', 'unknown'];
const ROLES: MeetingRole[] = ['delegate', 'guest', 'operator', 'chair', 'secretary'];

/** Invitations, answers and the roll call, with the live count the chair watches. */
export function ParticipantsTab({ snap }: { snap: Snapshot }) {
  const me = snap.me;
  const canEdit = me.organizer && me.role !== 'guest';
  const id = snap.meeting.id;
  const c = snap.attendance;
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  const setAtt = async (pid: number, status: Attendance) => {
    let reason = '';
    if (status === 'absent') {
      const v = await ask({ title: t('absent.title'), confirm: t('att.absent'), testid: 'absent-dialog',
        fields: [{ name: 'reason', label: t('att.reason'), multiline: true, required: t('absent.required') }] });
      if (!v) return;
      reason = v.reason!;
    }
    void run(() => meetings.attendance(id, status, reason, pid));
  };
  const mine = snap.participants.find((p) => p.id === me.participant_id);

  return (
    <div class="participants">
      <p class="attendance-count" data-testid="attendance-count" aria-live="polite">
        {t('att.count', { ...c })}
      </p>
      {mine && (
        <div class="self-checkin card-body">
          <strong>{t('part.attendance')}:</strong> <span data-testid="my-attendance">{t(`att.${mine.attendance}`)}</span>
          {snap.meeting.status !== 'draft' && snap.meeting.status !== 'ended' && (
            <span class="btn-row">
              <Button size="sm" onClick={() => run(() => meetings.attendance(id, 'in_person'))} data-testid="checkin-in-person">{t('att.in_person')}</Button>
              <Button size="sm" variant="secondary" onClick={() => run(() => meetings.attendance(id, 'online'))} data-testid="checkin-online">{t('att.online')}</Button>
              <Button size="sm" variant="ghost" onClick={() => setAtt(0, 'absent')}>{t('att.absent')}</Button>
            </span>
          )}
          {mine.response === 'pending' && (
            <span class="btn-row">
              <Button size="sm" variant="secondary" onClick={() => run(() => meetings.respond(id, true, ''))}>{t('meeting.accept')}</Button>
              <Button size="sm" variant="ghost" onClick={() => void declineInvitation(id)} data-testid="decline">{t('meeting.decline')}</Button>
            </span>
          )}
        </div>
      )}
      {snap.participants.length === 0 ? (
        <EmptyState title={t('part.empty')} />
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="participants">
            <thead>
              <tr>
                <th scope="col">{t('part.person')}</th>
                <th scope="col">{t('part.role')}</th>
                <th scope="col">{t('part.response')}</th>
                <th scope="col">{t('part.attendance')}</th>
                {canEdit && <th scope="col" class="col-actions" />}
              </tr>
            </thead>
            <tbody>
              {snap.participants.map((p) => (
                <tr key={p.id}>
                  <td>
                    <div class="cell-stack">
                      <span>{p.name}{p.meeting_point_id ? <span class="badge"> {t('part.point')}</span> : null}</span>
                      <span class="muted">{[p.title, p.organization].filter(Boolean).join(' · ')}</span>
                    </div>
                  </td>
                  <td>{t(`role.${p.role}`)}{p.can_vote ? ' ✓' : ''}</td>
                  <td>{t(`response.${p.response}`)}{p.response_reason ? `: ${p.response_reason}` : ''}</td>
                  <td>
                    {canEdit ? (
                      <select class="input input-sm" value={p.attendance} aria-label={`${t('part.attendance')}: ${p.name}`}
                        onChange={(e) => setAtt(p.id, e.currentTarget.value as Attendance)}>
                        {ATT.map((a) => <option key={a} value={a}>{t(`att.${a}`)}</option>)}
                      </select>
                    ) : (
                      t(`att.${p.attendance}`)
                    )}
                    {p.attendance === 'absent' && p.attendance_reason && <div class="muted">{p.attendance_reason}</div>}
                  </td>
                  {canEdit && (
                    <td class="col-actions">
                      {p.attendance === 'unknown' && p.role !== 'chair' && p.role !== 'secretary' && (
                        <Button size="sm" variant="ghost" onClick={() => run(() => meetings.removeParticipant(id, p.id))}>{t('part.remove')}</Button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && <InviteForm meetingId={id} />}
      {me.organizer && <Deliveries meetingId={id} changed={snap.participants.length} />}
    </div>
  );
}

function InviteForm({ meetingId }: { meetingId: number }) {
  const [people, setPeople] = useState<User[]>([]);
  const [points, setPoints] = useState<MeetingPoint[]>([]);
  const [who, setWho] = useState('');
  const [role, setRole] = useState<MeetingRole>('delegate');
  const [vote, setVote] = useState(true);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    users.list().then(setPeople, () => setPeople([]));
    meetingPoints.list().then(setPoints, () => setPoints([]));
  }, []);
  async function invite(e: Event) {
    e.preventDefault();
    if (!who) return;
    const [kind, idStr] = who.split(':');
    const idNum = Number(idStr);
    setBusy(true);
    try {
      await meetings.invite(meetingId, [kind === 'p'
        ? { meeting_point_id: idNum, role, can_vote: false }
        : { user_id: idNum, role, can_vote: vote && (role === 'delegate' || role === 'chair') }]);
      setWho('');
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="invite-form form-row" onSubmit={invite} data-testid="invite-form">
      <select class="input" value={who} onChange={(e) => setWho(e.currentTarget.value)} aria-label={t('part.person')} name="invitee">
        <option value="">{t('form.none')}</option>
        <optgroup label={t('part.person')}>
          {people.map((u) => <option key={u.id} value={`u:${u.id}`}>{u.full_name}{u.title ? ` — ${u.title}` : ''}</option>)}
        </optgroup>
        <optgroup label={t('part.point')}>
          {points.map((p) => <option key={p.id} value={`p:${p.id}`}>{p.name}</option>)}
        </optgroup>
      </select>
      <select class="input input-sm" value={role} onChange={(e) => setRole(e.currentTarget.value as MeetingRole)} aria-label={t('part.role')} name="role">
        {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
      </select>
      <label class="check">
        <input type="checkbox" checked={vote} onChange={(e) => setVote(e.currentTarget.checked)} name="can_vote" /> {t('part.canVote')}
      </label>
      <Button type="submit" busy={busy}>{t('part.invite')}</Button>
    </form>
  );
}
