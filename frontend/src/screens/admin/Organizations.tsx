import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { organizations } from '../../api/endpoints';
import { LEVELS, type Level, type Organization } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { Card, EmptyState, ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/form';
import { childLevel, levelLabel, orgOptions, treeRows } from './orgTree';

const FIELDS = ['parent_id', 'code', 'name', 'abbreviation', 'level'] as const;

export function OrganizationsSection() {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);

  function load() {
    setLoadError(null);
    organizations.list().then(setOrgs, setLoadError);
  }
  useEffect(load, []);

  return (
    <div class="admin-split">
      <Card title={t('org.listTitle')} actions={orgs && <span class="muted">{t('org.count', { n: orgs.length })}</span>}>
        {loadError ? (
          <ErrorBox message={errorText(loadError)} onRetry={load} />
        ) : orgs === null ? (
          <Loading />
        ) : orgs.length === 0 ? (
          <EmptyState icon="building" title={t('org.empty')} />
        ) : (
          <OrgTree orgs={orgs} />
        )}
      </Card>
      <Card title={t('org.createTitle')}>
        <CreateOrganization orgs={orgs ?? []} onCreated={load} />
      </Card>
    </div>
  );
}

function OrgTree({ orgs }: { orgs: Organization[] }) {
  return (
    <ul class="tree" data-testid="org-tree">
      {treeRows(orgs).map(({ org, depth }) => (
        <li key={org.id} class="tree-row" style={{ '--depth': depth }}>
          <span class={`level-dot level-${org.level}`} aria-hidden="true" />
          <div class="tree-main">
            <span class="tree-name">{org.name}</span>
            <span class="tree-meta">
              <span class="mono">{org.code}</span> · {org.abbreviation}
            </span>
          </div>
          <span class={`badge level-badge level-${org.level}`}>{levelLabel(org.level)}</span>
        </li>
      ))}
    </ul>
  );
}

function CreateOrganization({ orgs, onCreated }: { orgs: Organization[]; onCreated: () => void }) {
  const [parentId, setParentId] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [abbreviation, setAbbreviation] = useState('');
  const [level, setLevel] = useState<Level>('province');
  const form = useSubmit(FIELDS);

  // Once the tree has loaded, start under its first root (the province), as most new units are.
  useEffect(() => {
    if (parentId === '' && orgs.length > 0) changeParent(String(treeRows(orgs)[0]!.org.id));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [orgs.length]);

  function changeParent(v: string) {
    setParentId(v);
    setLevel(childLevel(orgs.find((o) => String(o.id) === v)));
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async () => {
      const created = await organizations.create({
        parent_id: parentId ? Number(parentId) : null,
        code: code.trim(),
        name: name.trim(),
        abbreviation: abbreviation.trim(),
        level,
      });
      toast(t('org.created', { name: created.name }));
    });
    if (ok) {
      setCode('');
      setName('');
      setAbbreviation('');
      onCreated();
    }
  }

  return (
    <form class="form" onSubmit={onSubmit} noValidate data-testid="org-form">
      {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
      <SelectField
        label={t('org.parent')}
        name="parent_id"
        value={parentId}
        onValue={changeParent}
        options={[{ value: '', label: t('org.parentNone') }, ...orgOptions(orgs)]}
        error={form.fieldError('parent_id')}
      />
      <SelectField
        label={t('org.level')}
        name="level"
        value={level}
        onValue={(v) => setLevel(v as Level)}
        options={LEVELS.map((l) => ({ value: l, label: levelLabel(l) }))}
        error={form.fieldError('level')}
        required
      />
      <TextField label={t('org.name')} name="name" value={name} onValue={setName} error={form.fieldError('name')} required />
      <div class="form-row">
        <TextField
          label={t('org.code')}
          name="code"
          value={code}
          onValue={setCode}
          error={form.fieldError('code')}
          hint={t('org.codeHint')}
          autocapitalize="none"
          spellcheck={false}
          required
        />
        <TextField
          label={t('org.abbreviation')}
          name="abbreviation"
          value={abbreviation}
          onValue={setAbbreviation}
          error={form.fieldError('abbreviation')}
          hint={t('org.abbreviationHint')}
          required
        />
      </div>
      <div class="form-actions">
        <Button type="submit" busy={form.busy}>{t('common.create')}</Button>
      </div>
    </form>
  );
}
