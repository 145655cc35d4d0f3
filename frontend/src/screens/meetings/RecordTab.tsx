import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText } from '../../api/client';
import { records, type Conclusion, type Minutes, type RecordDoc, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t, type MessageKey } from '../../i18n';

type Kind = 'minutes' | 'conclusion';

/**
 * The secretary's editor for the minutes (Mẫu 1.9) and the conclusion notice. Saving sends the
 * version the editor started from; if someone saved in between, the server refuses and the page
 * says so instead of overwriting their text.
 */
export function RecordTab({ snap, kind, version }: { snap: Snapshot; kind: Kind; version: number }) {
  const id = snap.meeting.id;
  const canEdit = snap.me.role === 'secretary' || (snap.me.organizer && snap.me.role === '');
  const [doc, setDoc] = useState<RecordDoc<Minutes | Conclusion> | null>(null);
  const [content, setContent] = useState<Minutes | Conclusion | null>(null);
  const [base, setBase] = useState(0);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [dirty, setDirty] = useState(false);

  const load = () =>
    records.get<Minutes | Conclusion>(id, kind).then(
      (d) => {
        setDoc(d);
        setContent(d.content);
        setBase(d.version);
        setConflict(false);
        setDirty(false);
      },
      () => {
        setDoc(null);
        setBase(0);
      },
    );
  useEffect(() => {
    if (!dirty) void load();
  }, [id, kind, version]);

  async function generate() {
    try {
      setContent(await records.draft<Minutes | Conclusion>(id, kind));
      setDirty(true);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  async function save() {
    if (!content) return;
    setBusy(true);
    try {
      const d = await records.save(id, kind, base, content);
      setDoc(d);
      setBase(d.version);
      setDirty(false);
      toast(t('rec.saved', { version: d.version }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict') setConflict(true);
      else toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  const edit = (patch: Record<string, unknown>) => {
    setContent((c) => (c ? ({ ...c, ...patch } as Minutes | Conclusion) : c));
    setDirty(true);
  };

  return (
    <div class="record-editor" data-testid={`record-${kind}`}>
      {conflict && (
        <div class="alert alert-error" role="alert" data-testid="record-conflict">
          {t('rec.conflict')} <Button size="sm" variant="secondary" onClick={load}>{t('rec.reload')}</Button>
        </div>
      )}
      {doc && <p class="muted">{t('rec.version', { version: doc.version })} · SHA-256 {doc.sha256.slice(0, 12)}…</p>}
      {!canEdit && <p class="muted">{t('rec.readOnly')}</p>}
      {canEdit && (
        <div class="btn-row">
          <Button variant="secondary" onClick={generate} data-testid="record-generate">{t('rec.generate')}</Button>
          <Button onClick={save} busy={busy} disabled={!content || !dirty} data-testid="record-save">{t('rec.save')}</Button>
        </div>
      )}
      {!content ? (
        <EmptyState title={t('rec.none')} />
      ) : kind === 'minutes' ? (
        <MinutesForm m={content as Minutes} readOnly={!canEdit} edit={edit} />
      ) : (
        <ConclusionForm c={content as Conclusion} readOnly={!canEdit} edit={edit} />
      )}
    </div>
  );
}

function Area({ label, value, onValue, readOnly, rows = 3, name }: { label: MessageKey; value: string; onValue: (v: string) => void; readOnly: boolean; rows?: number; name: string }) {
  return (
    <label class="field">
      <span class="field-label">{t(label)}</span>
      <textarea class="input" name={name} rows={rows} value={value} readOnly={readOnly} onInput={(e) => onValue(e.currentTarget.value)} />
    </label>
  );
}

function MinutesForm({ m, readOnly, edit }: { m: Minutes; readOnly: boolean; edit: (p: Record<string, unknown>) => void }) {
  const item = (i: number, patch: Record<string, string>) => edit({ items: m.items.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  return (
    <div class="form">
      <Area name="title" label="rec.title" value={m.title} onValue={(v) => edit({ title: v })} readOnly={readOnly} rows={1} />
      <div class="form-row">
        <Area name="started_at" label="rec.startedAt" value={m.started_at} onValue={(v) => edit({ started_at: v })} readOnly={readOnly} rows={1} />
        <Area name="place" label="rec.place" value={m.place} onValue={(v) => edit({ place: v })} readOnly={readOnly} rows={1} />
      </div>
      <div class="form-row">
        <Area name="chair" label="rec.chair" value={m.chair} onValue={(v) => edit({ chair: v })} readOnly={readOnly} rows={1} />
        <Area name="secretary" label="rec.secretary" value={m.secretary} onValue={(v) => edit({ secretary: v })} readOnly={readOnly} rows={1} />
      </div>
      <Area name="participants" label="rec.participants" value={m.participants} onValue={(v) => edit({ participants: v })} readOnly={readOnly} rows={5} />
      <Area name="absent" label="rec.absent" value={m.absent} onValue={(v) => edit({ absent: v })} readOnly={readOnly} />
      {m.items.map((it, i) => (
        <fieldset key={i} class="record-item">
          <legend>{i + 1}. {it.title}</legend>
          <Area name={`proceedings-${i}`} label="rec.proceedings" value={it.proceedings} onValue={(v) => item(i, { proceedings: v })} readOnly={readOnly} />
          <Area name={`speeches-${i}`} label="rec.speeches" value={it.speeches} onValue={(v) => item(i, { speeches: v })} readOnly={readOnly} />
          <Area name={`votes-${i}`} label="rec.votes" value={it.votes} onValue={(v) => item(i, { votes: v })} readOnly={readOnly} />
          <Area name={`conclusion-${i}`} label="rec.conclusion" value={it.conclusion} onValue={(v) => item(i, { conclusion: v })} readOnly={readOnly} />
        </fieldset>
      ))}
      <Area name="ended_at" label="rec.endedAt" value={m.ended_at} onValue={(v) => edit({ ended_at: v })} readOnly={readOnly} rows={1} />
      <Area name="closing" label="rec.closing" value={m.closing} onValue={(v) => edit({ closing: v })} readOnly={readOnly} />
    </div>
  );
}

function ConclusionForm({ c, readOnly, edit }: { c: Conclusion; readOnly: boolean; edit: (p: Record<string, unknown>) => void }) {
  const items = c.items ?? [];
  return (
    <div class="form">
      <Area name="title" label="rec.title" value={c.title} onValue={(v) => edit({ title: v })} readOnly={readOnly} rows={1} />
      <Area name="preamble" label="rec.preamble" value={c.preamble} onValue={(v) => edit({ preamble: v })} readOnly={readOnly} />
      {items.map((it, i) => (
        <fieldset key={i} class="record-item">
          <legend>{i + 1}. {it.title}</legend>
          <Area name={`conclusion-${i}`} label="rec.conclusion" value={it.conclusion} readOnly={readOnly}
            onValue={(v) => edit({ items: items.map((x, j) => (j === i ? { ...x, conclusion: v } : x)) })} />
        </fieldset>
      ))}
      <Area name="recipients" label="rec.recipients" value={c.recipients} onValue={(v) => edit({ recipients: v })} readOnly={readOnly} />
    </div>
  );
}
