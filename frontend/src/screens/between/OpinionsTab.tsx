import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../../api/client';
import { documents, type Doc } from '../../api/documents';
import type { Snapshot } from '../../api/meetings';
import { opinions, type OpinionForm } from '../../api/opinions';
import type { Items, Organization } from '../../api/types';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { BetweenLinks } from './BetweenLinks';
import { localInput, when } from './format';
import '../../styles/between.css';

/** The meeting's written opinion forms; organizers send new ones from here. */
export function OpinionsTab({ snap, version }: { snap: Snapshot; version: number }) {
  const id = snap.meeting.id;
  const [list, setList] = useState<OpinionForm[]>([]);
  const load = () => opinions.list(id).then(setList, () => setList([]));
  useEffect(() => {
    void load();
  }, [id, version]);
  const organizer = snap.me.organizer && snap.me.role !== 'guest';
  return (
    <div class="between" data-testid="opinions">
      <BetweenLinks />
      {list.length === 0 && <EmptyState title={t('op.empty')} />}
      <ul class="between-list">
        {list.map((f) => (
          <li key={f.id} class="between-item" data-testid="opinion-row">
            <div>
              <a href={`/opinions/${f.id}`} class="between-title">{f.title}</a>
              <div class="muted">
                {f.draft_title} · {t('op.until', { when: when(f.deadline) })} · <span data-testid="opinion-progress">{t('op.progress', { answered: f.answered, total: f.recipients })}</span>
              </div>
            </div>
            <span class={`badge op-${f.status}`}>{t(`op.status.${f.status}`)}</span>
          </li>
        ))}
      </ul>
      {organizer && <NewFormCard snap={snap} onSent={load} />}
    </div>
  );
}

function NewFormCard({ snap, onSent }: { snap: Snapshot; onSent: () => void }) {
  const id = snap.meeting.id;
  const [drafts, setDrafts] = useState<Doc[]>([]);
  const [units, setUnits] = useState<Organization[]>([]);
  const [title, setTitle] = useState('');
  const [draft, setDraft] = useState('');
  const [questions, setQuestions] = useState('');
  const [deadline, setDeadline] = useState(localInput(new Date(Date.now() + 3 * 24 * 3600_000)));
  const [people, setPeople] = useState<number[]>([]);
  const [orgs, setOrgs] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  useEffect(() => {
    documents.list(id).then((l) => setDrafts(l.filter((d) => d.kind === 'draft')), () => setDrafts([]));
    api.get<Items<Organization>>('/api/organizations').then((r) => setUnits(r.items ?? []), () => setUnits([]));
  }, [id]);
  const members = snap.participants.filter((p) => p.user_id && p.role !== 'operator');
  const toggle = (list: number[], set: (v: number[]) => void, v: number) => set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  async function submit(e: Event) {
    e.preventDefault();
    const doc = drafts.find((d) => String(d.id) === draft);
    const ver = doc?.versions[doc.versions.length - 1];
    setBusy(true);
    setError(null);
    try {
      await opinions.create(id, {
        title, draft_version_id: ver?.id ?? 0, deadline: new Date(deadline).toISOString(),
        questions: questions.split('\n').map((q) => q.trim()).filter(Boolean), user_ids: people, organization_ids: orgs,
      });
      toast(t('op.sent'));
      setTitle('');
      setQuestions('');
      setPeople([]);
      setOrgs([]);
      onSent();
    } catch (err) {
      setError({ field: err instanceof ApiError ? err.field : undefined, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card between-form" onSubmit={submit} data-testid="opinion-new">
      <h3>{t('op.new')}</h3>
      <label class="field-label" for="op-title">{t('op.title')}</label>
      <input id="op-title" class="input" value={title} onInput={(e) => setTitle(e.currentTarget.value)} required />
      <label class="field-label" for="op-draft">{t('op.draft')}</label>
      {drafts.length === 0 ? <p class="muted">{t('op.noDrafts')}</p> : (
        <select id="op-draft" class="input" value={draft} onChange={(e) => setDraft(e.currentTarget.value)}>
          <option value="">{t('op.draftPick')}</option>
          {drafts.map((d) => <option key={d.id} value={String(d.id)}>{d.title}</option>)}
        </select>
      )}
      <label class="field-label" for="op-questions">{t('op.questions')}</label>
      <textarea id="op-questions" class="input" rows={4} value={questions} onInput={(e) => setQuestions(e.currentTarget.value)} />
      <label class="field-label" for="op-deadline">{t('op.deadline')}</label>
      <input id="op-deadline" class="input" type="datetime-local" value={deadline} onInput={(e) => setDeadline(e.currentTarget.value)} />
      <fieldset class="between-choices">
        <legend>{t('op.people')}</legend>
        {members.map((p) => (
          <label key={p.id} class="check">
            <input type="checkbox" checked={people.includes(p.user_id!)} onChange={() => toggle(people, setPeople, p.user_id!)} />
            {p.name}{p.title ? ` — ${p.title}` : ''}
          </label>
        ))}
      </fieldset>
      <fieldset class="between-choices">
        <legend>{t('op.units')}</legend>
        {units.map((o) => (
          <label key={o.id} class="check">
            <input type="checkbox" checked={orgs.includes(o.id)} onChange={() => toggle(orgs, setOrgs, o.id)} />
            {o.name}
          </label>
        ))}
      </fieldset>
      {error && <p class="field-error" role="alert" data-testid="opinion-error">{error.text}</p>}
      <Button type="submit" busy={busy}>{t('op.send')}</Button>
    </form>
  );
}
