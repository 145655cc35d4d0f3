import { t } from '../../i18n';

/** Links from a meeting's tabs to the screens that span meetings: tasks followed, reports. */
export function BetweenLinks() {
  return (
    <div class="between-links">
      <a class="btn btn-ghost btn-sm" href="/tasks">{t('task.mine')}</a>
      <a class="btn btn-ghost btn-sm" href="/reports">{t('rep.title')}</a>
    </div>
  );
}
