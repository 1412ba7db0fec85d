import { MICRO_PER_CREDIT } from "../../../src/credits/index.ts";
import { type Fragment, html } from "../html.ts";

/**
 * A stacked bar chart as inline SVG (no script, no library; presentation attributes only, which the CSP allows),
 * a legend, and the same numbers as a table: screen readers cannot read the bars, so the SVG's accessible name
 * points them at the table.
 */
export interface Series {
  label: string;
  /** Micro-credits per day, aligned with the chart's days. */
  values: number[];
}

/** Okabe–Ito: told apart with the common colour-vision deficiencies. The last one is for "everything else". */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"];

/** Credits with up to six decimals and thousands separators ("1,234.5"). */
export const credits = (micro: number) => (micro / MICRO_PER_CREDIT).toLocaleString("en-US", { maximumFractionDigits: 6 });

/** The `limit - 1` largest series, and the rest summed as one ("other …"), so colours stay distinguishable. */
export function topSeries(series: Series[], limit: number, rest: string): Series[] {
  if (series.length <= limit) return series;
  const sorted = [...series].sort((a, b) => total(b.values) - total(a.values));
  const others = sorted.slice(limit - 1);
  return [...sorted.slice(0, limit - 1), { label: rest, values: others[0].values.map((_, i) => others.reduce((s, o) => s + o.values[i], 0)) }];
}

const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

function niceCeiling(value: number): number {
  if (value <= 0) return MICRO_PER_CREDIT;
  const step = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].find((m) => m * step >= value) ?? 10) * step;
}

const W = 720;
const H = 240;
const LEFT = 72;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 28;

export function usageChart(id: string, title: string, days: string[], series: Series[]): Fragment {
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const totals = days.map((_, i) => series.reduce((s, x) => s + x.values[i], 0));
  const max = niceCeiling(Math.max(0, ...totals));
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const slot = plotW / days.length;
  const barW = Math.max(2, slot * 0.7);
  const colour = (i: number) => PALETTE[Math.min(i, PALETTE.length - 1)];
  const round = (n: number) => Math.round(n * 10) / 10;

  const grid = [0, max / 2, max].map(
    (v) => html`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${round(y(v))}" y2="${round(y(v))}" stroke="#d1d9e0"/><text x="${LEFT - 6}" y="${round(y(v)) + 4}" text-anchor="end" font-size="11" fill="#59636e">${credits(v)}</text>`,
  );
  const labels = days.map((d, i) =>
    i % 5 === 0 || i === days.length - 1 ? html`<text x="${round(LEFT + slot * i + slot / 2)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#59636e">${d.slice(5)}</text>` : "",
  );
  const bars = days.map((d, i) => {
    let base = 0;
    return series.map((s, k) => {
      const v = s.values[i];
      if (v <= 0) return "";
      const top = y(base + v);
      const height = y(base) - top;
      base += v;
      return html`<rect x="${round(LEFT + slot * i + (slot - barW) / 2)}" y="${round(top)}" width="${round(barW)}" height="${round(Math.max(height, 0.5))}" fill="${colour(k)}"><title>${d} · ${s.label}: ${credits(v)} credits</title></rect>`;
    });
  });

  return html`<figure class="chart" id="${id}">
<figcaption><strong>${title}</strong> <span class="muted">(credits per UTC day, last ${days.length} days)</span></figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title" focusable="false"><title id="${id}-title">${title}: the same numbers are in the table below</title>${grid}${bars}${labels}</svg>
<ul class="muted" aria-label="Legend">${series.map(
    (s, k) => html`<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="${colour(k)}"/></svg> ${s.label}: ${credits(total(s.values))} credits</li>`,
  )}</ul>
</figure>
${usageTable(title, days, series, totals)}`;
}

/** The chart's numbers, days with any usage only, and the totals. */
function usageTable(title: string, days: string[], series: Series[], totals: number[]): Fragment {
  return html`<div class="table-wrap"><table>
<caption>${title}, in credits (days without usage left out)</caption>
<thead><tr><th scope="col">Day (UTC)</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}<th scope="col">Total</th></tr></thead>
<tbody>${days.map((d, i) =>
    totals[i] > 0 ? html`<tr><th scope="row">${d}</th>${series.map((s) => html`<td>${credits(s.values[i])}</td>`)}<td>${credits(totals[i])}</td></tr>` : "",
  )}</tbody>
<tfoot><tr><th scope="row">Total</th>${series.map((s) => html`<td>${credits(total(s.values))}</td>`)}<td>${credits(total(totals))}</td></tr></tfoot>
</table></div>`;
}
