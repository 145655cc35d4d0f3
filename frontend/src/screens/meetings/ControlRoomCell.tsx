import type { ControlPoint } from '../../api/controlRoom';
import { lang, t } from '../../i18n';

// Figures as the operator reads them at a glance: whole kbit/s, loss with one decimal, ms.
// Formatters are made once per language and precision: the grid formats a thousand figures every 2 s.
const formats = new Map<string, Intl.NumberFormat>();
function nf(digits: number): Intl.NumberFormat {
  const key = `${lang.get()}:${digits}`;
  let f = formats.get(key);
  if (!f) {
    // No thousands separator: "1121" fits a cell, and "1.121" reads as a decimal to some.
    f = new Intl.NumberFormat(lang.get() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: digits, minimumFractionDigits: digits, useGrouping: false });
    formats.set(key, f);
  }
  return f;
}
export const kbps = (v: number) => (v >= 10000 ? `${nf(1).format(v / 1000)}M` : nf(0).format(v));
export const pct = (fraction: number) => `${nf(1).format(fraction * 100)}%`;
export const ms = (v: number) => `${nf(0).format(v)} ms`;
export const loss = (p: ControlPoint) => Math.max(p.loss_in, p.loss_out);
export const clock = (iso: string) => new Date(iso).toLocaleTimeString(lang.get() === 'en' ? 'en-GB' : 'vi-VN', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The text of an alert: its name and, for figures, the value that raised it. */
export function alertText(kind: string, value: number): string {
  const name = t(`cr.alert.${kind}` as 'cr.alert.loss');
  if (kind === 'loss') return `${name} ${pct(value)}`;
  if (kind === 'rtt') return `${name} ${ms(value)}`;
  if (kind === 'bandwidth') return `${name} (${kbps(value)} kbit/s)`;
  return name;
}

/**
 * A sparkline of the last minute: what the point sends (line) and its packet loss (red bars from
 * the bottom, full height at 20 %). Decorative: the figures are in the cell's text.
 */
export function Sparkline({ inKbps, lossHistory }: { inKbps: number[]; lossHistory: number[] }) {
  const w = 120;
  const h = 22;
  const n = Math.max(inKbps.length, 2);
  const top = Math.max(...inKbps, 1);
  const x = (i: number) => (i * w) / (n - 1);
  const line = inKbps.map((v, i) => `${x(i).toFixed(1)},${(h - 2 - (v / top) * (h - 4)).toFixed(1)}`).join(' ');
  return (
    <svg class="cr-spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true" focusable="false">
      {lossHistory.map((l, i) => (l > 0.005 ? <rect key={i} x={x(i) - 1.5} y={h - Math.min(1, l / 0.2) * h} width="3" height={Math.min(1, l / 0.2) * h} class="cr-spark-loss" /> : null))}
      {inKbps.length > 1 && <polyline points={line} class="cr-spark-line" />}
    </svg>
  );
}

function MicOff() {
  return (
    <svg class="cr-icon" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true" focusable="false">
      <path d="M9 9v3a3 3 0 0 0 5.1 2.1M15 9.3V5a3 3 0 0 0-5.7-1.3M19 11a7 7 0 0 1-1.1 3.7M5 11a7 7 0 0 0 11.5 5.4M12 18v3M3 3l18 18" />
    </svg>
  );
}

/**
 * A point's name in its cell: every point is "Điểm cầu …", so the cell shows what tells them apart
 * (the full name is in the cell's label and the point's panel).
 */
export const shortName = (p: ControlPoint) => (p.name || p.identity).replace(/^điểm cầu\s+/i, '');

/**
 * The colour of a cell: its state, and for a connected point whether its microphone is open (in a
 * briefing nearly every point is muted, so an open one stands out) or it is on audio only.
 */
export function tone(p: ControlPoint): string {
  if (p.status !== 'connected') return p.status;
  if (p.audio_only) return 'audio-only';
  return p.audio_muted ? 'muted' : 'connected';
}

/** One point of the grid: name, state colour, figures, flags and the sparkline. */
export function Cell({ p, selected, onSelect }: { p: ControlPoint; selected: boolean; onSelect: (id: string) => void }) {
  const here = p.present;
  const status = t(`cr.status.${p.status}`);
  const flags = [p.audio_only && t('cr.audioOnly'), p.audio_muted && t('cr.muted'), p.speaking && t('cr.speaking')].filter(Boolean);
  const label = [p.name, status, ...flags, ...p.alerts.map((a) => alertText(a.kind, a.value))].join(', ');
  const cls = ['cr-cell', `cr-${tone(p)}`, p.status === 'left' && 'cr-gone', p.alerts.length > 0 && 'cr-has-alert', selected && 'cr-selected', p.speaking && 'cr-is-speaking']
    .filter(Boolean)
    .join(' ');
  return (
    <li class={cls}>
      <button type="button" class="cr-cell-btn" aria-pressed={selected} aria-label={label} title={label} onClick={() => onSelect(p.identity)}
        data-testid="cr-cell" data-identity={p.identity} data-name={p.name} data-status={p.status}>
        <span class="cr-cell-head">
          <span class="cr-dot" aria-hidden="true" />
          <span class="cr-name">{shortName(p)}</span>
          {here && p.audio_muted && <MicOff />}
        </span>
        {here ? (
          <>
            <span class="cr-figs">
              <span>↑{kbps(p.in_kbps)}</span>
              <span>↓{kbps(p.out_kbps)}</span>
              {p.layer && <span class="cr-layer">{p.layer}</span>}
              {p.audio_only && <span class="cr-tag" aria-hidden="true">{t('cr.audioOnly')}</span>}
            </span>
            <span class="cr-figs">
              <span class={loss(p) > 0.05 ? 'cr-bad' : ''}>{pct(loss(p))}</span>
              <span class={p.rtt_ms > 400 ? 'cr-bad' : ''}>{ms(p.rtt_ms)}</span>
            </span>
            <Sparkline inKbps={p.history.in_kbps} lossHistory={p.history.loss} />
          </>
        ) : (
          <span class="cr-figs cr-away">{status}</span>
        )}
        {p.alerts.length > 0 && <span class="cr-alert-line" data-testid="cr-cell-alert">{alertText(p.alerts[0]!.kind, p.alerts[0]!.value)}</span>}
      </button>
    </li>
  );
}
