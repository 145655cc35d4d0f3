import type { User } from '../../api/types';
import { Icon, type IconName } from '../../components/Icon';
import { PageHeader } from '../../components/Layout';
import { EmptyState } from '../../components/Status';
import { t, type MessageKey } from '../../i18n';
import { AuditSection } from './Audit';
import { MeetingPointsSection } from './MeetingPoints';
import { OrganizationsSection } from './Organizations';
import { UsersSection } from './Users';

const SECTIONS: { slug: string; label: MessageKey; icon: IconName }[] = [
  { slug: 'organizations', label: 'admin.orgs', icon: 'building' },
  { slug: 'meeting-points', label: 'admin.points', icon: 'pin' },
  { slug: 'users', label: 'admin.users', icon: 'users' },
  { slug: 'audit', label: 'admin.audit', icon: 'key' },
];

/** System administration. Shown only to admins; the server refuses the calls for anyone else anyway. */
export function AdminScreen({ user, section }: { user: User; section: string }) {
  if (!user.is_admin) {
    return (
      <div class="page">
        <EmptyState title={t('admin.forbidden')} />
      </div>
    );
  }
  const current = SECTIONS.find((s) => s.slug === section) ?? SECTIONS[0]!;
  return (
    <div class="page">
      <PageHeader title={t('admin.title')} />
      <nav class="tabs" aria-label={t('admin.tabs')}>
        {SECTIONS.map((s) => (
          <a
            key={s.slug}
            href={`/admin/${s.slug}`}
            class={`tab${s === current ? ' active' : ''}`}
            aria-current={s === current ? 'page' : undefined}
          >
            <Icon name={s.icon} size={18} />
            {t(s.label)}
          </a>
        ))}
      </nav>
      {current.slug === 'organizations' && <OrganizationsSection />}
      {current.slug === 'meeting-points' && <MeetingPointsSection />}
      {current.slug === 'users' && <UsersSection />}
      {current.slug === 'audit' && <AuditSection />}
    </div>
  );
}
