import * as pdfjs from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { documents, type Doc, type DocComment, type Note } from '../../api/documents';
import { meetings, type Member } from '../../api/meetings';
import { Button } from '../../components/Button';
import { ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;

/**
 * Reading a document on a tablet: pdf.js renders one page at a time (page navigation, zoom,
 * search), with the reader's private notes per page and, on drafts, the comments panel.
 */
export function DocumentViewer({ meetingId, docId }: { meetingId: number; docId: number }) {
  const [doc, setDoc] = useState<Doc | null>(null);
  const [me, setMe] = useState<Member | null>(null);
  const [pdf, setPdf] = useState<pdfjs.PDFDocumentProxy | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [page, setPage] = useState(1);
  // null: fitted to the width of the reading area (how a document opens on a tablet).
  const [scale, setScale] = useState<number | null>(null);
  const [shown, setShown] = useState(1); // the scale in effect, for the label and the zoom steps
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    let task: pdfjs.PDFDocumentLoadingTask | null = null;
    Promise.all([documents.get(meetingId, docId), meetings.snapshot(meetingId)]).then(([d, s]) => {
      setDoc(d);
      setMe(s.me);
      task = pdfjs.getDocument({ url: documents.fileUrl(meetingId, docId), withCredentials: true });
      task.promise.then(setPdf, setError);
    }, setError);
    return () => void task?.destroy();
  }, [meetingId, docId]);

  useEffect(() => {
    if (!pdf || !canvas.current) return;
    let cancelled = false;
    let render: pdfjs.RenderTask | null = null;
    pdf.getPage(page).then((p) => {
      if (cancelled || !canvas.current) return;
      const c = canvas.current;
      const width = p.getViewport({ scale: 1 }).width;
      const room = (c.parentElement?.clientWidth ?? width) - 40; // its padding and a scrollbar
      const s = scale ?? Math.max(0.25, room / width);
      setShown(s);
      const viewport = p.getViewport({ scale: s * (window.devicePixelRatio || 1) });
      c.width = viewport.width;
      c.height = viewport.height;
      c.style.width = `${viewport.width / (window.devicePixelRatio || 1)}px`;
      render = p.render({ canvas: c, viewport });
      render.promise.catch(() => {});
    });
    return () => {
      cancelled = true;
      render?.cancel();
    };
  }, [pdf, page, scale]);

  if (error) return <ErrorBox message={error instanceof Error && !('code' in error) ? t('viewer.loadError') : errorText(error)} />;
  if (!doc || !me) return <Loading />;
  const pages = pdf?.numPages ?? 0;
  return (
    <div class="page viewer" data-testid="viewer">
      <div class="viewer-bar">
        <a href={`/meetings/${meetingId}?tab=documents`} class="btn btn-ghost btn-sm">← {t('viewer.back')}</a>
        <h1 class="viewer-title">{doc.title}</h1>
        <span class="btn-row">
          <Button size="sm" variant="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)} aria-label={t('viewer.prev')}>‹</Button>
          <span data-testid="viewer-page">{t('viewer.page', { page, pages })}</span>
          <Button size="sm" variant="secondary" disabled={page >= pages} onClick={() => setPage(page + 1)} aria-label={t('viewer.next')} data-testid="viewer-next">›</Button>
          <Button size="sm" variant="ghost" onClick={() => setScale(Math.max(0.5, shown - 0.25))} aria-label={t('viewer.zoomOut')}>−</Button>
          <span data-testid="viewer-scale">{Math.round(shown * 100)}%</span>
          <Button size="sm" variant="ghost" onClick={() => setScale(Math.min(4, shown + 0.25))} aria-label={t('viewer.zoomIn')}>+</Button>
          <Button size="sm" variant="ghost" aria-pressed={scale === null} onClick={() => setScale(null)} data-testid="viewer-fit">{t('viewer.fitWidth')}</Button>
        </span>
      </div>
      <div class="viewer-body">
        <div class="viewer-canvas">
          {!pdf ? <Loading /> : <canvas ref={canvas} data-testid="viewer-canvas" aria-label={t('viewer.page', { page, pages })} />}
        </div>
        <aside class="viewer-side">
          {pdf && <Search pdf={pdf} onGo={setPage} />}
          <NotePanel meetingId={meetingId} docId={docId} page={page} />
          {doc.kind === 'draft' && <CommentsPanel meetingId={meetingId} doc={doc} me={me} page={page} />}
        </aside>
      </div>
    </div>
  );
}

function Search({ pdf, onGo }: { pdf: pdfjs.PDFDocumentProxy; onGo: (p: number) => void }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<number[] | null>(null);
  async function search(e: Event) {
    e.preventDefault();
    const needle = q.trim().toLocaleLowerCase('vi');
    if (!needle) return;
    const found: number[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const content = await (await pdf.getPage(i)).getTextContent();
      const text = content.items.map((it) => ('str' in it ? it.str : '')).join(' ').toLocaleLowerCase('vi');
      if (text.includes(needle)) found.push(i);
    }
    setHits(found);
    if (found[0]) onGo(found[0]);
  }
  return (
    <form class="viewer-search" onSubmit={search} role="search">
      <input class="input" type="search" name="q" value={q} placeholder={t('viewer.search')} aria-label={t('viewer.search')} onInput={(e) => setQ(e.currentTarget.value)} />
      {hits && (
        <p class="muted" data-testid="search-result">
          {hits.length ? t('viewer.found', { pages: '' }) : t('viewer.notFound')}
          {hits.map((p) => <button key={p} type="button" class="link-btn" onClick={() => onGo(p)}>{p}</button>)}
        </p>
      )}
    </form>
  );
}

function NotePanel({ meetingId, docId, page }: { meetingId: number; docId: number; page: number }) {
  const [notes, setNotes] = useState<Note[]>([]);
  // What the reader is typing, per page, so turning pages never loses or mixes up a note.
  const [drafts, setDrafts] = useState<Record<number, string>>({});
  useEffect(() => {
    documents.notes(meetingId, docId).then(setNotes, () => setNotes([]));
  }, [meetingId, docId]);
  const text = drafts[page] ?? notes.find((n) => n.page === page)?.text ?? '';
  async function save() {
    try {
      await documents.setNote(meetingId, docId, page, text);
      setNotes((ns) => [...ns.filter((n) => n.page !== page), ...(text.trim() ? [{ page, text }] : [])]);
      setDrafts(({ [page]: _, ...rest }) => rest);
      toast(t('viewer.noteSaved'));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  return (
    <section class="viewer-panel">
      <h2>{t('viewer.notes', { page })}</h2>
      <textarea class="input" rows={4} name="note" value={text} onInput={(e) => {
        const v = e.currentTarget.value;
        setDrafts((d) => ({ ...d, [page]: v }));
      }} aria-label={t('viewer.notes', { page })} />
      <p class="field-hint">{t('viewer.notesHint')}</p>
      <Button size="sm" onClick={save} data-testid="save-note">{t('viewer.saveNote')}</Button>
    </section>
  );
}

function CommentsPanel({ meetingId, doc, me, page }: { meetingId: number; doc: Doc; me: Member; page: number }) {
  const [list, setList] = useState<DocComment[]>([]);
  const [text, setText] = useState('');
  const [onPage, setOnPage] = useState(true);
  const load = () => documents.comments(meetingId, doc.id).then(setList, () => setList([]));
  useEffect(() => {
    void load();
  }, [doc.id]);
  const drafter = me.organizer && me.role !== 'guest';
  const canComment = me.role !== 'guest' && me.role !== 'operator';
  const version = doc.versions[doc.versions.length - 1]?.version ?? 1;
  async function send(e: Event) {
    e.preventDefault();
    try {
      await documents.comment(meetingId, doc.id, version, onPage ? page : null, text);
      setText('');
      toast(t('viewer.sent'));
      void load();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  const decide = (c: DocComment, status: string) => documents.decide(meetingId, doc.id, c.id, status).then(load, (err) => toast(errorText(err), 'error'));
  return (
    <section class="viewer-panel" data-testid="comments">
      <h2>{t('viewer.comments')}</h2>
      {list.length === 0 ? <p class="muted">{t('viewer.noComments')}</p> : (
        <ul class="comment-list">
          {list.map((c) => (
            <li key={c.id} data-testid="comment">
              <div><strong>{c.user_name}</strong>{c.page ? ` · ${t('viewer.page', { page: c.page, pages: '' }).replace(/\/$/, '')}` : ''} · {t(`viewer.status.${c.status}`)}</div>
              <div class="comment-text">{c.text}</div>
              {drafter && c.status === 'open' && (
                <span class="btn-row">
                  <Button size="sm" variant="secondary" onClick={() => decide(c, 'accepted')}>{t('viewer.accept')}</Button>
                  <Button size="sm" variant="ghost" onClick={() => decide(c, 'declined')}>{t('viewer.decline')}</Button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {drafter && (
        <span class="btn-row">
          <a class="btn btn-ghost btn-sm" href={documents.csvUrl(meetingId, doc.id)} data-testid="export-csv">{t('viewer.exportCsv')}</a>
          <a class="btn btn-ghost btn-sm" href={documents.pdfUrl(meetingId, doc.id)} data-testid="export-pdf">{t('viewer.exportPdf')}</a>
        </span>
      )}
      {canComment && (
        <form onSubmit={send} class="form">
          <textarea class="input" rows={3} name="comment" value={text} onInput={(e) => setText(e.currentTarget.value)} aria-label={t('viewer.comment')} placeholder={t('viewer.comment')} />
          <label class="check"><input type="checkbox" checked={onPage} onChange={(e) => setOnPage(e.currentTarget.checked)} /> {t('viewer.onPage', { page })}</label>
          <Button type="submit" size="sm" disabled={!text.trim()} data-testid="send-comment">{t('viewer.send')}</Button>
        </form>
      )}
    </section>
  );
}
