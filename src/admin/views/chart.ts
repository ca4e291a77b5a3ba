// A bar chart as inline SVG, rendered on the server: no script, no CDN, readable by screen readers (title +
// description, one <title> per bar) and scaled by CSS to the screen width.
import { html, type Html } from '../html.js';

export interface Bar {
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number;
  /** Tooltip / accessible text of the bar. */
  detail: string;
}

const W = 720;
const H = 240;
const M = { top: 16, right: 12, bottom: 40, left: 52 };

/** Whole-number y ticks: the smallest step of 1, 2 or 5 times a power of ten that needs at most 5 steps. */
export function yTicks(max: number): number[] {
  let step = 1;
  for (let p = 1; ; p *= 10) {
    const s = [1, 2, 5].map((m) => m * p).find((c) => Math.ceil(max / c) <= 5);
    if (s) {
      step = s;
      break;
    }
  }
  const steps = Math.max(4, Math.ceil(max / step));
  return Array.from({ length: steps + 1 }, (_, i) => i * step);
}

/** `max`: the top of the y axis when several charts must share one scale (at least the largest bar). */
export function barChart(o: { id: string; title: string; description: string; bars: Bar[]; unit: string; max?: number }): Html {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = Math.max(1, o.bars.length);
  const ticks = yTicks(Math.max(0, o.max ?? 0, ...o.bars.map((b) => b.value)));
  const top = ticks.at(-1)!;
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.75);
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  // About six date labels whatever the period, so 90 days stay legible.
  const labelEvery = Math.max(1, Math.ceil(n / 6));
  const f = (v: number) => v.toFixed(1);
  return html`<svg class="chart" id="${o.id}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" preserveAspectRatio="xMinYMin meet">
  <title id="${o.id}-title">${o.title}</title>
  <desc id="${o.id}-desc">${o.description}</desc>
  ${ticks.map(
    (t) => html`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}"></line>
    <text x="${M.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t.toLocaleString('en-US')}</text>`,
  )}
  <line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}"></line>
  <line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}"></line>
  <text x="12" y="${M.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${M.top + plotH / 2})">${o.unit}</text>
  ${o.bars.map((b, i) => {
    const x = M.left + i * slot + (slot - barW) / 2;
    const h = (b.value / top) * plotH;
    return html`<rect class="bar" data-day="${b.day}" data-value="${b.value}" x="${f(x)}" y="${f(M.top + plotH - h)}" width="${f(barW)}" height="${f(h)}"><title>${b.detail}</title></rect>`;
  })}
  ${o.bars.map((b, i) =>
    i % labelEvery === 0 || (i === n - 1 && i % labelEvery >= labelEvery / 2)
      ? html`<text x="${f(M.left + i * slot + slot / 2)}" y="${H - M.bottom + 16}" text-anchor="middle">${b.day.slice(5)}</text>`
      : '',
  )}
</svg>`;
}
