// The account's notification choices: e-mail address and channels, and the calendar feed with its
// revocable secret address.
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api/client';
import { notifications, type NotificationSettings } from '../api/notifications';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { Card, ErrorBox, Loading } from '../components/Status';
import { toast } from '../components/Toast';
import { t } from '../i18n';
import { useSubmit } from '../lib/form';

export function NotificationSettingsCards() {
  const [st, setSt] = useState<NotificationSettings | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [emailOn, setEmailOn] = useState(true);
  const [inappOn, setInappOn] = useState(true);
  const [feedURL, setFeedURL] = useState('');
  const form = useSubmit(['email']);

  const apply = (s: NotificationSettings) => {
    setSt(s);
    setEmail(s.email);
    setEmailOn(s.email_on);
    setInappOn(s.inapp_on);
  };
  const load = () => notifications.settings().then(apply, setLoadError);
  useEffect(() => {
    void load();
  }, []);

  if (loadError) return <ErrorBox message={errorText(loadError)} onRetry={() => { setLoadError(null); void load(); }} />;
  if (!st) return <Loading />;

  async function onSubmit(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async () => apply(await notifications.saveSettings({ email, email_on: emailOn, inapp_on: inappOn })));
    if (ok) toast(t('notify.saved'));
  }

  async function feed(action: 'new' | 'revoke') {
    try {
      if (action === 'new') {
        const r = await notifications.newFeed();
        setFeedURL(`${location.origin}${r.path}`);
      } else {
        await notifications.revokeFeed();
        setFeedURL('');
        toast(t('feed.revoked'));
      }
      await load();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  return (
    <>
      <Card title={t('notify.title')}>
        <form class="form" onSubmit={onSubmit} noValidate data-testid="notify-form">
          <p class="field-hint">{t('notify.hint')}</p>
          {!st.email_available && <div class="alert alert-info">{t('notify.noEmail')}</div>}
          {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
          <TextField label={t('notify.email')} name="email" type="email" autocomplete="email" value={email} onValue={setEmail}
            error={form.fieldError('email')} hint={t('notify.emailHint')} />
          <label class="check-row">
            <input type="checkbox" name="email_on" checked={emailOn} onChange={(e) => setEmailOn((e.target as HTMLInputElement).checked)} />
            {t('notify.emailOn')}
          </label>
          <label class="check-row">
            <input type="checkbox" name="inapp_on" checked={inappOn} onChange={(e) => setInappOn((e.target as HTMLInputElement).checked)} />
            {t('notify.inappOn')}
          </label>
          <div class="form-actions">
            <Button type="submit" busy={form.busy}>{t('notify.save')}</Button>
          </div>
        </form>
      </Card>
      <Card title={t('feed.title')}>
        <div class="form" data-testid="feed">
          <p class="field-hint">{t('feed.hint')}</p>
          {feedURL ? (
            <div class="feed-url">
              <input readOnly aria-label={t('feed.url')} value={feedURL} data-testid="feed-url" onFocus={(e) => (e.target as HTMLInputElement).select()} />
              <Button size="sm" variant="secondary" onClick={() => navigator.clipboard?.writeText(feedURL).then(() => toast(t('feed.copied')))}>
                {t('feed.copy')}
              </Button>
            </div>
          ) : (
            <p>{st.feed_active ? t('feed.active') : t('feed.none')}</p>
          )}
          <div class="form-actions">
            <Button variant="secondary" onClick={() => feed('new')} data-testid="feed-new">{st.feed_active ? t('feed.renew') : t('feed.create')}</Button>
            {st.feed_active && <Button variant="ghost" onClick={() => feed('revoke')} data-testid="feed-revoke">{t('feed.revoke')}</Button>}
          </div>
        </div>
      </Card>
    </>
  );
}
