// Activity: dead jobs (with retry), recent jobs and their state, the audit log searchable by email, paginated and
// grouped by contact and run (one heading row per contact and run, then the fields written).
import type { AuditSearchRow } from '../../db/admin.repo.js';
import type { JobListRow } from '../../jobs/queue.js';
import { adminPath, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, table } from './common.js';

/** What a job is about, from its payload: the contact or the run. Only known keys are shown. */
function subject(job: JobListRow): string {
  const p = job.payload;
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (typeof o.contactId === 'string') return `${typeof o.objectType === 'string' ? o.objectType : 'record'} ${o.contactId}`;
    if (typeof o.runId === 'string') return `run ${o.runId}`;
  }
  return '';
}

function connectionCell(id: string | null, crm: string | null): Html {
  return id ? html`<a href="${adminPath('connections', id)}">${crmName(crm)}</a>` : html`<span class="muted">—</span>`;
}

function jobRows(jobs: JobListRow[], csrf: string | null): Html[] {
  return jobs.map(
    (j) => html`<tr>
      <td class="num">${j.id}</td><td>${j.name}</td><td>${subject(j)}</td><td>${connectionCell(j.connection_id, j.crm)}</td>
      <td><span class="badge ${j.state}">${j.state}</span></td><td class="num">${j.attempts}/${j.max_attempts}</td>
      <td>${time(j.updated_at)}</td><td>${j.last_error ? html`<span class="muted">${j.last_error}</span>` : ''}</td>
      ${csrf
        ? html`<td><form method="post" action="${adminPath('activity', 'jobs', j.id, 'retry')}" class="inline">${csrfField(csrf)}
            <button type="submit" aria-label="Retry job ${j.id}">Retry</button></form></td>`
        : ''}
    </tr>`,
  );
}

const JOB_HEAD = html`<th scope="col" class="num">Job</th><th scope="col">Kind</th><th scope="col">Subject</th><th scope="col">Connection</th>
  <th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Updated</th><th scope="col">Last error</th>`;

export function activityView(o: { dead: JobListRow[]; recent: JobListRow[]; audit: AuditSearchRow[]; email: string; csrf: string; page: number; hasMore: boolean }): Html {
  return html`<h1>Activity</h1>
  <section id="dead" aria-labelledby="dead-title">
    <h2 id="dead-title">Dead jobs</h2>
    <p class="hint">Jobs that failed every attempt. Retrying puts a job back in the queue with its attempts reset.</p>
    ${table('Dead jobs', html`${JOB_HEAD}<th scope="col">Action</th>`, jobRows(o.dead, o.csrf), { empty: 'No dead jobs.' })}
  </section>
  <section aria-labelledby="recent-title">
    <h2 id="recent-title">Recent jobs</h2>
    ${table('Recent jobs', JOB_HEAD, jobRows(o.recent, null), { empty: 'No jobs yet.' })}
  </section>
  <section id="audit" aria-labelledby="audit-title">
    <h2 id="audit-title">Audit log</h2>
    <form method="get" action="/admin/activity#audit" class="actions" role="search">
      <div class="field"><label for="audit-email">Contact email</label>
        <input id="audit-email" name="email" type="search" maxlength="254" value="${o.email}" placeholder="name@example.com"></div>
      <div class="field"><button type="submit">Search</button></div>
    </form>
    <p class="hint">${o.email ? html`Changes for contacts whose email contains “${o.email}”.` : 'The latest changes written to the CRMs.'}
      ${o.audit.length ? html`Changes ${o.page * AUDIT_PAGE_SIZE + 1}–${o.page * AUDIT_PAGE_SIZE + o.audit.length}, grouped by contact and run.` : ''}</p>
    ${o.audit.length
      ? html`<div class="table-wrap"><table class="audit">
          <caption class="sr-only">Audit log, grouped by contact and run</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Field</th><th scope="col">Old → new</th><th scope="col">Status</th></tr></thead>
          ${auditGroups(o.audit).map(
            (g) => html`<tbody class="audit-group">
              <tr class="group"><th scope="rowgroup" colspan="4">
                ${g.first.email ?? html`<span class="muted">no email</span>`}
                <span class="muted">· ${crmName(g.first.crm)} ${g.first.object_type} <span class="mono">${g.first.contact_id}</span>
                · ${g.first.run_id ? html`run <span class="mono">${g.first.run_id}</span>` : g.first.job_id !== null ? html`job ${g.first.job_id}` : 'no run'}
                · ${g.rows.length} field${g.rows.length === 1 ? '' : 's'}</span></th></tr>
              ${g.rows.map(
                (a) => html`<tr>
                  <td>${time(a.created_at)}</td>
                  <td><code>${a.field}</code></td>
                  <td>${a.old_value ?? html`<span class="muted">(empty)</span>`} → <strong>${a.new_value ?? '(empty)'}</strong></td>
                  <td><span class="badge ${a.status}">${a.status}</span>${a.error ? html`<br><span class="muted">${a.error}</span>` : ''}</td>
                </tr>`,
              )}
            </tbody>`,
          )}
        </table></div>`
      : html`<p class="muted">${o.page > 0 ? 'No older change.' : o.email ? 'No change recorded for that email.' : 'No change written yet.'}</p>`}
    ${o.page > 0 || o.hasMore
      ? html`<nav class="actions pager" aria-label="Audit log pages">
          ${o.page > 0 ? html`<a class="button secondary" rel="prev" href="${pageHref(o.email, o.page - 1)}">Newer changes</a>` : ''}
          <span class="muted">Page ${o.page + 1}</span>
          ${o.hasMore ? html`<a class="button secondary" rel="next" href="${pageHref(o.email, o.page + 1)}">Older changes</a>` : ''}
        </nav>`
      : ''}
  </section>`;
}

export const AUDIT_PAGE_SIZE = 50;

function pageHref(email: string, page: number): string {
  const q = new URLSearchParams();
  if (email) q.set('email', email);
  if (page > 0) q.set('page', String(page));
  const qs = q.toString();
  return `/admin/activity${qs ? `?${qs}` : ''}#audit`;
}

/** Consecutive rows of one contact and one run (or job) form a group; the order (newest first) is kept. */
export function auditGroups(rows: readonly AuditSearchRow[]): { first: AuditSearchRow; rows: AuditSearchRow[] }[] {
  const groups: { key: string; first: AuditSearchRow; rows: AuditSearchRow[] }[] = [];
  for (const r of rows) {
    const key = `${r.connection_id}\u0000${r.object_type}\u0000${r.contact_id}\u0000${r.run_id ?? `job:${r.job_id ?? ''}`}`;
    const last = groups.at(-1);
    if (last && last.key === key) last.rows.push(r);
    else groups.push({ key, first: r, rows: [r] });
  }
  return groups.map(({ first, rows }) => ({ first, rows }));
}
