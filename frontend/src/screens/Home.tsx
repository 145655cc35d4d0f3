import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api/client';
import { organizations } from '../api/endpoints';
import type { Organization, User } from '../api/types';
import { PageHeader } from '../components/Layout';
import { Card, EmptyState, ErrorBox, Loading } from '../components/Status';
import { t } from '../i18n';
import { MyMeetings } from './meetings/MyMeetings';
import { HomeDocuments } from './meetings/HomeDocuments';
import { secretaryOf } from '../session';

export function HomeScreen({ user }: { user: User }) {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  function load() {
    setError(null);
    setOrgs(null);
    organizations.mine().then(setOrgs, setError);
  }
  useEffect(load, []);

  const secretary = new Set(secretaryOf(user));

  return (
    <div class="page">
      <PageHeader title={t('home.greeting', { name: user.full_name })} subtitle={[user.title, user.organization_name].filter(Boolean).join(' · ')} />
      <div class="home-grid">
        <Card title={t('home.myMeetings')} class="home-meetings">
          {(user.is_admin || secretary.size > 0) && (
            <a class="btn btn-primary btn-sm" href="/meetings/new" data-testid="new-meeting">{t('meetings.new')}</a>
          )}
          <MyMeetings />
        </Card>
        <Card title={t('home.myOrgs')} class="home-orgs">
          {error ? (
            <ErrorBox message={errorText(error)} onRetry={load} />
          ) : orgs === null ? (
            <Loading />
          ) : orgs.length === 0 ? (
            <EmptyState title={t('home.noOrgs')} />
          ) : (
            <ul class="org-list" data-testid="my-orgs">
              {orgs.map((o) => (
                <li key={o.id} class="org-item">
                  <span class={`level-dot level-${o.level}`} aria-hidden="true" />
                  <div class="org-item-text">
                    <span class="org-item-name">{o.name}</span>
                    <span class="org-item-meta">
                      {t(`level.${o.level}`)} · {o.abbreviation}
                    </span>
                  </div>
                  <span class="org-item-badges">
                    {o.id === user.organization_id && <span class="badge">{t('home.ownOrg')}</span>}
                    {secretary.has(o.id) && <span class="badge badge-red">{t('home.roleSecretary')}</span>}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title={t('home.documents')} class="home-docs">
          <HomeDocuments />
        </Card>
      </div>
    </div>
  );
}
