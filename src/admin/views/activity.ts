// Activity: dead jobs (with retry), recent jobs and their state, the audit log searchable by email.
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

export function activityView(o: { dead: JobListRow[]; recent: JobListRow[]; audit: AuditSearchRow[]; email: string; csrf: string }): Html {
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
    <p class="hint">${o.email ? html`Changes for contacts whose email contains “${o.email}”.` : 'The latest changes written to the CRMs.'}</p>
    ${table(
      'Audit log',
      html`<th scope="col">When</th><th scope="col">Contact</th><th scope="col">Field</th><th scope="col">Old → new</th>
        <th scope="col">Status</th><th scope="col">Job / run</th>`,
      o.audit.map(
        (a) => html`<tr>
          <td>${time(a.created_at)}</td>
          <td>${a.email ?? html`<span class="muted">no email</span>`}<br><span class="muted">${crmName(a.crm)} ${a.object_type} ${a.contact_id}</span></td>
          <td><code>${a.field}</code></td>
          <td>${a.old_value ?? html`<span class="muted">(empty)</span>`} → <strong>${a.new_value ?? '(empty)'}</strong></td>
          <td><span class="badge ${a.status}">${a.status}</span>${a.error ? html`<br><span class="muted">${a.error}</span>` : ''}</td>
          <td>${a.job_id !== null ? html`job ${a.job_id}` : ''}${a.run_id ? html`<span class="mono">${a.run_id}</span>` : ''}</td>
        </tr>`,
      ),
      { empty: o.email ? 'No change recorded for that email.' : 'No change written yet.' },
    )}
  </section>`;
}
