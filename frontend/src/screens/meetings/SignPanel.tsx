import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import type { Approval } from '../../api/meetings';
import { signingApi, type SigningConfig } from '../../api/signing';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

/**
 * The leader signs what they just approved, right in the session: on a tablet with the remote
 * signing service (an OTP sent to their phone), on a PC with their USB token and its PIN. The
 * server files the document only once both the leader's and the agency's signatures are in it.
 */
export function SignPanel({ meetingId, approval, config, signer, onDone, onCancel }: {
  meetingId: number; approval: Approval; config: SigningConfig; signer: string; onDone: () => void; onCancel: () => void;
}) {
  const [method, setMethod] = useState<'remote' | 'token'>(config.remote ? 'remote' : 'token');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [otpSent, setOtpSent] = useState(false);
  const [otp, setOtp] = useState('');
  const [pin, setPin] = useState('');
  const [docType, setDocType] = useState('');
  const uploaded = approval.subject_kind === 'document';
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  const sign = () => run(async () => {
    const e = await signingApi.sign(meetingId, approval.id, method === 'remote'
      ? { method, csc_user: user, csc_password: password, otp, sha256: approval.subject_sha256, signer, doc_type: docType.trim() }
      : { method, pin, sha256: approval.subject_sha256, signer, doc_type: docType.trim() });
    toast(t('sign.done', { symbol: e.symbol }));
    onDone();
  });
  return (
    <form class="sign-panel" data-testid="sign-panel" onSubmit={(ev) => { ev.preventDefault(); void sign(); }}>
      <h3>{t('sign.title')}</h3>
      <p class="muted">{t('sign.note', { sha: approval.subject_sha256.slice(0, 12) })}</p>
      {uploaded && (
        <>
          <p class="muted">{t('sign.uploadNote')}</p>
          <input class="input" value={docType} placeholder={t('sign.docType')} aria-label={t('sign.docType')} onInput={(e) => setDocType(e.currentTarget.value)} data-testid="sign-doc-type" />
        </>
      )}
      <div class="btn-row" role="radiogroup">
        {config.remote && (
          <label><input type="radio" name="sign-method" checked={method === 'remote'} onChange={() => setMethod('remote')} data-testid="sign-remote" /> {t('sign.remote')}</label>
        )}
        {config.token && (
          <label><input type="radio" name="sign-method" checked={method === 'token'} onChange={() => setMethod('token')} data-testid="sign-token" /> {t('sign.token')}</label>
        )}
      </div>
      {method === 'remote' ? (
        <>
          <input class="input" value={user} placeholder={t('sign.account')} aria-label={t('sign.account')} autocomplete="username" onInput={(e) => setUser(e.currentTarget.value)} data-testid="sign-user" />
          <input class="input" type="password" value={password} placeholder={t('sign.password')} aria-label={t('sign.password')} autocomplete="current-password" onInput={(e) => setPassword(e.currentTarget.value)} data-testid="sign-password" />
          <Button variant="secondary" busy={busy} onClick={() => run(async () => {
            await signingApi.sendOtp(meetingId, approval.id, user, password);
            setOtpSent(true);
          })} data-testid="sign-send-otp">{t('sign.sendOtp')}</Button>
          {otpSent && <p class="muted" data-testid="sign-otp-sent">{t('sign.otpSent')}</p>}
          <input class="input" value={otp} inputMode="numeric" placeholder={t('sign.otp')} aria-label={t('sign.otp')} autocomplete="one-time-code" onInput={(e) => setOtp(e.currentTarget.value)} data-testid="sign-otp" />
        </>
      ) : (
        <input class="input" type="password" value={pin} placeholder={t('sign.pin')} aria-label={t('sign.pin')} onInput={(e) => setPin(e.currentTarget.value)} data-testid="sign-pin" />
      )}
      <div class="btn-row">
        <Button type="submit" busy={busy} data-testid="sign-submit">{busy ? t('sign.signing') : t('sign.submit')}</Button>
        <Button variant="secondary" onClick={onCancel}>{t('sign.cancel')}</Button>
      </div>
    </form>
  );
}
