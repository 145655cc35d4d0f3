import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { organizations, users } from '../../api/endpoints';
import type { Organization, Role, User } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { Card, EmptyState, ErrorBox, Loading } from '../../components/Status';
import { Table } from '../../components/Table';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/form';
import { orgOptions } from './orgTree';

const FIELDS = ['username', 'password', 'full_name', 'title', 'organization_id', 'roles'] as const;

type RoleChoice = 'none' | 'secretary' | 'clerk' | 'admin';

export function UsersSection() {
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [list, setList] = useState<User[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [resetting, setResetting] = useState<User | null>(null);

  function load() {
    setLoadError(null);
    users.list().then(setList, setLoadError);
  }
  useEffect(() => {
    organizations.list().then(setOrgs, setLoadError);
    load();
  }, []);

  const orgName = (id: number | null) => (id == null ? '' : orgs.find((o) => o.id === id)?.name ?? `#${id}`);

  function roleBadges(u: User) {
    const roles = u.roles ?? [];
    if (roles.length === 0) return <span class="muted">{t('common.none')}</span>;
    return roles.map((r, i) =>
      r.role === 'admin' ? (
        <span key={i} class="badge badge-navy">{t('users.admin')}</span>
      ) : r.role === 'clerk' ? (
        <span key={i} class="badge">{t('users.clerkOf', { org: orgName(r.organization_id) })}</span>
      ) : (
        <span key={i} class="badge badge-red">{t('users.secretaryOf', { org: orgName(r.organization_id) })}</span>
      ),
    );
  }

  // Local password, province account, or neither (a person invited to meetings only).
  function accountBadges(u: User) {
    const out = [];
    if (u.provider) out.push(<span key="p" class="badge badge-navy">{t('users.accountProvider', { provider: u.provider })}</span>);
    if (u.local_password) out.push(<span key="l" class="badge">{t('users.accountLocal')}</span>);
    return out.length ? out : <span class="muted">{t('users.accountNone')}</span>;
  }

  return (
    <div class="admin-split">
      <Card title={t('users.listTitle')}>
        {loadError ? (
          <ErrorBox message={errorText(loadError)} onRetry={load} />
        ) : list === null ? (
          <Loading />
        ) : list.length === 0 ? (
          <EmptyState icon="users" title={t('users.empty')} />
        ) : (
          <Table
            caption={t('users.listTitle')}
            rows={list}
            rowKey={(u) => u.id}
            columns={[
              {
                header: t('users.fullName'),
                cell: (u) => (
                  <div class="cell-stack">
                    <strong>{u.full_name}</strong>
                    <span class="mono muted">{u.username}</span>
                    {!u.active && <span class="status status-off">{t('users.inactive')}</span>}
                  </div>
                ),
              },
              {
                header: t('users.organization'),
                cell: (u) => (
                  <div class="cell-stack">
                    <span>{u.organization_name || orgName(u.organization_id)}</span>
                    {u.title && <span class="muted">{u.title}</span>}
                  </div>
                ),
              },
              { header: t('users.roles'), cell: (u) => <div class="badges">{roleBadges(u)}</div> },
              { header: t('users.account'), cell: (u) => <div class="badges" data-testid="user-account">{accountBadges(u)}</div> },
              {
                header: t('users.actions'),
                class: 'col-actions',
                cell: (u) => (
                  <Button
                    variant="secondary"
                    size="sm"
                    class="btn-icon"
                    onClick={() => setResetting(u)}
                    title={t('users.resetPassword')}
                    aria-label={`${t('users.resetPassword')}: ${u.full_name}`}
                  >
                    <Icon name="key" size={18} />
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>
      <Card title={t('users.createTitle')}>
        <CreateUser orgs={orgs} onCreated={load} />
      </Card>
      {resetting && <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />}
    </div>
  );
}

function CreateUser({ orgs, onCreated }: { orgs: Organization[]; onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [title, setTitle] = useState('');
  const [orgId, setOrgId] = useState('');
  const [role, setRole] = useState<RoleChoice>('none');
  const form = useSubmit(FIELDS);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const organization_id = Number(orgId) || 0;
    const roles: Role[] =
      role === 'admin' ? [{ role: 'admin', organization_id: null }] : role === 'none' ? [] : [{ role, organization_id }];
    const ok = await form.submit(async () => {
      const u = await users.create({ username: username.trim(), password, full_name: fullName.trim(), title: title.trim(), organization_id, roles });
      toast(t('users.created', { name: u.full_name }));
    });
    if (ok) {
      setUsername('');
      setPassword('');
      setFullName('');
      setTitle('');
      setRole('none');
      onCreated();
    }
  }

  return (
    <form class="form" onSubmit={onSubmit} noValidate data-testid="user-form">
      {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
      <TextField label={t('users.fullName')} name="full_name" value={fullName} onValue={setFullName} error={form.fieldError('full_name')} required />
      <TextField label={t('users.title')} name="title" value={title} onValue={setTitle} error={form.fieldError('title')} />
      <SelectField
        label={t('users.organization')}
        name="organization_id"
        value={orgId}
        onValue={setOrgId}
        options={[{ value: '', label: '—' }, ...orgOptions(orgs)]}
        error={form.fieldError('organization_id')}
        required
      />
      <div class="form-row">
        <TextField
          label={t('users.username')}
          name="username"
          value={username}
          onValue={setUsername}
          error={form.fieldError('username')}
          hint={t('users.usernameHint')}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
        />
        <TextField
          label={t('users.password')}
          name="password"
          type="password"
          autocomplete="new-password"
          value={password}
          onValue={setPassword}
          error={form.fieldError('password')}
          hint={t('users.passwordHint')}
          required
        />
      </div>
      <SelectField
        label={t('users.role')}
        name="role"
        value={role}
        onValue={(v) => setRole(v as RoleChoice)}
        options={[
          { value: 'none', label: t('users.roleNone') },
          { value: 'secretary', label: t('users.roleSecretary') },
          { value: 'clerk', label: t('users.roleClerk') },
          { value: 'admin', label: t('users.roleAdmin') },
        ]}
        error={form.fieldError('roles')}
      />
      <div class="form-actions">
        <Button type="submit" busy={form.busy}>{t('common.create')}</Button>
      </div>
    </form>
  );
}

function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const form = useSubmit(['new_password']);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const ok = await form.submit(() => users.resetPassword(user.id, password));
    if (ok) {
      toast(t('users.resetDone', { name: user.full_name }));
      onClose();
    }
  }

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="reset-title" onClose={onClose}>
      <form class="form" onSubmit={onSubmit} noValidate>
        <h2 id="reset-title" class="dialog-title">{t('users.resetTitle', { name: user.full_name })}</h2>
        {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
        <TextField
          label={t('users.newPassword')}
          name="new_password"
          type="password"
          autocomplete="new-password"
          value={password}
          onValue={setPassword}
          error={form.fieldError('new_password')}
          hint={t('users.passwordHint')}
          autofocus
          required
        />
        <div class="form-actions">
          <Button variant="ghost" onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" busy={form.busy}>{t('common.save')}</Button>
        </div>
      </form>
    </dialog>
  );
}
