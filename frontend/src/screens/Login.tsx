import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { LanguageSwitch, Logo } from '../components/Layout';
import { clearToasts } from '../components/Toast';
import { t } from '../i18n';
import { useSubmit } from '../lib/form';
import { navigate } from '../router';
import { login, useSession } from '../session';
import { ProviderSignIn, ssoErrorMessage } from './LoginSSO';

/** Where to go after signing in: the page that sent the user here, if it is one of ours. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function LoginScreen() {
  const s = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const form = useSubmit(['username', 'password']);
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);

  useEffect(() => userRef.current?.focus(), []);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setFailure(null);
    if (!username.trim()) {
      form.setLocalErrors({ username: 'login.needUsername' });
      userRef.current?.focus();
      return;
    }
    if (!password) {
      form.setLocalErrors({ password: 'login.needPassword' });
      passRef.current?.focus();
      return;
    }
    let err: unknown = null;
    const ok = await form.submit(async () => {
      try {
        await login(username.trim(), password);
      } catch (e2) {
        err = e2;
        throw e2;
      }
    });
    if (ok) {
      clearToasts();
      navigate(nextPath(), { replace: true });
    } else {
      setFailure(err);
      setPassword('');
      passRef.current?.focus();
    }
  }

  // Wrong password and throttling get their own clear wording; anything else shows the server's text.
  let message = '';
  if (failure instanceof ApiError && failure.code === 'unauthenticated') message = failure.text() || t('login.wrong');
  else if (failure instanceof ApiError && failure.code === 'rate_limited') message = failure.text() || t('login.tooMany');
  else if (failure) message = form.formError();
  else message = ssoErrorMessage();

  const expired = s.state === 'anonymous' && s.expired;

  return (
    <div class="login-page">
      <div class="login-lang">
        <LanguageSwitch />
      </div>
      <div class="login-panel">
        <div class="login-brand">
          <Logo size={56} />
          <div>
            <p class="login-product">{t('app.name')}</p>
            <p class="login-tagline">{t('app.tagline')}</p>
          </div>
        </div>
        <form class="login-card" onSubmit={onSubmit} noValidate aria-labelledby="login-title">
          <h1 id="login-title" class="login-title">{t('login.title')}</h1>
          <p class="login-intro">{t('login.intro')}</p>
          {expired && !message && (
            <div class="alert alert-info" role="status">{t('error.session')}</div>
          )}
          {message && (
            <div class="alert alert-error" role="alert" data-testid="login-error">
              {message}
            </div>
          )}
          <ProviderSignIn />
          <TextField
            label={t('login.username')}
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            value={username}
            onValue={setUsername}
            error={form.fieldError('username')}
            inputRef={userRef}
          />
          <TextField
            label={t('login.password')}
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onValue={setPassword}
            error={form.fieldError('password')}
            inputRef={passRef}
          />
          <Button type="submit" class="btn-block" busy={form.busy} data-testid="login-submit">
            {form.busy ? t('login.submitting') : t('login.submit')}
          </Button>
          <p class="login-footer">{t('login.footer')}</p>
        </form>
      </div>
    </div>
  );
}
