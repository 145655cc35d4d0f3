import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import type { Items } from '../../api/types';
import { EmptyState, ErrorBox, Loading } from '../../components/Status';
import { t } from '../../i18n';

interface AuditRow {
  id: number;
  at: string;
  actor_name: string;
  action: string;
  object: string;
  detail: string;
  address: string;
  request_id: string;
}

type AuditQuery = { actor?: string; action?: string; from?: string; to?: string };

const qs = (q: AuditQuery) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) s.set(k, v);
  const str = s.toString();
  return str ? `?${str}` : '';
};

/** The audit log: search by who, what and period; CSV export (the export is logged too). */
export function AuditSection() {
  const [q, setQ] = useState<AuditQuery>({});
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    api.get<Items<AuditRow>>(`/api/audit${qs(q)}`).then((r) => setRows(r.items ?? []), setError);
  };
  useEffect(load, []);
  const set = (k: keyof AuditQuery) => (e: Event) => setQ({ ...q, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section>
      <form class="form-row register-filter" onSubmit={(e) => { e.preventDefault(); load(); }} role="search">
        <input class="input" name="actor" placeholder={t('audit.actor')} aria-label={t('audit.actor')} value={q.actor ?? ''} onInput={set('actor')} />
        <input class="input" name="action" placeholder={t('audit.action')} aria-label={t('audit.action')} value={q.action ?? ''} onInput={set('action')} />
        <input class="input" type="date" name="from" aria-label={t('audit.from')} value={q.from ?? ''} onInput={set('from')} />
        <input class="input" type="date" name="to" aria-label={t('audit.to')} value={q.to ?? ''} onInput={set('to')} />
        <button type="submit" class="btn btn-primary">{t('audit.find')}</button>
        <a class="btn btn-secondary" href={`/api/audit.csv${qs(q)}`}>{t('audit.csv')}</a>
      </form>
      {error ? <ErrorBox message={errorText(error)} onRetry={load} /> : rows === null ? <Loading /> : rows.length === 0 ? (
        <EmptyState icon="document" title={t('audit.empty')} />
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="audit">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.object')}</th>
                <th scope="col">{t('audit.address')}</th>
                <th scope="col">{t('audit.request')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="audit-row">
                  <td class="mono">{r.id}</td>
                  <td>{new Date(r.at).toLocaleString('vi-VN')}</td>
                  <td>{r.actor_name || t('audit.system')}</td>
                  <td class="mono">{r.action}</td>
                  <td class="mono">{r.object}</td>
                  <td class="mono">{r.address}</td>
                  <td class="mono muted">{r.request_id}</td>
                  <td class="mono muted" title={r.detail}>{r.detail.length > 80 ? `${r.detail.slice(0, 80)}…` : r.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
