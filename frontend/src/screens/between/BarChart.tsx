import { t } from '../../i18n';

export interface Series {
  label: string;
  color: string;
}

/**
 * A horizontal stacked bar chart in plain SVG: one bar per row, one colour per series, values
 * written at the end of each bar. Small enough to read on a tablet; the table below it carries
 * the same figures for those who read rather than look.
 */
export function BarChart({ title, series, rows }: { title: string; series: Series[]; rows: { label: string; values: number[] }[] }) {
  const labelW = 170;
  const barW = 330;
  const rowH = 34;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const height = rows.length * rowH + 8;
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${labelW + barW + 50} ${height}`} role="img" aria-label={t('rep.chart', { title })} data-testid="chart">
        {rows.map((r, i) => {
          let x = labelW;
          const y = i * rowH + 4;
          const total = r.values.reduce((a, b) => a + b, 0);
          return (
            <g key={r.label}>
              <text x={labelW - 8} y={y + 19} text-anchor="end">{r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label}</text>
              {r.values.map((v, j) => {
                const w = (v / max) * barW;
                const rect = <rect key={j} x={x} y={y} width={w} height={rowH - 8} fill={series[j]!.color}><title>{`${series[j]!.label}: ${v}`}</title></rect>;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + 19}>{total}</text>
            </g>
          );
        })}
      </svg>
      <figcaption class="chart-legend">
        {series.map((s) => <span key={s.label}><i style={{ background: s.color }} aria-hidden="true" />{s.label}</span>)}
      </figcaption>
    </figure>
  );
}
