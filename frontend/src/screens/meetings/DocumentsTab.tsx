import { useEffect, useRef, useState } from 'preact/hooks';
import { csrf, errorText } from '../../api/client';
import { documents, uploadDocument, type Doc, type UploadMeta } from '../../api/documents';
import type { Participant, Snapshot } from '../../api/meetings';
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
  const people = snap.participants.filter((p) => p.user_id);
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
              {docs.map((d) => <DocRow key={d.id} meetingId={id} d={d} canEdit={canEdit} people={people} onChange={load} />)}
            </ul>
          </section>
        );
      })}
      {canEdit && <UploadForm snap={snap} onDone={load} />}
    </div>
  );
}

function DocRow({ meetingId, d, canEdit, people, onChange }: { meetingId: number; d: Doc; canEdit: boolean; people: Participant[]; onChange: () => void }) {
  const cur = d.versions[d.versions.length - 1];
  const file = useRef<HTMLInputElement>(null);
  const [pct, setPct] = useState<number | null>(null);
  const [editing, setEditing] = useState(false);
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
          {d.readable_until && ` · ${t('docs.until', { at: new Date(d.readable_until).toLocaleString('vi-VN') })}`}
          {!d.readable && ` · ${t('docs.closed')}`}
        </span>
        {d.readable && d.versions.length > 1 && (
          <span class="muted doc-versions">
            {t('docs.earlier')}{' '}
            {d.versions.slice(0, -1).map((v) => (
              <a key={v.id} href={`${documents.fileUrl(meetingId, d.id, v.version)}&download=1`} data-testid="doc-version">{t('docs.version', { n: v.version })}</a>
            ))}
          </span>
        )}
        {editing && <AccessEditor meetingId={meetingId} d={d} people={people} onDone={() => { setEditing(false); onChange(); }} />}
      </div>
      <span class="btn-row">
        {d.readable && cur && <a class="btn btn-ghost btn-sm" href={`${documents.fileUrl(meetingId, d.id)}?download=1`}>{t('docs.download')}</a>}
        {canEdit && (
          <>
            {d.kind !== 'recording' && (
              <>
                <input ref={file} type="file" hidden accept=".pdf,.docx,.xlsx" onChange={(e) => e.currentTarget.files?.[0] && newVersion(e.currentTarget.files[0])} />
                <Button size="sm" variant="ghost" onClick={() => file.current?.click()}>{t('docs.newVersion')}</Button>
              </>
            )}
            <Button size="sm" variant="ghost" onClick={() => setEditing(!editing)} data-testid="doc-access">{t('docs.editAccess')}</Button>
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
  const [acc, setAcc] = useState<AccessValue>({ access: 'all', readers: [], until: '' });
  const [item, setItem] = useState('');
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
        { title, kind, agenda_item_id: item ? Number(item) : null, ...accessMeta(acc) }, file, setPct);
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
      </div>
      <AccessFields people={people} value={acc} onChange={setAcc} />
      {pct !== null && (
        <div class="upload-progress" role="status">
          <progress max={1} value={pct} data-testid="upload-progress" /> {t('docs.uploading', { pct: Math.round(pct * 100) })}
        </div>
      )}
      <div class="form-actions"><Button type="submit" busy={pct !== null} disabled={!file}>{t('docs.upload')}</Button></div>
    </form>
  );
}

/** Who may read a document and until when, as the forms edit it. */
interface AccessValue {
  access: string;
  readers: number[];
  until: string; // datetime-local value, '' for no deadline
}

function accessMeta(v: AccessValue): UploadMeta {
  return { access: v.access, readers: v.access === 'named' ? v.readers : [], readable_until: v.until ? new Date(v.until).toISOString() : null };
}

/** An ISO time as a datetime-local value in the tablet's time zone. */
function localInput(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function AccessFields({ people, value, onChange }: { people: Participant[]; value: AccessValue; onChange: (v: AccessValue) => void }) {
  return (
    <>
      <div class="form-row">
        <label class="field">
          <span class="field-label">{t('docs.access')}</span>
          <select class="input" name="access" value={value.access} onChange={(e) => onChange({ ...value, access: e.currentTarget.value })}>
            {(['all', 'named', 'organizers'] as const).map((a) => <option key={a} value={a}>{t(`docs.access.${a}`)}</option>)}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t('docs.readableUntil')}</span>
          <input class="input" type="datetime-local" name="readable_until" value={value.until} onInput={(e) => onChange({ ...value, until: e.currentTarget.value })} />
        </label>
      </div>
      {value.access === 'named' && (
        <fieldset class="readers">
          <legend>{t('docs.readers')}</legend>
          {people.map((p) => (
            <label key={p.id} class="check">
              <input type="checkbox" checked={value.readers.includes(p.user_id!)}
                onChange={(e) => onChange({ ...value, readers: e.currentTarget.checked ? [...value.readers, p.user_id!] : value.readers.filter((x) => x !== p.user_id) })} /> {p.name}
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
}

/** Changes who may read an uploaded document; everyone's list follows at once. */
function AccessEditor({ meetingId, d, people, onDone }: { meetingId: number; d: Doc; people: Participant[]; onDone: () => void }) {
  const [value, setValue] = useState<AccessValue>({ access: d.access, readers: d.readers, until: localInput(d.readable_until) });
  const [busy, setBusy] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      await documents.setAccess(meetingId, d.id, accessMeta(value));
      toast(t('docs.accessSaved'));
      onDone();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form access-editor" onSubmit={save} data-testid="access-editor">
      <AccessFields people={people} value={value} onChange={setValue} />
      <div class="form-actions"><Button type="submit" size="sm" busy={busy}>{t('docs.saveAccess')}</Button></div>
    </form>
  );
}
