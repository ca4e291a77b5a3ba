// Connections: connect buttons, the list, and one connection with its syncs and actions.
import type { ConnectionRow } from '../../db/connections.repo.js';
import type { RunRow, ScheduleRow } from '../../db/sync-runs.repo.js';
import type { CrmKind, ObjectType, ProvisionReport } from '../../../connectors/types.js';
import { adminPath, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, num, statusBadge, table } from './common.js';
import { rateLimitNote } from '../../lib/progress.js';

export interface ConnectorInfo {
  crm: CrmKind;
  configured: boolean;
  /** Why the button is disabled. */
  reason: string | null;
}

type ConnectionWithAccount = ConnectionRow & { account_name: string };

function connectForm(c: ConnectorInfo, csrf: string, account?: string, label?: string): Html {
  const reasonId = `reason-${c.crm}`;
  const accountId = `account-${c.crm}`;
  return html`<form method="post" action="/admin/connections/connect" class="card">
    ${csrfField(csrf)}
    <input type="hidden" name="crm" value="${c.crm}">
    ${account === undefined
      ? html`<div class="field">
          <label for="${accountId}">Account name <span class="muted">(optional)</span></label>
          <input id="${accountId}" name="account" type="text" maxlength="100" placeholder="${c.crm}-&lt;id&gt;">
          <span class="hint">Credits of this connection are counted on this account.</span>
        </div>`
      : html`<input type="hidden" name="account" value="${account}">`}
    <button type="submit"${c.configured ? '' : html` disabled aria-describedby="${reasonId}"`}>${label ?? `Connect ${crmName(c.crm)}`}</button>
    ${c.reason ? html`<p class="hint" id="${reasonId}">${c.reason}</p>` : ''}
  </form>`;
}

export function connectionsListView(o: { connectors: ConnectorInfo[]; connections: ConnectionWithAccount[]; csrf: string }): Html {
  return html`<h1>Connections</h1>
  <div class="grid2">${o.connectors.map((c) => connectForm(c, o.csrf))}</div>
  <h2>Connected CRMs</h2>
  ${table(
    'Connected CRMs',
    html`<th scope="col">CRM</th><th scope="col">Account</th><th scope="col">Portal / org</th><th scope="col">Status</th><th scope="col">Connected</th>`,
    o.connections.map(
      (c) => html`<tr>
        <td><a href="${adminPath('connections', c.id)}">${crmName(c.crm)} <span class="sr-only">${c.external_id}</span></a></td>
        <td>${c.account_name}</td>
        <td><span class="mono">${c.external_id}</span>${c.label ? html`<br><span class="muted">${c.label}</span>` : ''}</td>
        <td>${statusBadge(c.status)}${c.status_reason ? html`<br><span class="muted">${c.status_reason}</span>` : ''}</td>
        <td>${time(c.created_at)}</td>
      </tr>`,
    ),
    { empty: 'No CRM connected yet: use a Connect button above.' },
  )}`;
}

/** A running sync that waits for a provider's rate limit says so ("PDL rate limit, resumes in 23 s"). */
function waitNote(run: RunRow, now: number): Html | string {
  const note = run.state === 'running' ? rateLimitNote(run.waiting_provider, run.waiting_until, now) : null;
  return note ? html`<br><span class="muted">${note}</span>` : '';
}

function provisionBlock(report: ProvisionReport | null): Html {
  if (!report) return html`<p class="muted">Fields were not provisioned yet.</p>`;
  return html`<p>${report.created.length} created, ${report.existing.length} already there${report.missing.length ? html`, <strong>${report.missing.length} missing</strong>` : ''}.</p>
    ${report.missing.length ? html`<ul>${report.missing.map((m) => html`<li><code>${m.name}</code> (${m.objectType}): ${m.reason}</li>`)}</ul>` : ''}
    ${report.warnings.length ? html`<ul>${report.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}`;
}

export interface ConnectionDetail {
  conn: ConnectionWithAccount;
  connector: ConnectorInfo;
  runs: RunRow[];
  schedules: ScheduleRow[];
  provision: ProvisionReport | null;
  objectTypes: readonly ObjectType[];
  /** Salesforce: the connection's own Outbound Message endpoint. */
  outboundMessageUrl: string | null;
  csrf: string;
  /** The clock's now: a run waiting for a provider shows "resumes in N s" from it. */
  now: number;
  /** The job-change alerts block (views/alerts.ts). */
  alerts?: Html;
  /** The guarantees' form and the estimate section (views/guards.ts); a connected CRM only. */
  guarantees?: { form: Html; estimate: Html } | undefined;
}

function outboundBlock(url: string, rotate: Html): Html {
  return html`<h2>Outbound Messages</h2>
  <p>Point the Outbound Message of your Salesforce flow (Contact and Lead) at this URL. It is a secret of this
    connection: messages sent anywhere else are refused.</p>
  <p><label for="outbound-url" class="lbl">Endpoint URL</label>
    <input id="outbound-url" class="mono" type="text" readonly value="${url}"></p>
  ${rotate}`;
}

export function connectionView(d: ConnectionDetail): Html {
  const { conn: c, csrf } = d;
  const base = adminPath('connections', c.id);
  // Each button's accessible name says which connection it acts on ("Pause HubSpot 12345").
  const name = `${crmName(c.crm)} ${c.external_id}`;
  const action = (path: string, label: string, opts: { cls?: string; confirm?: string; extra?: Html; verb?: string } = {}) =>
    html`<form method="post" action="${base}/${path}" class="inline"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>
      ${csrfField(csrf)}${opts.extra ?? ''}<button type="submit"${opts.cls ? html` class="${opts.cls}"` : ''} aria-label="${opts.verb ?? label} ${name}">${label}</button></form>`;
  const live = c.status !== 'disconnected';
  return html`<p><a href="/admin/connections">← Connections</a></p>
  <h1>${crmName(c.crm)} <span class="mono">${c.external_id}</span></h1>
  <dl class="kv">
    <dt>Status</dt><dd id="connection-status">${statusBadge(c.status)}${c.status_reason ? html` <span class="muted">${c.status_reason}</span>` : ''}</dd>
    <dt>Account</dt><dd>${c.account_name}</dd>
    ${c.label ? html`<dt>${c.crm === 'hubspot' ? 'Hub domain' : 'User'}</dt><dd>${c.label}</dd>` : ''}
    <dt>Connected</dt><dd>${time(c.created_at)}</dd>
    <dt>Settings</dt><dd><a href="${base}/mapping">Field mapping</a> · <a href="/admin/schedules#conn-${c.id}">Schedules</a></dd>
  </dl>

  ${d.guarantees?.estimate ?? ''}

  <h2>Actions</h2>
  <div class="actions">
    ${live
      ? html`<form method="post" action="${base}/sync" class="inline">
          ${csrfField(csrf)}
          <label for="sync-mode" class="lbl">Sync mode</label>
          <select id="sync-mode" name="mode">
            <option value="new">new records</option><option value="backfill">backfill (all records)</option><option value="job-changes">job changes</option>
          </select>
          <button type="submit">Run sync now</button>
        </form>`
      : ''}
    ${c.status === 'connected' ? action('pause', 'Pause', { cls: 'secondary' }) : ''}
    ${c.status === 'paused' ? action('resume', 'Resume') : ''}
    ${live && c.status !== 'reconnect_needed' ? action('provision', 'Reprovision fields', { cls: 'secondary' }) : ''}
    ${c.status === 'reconnect_needed' || c.status === 'disconnected'
      ? connectForm(d.connector, csrf, c.account_name, `Reconnect ${crmName(c.crm)}`)
      : ''}
  </div>

  ${live
    ? html`<h2>Enrich one contact now</h2>
      <form method="post" action="${base}/enrich" class="actions">
        ${csrfField(csrf)}
        ${d.objectTypes.length > 1
          ? html`<div class="field"><label for="enrich-type">Object</label><select id="enrich-type" name="objectType">
              ${d.objectTypes.map((t) => html`<option value="${t}">${t === 'contact' ? 'Contact' : 'Lead'}</option>`)}</select></div>`
          : html`<input type="hidden" name="objectType" value="${d.objectTypes[0] ?? 'contact'}">`}
        <div class="field"><label for="enrich-id">${crmName(c.crm)} record id or email</label>
          <input id="enrich-id" name="contactId" type="text" required maxlength="254" inputmode="text"></div>
        <div class="field"><button type="submit">Enrich</button></div>
      </form>`
    : ''}

  ${d.guarantees?.form ?? ''}

  ${d.outboundMessageUrl
    ? outboundBlock(
        d.outboundMessageUrl,
        action('rotate-endpoint', 'Rotate the URL', { verb: 'Rotate the Outbound Message URL of', cls: 'secondary', confirm: 'Make a new URL? The current one stops working at once.' }),
      )
    : ''}

  <h2>Last syncs</h2>
  ${table(
    'Last syncs of this connection',
    html`<th scope="col">Started</th><th scope="col">Mode</th><th scope="col">Trigger</th><th scope="col">State</th>
      <th scope="col" class="num">Checked</th><th scope="col" class="num">Looked up</th><th scope="col" class="num">Found</th><th scope="col" class="num">Written</th>
      <th scope="col" class="num">Job changes</th><th scope="col" class="num">Credits</th><th scope="col" class="num">Errors</th>`,
    d.runs.map((r) => {
      const n = r.counts;
      return html`<tr>
        <td><a href="${adminPath('runs', r.id)}">${time(r.started_at ?? r.created_at)}</a></td><td>${r.mode}</td><td>${r.trigger}</td>
        <td><span class="badge ${r.state}">${r.state}</span>${r.error ? html`<br><span class="muted">${r.error}</span>` : ''}${r.note ? html`<br><span class="muted">${r.note}</span>` : ''}${waitNote(r, d.now)}</td>
        <td class="num">${num(n.checked)}</td><td class="num">${num(n.enriched)}</td><td class="num">${num(n.found)}</td><td class="num">${num(n.written)}</td>
        <td class="num">${n.changed ? html`<a href="/admin/job-changes?run=${encodeURIComponent(r.id)}" aria-label="${num(n.changed)} job changes of this run">${num(n.changed)}</a>` : num(n.changed)}</td><td class="num">${num(n.credits)}</td><td class="num">${num(n.errors)}</td>
      </tr>`;
    }),
    { empty: 'No sync has run yet.' },
  )}

  ${d.alerts ?? ''}

  <h2>Schedules</h2>
  ${d.schedules.length
    ? html`<ul>${d.schedules.map((s) => html`<li>${s.mode}: <code>${s.cron}</code> (UTC)${s.enabled ? '' : ' — disabled'}</li>`)}</ul>`
    : html`<p class="muted">No schedule.</p>`}

  <h2>Provisioned fields</h2>
  ${provisionBlock(d.provision)}

  <h2>Disconnect</h2>
  ${live
    ? html`<p>Revokes the ${crmName(c.crm)} tokens${c.crm === 'hubspot' ? '' : ' (where the org allows it)'}, forgets them, and stops every sync.
        Settings and history stay, so connecting the same ${c.crm === 'hubspot' ? 'portal' : 'org'} again resumes where it left off.</p>
      ${action('disconnect', `Disconnect ${crmName(c.crm)}`, { verb: 'Disconnect', cls: 'danger', confirm: 'Disconnect this CRM and revoke its tokens?' })}`
    : html`<p>This connection is disconnected. Deleting it also deletes its sync history, audit log and schedules.</p>
      ${action('delete', 'Delete connection and history', { verb: 'Delete the connection and history of', cls: 'danger', confirm: 'Delete this connection and all its history?' })}`}`;
}
