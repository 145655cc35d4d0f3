// The home page's "Tài liệu họp": the documents the person may read, of their meetings that are
// coming or going on, so a delegate prepares without opening each meeting.
import { useEffect, useState } from 'preact/hooks';
import { documents, type Doc } from '../../api/documents';
import { meetings, type MeetingSummary } from '../../api/meetings';
import { EmptyState, Loading } from '../../components/Status';
import { t } from '../../i18n';

const MEETINGS = 5; // the nearest meetings: a handful of requests, not one per meeting ever held

export function HomeDocuments() {
  const [groups, setGroups] = useState<{ m: MeetingSummary; docs: Doc[] }[] | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const mine = (await meetings.mine().catch(() => [])).filter((m) => ['scheduled', 'in_session', 'paused'].includes(m.status)).slice(0, MEETINGS);
      const out = await Promise.all(mine.map(async (m) => ({ m, docs: (await documents.list(m.id).catch(() => [])).filter((d) => d.readable && d.kind !== 'recording') })));
      if (live) setGroups(out.filter((g) => g.docs.length > 0));
    })();
    return () => {
      live = false;
    };
  }, []);
  if (groups === null) return <Loading />;
  if (groups.length === 0) return <EmptyState icon="document" title={t('home.documentsEmpty')} />;
  return (
    <div class="home-doc-groups" data-testid="home-documents">
      {groups.map(({ m, docs }) => (
        <section key={m.id} class="home-doc-group">
          <h3 class="home-doc-meeting"><a href={`/meetings/${m.id}?tab=documents`}>{m.title}</a></h3>
          <ul class="home-doc-list">
            {docs.map((d) => (
              <li key={d.id}><a href={`/meetings/${m.id}/documents/${d.id}`} data-testid="home-doc">{d.title}</a></li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
