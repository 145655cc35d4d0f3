// What the chair approves, shown where they approve it: the text of the version sent, checked by
// its SHA-256, so approving from the console never means approving an unseen document.
import { useEffect, useState } from 'preact/hooks';
import { records, type Approval, type Conclusion, type Minutes, type RecordDoc } from '../../api/meetings';
import { t } from '../../i18n';

type Doc = RecordDoc<Minutes | Conclusion>;

export function ApprovalPreview({ meetingId, a }: { meetingId: number; a: Approval }) {
  const [doc, setDoc] = useState<Doc | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open || a.subject_kind === 'document') return;
    records.get<Minutes | Conclusion>(meetingId, a.subject_kind).then(setDoc, () => setDoc(null));
  }, [open, meetingId, a.id]);
  if (a.subject_kind === 'document') return null;
  const same = doc && doc.version === a.subject_version && doc.sha256 === a.subject_sha256;
  return (
    <details class="approval-preview" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)} data-testid="approval-preview">
      <summary>{t('appr.preview', { version: a.subject_version })}</summary>
      {doc && !same && <p class="alert alert-warning">{t('appr.previewChanged', { version: doc.version })}</p>}
      {doc && same && <pre class="approval-text" data-testid="approval-text">{plainText(doc)}</pre>}
      <a href={`/meetings/${meetingId}?tab=${a.subject_kind}`}>{t('appr.previewOpen')}</a>
    </details>
  );
}

function plainText(d: Doc): string {
  const lines: string[] = [];
  const add = (label: string, v: string | undefined) => v && lines.push(label ? `${label}: ${v}` : v);
  if (d.kind === 'minutes') {
    const m = d.content as Minutes;
    add('', m.title.toUpperCase());
    add(t('rec.startedAt'), m.started_at);
    add(t('rec.place'), m.place);
    add(t('rec.chair'), m.chair);
    add(t('rec.secretary'), m.secretary);
    add(t('rec.participants'), `\n${m.participants}`);
    add(t('rec.absent'), m.absent && `\n${m.absent}`);
    m.items.forEach((it, i) => {
      lines.push('', `${i + 1}. ${it.title}`);
      for (const v of [it.proceedings, it.speeches, it.votes, it.conclusion]) if (v) lines.push(v);
    });
    lines.push('');
    add('', m.ended_at);
    add('', m.closing);
  } else {
    const c = d.content as Conclusion;
    add('', c.title.toUpperCase());
    add('', c.preamble);
    c.items.forEach((it, i) => lines.push('', `${i + 1}. ${it.title}`, it.conclusion));
  }
  return lines.join('\n');
}
