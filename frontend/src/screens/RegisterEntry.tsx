import { useEffect, useState } from 'preact/hooks';
import { csrf, errorText } from '../api/client';
import { registerApi, type IncomingDoc, type RegisterEntry, type SignatureInfo } from '../api/register';
import { PageHeader } from '../components/Layout';
import { ErrorBox, Loading } from '../components/Status';
import { toast } from '../components/Toast';
import { t } from '../i18n';
import { EntrySignatures } from './EntrySignatures';

/** One filed document: its register columns, its signed PDF, the SHA-256 and the signature check. */
/** Today in the user's own time zone (toISOString alone gives the UTC date, which in Vietnam is
 * yesterday until 7 in the morning and would precede a document filed today). */
function localToday(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 10);
}

export function RegisterEntryScreen({ id }: { id: number }) {
  const [e, setE] = useState<RegisterEntry | null>(null);
  const [sig, setSig] = useState<SignatureInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [handovers, setHandovers] = useState<{ sent_on: string; received_by: string }[]>([]);
  const [sentOn, setSentOn] = useState(localToday());
  const [receiver, setReceiver] = useState('');
  const loadHandovers = () => registerApi.deliveries(id).then(setHandovers, () => setHandovers([]));
  useEffect(() => {
    void loadHandovers();
    registerApi.get(id).then(setE, setError);
    registerApi.signature(id).then(setSig, () => setSig(null));
  }, [id]);
  if (error) return <ErrorBox message={errorText(error)} />;
  if (!e) return <Loading />;
  const rows: [string, string][] = [
    [t('reg.symbol'), e.symbol], [t('reg.date'), e.doc_date.split('-').reverse().join('/')], [t('reg.summary'), `${e.doc_type_name} ${e.summary}`],
    [t('reg.signer'), e.signer], [t('reg.recipients'), e.recipients], ['SHA-256', e.sha256 || '—'],
  ];
  return (
    <div class="page">
      <PageHeader title={`${e.doc_type_name} ${e.symbol}`} subtitle={e.summary} />
      <dl class="entry-fields" data-testid="entry">
        {rows.map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd class={k === 'SHA-256' ? 'mono' : 'pre'}>{v}</dd>
          </>
        ))}
        <dt>{t('reg.signature')}</dt>
        <dd data-testid="signature-status" class={sig?.valid ? 'ok' : 'bad'}>
          {!sig || !sig.signed ? t('reg.unsigned') : sig.valid && sig.whole ? t('reg.sigValid', { signer: sig.signer }) : t('reg.sigInvalid', { problem: sig.problem ?? '' })}
          {sig?.valid && sig.self_signed && <div class="muted">{t('reg.selfSigned')}</div>}
        </dd>
      </dl>
      <EntrySignatures entry={e.id} />
      <h2>{t('reg.handover')}</h2>
      <ul data-testid="handovers">
        {handovers.map((d, i) => <li key={i}>{d.sent_on.split('-').reverse().join('/')}: {d.received_by}</li>)}
      </ul>
      <form class="form-row register-filter" onSubmit={(ev) => {
        ev.preventDefault();
        registerApi.deliver(e.id, sentOn, receiver).then(() => { setReceiver(''); void loadHandovers(); }, (err) => toast(errorText(err), 'error'));
      }}>
        <input class="input" type="date" value={sentOn} onInput={(ev) => setSentOn(ev.currentTarget.value)} aria-label={t('reg.sentOn')} />
        <input class="input" value={receiver} placeholder={t('reg.receivedBy')} aria-label={t('reg.receivedBy')} onInput={(ev) => setReceiver(ev.currentTarget.value)} />
        <button type="submit" class="btn btn-secondary">{t('reg.recordHandover')}</button>
      </form>
      <p class="btn-row">
        {e.sha256 && <a class="btn btn-primary" href={registerApi.fileUrl(e.id)} target="_blank" rel="noopener">{t('reg.openPdf')}</a>}
        {e.series === 'confidential' ? (
          <a class="btn btn-secondary" href={`${registerApi.edxmlUrl(e.id)}?confirm_confidential=1`} data-testid="edxml-export"
            onClick={(ev) => { if (!window.confirm(t('audit.confirmConfidential'))) ev.preventDefault(); }}>{t('reg.edxml')}</a>
        ) : (
          <a class="btn btn-secondary" href={registerApi.edxmlUrl(e.id)} data-testid="edxml-export">{t('reg.edxml')}</a>
        )}
        <a class="btn btn-ghost" href={registerApi.bookUrl(e.organization_id, e.year)} target="_blank" rel="noopener">{t('reg.book')}</a>
        <a class="btn btn-ghost" href="/register">{t('reg.back')}</a>
      </p>
    </div>
  );
}

/** Reading an incoming edXML package: what it is, from whom, and its files. */
export function RegisterImportScreen() {
  const [doc, setDoc] = useState<IncomingDoc | null>(null);
  const [error, setError] = useState('');
  async function read(f: File) {
    setError('');
    setDoc(null);
    const res = await fetch('/api/register/incoming', { method: 'POST', body: f, headers: { 'Content-Type': 'application/xml', 'X-CSRF-Token': csrf() } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) setError(body?.error?.message ?? t('error.unknown'));
    else setDoc(body as IncomingDoc);
  }
  const h = doc?.header;
  return (
    <div class="page">
      <PageHeader title={t('reg.importTitle')} subtitle={t('reg.importHint')} />
      <input class="input" type="file" accept=".xml,.edxml,application/xml" aria-label={t('reg.importFile')} data-testid="edxml-file"
        onChange={(e) => e.currentTarget.files?.[0] && read(e.currentTarget.files[0])} />
      {error && <div class="alert alert-error" role="alert" data-testid="import-error">{error}</div>}
      {h && (
        <dl class="entry-fields" data-testid="incoming">
          <dt>{t('reg.symbol')}</dt><dd>{h.Code.CodeNumber}/{h.Code.CodeNotation}</dd>
          <dt>{t('reg.sender')}</dt><dd>{h.From.OrganName}</dd>
          <dt>{t('reg.date')}</dt><dd>{h.PromulgationInfo.Place}, {h.PromulgationInfo.PromulgationDate}</dd>
          <dt>{t('reg.summary')}</dt><dd>{h.DocumentType.TypeName} {h.Subject}</dd>
          <dt>{t('reg.signer')}</dt><dd>{h.SignerInfo.FullName}{h.SignerInfo.Position ? `, ${h.SignerInfo.Position}` : ''}</dd>
          <dt>{t('reg.attachments')}</dt><dd>{(doc!.attachments ?? []).map((a) => `${a.name} (${Math.ceil(a.size / 1024)} KB)`).join(', ') || '—'}</dd>
        </dl>
      )}
    </div>
  );
}
