// This month's credits of every account against its monthly limit, on ONE scale: each bar is drawn in the same
// coordinates (0 → the largest usage or limit of all accounts), so a long bar means many credits whatever the
// account. Bars are SVG shapes (the CSP forbids inline styles); the numbers are text beside them, so the
// picture is decoration (aria-hidden) and nothing is lost without it.
import { html, type Html } from '../html.js';
import { num } from './common.js';

export interface Usage {
  accountId: string;
  account: string;
  used: number;
  /** 0 = no limit. */
  limit: number;
}

/** The common end of the scale: the largest usage or limit (at least 1, so an idle install draws empty bars). */
export function usageScale(rows: readonly Usage[]): number {
  return Math.max(1, ...rows.map((r) => Math.max(r.used, r.limit)));
}

function level(u: Usage): 'ok' | 'near' | 'over' {
  if (!u.limit) return 'ok';
  return u.used >= u.limit ? 'over' : u.used >= u.limit * 0.8 ? 'near' : 'ok';
}

export function usageView(rows: readonly Usage[], monthLabel: string): Html {
  if (!rows.length) return html``;
  const scale = usageScale(rows);
  const f = (v: number) => v.toFixed(1);
  // 1000 units across, whatever the scale: the bars stretch to the width of the page.
  const x = (v: number) => (Math.min(v, scale) / scale) * 1000;
  return html`<section id="usage" aria-labelledby="usage-title">
    <h2 id="usage-title">${monthLabel}: credits against the monthly limit</h2>
    <p class="hint">Every bar uses the same scale, 0 to ${num(scale)} credits; the dark mark is the account's limit.</p>
    <ul class="usage">${rows.map((u) => {
      const lv = level(u);
      return html`<li class="usage-row ${lv}" data-account="${u.account}" data-used="${u.used}" data-limit="${u.limit}">
        <span class="usage-text"><strong>${u.account}</strong>: ${num(u.used)} ${u.limit ? html`of ${num(u.limit)} credits (${Math.floor((u.used / u.limit) * 100)} %)` : 'credits, no limit'}${lv === 'over' ? html` <span class="badge dead">limit reached</span>` : ''}</span>
        <svg class="usage-bar" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true" focusable="false">
          <rect class="track" x="0" y="4" width="1000" height="12"></rect>
          <rect class="used" x="0" y="4" width="${f(x(u.used))}" height="12" data-width="${f(x(u.used))}"></rect>
          ${u.limit ? html`<rect class="limit" x="${f(Math.max(0, x(u.limit) - 3))}" y="0" width="6" height="20" data-x="${f(x(u.limit))}"></rect>` : ''}
        </svg>
      </li>`;
    })}</ul>
  </section>`;
}
