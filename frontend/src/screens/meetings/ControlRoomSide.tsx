import type { AlertChange, ControlPoint, MediaCommandType } from '../../api/controlRoom';
import { Button } from '../../components/Button';
import { t } from '../../i18n';
import { alertText, clock, kbps, ms, pct, Sparkline } from './ControlRoomCell';

/** The selected point: everything known about its connection, and what may be done about it. */
export function PointPanel({ p, commands, busy, onCommand }: {
  p: ControlPoint | undefined;
  commands: MediaCommandType[];
  busy: string;
  onCommand: (type: MediaCommandType, p: ControlPoint) => void;
}) {
  if (!p) return <p class="muted" data-testid="cr-pick">{t('cr.pick')}</p>;
  const may = (c: MediaCommandType) => commands.includes(c);
  const act = (c: MediaCommandType, variant: 'secondary' | 'danger' | 'ghost' = 'secondary') =>
    may(c) && (
      <Button size="sm" variant={variant} disabled={!p.present} busy={busy === c} onClick={() => onCommand(c, p)} data-testid={`cr-act-${c}`}>
        {t(`cr.act.${c}`)}
      </Button>
    );
  return (
    <div class="cr-panel" data-testid="cr-panel" data-identity={p.identity}>
      <h3 class="cr-panel-name">{p.name || p.identity}</h3>
      <p class="muted">{[p.organization, p.identity].filter(Boolean).join(' · ')}</p>
      <p>
        <span class={`cr-state cr-${p.status}`} data-testid="cr-panel-status">{t(`cr.status.${p.status}`)}</span>
        {p.audio_only && <span class="badge badge-navy">{t('cr.audioOnly')}</span>}{' '}
        {p.audio_muted && <span class="badge">{t('cr.muted')}</span>}{' '}
        {p.speaking && <span class="badge badge-red">{t('cr.speaking')}</span>}
      </p>
      {p.present && (
        <>
          <dl class="cr-figures">
            <dt>{t('cr.in')}</dt><dd>{kbps(p.in_kbps)} kbit/s</dd>
            <dt>{t('cr.out')}</dt><dd>{kbps(p.out_kbps)} kbit/s</dd>
            <dt>{t('cr.loss')}</dt><dd>↑{pct(p.loss_in)} ↓{pct(p.loss_out)}</dd>
            <dt>{t('cr.rtt')}</dt><dd>{ms(p.rtt_ms)}</dd>
            <dt>{t('cr.layer')}</dt><dd>{p.layer || t('common.none')}</dd>
            <dt>{t('cr.estimate')}</dt><dd>{p.estimate_kbps ? `${kbps(p.estimate_kbps)} kbit/s` : t('common.none')}</dd>
            {p.since && (<><dt>{t('cr.since')}</dt><dd>{clock(p.since)}</dd></>)}
          </dl>
          <Sparkline inKbps={p.history.in_kbps} lossHistory={p.history.loss} />
        </>
      )}
      {p.left_at && <p class="muted">{t('cr.leftAt')} {clock(p.left_at)}</p>}
      {p.alerts.length > 0 && (
        <ul class="cr-panel-alerts">
          {p.alerts.map((a) => <li key={a.kind}>{alertText(a.kind, a.value)} · {clock(a.since)}</li>)}
        </ul>
      )}
      {!p.present && commands.length > 0 && <p class="field-hint">{t('cr.notInRoom')}</p>}
      <div class="btn-row cr-actions">
        {p.audio_muted ? act('unmute') : act('mute')}
        {act('spotlight')}
        {p.audio_only ? act('video_on') : act('audio_only')}
        {act('rejoin', 'danger')}
      </div>
    </div>
  );
}

/** The active alerts, worst first, and the latest raises and clears. */
export function AlertsPanel({ points, recent, onSelect }: { points: ControlPoint[]; recent: AlertChange[]; onSelect: (id: string) => void }) {
  const withAlerts = points.filter((p) => p.alerts.length > 0);
  return (
    <div class="cr-alerts" data-testid="cr-alerts">
      <h3>{t('cr.alerts')}</h3>
      {withAlerts.length === 0 && <p class="muted">{t('cr.noAlerts')}</p>}
      <ul class="cr-alert-list">
        {withAlerts.map((p) =>
          p.alerts.map((a) => (
            <li key={`${p.identity}-${a.kind}`} class={`cr-alert-item cr-sev-${a.kind}`}>
              <button type="button" class="link-btn" onClick={() => onSelect(p.identity)} data-testid="cr-alert">
                {p.name || p.identity}
              </button>
              <span>{alertText(a.kind, a.value)}</span>
              <span class="muted">{clock(a.since)}</span>
            </li>
          )),
        )}
      </ul>
      {recent.length > 0 && (
        <details class="cr-recent">
          <summary>{t('cr.recent')} ({recent.length})</summary>
          <ul>
            {recent.map((c, i) => (
              <li key={i} class={c.raised ? '' : 'muted'}>
                {clock(c.at)} · {c.name || c.identity}: {t(`cr.alert.${c.kind}`)} {c.raised ? t('cr.raised') : t('cr.cleared')}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
