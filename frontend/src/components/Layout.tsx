import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../api/types';
import { lang, setLang, t } from '../i18n';
import { navigate, useLocation } from '../router';
import { logout } from '../session';
import { clearToasts, toast } from './Toast';

/** The product's mark: a meeting table seen from above, in the header and on the login page. */
export function Logo({ size = 40 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 40 40" aria-hidden="true" focusable="false">
      <rect width="40" height="40" rx="9" fill="var(--brand)" />
      <rect x="11" y="13" width="18" height="14" rx="3" fill="none" stroke="#fff" stroke-width="2.2" />
      <circle cx="20" cy="8.5" r="2.2" fill="var(--gold)" />
      <circle cx="20" cy="31.5" r="2.2" fill="#fff" />
      <circle cx="6.5" cy="20" r="2.2" fill="#fff" />
      <circle cx="33.5" cy="20" r="2.2" fill="#fff" />
      <path d="M15 18h10M15 22h7" stroke="#fff" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

export function LanguageSwitch({ class: cls }: { class?: string }) {
  const next = lang.get() === 'vi' ? 'en' : 'vi';
  return (
    <button
      type="button"
      class={`lang-switch${cls ? ` ${cls}` : ''}`}
      lang={next}
      title={t('lang.switchToHint')}
      aria-label={t('lang.switchToHint')}
      data-testid="lang-switch"
      onClick={() => setLang(next)}
    >
      <span class="lang-code" aria-hidden="true">{next.toUpperCase()}</span>
      <span class="lang-name">{t('lang.switchTo')}</span>
    </button>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  const last = parts[parts.length - 1] ?? '';
  return (last[0] ?? '?').toUpperCase();
}

function UserMenu({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: Event) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  async function signOut() {
    setOpen(false);
    await logout();
    clearToasts();
    navigate('/login', { replace: true });
    toast(t('user.loggedOut'), 'info');
  }

  return (
    <div class="user-menu" ref={ref}>
      <button
        type="button"
        class="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`${t('user.menu')}: ${user.full_name}`}
        data-testid="user-menu"
        onClick={() => setOpen(!open)}
      >
        <span class="avatar" aria-hidden="true">{initials(user.full_name)}</span>
        <span class="user-text">
          <span class="user-name">{user.full_name}</span>
          {user.title && <span class="user-title">{user.title}</span>}
        </span>
        <span class="chevron" aria-hidden="true">▾</span>
      </button>
      {open && (
        <div class="menu" role="menu">
          <div class="menu-head">
            <strong>{user.full_name}</strong>
            <span>{user.username}</span>
            {user.is_admin && <span class="badge badge-navy">{t('user.admin')}</span>}
          </div>
          <a href="/account" role="menuitem" class="menu-item" data-testid="account" onClick={() => setOpen(false)}>
            {t('user.account')}
          </a>
          <button type="button" role="menuitem" class="menu-item" data-testid="logout" onClick={signOut}>
            {t('user.logout')}
          </button>
        </div>
      )}
    </div>
  );
}

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const { path } = useLocation();
  const active = href === '/' ? path === '/' : path === href || path.startsWith(href + '/');
  return (
    <a href={href} class={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined}>
      {children}
    </a>
  );
}

/** The frame of every signed-in screen: header with product, organization, navigation and user. */
export function Layout({ user, children }: { user: User; children: ComponentChildren }) {
  return (
    <div class="shell">
      <a href="#main" class="skip-link">{t('app.skip')}</a>
      <header class="topbar">
        <div class="topbar-inner">
          <a href="/" class="brand" aria-label={t('app.name')}>
            <Logo />
            <span class="brand-text">
              <span class="brand-name">{t('app.name')}</span>
              <span class="brand-org" data-testid="header-org">{user.organization_name}</span>
            </span>
          </a>
          <nav class="nav" aria-label={t('nav.main')}>
            <NavLink href="/">{t('nav.home')}</NavLink>
            <NavLink href="/meetings">{t('nav.meetings')}</NavLink>
            {(user.is_admin || user.roles.some((r) => r.role === 'secretary' || r.role === 'clerk')) && <NavLink href="/register">{t('nav.register')}</NavLink>}
            {user.is_admin && <NavLink href="/admin">{t('nav.admin')}</NavLink>}
          </nav>
          <div class="topbar-tools">
            <LanguageSwitch />
            <UserMenu user={user} />
          </div>
        </div>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <div>
        <h1 class="page-title">{title}</h1>
        {subtitle && <p class="page-subtitle">{subtitle}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}
