import { useState } from 'preact/hooks';
import { auth } from '../api/endpoints';
import type { User } from '../api/types';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { Card } from '../components/Status';
import { toast } from '../components/Toast';
import { t } from '../i18n';
import { useSubmit } from '../lib/form';
import { NotificationSettingsCards } from './NotificationSettings';

/** The signed-in person's own account: who they are, and changing their password. */
export function AccountScreen({ user }: { user: User }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const form = useSubmit(['current_password', 'new_password', 'repeat']);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (next !== repeat) {
      form.setLocalErrors({ repeat: 'account.mismatch' });
      return;
    }
    const ok = await form.submit(() => auth.changePassword(current, next));
    if (ok) {
      setCurrent('');
      setNext('');
      setRepeat('');
      toast(t('account.changed'));
    }
  }

  return (
    <div class="page account">
      <PageHeader title={t('account.title')} subtitle={`${user.full_name} · ${user.username}`} />
      <Card title={t('account.changePassword')}>
        <form class="form" onSubmit={onSubmit} noValidate data-testid="password-form">
          {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
          <TextField label={t('account.current')} name="current_password" type="password" autocomplete="current-password"
            value={current} onValue={setCurrent} error={form.fieldError('current_password')} required />
          <TextField label={t('account.new')} name="new_password" type="password" autocomplete="new-password"
            value={next} onValue={setNext} error={form.fieldError('new_password')} hint={t('users.passwordHint')} required />
          <TextField label={t('account.repeat')} name="repeat" type="password" autocomplete="new-password"
            value={repeat} onValue={setRepeat} error={form.fieldError('repeat')} required />
          <p class="field-hint">{t('account.othersSignedOut')}</p>
          <div class="form-actions">
            <Button type="submit" busy={form.busy}>{t('account.submit')}</Button>
          </div>
        </form>
      </Card>
      <NotificationSettingsCards />
    </div>
  );
}
