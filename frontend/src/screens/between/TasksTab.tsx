import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import { records, type Conclusion, type Snapshot } from '../../api/meetings';
import { tasks, type Task } from '../../api/tasks';
import type { Items, Organization } from '../../api/types';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { BetweenLinks } from './BetweenLinks';
import { localInput, when } from './format';
import '../../styles/between.css';

/** One task in a list: title, unit, deadline and its state, overdue flagged. */
export function TaskRow({ task }: { task: Task }) {
  return (
    <li class="between-item" data-testid="task-row">
      <div>
        <a href={`/tasks/${task.id}`} class="between-title">{task.title}</a>
        <div class="muted">
          {task.organization_name}{task.owner_name ? ` (${task.owner_name})` : ''} · {t('task.until', { when: when(task.deadline) })}
          {task.late && ` · ${t('task.late')}`}
        </div>
      </div>
      <span class={`badge${task.overdue ? ' task-overdue' : ''}`} data-testid="task-state">{t(`task.state.${task.state}`)}</span>
    </li>
  );
}

/** The meeting's tasks from its conclusions; organizers assign new ones. */
export function TasksTab({ snap }: { snap: Snapshot }) {
  const id = snap.meeting.id;
  const [list, setList] = useState<Task[]>([]);
  const load = () => tasks.forMeeting(id).then(setList, () => setList([]));
  useEffect(() => {
    void load();
  }, [id]);
  const organizer = snap.me.organizer && snap.me.role !== 'guest';
  return (
    <div class="between" data-testid="tasks">
      <BetweenLinks />
      {list.length === 0 && <EmptyState title={t('task.empty')} />}
      <ul class="between-list">{list.map((x) => <TaskRow key={x.id} task={x} />)}</ul>
      {organizer && <NewTaskCard meetingId={id} onDone={load} />}
    </div>
  );
}

function NewTaskCard({ meetingId, onDone }: { meetingId: number; onDone: () => void }) {
  const [conclusion, setConclusion] = useState<Conclusion | null>(null);
  const [units, setUnits] = useState<Organization[]>([]);
  const [index, setIndex] = useState('0');
  const [title, setTitle] = useState('');
  const [unit, setUnit] = useState('');
  const [owner, setOwner] = useState('');
  const [deadline, setDeadline] = useState(localInput(new Date(Date.now() + 14 * 24 * 3600_000)));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    records.get<Conclusion>(meetingId, 'conclusion').then((r) => setConclusion(r.content), () => setConclusion(null));
    api.get<Items<Organization>>('/api/organizations').then((r) => setUnits(r.items ?? []), () => setUnits([]));
  }, [meetingId]);
  if (!conclusion || conclusion.items.length === 0) return <p class="muted">{t('task.noConclusion')}</p>;
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await tasks.create(meetingId, { conclusion_index: Number(index), title, organization_id: Number(unit), owner_id: owner ? Number(owner) : null, deadline: new Date(deadline).toISOString() });
      toast(t('task.assigned'));
      setTitle('');
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card between-form" onSubmit={submit} data-testid="task-new">
      <h3>{t('task.new')}</h3>
      <label class="field-label" for="task-conclusion">{t('task.conclusion')}</label>
      <select id="task-conclusion" class="input" value={index} onChange={(e) => setIndex(e.currentTarget.value)}>
        {conclusion.items.map((it, i) => <option key={i} value={String(i)}>{i + 1}. {it.title}</option>)}
      </select>
      <p class="muted">{conclusion.items[Number(index)]?.conclusion}</p>
      <label class="field-label" for="task-title">{t('task.title')}</label>
      <input id="task-title" class="input" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      <label class="field-label" for="task-unit">{t('task.unit')}</label>
      <select id="task-unit" class="input" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
        <option value="">{t('task.unitPick')}</option>
        {units.map((o) => <option key={o.id} value={String(o.id)}>{o.name}</option>)}
      </select>
      <label class="field-label" for="task-owner">{t('task.ownerId')}</label>
      <input id="task-owner" class="input" inputMode="numeric" value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
      <label class="field-label" for="task-deadline">{t('task.deadline')}</label>
      <input id="task-deadline" class="input" type="datetime-local" value={deadline} onInput={(e) => setDeadline(e.currentTarget.value)} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <Button type="submit" busy={busy}>{t('task.assign')}</Button>
    </form>
  );
}
