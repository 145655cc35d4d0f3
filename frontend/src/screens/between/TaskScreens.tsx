import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { tasks, type Task, type TaskReport, type TaskStatus } from '../../api/tasks';
import { Button } from '../../components/Button';
import { PageHeader } from '../../components/Layout';
import { EmptyState, ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { when } from './format';
import { TaskRow } from './TasksTab';
import '../../styles/between.css';

/** The tasks a person follows: their unit's, their own, and those of the meetings they chair. */
export function MyTasksScreen() {
  const [list, setList] = useState<Task[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  useEffect(() => {
    tasks.mine().then(setList, setError);
  }, []);
  if (error) return <ErrorBox message={errorText(error)} />;
  if (!list) return <Loading />;
  const shown = onlyOverdue ? list.filter((x) => x.overdue) : list;
  return (
    <div class="page between-page">
      <PageHeader title={t('task.mine')} subtitle={t('task.mineHint')} />
      <label class="check"><input type="checkbox" checked={onlyOverdue} onChange={() => setOnlyOverdue(!onlyOverdue)} />{t('task.onlyOverdue')}</label>
      {shown.length === 0 && <EmptyState title={t('task.empty')} />}
      <ul class="between-list">{shown.map((x) => <TaskRow key={x.id} task={x} />)}</ul>
    </div>
  );
}

/** One task: what was concluded, its progress reports, and the unit's report form. */
export function TaskScreen({ taskId }: { taskId: number }) {
  const [view, setView] = useState<{ task: Task; reports: TaskReport[]; can_report: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<TaskStatus>('in_progress');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () => tasks.get(taskId).then(setView, setError);
  useEffect(() => {
    void load();
  }, [taskId]);
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (!view) return <Loading />;
  const task = view.task;
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      await tasks.report(taskId, status, text, file);
      toast(t('task.reported'));
      setText('');
      void load();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="page between-page" data-testid="task-page">
      <PageHeader title={task.title} subtitle={`${task.meeting_title} · ${task.organization_name}`} />
      <div class="meeting-bar">
        <span class="badges">
          <span class={`badge${task.overdue ? ' task-overdue' : ''}`} data-testid="task-state">{t(`task.state.${task.state}`)}</span>
          <span class="badge">{t('task.until', { when: when(task.deadline) })}</span>
          {task.late && <span class="badge">{t('task.late')}</span>}
        </span>
      </div>
      <section class="card"><p>{task.content}</p></section>
      <section class="card">
        <h3>{t('task.reports')}</h3>
        {view.reports.length === 0 && <p class="muted">{t('task.noReports')}</p>}
        <ul class="between-answers">
          {view.reports.map((r) => (
            <li key={r.id} class="answer">
              <strong>{t(`task.state.${r.status}`)}</strong> · <span class="muted">{t('op.by', { name: r.user_name, when: when(r.created_at) })}</span>
              <p>{r.text}</p>
              {r.has_attachment && <a href={tasks.fileUrl(taskId, r.id)} target="_blank" rel="noopener">{t('op.attachment')}: {r.attachment_name}</a>}
            </li>
          ))}
        </ul>
      </section>
      {view.can_report && task.status !== 'done' ? (
        <form class="card between-form" onSubmit={submit} data-testid="task-report">
          <h3>{t('task.report')}</h3>
          <label class="field-label" for="task-status">{t('task.status')}</label>
          <select id="task-status" class="input" value={status} onChange={(e) => setStatus(e.currentTarget.value as TaskStatus)}>
            {(['todo', 'in_progress', 'done'] as const).map((s) => <option key={s} value={s}>{t(`task.state.${s}`)}</option>)}
          </select>
          <label class="field-label" for="task-text">{t('task.reportText')}</label>
          <textarea id="task-text" class="input" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <label class="field-label" for="task-file">{t('task.file')}</label>
          <input id="task-file" class="input" type="file" accept=".pdf,.docx,.xlsx" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          <Button type="submit" busy={busy}>{t('task.report')}</Button>
        </form>
      ) : !view.can_report && <p class="muted">{t('task.unitOnly')}</p>}
    </div>
  );
}
