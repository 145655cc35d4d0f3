import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api/client';
import { registerApi, type RegisterEntry, type RegisterQuery } from '../api/register';
import { PageHeader } from '../components/Layout';
import { EmptyState, ErrorBox, Loading } from '../components/Status';
import { t } from '../i18n';

/** The register book (sổ văn bản đi): search by symbol or summary, type, dates; CSV export. */
export function RegisterScreen() {
  const [q, setQ] = useState<RegisterQuery>({ year: new Date().getFullYear() });
  const [list, setList] = useState<RegisterEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    registerApi.search(q).then(setList, setError);
  };
  useEffect(load, []);
  const set = (k: keyof RegisterQuery) => (e: Event) => setQ({ ...q, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <div class="page">
      <PageHeader title={t('reg.title')} subtitle={t('reg.subtitle')} />
      <form class="form-row register-filter" onSubmit={(e) => { e.preventDefault(); load(); }} role="search">
        <input class="input" name="q" placeholder={t('reg.search')} aria-label={t('reg.search')} value={q.q ?? ''} onInput={set('q')} />
        <input class="input input-sm" name="year" type="number" aria-label={t('reg.year')} value={q.year ?? ''} onInput={set('year')} />
        <input class="input input-sm" name="doc_type" placeholder="BB, TB, NQ…" aria-label={t('reg.type')} value={q.doc_type ?? ''} onInput={set('doc_type')} />
        <input class="input" type="date" name="from" aria-label={t('reg.from')} value={q.from ?? ''} onInput={set('from')} />
        <input class="input" type="date" name="to" aria-label={t('reg.to')} value={q.to ?? ''} onInput={set('to')} />
        <button type="submit" class="btn btn-primary">{t('reg.find')}</button>
        <a class="btn btn-secondary" href={registerApi.csvUrl(q)}>{t('reg.csv')}</a>
        <a class="btn btn-ghost" href="/register/import">{t('reg.import')}</a>
      </form>
      {error ? <ErrorBox message={errorText(error)} onRetry={load} /> : list === null ? <Loading /> : list.length === 0 ? (
        <EmptyState icon="document" title={t('reg.empty')} />
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="register">
            <thead>
              <tr>
                <th scope="col">{t('reg.symbol')}</th>
                <th scope="col">{t('reg.date')}</th>
                <th scope="col">{t('reg.summary')}</th>
                <th scope="col">{t('reg.signer')}</th>
                <th scope="col">{t('reg.recipients')}</th>
                <th scope="col">{t('reg.handover')}</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <tr key={e.id} data-testid="register-entry">
                  <td class="mono"><a href={`/register/${e.id}`}>{e.symbol}</a>{e.series === 'confidential' ? ` (${t('reg.confidential')})` : ''}</td>
                  <td>{e.doc_date.split('-').reverse().join('/')}</td>
                  <td><strong>{e.doc_type_name}</strong> {e.summary}{e.corrects_id ? ` — ${t('reg.correction')}` : ''}</td>
                  <td>{e.signer}</td>
                  <td class="pre">{e.recipients}</td>
                  <td class="pre">{(e.deliveries ?? []).map((d) => `${d.sent_on.split('-').reverse().join('/')}: ${d.received_by}`).join('\n')}</td>
                  <td class="mono muted" title={e.sha256}>{e.sha256.slice(0, 12)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
