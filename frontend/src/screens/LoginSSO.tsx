import { useEffect, useState } from 'preact/hooks';
import { auth } from '../api/endpoints';
import type { SSOProvider } from '../api/types';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/vi';

const ssoErrors = ['state', 'provider', 'code', 'token', 'userinfo', 'organization', 'account', 'unavailable', 'unknown_provider'];

/** The message for the sso_error code the server sent the browser back with, or ''. */
export function ssoErrorMessage(): string {
  const code = new URLSearchParams(window.location.search).get('sso_error');
  if (!code) return '';
  return t((ssoErrors.includes(code) ? `sso.error.${code}` : 'sso.error.other') as MessageKey);
}

/**
 * The province sign-in buttons, one per configured provider (none shows nothing). Each is a plain
 * link: the server sends the browser on to the provider's own sign-in page.
 */
export function ProviderSignIn() {
  const [providers, setProviders] = useState<SSOProvider[]>([]);
  const [adminsOnly, setAdminsOnly] = useState(false);
  useEffect(() => {
    auth.providers().then((r) => {
      setProviders(r.providers ?? []);
      setAdminsOnly(r.passwords_admins_only);
    }, () => setProviders([]));
  }, []);
  if (providers.length === 0 && !adminsOnly) return null;
  return (
    <div class="login-sso">
      {providers.map((p) => (
        <a key={p.name} class="btn btn-primary btn-block" href={`/api/auth/sso/${encodeURIComponent(p.name)}/login`} data-testid={`sso-${p.name}`}>
          {providers.length > 1 ? t('sso.buttonNamed', { name: p.display_name }) : t('sso.button')}
        </a>
      ))}
      <p class="login-sso-or">{adminsOnly ? t('sso.adminsOnly') : t('sso.or')}</p>
    </div>
  );
}
