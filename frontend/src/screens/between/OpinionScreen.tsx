import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api/client';
import { approvals as approvalsApi, meetings, type Participant } from '../../api/meetings';
import { opinions, type Choice, type FormView, type Summary } from '../../api/opinions';
import { Button } from '../../components/Button';
import { PageHeader } from '../../components/Layout';
import { ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { AnswerSignFields, SignatureBadge, useSigning } from './AnswerSign';
import { when } from './format';
import type { SignAnswer } from '../../api/opinions';
import '../../styles/between.css';

const CHOICES: Choice[] = ['agree', 'disagree', 'other'];

/** Runs an action of the page: a toast with the outcome, then the page reloads. */
async function act(fn: () => Promise<unknown>, done: string, reload: () => void, busy?: (b: boolean) => void) {
  busy?.(true);
  try {
    await fn();
    toast(done);
    reload();
  } catch (err) {
    toast(errorText(err), 'error');
  } finally {
    busy?.(false);
  }
}

/**
 * One written opinion form: the recipient reads the draft and answers (a later answer is a
 * correction; every answer stays on record); the secretary follows who answered, reminds,
 * closes, writes the summary, sends it for approval and files it; the leader approves it here.
 */
export function OpinionScreen({ formId }: { formId: number }) {
  const [view, setView] = useState<FormView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => opinions.get(formId).then((v) => { setView(v); setError(null); }, setError);
  useEffect(() => {
    void load();
  }, [formId]);
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (!view) return <Loading />;
  const f = view.form;
  const open = f.status === 'open' && new Date(f.deadline).getTime() > Date.now();
  return (
    <div class="page between-page" data-testid="opinion-page">
      <PageHeader title={f.title} subtitle={`${f.meeting_title} · ${t('op.until', { when: when(f.deadline) })}`} />
      <div class="meeting-bar">
        <span class="badges">
          <span class={`badge op-${f.status}`} data-testid="opinion-status">{t(`op.status.${f.status}`)}</span>
          <span class="badge" data-testid="opinion-progress">{t('op.progress', { answered: f.answered, total: f.recipients })}</span>
        </span>
        <span class="btn-row">
          <a class="btn btn-secondary btn-sm" href={opinions.draftUrl(f.id)} target="_blank" rel="noopener">{t('op.readDraft', { version: f.draft_version })}</a>
          {view.member && <a class="btn btn-ghost btn-sm" href={`/meetings/${f.meeting_id}?tab=opinions`}>{t('op.back')}</a>}
        </span>
      </div>
      {view.mine.length > 0 && <AnswerCard view={view} open={open} onSent={load} />}
      {view.organizer && <FollowCard view={view} open={open} onChange={load} />}
      {(view.organizer || view.summary) && <SummaryCard view={view} onChange={load} />}
    </div>
  );
}

function AnswerCard({ view, open, onSent }: { view: FormView; open: boolean; onSent: () => void }) {
  const f = view.form;
  const [recipient, setRecipient] = useState(view.mine[0]!.id);
  const [items, setItems] = useState(f.questions.map(() => ({ choice: '' as Choice | '', text: '' })));
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const signing = useSigning();
  const [sign, setSign] = useState<SignAnswer | null>(null);
  const mine = view.answers.filter((a) => a.recipient_id === recipient);
  const set = (i: number, patch: Partial<{ choice: Choice; text: string }>) => setItems(items.map((it, j) => (j === i ? { ...it, ...patch } : it)));
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      await opinions.answer(f.id, recipient, items.map((it) => ({ choice: it.choice as Choice, text: it.text })), file, signing ? sign : null);
      toast(t('op.answered'));
      onSent();
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" data-testid="opinion-answer">
      {open ? (
        <form onSubmit={submit}>
          {view.mine.length > 1 && (
            <label class="field-label">{t('op.answerFor')}
              <select class="input" value={String(recipient)} onChange={(e) => setRecipient(Number(e.currentTarget.value))}>
                {view.mine.map((r) => <option key={r.id} value={String(r.id)}>{r.name}</option>)}
              </select>
            </label>
          )}
          {f.questions.map((q, i) => (
            <fieldset key={i} class="between-question" data-testid="opinion-question">
              <legend>{i + 1}. {q}</legend>
              <div class="choice-row">
                {CHOICES.map((c) => (
                  <label key={c} class={`choice${items[i]!.choice === c ? ' chosen' : ''}`}>
                    <input type="radio" name={`q${i}`} checked={items[i]!.choice === c} onChange={() => set(i, { choice: c })} />
                    {t(`op.choice.${c}`)}
                  </label>
                ))}
              </div>
              <textarea class="input" rows={2} aria-label={`${t('op.text')} ${i + 1}`} placeholder={t('op.text')} value={items[i]!.text}
                onInput={(e) => set(i, { text: e.currentTarget.value })} />
            </fieldset>
          ))}
          <label class="field-label" for="op-file">{t('op.file')}</label>
          <input id="op-file" class="input" type="file" accept=".pdf,.docx,.xlsx" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          {signing && <AnswerSignFields formId={f.id} config={signing} value={sign} onChange={setSign} />}
          <p class="muted">{t('op.finalHint')}</p>
          {err && <p class="field-error" role="alert" data-testid="answer-error">{err}</p>}
          <Button type="submit" busy={busy} data-testid="answer-submit">{mine.length ? t('op.correct') : t('op.submit')}</Button>
        </form>
      ) : <p class="muted" data-testid="opinion-closed">{t('op.closedHint')}</p>}
      {mine.length > 0 && <AnswerList view={view} answers={mine} title={t('op.mine')} />}
    </section>
  );
}

function AnswerList({ view, answers, title }: { view: FormView; answers: FormView['answers']; title: string }) {
  return (
    <div class="between-answers">
      <h3>{title}</h3>
      <ul>
        {answers.map((a) => (
          <li key={a.id} class={a.latest ? 'answer latest' : 'answer superseded'} data-testid="answer">
            <strong>{a.recipient_name}</strong> · {t('op.revision', { revision: a.revision })} ({a.latest ? t('op.latest') : t('op.superseded')}) ·{' '}
            <span class="muted">{t('op.by', { name: a.answered_by_name, when: when(a.answered_at) })}</span>
            <ol>
              {a.items.map((it, i) => <li key={i}>{t(`op.choice.${it.choice}`)}{it.text ? `: ${it.text}` : ''}</li>)}
            </ol>
            {a.has_attachment && <a href={opinions.fileUrl(view.form.id, a.id)} target="_blank" rel="noopener">{t('op.attachment')}: {a.attachment_name}</a>}
            <SignatureBadge sig={a.signature} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function FollowCard({ view, open, onChange }: { view: FormView; open: boolean; onChange: () => void }) {
  const f = view.form;
  const run = (fn: () => Promise<unknown>, done: string) => act(fn, done, onChange);
  const missing = (view.recipients ?? []).filter((r) => r.revisions === 0).length;
  return (
    <section class="card" data-testid="opinion-follow">
      <h3>{t('op.recipients')}</h3>
      <ul class="between-recipients">
        {(view.recipients ?? []).map((r) => (
          <li key={r.id} class={r.revisions ? 'answered' : 'waiting'} data-testid="recipient">
            <span>{r.name}</span>
            <span class="muted">{r.revisions ? t('op.answeredTimes', { n: r.revisions }) : t('op.notAnswered')}</span>
          </li>
        ))}
      </ul>
      {(view.reminders?.length ?? 0) > 0 && <p class="muted">{t('op.reminders', { n: view.reminders!.length })}</p>}
      {f.status === 'open' && (
        <span class="btn-row">
          {open && missing > 0 && <Button variant="secondary" onClick={() => run(() => opinions.remind(f.id), t('op.reminded', { n: missing }))} data-testid="opinion-remind">{t('op.remind')}</Button>}
          <Button variant="danger" onClick={() => { if (confirm(t('op.closeConfirm'))) void run(() => opinions.close(f.id), t('op.closed')); }} data-testid="opinion-close">{t('op.close')}</Button>
        </span>
      )}
      {view.answers.length > 0 && <AnswerList view={view} answers={view.answers} title={t('op.history')} />}
    </section>
  );
}

function SummaryCard({ view, onChange }: { view: FormView; onChange: () => void }) {
  const f = view.form;
  const [draft, setDraft] = useState<Summary | null>(view.summary?.content ?? null);
  const [leaders, setLeaders] = useState<Participant[]>([]);
  const [leader, setLeader] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(view.summary?.content ?? null), [view.summary?.version]);
  useEffect(() => {
    if (view.organizer) meetings.snapshot(f.meeting_id).then((s) => setLeaders(s.participants.filter((p) => p.user_id && (p.role === 'chair' || p.role === 'delegate'))), () => setLeaders([]));
  }, [f.meeting_id, view.organizer]);
  const run = (fn: () => Promise<unknown>, done: string) => act(fn, done, onChange, setBusy);
  const edit = (patch: Partial<Summary>) => setDraft(draft ? { ...draft, ...patch } : draft);
  const editQ = (i: number, patch: Partial<Summary['questions'][number]>) => edit({ questions: draft!.questions.map((q, j) => (j === i ? { ...q, ...patch } : q)) });
  const sum = view.summary;
  const me = view.member?.user_id;
  return (
    <section class="card" data-testid="opinion-summary">
      <h3>{t('op.summary')}</h3>
      {view.organizer && (
        <span class="btn-row">
          <Button variant="secondary" onClick={() => opinions.draftSummary(f.id).then(setDraft, (e) => toast(errorText(e), 'error'))} data-testid="summary-draft">{t('op.summaryDraft')}</Button>
          {sum && <a class="btn btn-ghost btn-sm" href={`/api/meetings/${f.meeting_id}/documents/${sum.document_id}/file`} target="_blank" rel="noopener">{t('op.summaryPdf')}</a>}
        </span>
      )}
      {f.status === 'open' && view.organizer && <p class="muted">{t('op.summaryHint')}</p>}
      {draft && (
        <div class="summary-edit">
          <label class="field-label">{t('op.sTitle')}<input class="input" value={draft.title} readOnly={!view.organizer} onInput={(e) => edit({ title: e.currentTarget.value })} /></label>
          <label class="field-label">{t('op.sIntro')}<textarea class="input" rows={3} value={draft.introduction} readOnly={!view.organizer} onInput={(e) => edit({ introduction: e.currentTarget.value })} /></label>
          {draft.questions.map((q, i) => (
            <fieldset key={i} class="between-question" data-testid="summary-question">
              <legend>{i + 1}. {q.question}</legend>
              <div class="choice-row">
                {(['agree', 'disagree', 'other'] as const).map((k) => (
                  <label key={k} class="count">{t(k === 'agree' ? 'op.sAgree' : k === 'disagree' ? 'op.sDisagree' : 'op.sOther')}
                    <input class="input" type="number" min={0} value={q[k]} readOnly={!view.organizer} data-testid={`summary-${k}`}
                      onInput={(e) => editQ(i, { [k]: Number(e.currentTarget.value) })} />
                  </label>
                ))}
              </div>
              <textarea class="input" rows={3} aria-label={t('op.sOpinions')} value={q.opinions} readOnly={!view.organizer} onInput={(e) => editQ(i, { opinions: e.currentTarget.value })} />
            </fieldset>
          ))}
          <label class="field-label">{t('op.sMissing')}<textarea class="input" rows={2} value={draft.not_answered} readOnly={!view.organizer} onInput={(e) => edit({ not_answered: e.currentTarget.value })} /></label>
          <label class="field-label">{t('op.sProposal')}<textarea class="input" rows={3} value={draft.proposal} readOnly={!view.organizer} onInput={(e) => edit({ proposal: e.currentTarget.value })} /></label>
          {view.organizer && (
            <Button busy={busy} disabled={f.status !== 'closed'} data-testid="summary-save"
              onClick={() => run(async () => { const r = await opinions.saveSummary(f.id, sum?.version ?? 0, draft); toast(t('op.summarySaved', { version: r.version })); }, t('action.done'))}>
              {t('op.saveSummary')}
            </Button>
          )}
        </div>
      )}
      {sum && view.organizer && (
        <form class="form-row" data-testid="summary-approval-form" onSubmit={(e) => {
          e.preventDefault();
          if (leader) void run(() => approvalsApi.request(f.meeting_id, 'document', Number(leader), '', sum.document_version_id), t('op.approvalSent'));
        }}>
          <select class="input" value={leader} onChange={(e) => setLeader(e.currentTarget.value)} aria-label={t('op.leader')}>
            <option value="">{t('op.leader')}</option>
            {leaders.map((p) => <option key={p.id} value={String(p.user_id)}>{p.name}{p.title ? ` — ${p.title}` : ''}</option>)}
          </select>
          <Button type="submit" busy={busy}>{t('op.sendApproval')}</Button>
        </form>
      )}
      <ul class="approval-list">
        {view.approvals.map((a) => (
          <li key={a.id} class={`approval approval-${a.status}`} data-testid="summary-approval">
            <div>{a.title} ({t('rec.version', { version: a.subject_version })}) — {a.leader_name} · <span data-testid="summary-approval-status">{t(`appr.status.${a.status}`)}</span></div>
            {a.status === 'pending' && a.leader_id === me && (
              <span class="btn-row">
                <Button onClick={() => run(() => approvalsApi.decide(f.meeting_id, a.id, true, ''), t('op.approved'))} data-testid="summary-approve">{t('op.approve')}</Button>
                <Button variant="secondary" onClick={() => {
                  const c = prompt(t('appr.comment'));
                  if (c && c.trim()) void run(() => approvalsApi.decide(f.meeting_id, a.id, false, c), t('action.done'));
                }}>{t('op.return')}</Button>
              </span>
            )}
            {a.status === 'approved' && view.organizer && (
              <Button variant="secondary" onClick={() => {
                const signer = prompt(t('reg.signerPrompt'));
                if (!signer || !signer.trim()) return;
                void run(async () => {
                  const e = await api.post<{ symbol: string }>(`/api/meetings/${f.meeting_id}/approvals/${a.id}/file`, { signer, doc_type: 'BC', summary: draft?.title ?? f.title });
                  toast(t('reg.filed', { symbol: e.symbol }));
                }, t('action.done'));
              }} data-testid="summary-file">{t('op.file.register')}</Button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
