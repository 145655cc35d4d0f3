import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from '../../api/client';
import { controlRoom, type ControlPoint, type ControlRoom, type MediaCommandType } from '../../api/controlRoom';
import type { Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { ErrorBox, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t, useLang } from '../../i18n';
import { confirmAction } from '../../components/Dialog';
import { Cell, clock } from './ControlRoomCell';
import { AlertsPanel, PointPanel } from './ControlRoomSide';

/** How often the grid is refreshed while the tab is open: the media server's stats period. */
const POLL_MS = 2000;
/** How long a command's effect is awaited in the figures before the operator is warned. */
const CONFIRM_MS = 12_000;

type Filter = 'all' | 'alerts' | 'absent';
type Sort = 'worst' | 'name';

/** A command sent and the sign, in the next figures, that the point carried it out. */
interface Pending {
  identity: string;
  name: string;
  action: string;
  deadline: number;
  done: (p: ControlPoint) => boolean;
}

/** What shows that a command took effect; spotlight has no sign in the figures. */
function effect(type: MediaCommandType, before: ControlPoint): ((p: ControlPoint) => boolean) | null {
  switch (type) {
    case 'mute': return (p) => p.audio_muted;
    case 'unmute': return (p) => p.present && !p.audio_muted;
    case 'audio_only': return (p) => p.audio_only;
    case 'video_on': return (p) => p.present && !p.audio_only;
    case 'rejoin': return (p) => p.present && p.state === 'connected' && p.since !== before.since;
  }
  return null;
}

// Case and diacritics do not matter when looking for "Đông Hòa" among 250 names.
const fold = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

/**
 * The operator's control room (phòng điều khiển): every point's connection in a dense grid, the
 * alerts derived by the server, and the commands that fix a point. Refreshed every 2 s while open.
 */
export function ControlRoomTab({ snap }: { snap: Snapshot }) {
  useLang();
  const id = snap.meeting.id;
  const [data, setData] = useState<ControlRoom | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState<Filter>('all');
  const [sort, setSort] = useState<Sort>('worst');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState('');
  const [busy, setBusy] = useState('');
  const pending = useRef<Pending[]>([]);

  useEffect(() => {
    let stopped = false;
    let timer = 0;
    let ctl: AbortController | null = null;
    const tick = async () => {
      if (!document.hidden) {
        ctl = new AbortController();
        try {
          const d = await controlRoom.get(id, ctl.signal);
          if (stopped) return;
          setData(d);
          setError(null);
          settle(d);
        } catch (err) {
          if (stopped || (err instanceof DOMException && err.name === 'AbortError')) return;
          setError(err);
          // Refused or gone: asking again every 2 s would not change the answer.
          if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return;
        }
      }
      if (!stopped) timer = window.setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ctl?.abort();
    };
  }, [id]);

  // Confirms (or not) the commands awaiting their effect, from the latest figures.
  function settle(d: ControlRoom) {
    const now = Date.now();
    pending.current = pending.current.filter((w) => {
      const p = d.points.find((x) => x.identity === w.identity);
      if (p && w.done(p)) {
        toast(t('cr.confirmed', { name: w.name, action: w.action }));
        return false;
      }
      if (now > w.deadline) {
        toast(t('cr.notConfirmed', { name: w.name, action: w.action, seconds: Math.round(CONFIRM_MS / 1000) }), 'error', 8000);
        return false;
      }
      return true;
    });
  }

  async function command(type: MediaCommandType, p: ControlPoint | null) {
    const name = p ? p.name || p.identity : '';
    if (type === 'rejoin' && !(await confirmAction(t('cr.confirmRejoin', { name }), '', t('confirm.rejoin')))) return;
    if (type === 'mute_all' && !(await confirmAction(t('cr.confirmMuteAll'), '', t('confirm.muteAll')))) return;
    const action = t(`cr.act.${type}`);
    setBusy(type);
    try {
      await controlRoom.command(id, type, p?.identity ?? '');
      toast(t('cr.sent', { action, name: name || t('cr.grid') }), 'info');
      const done = p && effect(type, p);
      if (p && done) {
        pending.current = [...pending.current.filter((w) => w.identity !== p.identity), { identity: p.identity, name, action, deadline: Date.now() + CONFIRM_MS, done }];
      }
    } catch (err) {
      toast(errorText(err), 'error', 8000);
    } finally {
      setBusy('');
    }
  }

  if (!data) {
    if (error) return <ErrorBox message={error instanceof ApiError && error.status === 403 ? errorText(error) || t('cr.forbidden') : errorText(error)} />;
    return <Loading />;
  }
  const c = data.counts;
  const away = (p: ControlPoint) => p.status === 'absent' || p.status === 'left';
  const counts = { all: data.points.length, alerts: data.points.filter((p) => p.alerts.length > 0).length, absent: data.points.filter(away).length };
  const q = fold(query.trim());
  let shown = data.points.filter((p) => (filter === 'all' || (filter === 'alerts' ? p.alerts.length > 0 : away(p))) && (!q || fold(`${p.name} ${p.organization ?? ''} ${p.identity}`).includes(q)));
  if (sort === 'name') shown = [...shown].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const sel = data.points.find((p) => p.identity === selected);

  return (
    <div class="control-room" data-testid="control-room">
      <div class="cr-bar">
        <span class="badges cr-counts" aria-live="polite">
          <span class="badge cr-count-ok" data-testid="cr-connected">{t('cr.connectedOfInvited', { connected: c.connected, invited: c.invited })}</span>
          <span class={`badge${c.alerts ? ' badge-red' : ''}`} data-testid="cr-alert-count">{t('cr.alertsCount', { alerts: c.alerts, points: c.with_alerts })}</span>
          {c.reconnecting > 0 && <span class="badge cr-count-warn">{t('cr.reconnectingCount', { n: c.reconnecting })}</span>}
          {c.failed > 0 && <span class="badge badge-red">{t('cr.failedCount', { n: c.failed })}</span>}
          <span class="badge" data-testid="cr-absent-count">{t('cr.absentCount', { n: c.absent })}</span>
        </span>
        <span class="btn-row">
          {data.updated_at && !data.stale && <span class="muted cr-updated" data-testid="cr-updated">{t('cr.updated', { time: clock(data.updated_at) })}</span>}
          {data.commands.includes('mute_all') && (
            <Button size="sm" variant="danger" busy={busy === 'mute_all'} onClick={() => command('mute_all', null)} data-testid="cr-mute-all">{t('cr.act.mute_all')}</Button>
          )}
        </span>
      </div>
      {!data.updated_at && <p class="alert alert-info" data-testid="cr-no-figures">{t('cr.noFigures')}</p>}
      {data.updated_at && data.stale && <p class="alert alert-error" role="alert" data-testid="cr-stale">{t('cr.stale', { time: clock(data.updated_at) })}</p>}
      {error != null && <p class="alert alert-error" role="alert">{errorText(error)}</p>}
      <div class="cr-tools">
        <span class="cr-filters" role="group" aria-label={t('cr.filter')}>
          {(['all', 'alerts', 'absent'] as Filter[]).map((f) => (
            <button key={f} type="button" class={`cr-filter${filter === f ? ' active' : ''}`} aria-pressed={filter === f} onClick={() => setFilter(f)} data-testid={`cr-filter-${f}`}>
              {t(`cr.filter.${f}`, { n: counts[f] })}
            </button>
          ))}
        </span>
        <label class="cr-tool">
          <span>{t('cr.sort')}</span>
          <select class="input" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)} data-testid="cr-sort">
            <option value="worst">{t('cr.sort.worst')}</option>
            <option value="name">{t('cr.sort.name')}</option>
          </select>
        </label>
        <label class="cr-tool cr-search">
          <span class="sr-only">{t('cr.search')}</span>
          <input class="input" type="search" value={query} placeholder={t('cr.searchPlaceholder')} aria-label={t('cr.search')} onInput={(e) => setQuery(e.currentTarget.value)} data-testid="cr-search" />
        </label>
      </div>
      <ul class="cr-legend" aria-label={t('cr.colours')}>
        {(['connected', 'muted', 'audio-only', 'reconnecting', 'failed', 'absent'] as const).map((k) => <li key={k} class={`cr-${k}`}>{t(`cr.tone.${k}`)}</li>)}
      </ul>
      <div class="cr-body">
        <section class="cr-main" aria-label={t('cr.grid')}>
          {shown.length === 0 ? (
            <p class="muted">{t('cr.none')}</p>
          ) : (
            <ul class="cr-grid" data-testid="cr-grid">
              {shown.map((p) => <Cell key={p.identity} p={p} selected={p.identity === selected} onSelect={setSelected} />)}
            </ul>
          )}
          <p class="field-hint">{t('cr.legend')}</p>
        </section>
        <aside class="cr-side">
          <section class="card-body cr-side-box">
            <PointPanel p={sel} commands={data.commands} busy={busy} onCommand={command} />
          </section>
          <section class="card-body cr-side-box">
            <AlertsPanel points={data.points} recent={data.alerts} onSelect={setSelected} />
          </section>
        </aside>
      </div>
    </div>
  );
}
