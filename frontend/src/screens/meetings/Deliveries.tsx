// For the meeting's organizers: who was told what, on which channel, and whether it arrived
// (sent, waiting for a retry, failed with the server's answer); reminders included.
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { notifications, type Delivery } from '../../api/notifications';
import { Button } from '../../components/Button';
import { Card, ErrorBox } from '../../components/Status';
import { formatDate, t, type MessageKey } from '../../i18n';

function when(iso: string): string {
  return `${new Date(iso).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' })} ${formatDate(iso)}`;
}

const known = (prefix: string, v: string, fallback: string): string => {
  const key = `${prefix}.${v}` as MessageKey;
  const s = t(key);
  return s === key ? fallback : s;
};

export function Deliveries({ meetingId, changed }: { meetingId: number; changed?: unknown }) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => notifications.deliveries(meetingId).then((r) => { setRows(r); setError(null); }, setError);
  useEffect(() => {
    void load();
    const timer = window.setInterval(load, 15000); // retries happen in the background
    return () => window.clearInterval(timer);
  }, [meetingId, changed]);

  const reminded = [...new Set((rows ?? []).filter((d) => d.kind === 'reminder').map((d) => d.name))];
  return (
    <Card title={t('delivery.title')} actions={<Button size="sm" variant="ghost" onClick={load}>{t('delivery.refresh')}</Button>}>
      {error ? (
        <ErrorBox message={errorText(error)} onRetry={load} />
      ) : !rows ? null : rows.length === 0 ? (
        <p class="muted">{t('delivery.empty')}</p>
      ) : (
        <div class="table-wrap" data-testid="deliveries">
          {reminded.length > 0 && <p data-testid="reminded">{t('delivery.reminded', { names: reminded.join(', ') })}</p>}
          <table class="table">
            <thead>
              <tr>
                <th>{t('delivery.person')}</th>
                <th>{t('delivery.kind')}</th>
                <th>{t('delivery.channel')}</th>
                <th>{t('delivery.status')}</th>
                <th>{t('delivery.time')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-status={d.status}>
                  <td>{d.name}{d.address && <div class="muted">{d.address}</div>}</td>
                  <td>{known('delivery.kind', d.kind, d.kind)}</td>
                  <td>{known('delivery.channel', d.channel, d.channel)}</td>
                  <td>
                    <span class={d.status === 'failed' ? 'delivery-failed' : d.status === 'sent' ? 'delivery-sent' : ''}>
                      {t(`delivery.status.${d.status}` as MessageKey)}
                    </span>
                    {d.attempts > 1 && <div class="muted">{t('delivery.attempts', { n: d.attempts })}</div>}
                    {d.next_at && d.status === 'pending' && d.attempts > 0 && <div class="muted">{t('delivery.next', { time: when(d.next_at) })}</div>}
                    {d.last_error && d.status !== 'sent' && <div class="delivery-error">{d.last_error}</div>}
                  </td>
                  <td>{when(d.sent_at ?? d.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
