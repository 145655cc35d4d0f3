import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { meetingPoints, organizations } from '../../api/endpoints';
import type { MeetingPoint, Organization } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { Card, EmptyState, ErrorBox, Loading } from '../../components/Status';
import { Table } from '../../components/Table';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/form';
import { orgOptions } from './orgTree';

const FIELDS = ['organization_id', 'code', 'name', 'location'] as const;

export function MeetingPointsSection() {
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [points, setPoints] = useState<MeetingPoint[] | null>(null);
  const [filter, setFilter] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);

  useEffect(() => {
    organizations.list().then(setOrgs, setLoadError);
  }, []);

  function load() {
    setLoadError(null);
    setPoints(null);
    meetingPoints.list(filter ? Number(filter) : undefined).then(setPoints, setLoadError);
  }
  useEffect(load, [filter]);

  const orgName = (id: number) => orgs.find((o) => o.id === id)?.name ?? `#${id}`;

  return (
    <div class="admin-split">
      <Card
        title={t('point.listTitle')}
        actions={
          <label class="inline-filter">
            <span class="sr-only">{t('point.filter')}</span>
            <select class="input select input-sm" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} aria-label={t('point.filter')}>
              <option value="">{t('point.all')}</option>
              {orgOptions(orgs).map((o) => (
                <option key={o.value} value={o.value}>{o.label}</option>
              ))}
            </select>
          </label>
        }
      >
        {loadError ? (
          <ErrorBox message={errorText(loadError)} onRetry={load} />
        ) : points === null ? (
          <Loading />
        ) : points.length === 0 ? (
          <EmptyState icon="pin" title={t('point.empty')} />
        ) : (
          <Table
            caption={t('point.listTitle')}
            rows={points}
            rowKey={(p) => p.id}
            columns={[
              { header: t('point.name'), cell: (p) => <strong>{p.name}</strong> },
              { header: t('point.code'), cell: (p) => <span class="mono">{p.code}</span>, wide: true },
              { header: t('point.organization'), cell: (p) => orgName(p.organization_id) },
              { header: t('point.location'), cell: (p) => p.location || t('common.none'), wide: true },
            ]}
          />
        )}
      </Card>
      <Card title={t('point.createTitle')}>
        <CreateMeetingPoint orgs={orgs} onCreated={load} />
      </Card>
    </div>
  );
}

function CreateMeetingPoint({ orgs, onCreated }: { orgs: Organization[]; onCreated: () => void }) {
  const [orgId, setOrgId] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const form = useSubmit(FIELDS);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async () => {
      const p = await meetingPoints.create({ organization_id: Number(orgId) || 0, code: code.trim(), name: name.trim(), location: location.trim() });
      toast(t('point.created', { name: p.name }));
    });
    if (ok) {
      setCode('');
      setName('');
      setLocation('');
      onCreated();
    }
  }

  return (
    <form class="form" onSubmit={onSubmit} noValidate data-testid="point-form">
      {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
      <SelectField
        label={t('point.organization')}
        name="organization_id"
        value={orgId}
        onValue={setOrgId}
        options={[{ value: '', label: '—' }, ...orgOptions(orgs)]}
        error={form.fieldError('organization_id')}
        required
      />
      <TextField label={t('point.name')} name="name" value={name} onValue={setName} error={form.fieldError('name')} required />
      <TextField label={t('point.code')} name="code" value={code} onValue={setCode} error={form.fieldError('code')} autocapitalize="none" spellcheck={false} required />
      <TextField label={t('point.location')} name="location" value={location} onValue={setLocation} error={form.fieldError('location')} />
      <div class="form-actions">
        <Button type="submit" busy={form.busy}>{t('common.create')}</Button>
      </div>
    </form>
  );
}
