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
  const labelW = 220;
  const barW = 520;
  const rowH = 30;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const height = rows.length * rowH + 40;
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${labelW + barW + 60} ${height}`} role="img" aria-label={t('rep.chart', { title })} data-testid="chart">
        {rows.map((r, i) => {
          let x = labelW;
          const y = i * rowH + 4;
          const total = r.values.reduce((a, b) => a + b, 0);
          return (
            <g key={r.label}>
              <text x={labelW - 8} y={y + 17} text-anchor="end">{r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label}</text>
              {r.values.map((v, j) => {
                const w = (v / max) * barW;
                const rect = <rect key={j} x={x} y={y} width={w} height={rowH - 8} fill={series[j]!.color}><title>{`${series[j]!.label}: ${v}`}</title></rect>;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + 17}>{total}</text>
            </g>
          );
        })}
        {series.map((s, j) => (
          <g key={s.label} transform={`translate(${labelW + j * 130}, ${rows.length * rowH + 14})`}>
            <rect width="14" height="14" fill={s.color} />
            <text x="20" y="12">{s.label}</text>
          </g>
        ))}
      </svg>
      <figcaption class="muted">{title}</figcaption>
    </figure>
  );
}
