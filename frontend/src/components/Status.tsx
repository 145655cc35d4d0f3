import type { ComponentChildren } from 'preact';
import { t } from '../i18n';
import { Button } from './Button';
import { Icon, type IconName } from './Icon';

/** A spinner with a readable label, for a section that is still loading. */
export function Loading({ label }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner spinner-lg" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

/** What a list shows when it has nothing yet. */
export function EmptyState({ title, children, icon }: { title: string; children?: ComponentChildren; icon?: IconName }) {
  return (
    <div class="empty">
      {icon && (
        <div class="empty-icon" aria-hidden="true">
          <Icon name={icon} size={32} />
        </div>
      )}
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A failed load, with a way to try again. */
export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="alert alert-error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </div>
  );
}

export function Card({ title, actions, children, class: cls }: { title?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card${cls ? ` ${cls}` : ''}`}>
      {(title || actions) && (
        <header class="card-header">
          {title && <h2 class="card-title">{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      <div class="card-body">{children}</div>
    </section>
  );
}
