import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { registerApi } from '../../api/register';
import { approvals as approvalsApi, type Approval, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { ask } from '../../components/Dialog';
import { signingApi, type SigningConfig } from '../../api/signing';
import { SignPanel } from './SignPanel';

/**
 * Approvals: the secretary sends the minutes or the conclusion notice to a named leader; that
 * leader approves (freezing the exact version by its hash) or returns it with a comment.
 */
export function ApprovalsTab({ snap, version }: { snap: Snapshot; version: number }) {
  const id = snap.meeting.id;
  const [list, setList] = useState<Approval[]>([]);
  const [kind, setKind] = useState<'minutes' | 'conclusion'>('minutes');
  const [leader, setLeader] = useState('');
  const [note, setNote] = useState('');
  const [signing, setSigning] = useState<SigningConfig | null>(null);
  const [signingId, setSigningId] = useState(0);
  const load = () => approvalsApi.list(id).then(setList, () => setList([]));
  useEffect(() => {
    void load();
  }, [id, version]);
  useEffect(() => {
    signingApi.config().then(setSigning, () => setSigning(null));
  }, []);
  const mine = snap.participants.find((p) => p.user_id === snap.me.user_id);
  const signerText = mine ? (mine.title ? `${mine.name}, ${mine.title}` : mine.name) : '';
  const leaderSigns = !!signing && (signing.remote || signing.token);
  const sends = snap.me.role === 'secretary' || snap.me.role === 'chair' || snap.me.organizer;
  const leaders = snap.participants.filter((p) => p.user_id && (p.role === 'chair' || p.role === 'delegate'));
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      void load();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  return (
    <div class="approvals" data-testid="approvals">
      {list.length === 0 && <EmptyState title={t('appr.empty')} />}
      <ul class="approval-list">
        {list.map((a) => (
          <li key={a.id} class={`approval approval-${a.status}`} data-testid="approval">
            <div>
              <strong>{t(`appr.kind.${a.subject_kind}`)}</strong> — {a.title} ({t('rec.version', { version: a.subject_version })})
              <div class="muted">{a.leader_name} · <span data-testid="approval-status">{t(`appr.status.${a.status}`)}</span> · SHA-256 {a.subject_sha256.slice(0, 12)}…</div>
              {a.note && <div>{t('appr.note')}: {a.note}</div>}
              {a.comment && <div>{t('appr.comment')}: {a.comment}</div>}
            </div>
            {a.status === 'approved' && leaderSigns && a.leader_id === snap.me.user_id && (
              signingId === a.id
                ? <SignPanel meetingId={id} approval={a} config={signing!} signer={signerText} onDone={() => { setSigningId(0); void load(); }} onCancel={() => setSigningId(0)} />
                : <Button onClick={() => setSigningId(a.id)} data-testid="sign-approval">{t('sign.button')}</Button>
            )}
            {a.status === 'approved' && sends && !(signing?.leader_required && leaderSigns && a.subject_kind !== 'document') && (
              <Button variant="secondary" onClick={async () => {
                const v = await ask({ title: t('file.title'), message: t('file.message'), confirm: t('reg.file'), testid: 'file-dialog', fields: [
                  { name: 'signer', label: t('reg.signerPrompt'), required: t('file.signerRequired') },
                  { name: 'recipients', label: t('reg.recipientsPrompt'), value: '- Như trên;\n- Lưu: VT.', multiline: true, hint: t('file.recipientsHint') },
                ] });
                if (!v) return;
                void run(async () => {
                  const e = await registerApi.fileApproval(id, a.id, { signer: v.signer!, recipients: v.recipients ?? '' });
                  toast(t('reg.filed', { symbol: e.symbol }));
                });
              }} data-testid="file-approval">{t('reg.file')}</Button>
            )}
            {a.status === 'pending' && a.leader_id === snap.me.user_id && (
              <span class="btn-row">
                <Button onClick={() => run(() => approvalsApi.decide(id, a.id, true, ''))} data-testid="approve">{t('appr.approve')}</Button>
                <Button variant="secondary" onClick={async () => {
                  const v = await ask({ title: t('return.title'), confirm: t('appr.return'), testid: 'return-dialog',
                    fields: [{ name: 'comment', label: t('appr.comment'), multiline: true, required: t('return.required') }] });
                  if (v) void run(() => approvalsApi.decide(id, a.id, false, v.comment!));
                }} data-testid="return-approval">{t('appr.return')}</Button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {sends && (
        <form class="form-row" onSubmit={(e) => {
          e.preventDefault();
          if (leader) void run(() => approvalsApi.request(id, kind, Number(leader), note));
        }} data-testid="approval-form">
          <select class="input" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'minutes' | 'conclusion')} aria-label={t('appr.kind.minutes')}>
            <option value="minutes">{t('appr.kind.minutes')}</option>
            <option value="conclusion">{t('appr.kind.conclusion')}</option>
          </select>
          <select class="input" value={leader} onChange={(e) => setLeader(e.currentTarget.value)} aria-label={t('appr.leader')} name="leader">
            <option value="">{t('appr.leader')}</option>
            {leaders.map((p) => <option key={p.id} value={String(p.user_id)}>{p.name}{p.title ? ` — ${p.title}` : ''}</option>)}
          </select>
          <input class="input" value={note} placeholder={t('appr.note')} aria-label={t('appr.note')} onInput={(e) => setNote(e.currentTarget.value)} />
          <Button type="submit">{t('appr.send')}</Button>
        </form>
      )}
    </div>
  );
}
