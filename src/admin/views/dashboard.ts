// The dashboard: what is running, what needs attention, what it costs this month.
import type { ConnectionRow } from '../../db/connections.repo.js';
import type { JobCounts } from '../../jobs/queue.js';
import { adminPath, html, type Html } from '../html.js';
import { crmName, num, statusBadge, table } from './common.js';
import { testEnrichmentBox } from './contacts.js';
import type { AttentionItem } from '../attention.js';
import { attentionView, gettingStartedView, type SetupState } from './attention.js';

export interface DashboardData {
  activeProviders: readonly string[];
  connections: (ConnectionRow & { account_name: string })[];
  jobs: JobCounts;
  creditsThisMonth: { account: string; credits: number; limit: number }[];
  monthLabel: string;
  /** "Needs attention" (admin/attention.ts). */
  attention: AttentionItem[];
  /** The getting-started block, shown while no CRM was ever connected. */
  setup: SetupState;
  csrf: string;
}

export function dashboardView(d: DashboardData): Html {
  const total = d.creditsThisMonth.reduce((s, a) => s + a.credits, 0);
  const live = d.connections.filter((c) => c.status !== 'disconnected');
  return html`<h1>Dashboard</h1>
  <ul class="cards" aria-label="Summary">
    <li class="card"><span class="label">Active providers</span><span class="value" id="stat-providers">${d.activeProviders.length}</span></li>
    <li class="card"><span class="label">Connections</span><span class="value" id="stat-connections">${live.length}</span></li>
    <li class="card"><span class="label">Queue depth</span><span class="value" id="stat-queue">${num(d.jobs.queued + d.jobs.retry + d.jobs.running)}</span></li>
    <li class="card"><span class="label">Dead jobs</span><span class="value" id="stat-dead">${num(d.jobs.dead)}</span></li>
    <li class="card"><span class="label">Credits in ${d.monthLabel}</span><span class="value" id="stat-credits">${num(total)}</span></li>
  </ul>
  ${d.connections.length ? attentionView(d.attention, d.csrf) : gettingStartedView(d.setup)}

  <h2>Enrichment providers</h2>
  ${d.activeProviders.length
    ? html`<p>Waterfall order: ${d.activeProviders.map((p, i) => html`${i ? ' → ' : ''}<strong>${p}</strong>`)}</p>`
    : html`<p class="flash error">No provider is configured: the enrichment API answers 503. Import a dataset or set PDL_API_KEY / APOLLO_API_KEY.</p>`}
  ${d.csrf ? testEnrichmentBox(d.csrf) : ''}

  <h2>Connections</h2>
  <p id="connection-states">${(['connected', 'reconnect_needed', 'paused', 'disconnected'] as const).map(
    (s, i) => html`${i ? ' · ' : ''}${d.connections.filter((c) => c.status === s).length} ${s === 'reconnect_needed' ? 'reconnect needed' : s}`,
  )}</p>
  ${table(
    'Connections and their status',
    html`<th scope="col">CRM</th><th scope="col">Account</th><th scope="col">Portal / org</th><th scope="col">Status</th>`,
    d.connections.map(
      (c) => html`<tr>
        <td><a href="${adminPath('connections', c.id)}">${crmName(c.crm)} <span class="sr-only">${c.external_id}</span></a></td>
        <td>${c.account_name}</td>
        <td><span class="mono">${c.external_id}</span>${c.label ? html` <span class="muted">${c.label}</span>` : ''}</td>
        <td>${statusBadge(c.status)}${c.status_reason ? html` <span class="muted">${c.status_reason}</span>` : ''}</td>
      </tr>`,
    ),
    { empty: 'No CRM connected yet.' },
  )}
  <p><a href="/admin/connections">Manage connections</a></p>

  <h2>Queue</h2>
  <p>${num(d.jobs.queued)} queued, ${num(d.jobs.retry)} waiting to retry, ${num(d.jobs.running)} running, ${num(d.jobs.dead)} dead.
    ${d.jobs.dead ? html`<a href="/admin/activity#dead">Retry dead jobs</a>` : ''}</p>

  <h2>Credits in ${d.monthLabel}</h2>
  ${table(
    'Credits this month per account',
    html`<th scope="col">Account</th><th scope="col" class="num">Credits</th><th scope="col" class="num">Monthly limit</th>`,
    d.creditsThisMonth.map(
      (a) => html`<tr><td>${a.account}</td><td class="num">${num(a.credits)}</td><td class="num">${a.limit ? num(a.limit) : 'no limit'}</td></tr>`,
    ),
    { empty: 'No accounts yet.' },
  )}
  <p><a href="/admin/credits">Credits per day</a></p>`;
}
