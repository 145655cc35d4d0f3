import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import { reportsApi, type Attendance, type MeetingsReport } from '../../api/tasks';
import type { Items, Organization } from '../../api/types';
import { Button } from '../../components/Button';
import { PageHeader } from '../../components/Layout';
import { ErrorBox } from '../../components/Status';
import { t } from '../../i18n';
import { BarChart } from './BarChart';
import '../../styles/between.css';

const ATTENDANCE = [
  { label: 'rep.inPerson', color: '#1f6f43' },
  { label: 'rep.online', color: '#2458c6' },
  { label: 'rep.excused', color: '#c98a00' },
  { label: 'rep.unexcused', color: '#b3261e' },
] as const;

const values = (a: Attendance) => [a.in_person, a.online, a.excused, a.unexcused];

function monthStart(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-01`;
}

/** Statistics of an organization's meetings over a period, with charts, CSV and PDF. */
export function ReportsScreen() {
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [org, setOrg] = useState('');
  const [from, setFrom] = useState(monthStart());
  const [to, setTo] = useState(new Date().toISOString().slice(0, 10));
  const [rep, setRep] = useState<MeetingsReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get<Items<Organization>>('/api/me/organizations').then((r) => {
      const l = r.items ?? [];
      if (l.length) { setOrgs(l); setOrg(String(l[0]!.id)); return; }
      api.get<Items<Organization>>('/api/organizations').then((all) => setOrgs(all.items ?? []), () => setOrgs([]));
    }, () => setOrgs([]));
  }, []);
  async function show(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setRep(await reportsApi.get(Number(org), from, to));
    } catch (err) {
      setError(err);
      setRep(null);
    } finally {
      setBusy(false);
    }
  }
  const q = reportsApi.query(Number(org), from, to);
  const series = ATTENDANCE.map((s) => ({ label: t(s.label), color: s.color }));
  return (
    <div class="page between-page" data-testid="reports">
      <PageHeader title={t('rep.title')} />
      <form class="form-row" onSubmit={show}>
        <label class="field-label">{t('rep.org')}
          <select class="input" value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
            <option value="" />
            {orgs.map((o) => <option key={o.id} value={String(o.id)}>{o.name}</option>)}
          </select>
        </label>
        <label class="field-label">{t('rep.from')}<input class="input" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
        <label class="field-label">{t('rep.to')}<input class="input" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
        <Button type="submit" busy={busy}>{t('rep.show')}</Button>
      </form>
      {error ? <ErrorBox message={errorText(error)} /> : null}
      {rep && (
        <>
          <div class="btn-row">
            <a class="btn btn-secondary" href={`/api/reports/meetings.csv${q}`} download>{t('rep.csv')}</a>
            <a class="btn btn-secondary" href={`/api/reports/meetings.pdf${q}`} target="_blank" rel="noopener">{t('rep.pdf')}</a>
          </div>
          {rep.scope === 'chaired' && <p class="muted">{t('rep.scopeChaired')}</p>}
          <p data-testid="report-held"><strong>{t('rep.held', { n: rep.held })}</strong></p>
          <p>{t('rep.documents', { drafts: rep.documents.draft ?? 0, refs: rep.documents.reference ?? 0, recs: rep.documents.recording ?? 0, versions: rep.documents.versions ?? 0 })}</p>
          <div class="report-grid">
            <section class="card">
              <h3>{t('rep.byUnit')}</h3>
              <BarChart title={t('rep.byUnit')} series={series} rows={rep.by_unit.map((a) => ({ label: a.name, values: values(a) }))} />
            </section>
            <section class="card">
              <h3>{t('rep.tasks')}</h3>
              <BarChart title={t('rep.tasks')} series={[{ label: t('rep.onTime'), color: '#1f6f43' }, { label: t('rep.lateDone'), color: '#c98a00' }, { label: t('rep.overdue'), color: '#b3261e' }, { label: t('rep.open'), color: '#2458c6' }]}
                rows={[{ label: t('rep.tasks'), values: [rep.tasks.done_on_time, rep.tasks.done_late, rep.tasks.overdue, rep.tasks.open_in_time] }]} />
            </section>
          </div>
          <section class="card">
            <h3>{t('rep.byPerson')}</h3>
            <table class="report" data-testid="report-people">
              <thead><tr><th>{t('rep.person')}</th><th>{t('rep.unit')}</th><th class="num">{t('rep.invited')}</th>{ATTENDANCE.map((s) => <th key={s.label} class="num">{t(s.label)}</th>)}</tr></thead>
              <tbody>
                {rep.by_person.map((a) => (
                  <tr key={`${a.unit}/${a.name}`}><td>{a.name}</td><td>{a.unit}</td><td class="num">{a.invited}</td>{values(a).map((v, i) => <td key={i} class="num">{v}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}
