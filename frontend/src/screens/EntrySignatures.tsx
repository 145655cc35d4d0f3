import { useEffect, useState } from 'preact/hooks';
import { signingApi, type EntrySignature } from '../api/signing';
import { t } from '../i18n';

const when = (s?: string) => (s ? new Date(s).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }) : '');

/** Every signature in a filed file, in the order made: signer, time, and whether it holds. */
export function EntrySignatures({ entry }: { entry: number }) {
  const [list, setList] = useState<EntrySignature[] | null>(null);
  useEffect(() => {
    signingApi.signatures(entry).then((r) => setList(r.signatures), () => setList(null));
  }, [entry]);
  if (!list) return null;
  return (
    <section data-testid="entry-signatures">
      <h2>{t('sign.list')}</h2>
      {list.length === 0 && <p class="muted">{t('sign.none')}</p>}
      <ol>
        {list.map((s) => (
          <li key={s.revision} data-testid="entry-signature" class={s.valid && s.whole ? 'ok' : 'bad'}>
            <strong>{s.record ? t(s.record.role === 'leader' ? 'sign.leader' : 'sign.seal') + ': ' : ''}{s.signer}</strong>
            {' — '}
            <span data-testid="entry-signature-status">{s.valid && s.whole ? t('sign.valid') : `${t('sign.invalid')}${s.problem ? `: ${s.problem}` : ''}`}</span>
            {', '}{t(s.trusted ? 'sign.trusted' : 'sign.untrusted')}
            <div class="muted">
              {t('sign.at', { time: when(s.signing_at) })}
              {s.stamped_at && <> · {t('sign.stamped', { time: when(s.stamped_at) })}</>}
              {s.record && <> · {t(`sign.method.${s.record.method}`)}</>}
              {' · '}{s.issuer}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
