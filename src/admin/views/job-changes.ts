// The job-change inbox: who moved, from which role to which, when, the CRM record, the task and its owner;
// filtered by connection, run and date, paginated, exportable as CSV.
import type { InboxRow } from '../../db/job-changes.repo.js';
import type { CrmOwner } from '../../../connectors/types.js';
import { attr, html, time, type Html } from '../html.js';
import { crmName, num, table } from './common.js';
import { csvCell } from './credits.js';

export const INBOX_PAGE_SIZE = 50;

export interface InboxQuery {
  connection: string;
  run: string;
  /** YYYY-MM-DD or ''. */
  from: string;
  to: string;
  page: number;
}

export interface InboxItem extends InboxRow {
  /** The record in the CRM's own UI, when we can build it. */
  recordUrl: string | null;
  /** The task owner as the CRM names them; null when it cannot (then the id is shown). */
  owner: CrmOwner | null;
}

/** "Ava Owner (ava@example.com)", else the bare id: what the inbox, its CSV and the contact view call an owner. */
export function ownerLabel(ownerId: string | null, owner: CrmOwner | null | undefined): Html {
  if (!ownerId) return html`none`;
  if (!owner || (!owner.name && !owner.email)) return html`<span class="mono">${ownerId}</span>`;
  return html`<span title="owner id ${ownerId}">${owner.name ?? owner.email}${owner.name && owner.email ? html` (${owner.email})` : ''}</span>`;
}

/** The query string of the inbox for a filter (and a page), for links, the CSV button and the pager. */
export function inboxQuery(q: Partial<InboxQuery>): string {
  const p = new URLSearchParams();
  if (q.connection) p.set('connection', q.connection);
  if (q.run) p.set('run', q.run);
  if (q.from) p.set('from', q.from);
  if (q.to) p.set('to', q.to);
  if (q.page && q.page > 1) p.set('page', String(q.page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const role = (title: string | null, company: string | null): Html =>
  title || company ? html`${title ?? ''}${title && company ? ' at ' : ''}${company ? html`<strong>${company}</strong>` : ''}` : html`<span class="muted">unknown</span>`;

const TASK_TEXT: Record<InboxRow['task_state'], string> = {
  pending: 'to be created',
  creating: 'being created',
  created: 'created',
  failed: 'failed',
  skipped: 'off (tasks disabled)',
};

function taskCell(c: InboxItem): Html {
  return html`<span class="badge ${c.task_state === 'created' ? 'succeeded' : c.task_state === 'failed' ? 'failed' : 'queued'}">${TASK_TEXT[c.task_state]}</span>
    ${c.task_id ? html`<br><span class="mono">${c.task_id}</span>` : ''}
    <br><span class="muted">owner ${ownerLabel(c.owner_id, c.owner)}</span>
    ${c.task_state === 'failed' && c.last_error ? html`<br><span class="muted">${c.last_error}</span>` : ''}`;
}

export function inboxView(o: {
  items: InboxItem[];
  total: number;
  query: InboxQuery;
  connections: { id: string; crm: string; external_id: string }[];
  problem: string | null;
}): Html {
  const { query: q } = o;
  const pages = Math.max(1, Math.ceil(o.total / INBOX_PAGE_SIZE));
  const first = o.total === 0 ? 0 : (q.page - 1) * INBOX_PAGE_SIZE + 1;
  const last = Math.min(o.total, q.page * INBOX_PAGE_SIZE);
  return html`<h1>Job changes</h1>
  <p class="hint">Contacts whose employer changed since we last enriched them (found by the job-changes sync), with the
    task created for their owner. Times are UTC.</p>
  ${o.problem ? html`<div class="flash error" role="alert">${o.problem}</div>` : ''}
  <form method="get" action="/admin/job-changes" class="actions" role="search" aria-label="Filter job changes">
    <div class="field"><label for="jc-connection">Connection</label>
      <select id="jc-connection" name="connection"><option value="">All connections</option>
        ${o.connections.map((c) => html`<option value="${c.id}"${attr('selected', c.id === q.connection)}>${crmName(c.crm)} ${c.external_id}</option>`)}
      </select></div>
    <div class="field"><label for="jc-from">From</label><input id="jc-from" name="from" type="date" value="${q.from}"></div>
    <div class="field"><label for="jc-to">To (inclusive)</label><input id="jc-to" name="to" type="date" value="${q.to}"></div>
    ${q.run ? html`<input type="hidden" name="run" value="${q.run}">` : ''}
    <div class="field"><button type="submit">Filter</button></div>
    <div class="field"><a class="button secondary" href="/admin/job-changes.csv${inboxQuery({ ...q, page: 1 })}" download>Export CSV</a></div>
  </form>
  ${q.run ? html`<p id="jc-run-filter">Only the run <span class="mono">${q.run}</span>. <a href="/admin/job-changes${inboxQuery({ ...q, run: '', page: 1 })}">Show every run</a></p>` : ''}
  <p id="jc-count" aria-live="polite">${o.total ? html`${num(first)}–${num(last)} of ${num(o.total)} job change${o.total === 1 ? '' : 's'}` : ''}</p>
  ${table(
    'Job changes',
    html`<th scope="col">Detected</th><th scope="col">Contact</th><th scope="col">From</th><th scope="col">To</th>
      <th scope="col">CRM record</th><th scope="col">Task</th><th scope="col">Run</th>`,
    o.items.map(
      (c) => html`<tr>
        <td>${time(c.detected_at)}</td>
        <td><a href="/admin/contacts?q=${encodeURIComponent(c.contact_email ?? c.contact_id)}">${c.contact_name ?? c.contact_email ?? c.contact_id}</a>
          ${c.contact_email && c.contact_name ? html`<br><span class="muted">${c.contact_email}</span>` : ''}</td>
        <td>${role(c.previous_title, c.previous_company)}</td>
        <td>${role(c.new_title, c.new_company)}</td>
        <td>${c.recordUrl
          ? html`<a href="${c.recordUrl}" rel="noopener noreferrer" target="_blank" title="Opens the CRM">${crmName(c.crm)} ${c.object_type} ${c.contact_id}</a>`
          : html`${crmName(c.crm)} ${c.object_type} <span class="mono">${c.contact_id}</span>`}</td>
        <td>${taskCell(c)}</td>
        <td>${c.run_id ? html`<a class="mono" href="/admin/job-changes${inboxQuery({ run: c.run_id })}">${c.run_id}</a>` : html`<span class="muted">single record</span>`}</td>
      </tr>`,
    ),
    { empty: q.connection || q.run || q.from || q.to ? 'No job change matches this filter.' : 'No job change found yet. The job-changes sync finds them (Connections → Run sync now → job changes).' },
  )}
  ${pages > 1
    ? html`<nav class="actions" aria-label="Pages of job changes">
        ${q.page > 1 ? html`<a class="button secondary" rel="prev" href="/admin/job-changes${inboxQuery({ ...q, page: q.page - 1 })}">← Newer</a>` : ''}
        <span>Page ${q.page} of ${pages}</span>
        ${q.page < pages ? html`<a class="button secondary" rel="next" href="/admin/job-changes${inboxQuery({ ...q, page: q.page + 1 })}">Older →</a>` : ''}
      </nav>`
    : ''}`;
}

/** RFC 4180 CSV of the filtered inbox; names, companies and titles come from CRMs and providers: every cell goes through csvCell. */
export function inboxCsv(items: InboxItem[]): string {
  const head = ['detected_at', 'crm', 'portal_or_org', 'object_type', 'record_id', 'name', 'email', 'previous_company', 'previous_title',
    'new_company', 'new_title', 'record_url', 'task_state', 'task_id', 'owner_id', 'owner_name', 'owner_email', 'run_id'];
  const lines = [head.join(',')];
  for (const c of items) {
    lines.push(
      [new Date(c.detected_at).toISOString(), c.crm, c.external_id, c.object_type, c.contact_id, c.contact_name ?? '', c.contact_email ?? '',
        c.previous_company ?? '', c.previous_title ?? '', c.new_company ?? '', c.new_title ?? '', c.recordUrl ?? '', c.task_state, c.task_id ?? '',
        c.owner_id ?? '', c.owner?.name ?? '', c.owner?.email ?? '', c.run_id ?? ''].map(csvCell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
