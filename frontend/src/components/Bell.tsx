// The bell in the header: unread count, the latest notifications, live over the person's
// notification WebSocket (docs/API.md "Notifications"); it reloads the list after a reconnect.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../api/client';
import { notifications, type NotificationItem } from '../api/notifications';
import { formatDate, t, useLang } from '../i18n';
import { navigate } from '../router';
import { toast } from './Toast';
import '../styles/notifications.css';

function timeOf(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' })} ${formatDate(iso)}`;
}

export function Bell() {
  useLang();
  const [items, setItems] = useState<NotificationItem[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let delay = 1000;
    let timer = 0;
    const load = () =>
      notifications.inbox().then((r) => {
        setItems(r.items);
        setUnread(r.unread);
      }, () => undefined);
    const connect = () => {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(`${proto}//${location.host}/api/me/notifications/ws`);
      ws.onmessage = (msg) => {
        let m: { type: string; unread?: number; item?: NotificationItem };
        try {
          m = JSON.parse(msg.data as string);
        } catch {
          return;
        }
        if (m.type === 'ready') {
          delay = 1000;
          void load(); // anything that arrived while the socket was down
        } else if (m.type === 'notification' && m.item) {
          const it = m.item;
          setItems((cur) => [it, ...cur.filter((x) => x.id !== it.id)].slice(0, 50));
          if (typeof m.unread === 'number') setUnread(m.unread);
          toast(it.subject, 'info');
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        timer = window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, []);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: Event) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  async function markRead(ids: number[]) {
    try {
      const r = await notifications.read(ids);
      setItems(r.items);
      setUnread(r.unread);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  function openItem(it: NotificationItem) {
    setOpen(false);
    if (!it.read_at) void markRead([it.id]);
    if (it.link) navigate(it.link);
  }

  const label = unread > 0 ? t('bell.unread', { n: unread }) : t('bell.label');
  return (
    <div class="bell" ref={ref}>
      <button type="button" class="bell-button" aria-haspopup="true" aria-expanded={open} aria-label={label} title={label}
        data-testid="bell" onClick={() => setOpen(!open)}>
        <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"
          stroke-linejoin="round" aria-hidden="true" focusable="false">
          <path d="M6 16V11a6 6 0 1 1 12 0v5l1.5 2h-15L6 16ZM10 20a2 2 0 0 0 4 0" />
        </svg>
        {unread > 0 && <span class="bell-count" data-testid="bell-count">{unread > 99 ? '99+' : unread}</span>}
      </button>
      {open && (
        <div class="menu bell-panel" role="dialog" aria-label={t('bell.title')}>
          <div class="bell-head">
            <strong>{t('bell.title')}</strong>
            {unread > 0 && (
              <button type="button" class="link-button" data-testid="bell-read-all" onClick={() => markRead([])}>{t('bell.markAll')}</button>
            )}
          </div>
          {items.length === 0 ? (
            <p class="bell-empty">{t('bell.empty')}</p>
          ) : (
            <ul class="bell-list" data-testid="bell-list">
              {items.map((it) => (
                <li key={it.id}>
                  <button type="button" class={`bell-item${it.read_at ? '' : ' unread'}`} onClick={() => openItem(it)}>
                    <span class="bell-subject">{it.subject}</span>
                    <span class="bell-time">{timeOf(it.at)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
