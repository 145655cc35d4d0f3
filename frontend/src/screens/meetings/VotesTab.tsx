import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { votes as votesApi, type Snapshot, type Vote, type VoteKind } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState, ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

/** Votes: the chair's controls, the delegate's voting panel (large buttons, a clear receipt). */
export function VotesTab({ snap, version, turnout }: { snap: Snapshot; version: number; turnout: Record<number, number> }) {
  const id = snap.meeting.id;
  const [list, setList] = useState<Vote[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => votesApi.list(id).then(setList, setError);
  useEffect(() => {
    void load();
  }, [id, version]);
  const me = snap.me;
  const prepares = me.role === 'chair' || me.role === 'secretary';

  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (list === null) return <Loading />;
  return (
    <div class="votes" data-testid="votes">
      {list.length === 0 && <EmptyState title={t('vote.empty')} />}
      {[...list].reverse().map((v) => (
        <VoteCard key={v.id} meetingId={id} v={v} chair={me.role === 'chair'} liveTurnout={turnout[v.id]} onChange={load} />
      ))}
      {prepares && <NewVote meetingId={id} snap={snap} onCreated={load} />}
    </div>
  );
}

export function VoteResult({ v }: { v: Vote }) {
  if (!v.counts || !v.result) return null;
  const members = v.tally?.members ?? v.eligible;
  return (
    <div class="vote-result" data-testid="vote-result">
      <ul class="vote-counts">
        {v.options.map((o, i) => (
          <li key={i}>
            <span class="vote-option">{o}</span>
            <span class={`vote-bar${v.kind === 'choice' && v.result!.chosen === i ? ' vote-bar-chosen' : ''}`} style={{ '--w': `${members ? (100 * (v.counts![i] ?? 0)) / members : 0}%` }} />
            <strong data-testid="vote-count">{v.counts![i] ?? 0}</strong>
          </li>
        ))}
      </ul>
      <p class={`vote-outcome ${outcomeClass(v)}`} data-testid="vote-outcome">
        {outcomeText(v)}
      </p>
      <p class="muted mono" title={t('vote.hash')}>{t('vote.hash')}: {v.result.hash.slice(0, 16)}…</p>
    </div>
  );
}

/** A choice vote names the chosen option (neutral colour): no option is a "pass" or a "fail". */
function outcomeText(v: Vote): string {
  const r = v.result!;
  if (!r.quorum_met) return t('vote.noQuorum');
  if (v.kind === 'choice') return r.chosen !== undefined ? t('vote.chosen', { option: v.options[r.chosen] ?? '' }) : t('vote.noneChosen');
  return r.passed ? t('vote.passed') : t('vote.failed');
}

function outcomeClass(v: Vote): string {
  if (v.kind === 'choice') return 'chosen';
  return v.result!.passed ? 'passed' : 'failed';
}

function VoteCard({ meetingId, v, chair, liveTurnout, onChange }: { meetingId: number; v: Vote; chair: boolean; liveTurnout?: number | undefined; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      onChange();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  const turnout = Math.max(v.turnout, liveTurnout ?? 0);
  const vote = (i: number) =>
    act(async () => {
      await votesApi.ballot(meetingId, v.id, i);
      setReceipt(v.secret ? t('vote.recorded') : t('vote.recordedChoice', { choice: v.options[i] ?? '' }));
    });
  return (
    <section class={`vote-card vote-${v.status}`} data-testid="vote-card" aria-label={v.question}>
      <header class="vote-head">
        <h3 class="vote-question">{v.question}</h3>
        <span class="badges">
          <span class="badge">{v.secret ? t('vote.secretBadge') : t('vote.openBadge')}</span>
          {v.kind === 'choice' && <span class="badge" data-testid="vote-kind">{t('vote.choiceBadge')}</span>}
          <span class="badge badge-navy" data-testid="vote-status">{t(`vote.status.${v.status}`)}</span>
        </span>
      </header>
      {v.status !== 'created' && <p class="vote-turnout" data-testid="vote-turnout">{t('vote.turnout', { turnout, eligible: v.eligible })}</p>}
      {v.status === 'open' && !v.voted && !receipt && (
        <div class="ballot" role="group" aria-label={v.question}>
          {v.options.map((o, i) => (
            <button key={i} type="button" class={`ballot-btn ${v.kind === 'choice' ? 'ballot-choice' : `ballot-${i}`}`} disabled={busy} onClick={() => vote(i)} data-testid="ballot-option">
              {o}
            </button>
          ))}
        </div>
      )}
      {(receipt || (v.voted && v.status === 'open')) && (
        <p class="alert alert-success vote-receipt" role="status" data-testid="vote-receipt">
          ✓ {receipt ?? (v.my_choice !== undefined ? t('vote.recordedChoice', { choice: v.options[v.my_choice] ?? '' }) : t('vote.recorded'))}
        </p>
      )}
      <VoteResult v={v} />
      {chair && (
        <div class="btn-row">
          {v.status === 'created' && <Button busy={busy} onClick={() => act(() => votesApi.act(meetingId, v.id, 'open'))} data-testid="vote-open">{t('vote.open')}</Button>}
          {v.status === 'open' && <Button variant="danger" busy={busy} onClick={() => act(() => votesApi.act(meetingId, v.id, 'close'))} data-testid="vote-close">{t('vote.close')}</Button>}
          {v.status === 'closed' && <Button busy={busy} onClick={() => act(() => votesApi.act(meetingId, v.id, 'publish'))} data-testid="vote-publish">{t('vote.publish')}</Button>}
        </div>
      )}
    </section>
  );
}

function NewVote({ meetingId, snap, onCreated }: { meetingId: number; snap: Snapshot; onCreated: () => void }) {
  const [q, setQ] = useState('');
  const [opts, setOpts] = useState('');
  const [secret, setSecret] = useState(false);
  const [kind, setKind] = useState<VoteKind>('approval');
  const [majority, setMajority] = useState('half_of_members');
  const [electorate, setElectorate] = useState<'present' | 'all'>('present');
  const [busy, setBusy] = useState(false);
  const current = snap.agenda.find((a) => a.current);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      const options = opts.split('\n').map((s) => s.trim()).filter(Boolean);
      await votesApi.create(meetingId, { question: q, kind, secret, majority, electorate, agenda_item_id: current?.id ?? null, ...(options.length ? { options } : {}) });
      setQ('');
      setOpts('');
      onCreated();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form card-body new-vote" onSubmit={submit} data-testid="new-vote">
      <h3>{t('vote.new')}</h3>
      <label class="field-label" for="vote-q">{t('vote.question')}</label>
      <input id="vote-q" class="input" name="question" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <fieldset class="vote-kind">
        <legend class="field-label">{t('vote.kind')}</legend>
        {(['approval', 'choice'] as const).map((k) => (
          <label key={k} class="check">
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`vote-kind-${k}`} /> {t(`vote.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      <label class="field-label" for="vote-o">{kind === 'choice' ? t('vote.choiceOptions') : t('vote.options')}</label>
      <textarea id="vote-o" class="input" rows={3} name="options" value={opts} onInput={(e) => setOpts(e.currentTarget.value)} />
      <div class="form-row">
        <label class="check"><input type="checkbox" name="secret" checked={secret} onChange={(e) => setSecret(e.currentTarget.checked)} /> {t('vote.secret')}</label>
        <select class="input" value={majority} onChange={(e) => setMajority(e.currentTarget.value)} aria-label={t('vote.majority')}>
          {['half_of_members', 'two_thirds_of_members', 'half_of_present'].map((m) => <option key={m} value={m}>{t(`vote.majority.${m}` as 'vote.majority.half_of_members')}</option>)}
        </select>
        <select class="input" value={electorate} onChange={(e) => setElectorate(e.currentTarget.value as 'present' | 'all')} aria-label={t('vote.electorate')}>
          <option value="present">{t('vote.electorate.present')}</option>
          <option value="all">{t('vote.electorate.all')}</option>
        </select>
      </div>
      <div class="form-actions"><Button type="submit" busy={busy}>{t('vote.new')}</Button></div>
    </form>
  );
}
