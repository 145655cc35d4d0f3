import { EmptyState } from '../components/Status';
import { t } from '../i18n';

export function NotFoundScreen() {
  return (
    <div class="page">
      <EmptyState title={t('notFound.title')}>
        <p>{t('notFound.body')}</p>
        <a class="btn btn-secondary" href="/">{t('notFound.back')}</a>
      </EmptyState>
    </div>
  );
}
