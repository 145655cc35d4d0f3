// The invitation's answer, up front on the meeting page: a delegate accepts or declines where
// they land, not inside the participants tab.
import { errorText } from '../../api/client';
import { meetings, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { ask } from '../../components/Dialog';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

/** Declines with the reason asked in a form; true once the answer is recorded. */
export async function declineInvitation(meetingId: number): Promise<boolean> {
  const v = await ask({ title: t('decline.title'), confirm: t('meeting.decline'), testid: 'decline-dialog',
    fields: [{ name: 'reason', label: t('meeting.declineReason'), multiline: true, required: t('decline.required') }] });
  if (!v) return false;
  try {
    await meetings.respond(meetingId, false, v.reason!);
    return true;
  } catch (err) {
    toast(errorText(err), 'error');
    return false;
  }
}

export function InvitationBar({ snap }: { snap: Snapshot }) {
  const mine = snap.participants.find((p) => p.id === snap.me.participant_id);
  const open = snap.meeting.status === 'scheduled' || snap.meeting.status === 'in_session' || snap.meeting.status === 'paused';
  // Checking in answers the invitation too: someone present is not asked whether they come.
  const present = mine?.attendance === 'in_person' || mine?.attendance === 'online';
  if (!mine || mine.response !== 'pending' || !open || present || mine.role === 'chair' || mine.role === 'secretary') return null;
  const id = snap.meeting.id;
  const accept = () => meetings.respond(id, true, '').then(() => toast(t('meeting.responded.accepted')), (err) => toast(errorText(err), 'error'));
  return (
    <div class="alert alert-info invitation-bar" role="region" aria-label={t('part.response')} data-testid="invitation-bar">
      <span>{t('invite.ask')}</span>
      <span class="btn-row">
        <Button onClick={accept} data-testid="invite-accept">{t('meeting.accept')}</Button>
        <Button variant="secondary" onClick={() => void declineInvitation(id)} data-testid="invite-decline">{t('meeting.decline')}</Button>
      </span>
    </div>
  );
}
