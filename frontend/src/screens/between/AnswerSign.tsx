import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { opinions, type AnswerSignature, type SignAnswer } from '../../api/opinions';
import { signingApi, type SigningConfig } from '../../api/signing';
import { Button } from '../../components/Button';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { when } from './format';

/** The server's signing methods, or null while unknown or when none is configured. */
export function useSigning(): SigningConfig | null {
  const [cfg, setCfg] = useState<SigningConfig | null>(null);
  useEffect(() => {
    signingApi.config().then((c) => setCfg(c.remote || c.token ? c : null)).catch(() => setCfg(null));
  }, []);
  return cfg;
}

/**
 * A member's signing of their answer, given with it: a remote signing service (an OTP sent to
 * their phone) or their token and its PIN. value is null while the member does not sign.
 */
export function AnswerSignFields({ formId, config, value, onChange }: {
  formId: number; config: SigningConfig; value: SignAnswer | null; onChange: (v: SignAnswer | null) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const first: SignAnswer = { method: config.remote ? 'remote' : 'token' };
  const v = value ?? first;
  const set = (p: Partial<SignAnswer>) => onChange({ ...v, ...p });
  return (
    <fieldset class="between-question" data-testid="answer-sign">
      <label><input type="checkbox" checked={value !== null} onChange={(e) => onChange(e.currentTarget.checked ? first : null)} data-testid="answer-sign-on" /> {t('op.sign')}</label>
      {value && (
        <>
          <p class="muted">{t('op.signHint')}</p>
          <div class="btn-row" role="radiogroup">
            {config.remote && <label><input type="radio" name="answer-sign-method" checked={v.method === 'remote'} onChange={() => set({ method: 'remote' })} /> {t('sign.remote')}</label>}
            {config.token && <label><input type="radio" name="answer-sign-method" checked={v.method === 'token'} onChange={() => set({ method: 'token' })} /> {t('sign.token')}</label>}
          </div>
          {v.method === 'remote' ? (
            <>
              <input class="input" value={v.csc_user ?? ''} placeholder={t('sign.account')} aria-label={t('sign.account')} autocomplete="username" onInput={(e) => set({ csc_user: e.currentTarget.value })} data-testid="answer-sign-user" />
              <input class="input" type="password" value={v.csc_password ?? ''} placeholder={t('sign.password')} aria-label={t('sign.password')} autocomplete="current-password" onInput={(e) => set({ csc_password: e.currentTarget.value })} data-testid="answer-sign-password" />
              <Button variant="secondary" busy={busy} onClick={async () => {
                setBusy(true);
                try {
                  await opinions.sendOtp(formId, v.csc_user ?? '', v.csc_password ?? '');
                  setSent(true);
                } catch (err) {
                  toast(errorText(err), 'error');
                } finally {
                  setBusy(false);
                }
              }} data-testid="answer-sign-send-otp">{t('sign.sendOtp')}</Button>
              {sent && <p class="muted">{t('sign.otpSent')}</p>}
              <input class="input" value={v.otp ?? ''} inputMode="numeric" placeholder={t('sign.otp')} aria-label={t('sign.otp')} autocomplete="one-time-code" onInput={(e) => set({ otp: e.currentTarget.value })} data-testid="answer-sign-otp" />
            </>
          ) : (
            <input class="input" type="password" value={v.pin ?? ''} placeholder={t('sign.pin')} aria-label={t('sign.pin')} onInput={(e) => set({ pin: e.currentTarget.value })} data-testid="answer-sign-pin" />
          )}
        </>
      )}
    </fieldset>
  );
}

/** "Đã ký số" with signer, issuer and time, as the server checked it on this read. */
export function SignatureBadge({ sig }: { sig?: AnswerSignature }) {
  if (!sig) return null;
  const ok = sig.verified && sig.trusted;
  return (
    <p class={ok ? 'badge' : 'field-error'} data-testid="answer-signature">
      {ok ? t('op.signed', { signer: sig.signer, issuer: sig.issuer, when: when(sig.signed_at) }) : t('op.signBad', { problem: sig.problem ?? '' })}
    </p>
  );
}
