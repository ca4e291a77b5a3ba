// Credits: per account and day over 30 or 90 days (server-rendered SVG), totals, the monthly limit, CSV export.
import type { CreditDayRow } from '../../db/admin.repo.js';
import { DAY_MS } from '../../lib/clock.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { barChart, type Bar } from './chart.js';
import { num, table } from './common.js';
import { usageView } from './usage-chart.js';

export const PERIODS = [30, 90] as const;
export type Period = (typeof PERIODS)[number];

export interface AccountCredits {
  accountId: string;
  account: string;
  requests: number;
  found: number;
  cacheHits: number;
  credits: number;
  thisMonth: number;
  limit: number;
}

/** The N UTC days ending today, oldest first, as YYYY-MM-DD. */
export function periodDays(now: number, days: number): string[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

export function periodStart(now: number, days: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
}

function chartFor(a: AccountCredits, daily: CreditDayRow[], days: string[], period: number, index: number, max: number): Html {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const bars: Bar[] = days.map((day) => {
    const d = byDay.get(day);
    const credits = d?.credits ?? 0;
    return { day, value: credits, detail: `${day}: ${credits} credits, ${d?.requests ?? 0} requests, ${d?.found ?? 0} found` };
  });
  const peak = bars.reduce<Bar | null>((best, b) => (b.value > (best?.value ?? 0) ? b : best), null);
  return html`<figure class="credit-chart" data-account="${a.account}">
    ${barChart({
      id: `chart-${index}`,
      title: `Credits per day for ${a.account}, last ${period} days`,
      description: `${a.credits} credits in total over ${a.requests} requests${peak ? `; highest ${peak.value} on ${peak.day}` : ''}.`,
      bars,
      unit: 'credits',
      max,
    })}
    <figcaption><strong>${a.account}</strong>: ${num(a.credits)} credits, ${num(a.requests)} requests, ${num(a.found)} found
      (${num(a.cacheHits)} from cache).</figcaption>
    <details><summary>Daily numbers for ${a.account}</summary>
      ${table(
        `Credits per day for ${a.account}`,
        html`<th scope="col">Day (UTC)</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Found</th><th scope="col" class="num">Credits</th>`,
        daily.map((d) => html`<tr><td>${d.day}</td><td class="num">${num(d.requests)}</td><td class="num">${num(d.found)}</td><td class="num">${num(d.credits)}</td></tr>`),
        { empty: 'No requests in this period.' },
      )}
    </details>
  </figure>`;
}

export function creditsView(o: { period: Period; now: number; accounts: AccountCredits[]; daily: CreditDayRow[]; csrf: string; monthLabel: string }): Html {
  const days = periodDays(o.now, o.period);
  const active = o.accounts.filter((a) => a.requests > 0);
  const total = o.accounts.reduce((s, a) => s + a.credits, 0);
  // One y axis for every account's chart, so their heights compare.
  const dayMax = Math.max(0, ...o.daily.map((d) => d.credits));
  return html`<h1>Credits</h1>
  <nav aria-label="Period" class="actions">
    ${PERIODS.map((p) => html`<a class="button${p === o.period ? '' : ' secondary'}" href="/admin/credits?days=${p}"${p === o.period ? html` aria-current="page"` : ''}>Last ${p} days</a>`)}
    <a class="button secondary" href="/admin/credits.csv?days=${o.period}" download>Export CSV</a>
  </nav>
  <p>Total over the last ${o.period} days: <strong id="credits-total">${num(total)}</strong> credits. A found profile costs 3 credits,
    cache hits included; a miss or a failure costs nothing.</p>
  ${usageView(o.accounts.map((a) => ({ accountId: a.accountId, account: a.account, used: a.thisMonth, limit: a.limit })), o.monthLabel)}
  ${active.length ? html`<h2>Credits per day</h2><p class="hint">All charts share one scale (0 to the busiest day of any account).</p>` : ''}
  ${active.length
    ? active.map((a, i) => chartFor(a, o.daily.filter((d) => d.account_id === a.accountId), days, o.period, i, dayMax))
    : html`<p class="muted">No enrichment in the last ${o.period} days.</p>`}

  <h2>Accounts</h2>
  ${table(
    'Credits per account',
    html`<th scope="col">Account</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Found</th>
      <th scope="col" class="num">Cache hits</th><th scope="col" class="num">Credits (${o.period} d)</th>
      <th scope="col" class="num">This month</th><th scope="col">Monthly limit</th>`,
    o.accounts.map(
      (a, i) => html`<tr id="account-${a.accountId}">
        <th scope="row">${a.account}</th><td class="num" data-label="Requests">${num(a.requests)}</td><td class="num" data-label="Found">${num(a.found)}</td>
        <td class="num" data-label="Cache hits">${num(a.cacheHits)}</td><td class="num" data-label="Credits (${o.period} d)">${num(a.credits)}</td><td class="num" data-label="This month">${num(a.thisMonth)}</td>
        <td data-label="Monthly limit"><form method="post" action="/admin/credits/limit" class="actions">
          ${csrfField(o.csrf)}<input type="hidden" name="accountId" value="${a.accountId}"><input type="hidden" name="days" value="${o.period}">
          <label for="limit-${i}" class="sr-only">Monthly credit limit of ${a.account} (0 = no limit)</label>
          <input id="limit-${i}" name="limit" type="number" min="0" step="1" value="${a.limit}" inputmode="numeric">
          <button type="submit" class="secondary" aria-label="Set the monthly limit of ${a.account}">Set</button>
        </form>${a.limit && a.thisMonth >= a.limit ? html`<span class="badge dead">limit reached</span>` : ''}</td>
      </tr>`,
    ),
    { empty: 'No accounts yet.', stack: true },
  )}
  <p class="hint">A limit of 0 means no limit. An account over its limit gets 402 from the API, and its CRM jobs wait until the next month.</p>`;
}

/**
 * One RFC 4180 cell. Text a spreadsheet could evaluate (leading = + - @, the ; that some locales treat as a
 * separator before a formula, tab or CR, also after leading blanks) is prefixed with ' and quoted, so it is shown
 * as text, never run. Numbers are ours and pass as they are.
 */
export function csvCell(v: string | number): string {
  if (typeof v === 'number') return String(v);
  let s = v;
  const risky = /^[\s\u00a0]*[=+\-@;\t\r\uff1d\uff0b\uff0d\uff20]/.test(s);
  if (risky) s = `'${s}`;
  return risky || /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV: one line per account and day (account names are typed by people: every cell goes through csvCell). */
export function creditsCsv(daily: CreditDayRow[]): string {
  const cell = csvCell;
  const lines = [['day', 'account', 'account_id', 'requests', 'found', 'cache_hits', 'credits'].join(',')];
  for (const d of daily) lines.push([d.day, d.account, d.account_id, d.requests, d.found, d.cache_hits, d.credits].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
