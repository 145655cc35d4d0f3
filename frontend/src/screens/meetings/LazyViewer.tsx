import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../../components/Status';
import { t } from '../../i18n';

type Viewer = typeof import('./DocumentViewer').DocumentViewer;

/** The PDF viewer (pdf.js is large) loads only when someone opens a document. */
export function LazyDocumentViewer(props: { meetingId: number; docId: number }) {
  const [V, setV] = useState<Viewer | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./DocumentViewer').then((m) => setV(() => m.DocumentViewer), () => setFailed(true));
  }, []);
  if (failed) return <ErrorBox message={t('viewer.loadError')} />;
  return V ? <V {...props} /> : <Loading />;
}
