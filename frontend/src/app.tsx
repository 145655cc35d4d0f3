import { useEffect } from 'preact/hooks';
import { errorText } from './api/client';
import { Layout } from './components/Layout';
import { ErrorBox, Loading } from './components/Status';
import { Toasts } from './components/Toast';
import { Dialogs } from './components/Dialog';
import { useLang } from './i18n';
import { match, navigate, useLocation } from './router';
import { routes } from './routes';
import { LoginScreen } from './screens/Login';
import { NotFoundScreen } from './screens/NotFound';
import { loadSession, useSession } from './session';

export function App() {
  useLang(); // every string is read through t(): re-render everything when the language changes
  return (
    <>
      <Screen />
      <Toasts />
      <Dialogs />
    </>
  );
}

function Screen() {
  const s = useSession();
  const { path, query } = useLocation();

  const anonymousAway = s.state === 'anonymous' && path !== '/login';
  const signedInOnLogin = s.state === 'signed-in' && path === '/login';
  useEffect(() => {
    if (anonymousAway) {
      const here = path + (query.toString() ? `?${query}` : '');
      navigate(here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`, { replace: true });
    } else if (signedInOnLogin) {
      navigate('/', { replace: true });
    }
  }, [anonymousAway, signedInOnLogin]);

  switch (s.state) {
    case 'loading':
      return <div class="center-page"><Loading /></div>;
    case 'error':
      return (
        <div class="center-page">
          <ErrorBox message={errorText(s.error)} onRetry={() => void loadSession()} />
        </div>
      );
    case 'anonymous':
      return anonymousAway ? null : <LoginScreen />;
    case 'signed-in': {
      if (signedInOnLogin) return null;
      for (const r of routes) {
        const params = match(r.pattern, path);
        if (params) {
          const content = r.render({ user: s.user, params });
          return r.bare ? <>{content}</> : <Layout user={s.user}>{content}</Layout>;
        }
      }
      return <Layout user={s.user}><NotFoundScreen /></Layout>;
    }
  }
}
