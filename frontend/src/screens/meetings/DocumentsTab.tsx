import { useEffect, useRef, useState } from 'preact/hooks';
import { csrf, errorText } from '../../api/client';
import { documents, uploadDocument, type Doc } from '../../api/documents';
import type { Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

/** The meeting's documents by agenda item, with upload (and its progress) for organizers. */
export function DocumentsTab({ snap, version }: { snap: Snapshot; version: number }) {
  const id = snap.meeting.id;
  const [list, setList] = useState<Doc[]>([]);
  const load = () => documents.list(id).then(setList, (e) => toast(errorText(e), 'error'));
  useEffect(() => {
    void load();
  }, [id, version]);
  const canEdit = snap.me.organizer && snap.me.role !== 'guest';
  const groups = [{ id: null as number | null, title: t('docs.noItem') }, ...snap.agenda.map((a) => ({ id: a.id as number | null, title: a.title }))];
  return (
    <div class="documents" data-testid="documents">
      {list.length === 0 && <EmptyState icon="document" title={t('docs.empty')} />}
      {groups.map((g) => {
        const docs = list.filter((d) => d.agenda_item_id === g.id);
        if (docs.length === 0) return null;
        return (
          <section key={g.id ?? 0} class="doc-group">
            <h3>{g.title}</h3>
            <ul class="doc-list">
              {docs.map((d) => <DocRow key={d.id} meetingId={id} d={d} canEdit={canEdit} onChange={load} />)}
            </ul>
          </section>
        );
      })}
      {canEdit && <UploadForm snap={snap} onDone={load} />}
    </div>
  );
}

function DocRow({ meetingId, d, canEdit, onChange }: { meetingId: number; d: Doc; canEdit: boolean; onChange: () => void }) {
  const cur = d.versions[d.versions.length - 1];
  const file = useRef<HTMLInputElement>(null);
  const [pct, setPct] = useState<number | null>(null);
  async function newVersion(f: File) {
    try {
      await uploadDocument(`/api/meetings/${meetingId}/documents/${d.id}/versions`, csrf(), {}, f, setPct);
      toast(t('docs.uploaded'));
      onChange();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setPct(null);
    }
  }
  return (
    <li class="doc-row" data-testid="doc-row">
      <div class="doc-main">
        {d.readable && cur?.content_type === 'application/pdf' ? (
          <a href={`/meetings/${meetingId}/documents/${d.id}`} class="doc-title" data-testid="doc-open">{d.title}</a>
        ) : (
          <span class="doc-title">{d.title}</span>
        )}
        <span class="muted">
          {t(`docs.kind.${d.kind}`)} · {t(`docs.access.${d.access}`)} · {cur ? t('docs.version', { n: cur.version }) : ''} · {cur ? t('docs.size', { kb: Math.ceil(cur.size / 1024) }) : ''}
          {!d.readable && ` · ${t('docs.closed')}`}
        </span>
      </div>
      <span class="btn-row">
        {d.readable && cur && <a class="btn btn-ghost btn-sm" href={`${documents.fileUrl(meetingId, d.id)}?download=1`}>{t('docs.download')}</a>}
        {canEdit && (
          <>
            <input ref={file} type="file" hidden accept=".pdf,.docx,.xlsx" onChange={(e) => e.currentTarget.files?.[0] && newVersion(e.currentTarget.files[0])} />
            <Button size="sm" variant="ghost" onClick={() => file.current?.click()}>{t('docs.newVersion')}</Button>
          </>
        )}
        {pct !== null && <progress max={1} value={pct} />}
      </span>
    </li>
  );
}

function UploadForm({ snap, onDone }: { snap: Snapshot; onDone: () => void }) {
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState('reference');
  const [access, setAccess] = useState('all');
  const [item, setItem] = useState('');
  const [readers, setReaders] = useState<number[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [pct, setPct] = useState<number | null>(null);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  async function submit(e: Event) {
    e.preventDefault();
    if (!file) return;
    setError('');
    setPct(0);
    try {
      await uploadDocument(`/api/meetings/${snap.meeting.id}/documents`, csrf(),
        { title, kind, access, agenda_item_id: item ? Number(item) : null, readers }, file, setPct);
      toast(t('docs.uploaded'));
      setTitle('');
      setFile(null);
      if (input.current) input.current.value = '';
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setPct(null);
    }
  }
  const people = snap.participants.filter((p) => p.user_id);
  return (
    <form class="form card-body upload-form" onSubmit={submit} data-testid="upload-form">
      <h3>{t('docs.upload')}</h3>
      {error && <div class="alert alert-error" role="alert" data-testid="upload-error">{error}</div>}
      <label class="field-label" for="doc-file">{t('docs.file')}</label>
      <input id="doc-file" ref={input} class="input" type="file" name="file" accept=".pdf,.docx,.xlsx,application/pdf" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      <div class="form-row">
        <label class="field">
          <span class="field-label">{t('docs.title')}</span>
          <input class="input" name="title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">{t('docs.kind')}</span>
          <select class="input" name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="reference">{t('docs.kind.reference')}</option>
            <option value="draft">{t('docs.kind.draft')}</option>
          </select>
        </label>
      </div>
      <div class="form-row">
        <label class="field">
          <span class="field-label">{t('docs.item')}</span>
          <select class="input" name="agenda_item_id" value={item} onChange={(e) => setItem(e.currentTarget.value)}>
            <option value="">{t('docs.noItem')}</option>
            {snap.agenda.map((a) => <option key={a.id} value={String(a.id)}>{a.title}</option>)}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t('docs.access')}</span>
          <select class="input" name="access" value={access} onChange={(e) => setAccess(e.currentTarget.value)}>
            {(['all', 'named', 'organizers'] as const).map((a) => <option key={a} value={a}>{t(`docs.access.${a}`)}</option>)}
          </select>
        </label>
      </div>
      {access === 'named' && (
        <fieldset class="readers">
          <legend>{t('docs.readers')}</legend>
          {people.map((p) => (
            <label key={p.id} class="check">
              <input type="checkbox" checked={readers.includes(p.user_id!)}
                onChange={(e) => setReaders((r) => (e.currentTarget.checked ? [...r, p.user_id!] : r.filter((x) => x !== p.user_id)))} /> {p.name}
            </label>
          ))}
        </fieldset>
      )}
      {pct !== null && (
        <div class="upload-progress" role="status">
          <progress max={1} value={pct} data-testid="upload-progress" /> {t('docs.uploading', { pct: Math.round(pct * 100) })}
        </div>
      )}
      <div class="form-actions"><Button type="submit" busy={pct !== null} disabled={!file}>{t('docs.upload')}</Button></div>
    </form>
  );
}
