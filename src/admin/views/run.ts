// One sync run: its state and live progress, counts by outcome, the contacts of each outcome, provider waits, and
// "Revert this run" with a preview of what would be put back and what would be kept.
import type { RunRow } from '../../db/sync-runs.repo.js';
import type { RunContactOutcome, RunContactRow } from '../../db/run-history.repo.js';
import type { RevertReport } from '../../sync/revert.js';
import { providerLabel, rateLimitNote } from '../../lib/progress.js';
import { recordUrl } from '../../sync/record-links.js';
import type { CrmKind } from '../../../connectors/types.js';
import { adminPath, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, num, table } from './common.js';

export interface RunViewData {
  run: RunRow;
  /** `instanceUrl`: a Salesforce org's, from its tokens (null when unknown: its records are not linked). */
  conn: { id: string; crm: string; external_id: string; instanceUrl?: string | null };
  outcomes: { outcome: RunContactOutcome; reason: string | null; n: number }[];
  contacts: Partial<Record<RunContactOutcome, RunContactRow[]>>;
  now: number;
  csrf: string;
}

const OUTCOME_LABEL: Record<RunContactOutcome, string> = {
  written: 'Written',
  unchanged: 'Found, nothing to write',
  not_found: 'Not found',
  skipped: 'Skipped',
  failed: 'Failed',
};
const PREVIEW_ROWS = 500;
export const OUTCOMES: RunContactOutcome[] = ['written', 'unchanged', 'not_found', 'skipped', 'failed'];

const live = (r: RunRow) => r.state === 'queued' || r.state === 'running';

/** What the JSON endpoint answers and the page script reads. */
export function runProgress(run: RunRow, now: number) {
  return {
    id: run.id,
    state: run.state,
    error: run.error,
    total: run.total,
    counts: run.counts,
    waiting: rateLimitNote(run.waiting_provider, run.waiting_until, now) ?? null,
    live: live(run),
  };
}

function countCard(key: string, label: string, value: number | null): Html {
  return html`<li class="card"><span class="label">${label}</span><span class="value" data-count="${key}">${num(value)}</span></li>`;
}

/** "12 s", "3 min 5 s": how long a provider held the run. */
function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** The run's past waits for providers' rate limits (the live note shows only the current one). */
function waitsBlock(run: RunRow): Html {
  return html`<section id="run-waits" aria-labelledby="run-waits-title"><h2 id="run-waits-title">Provider waits</h2>
    <p class="hint">The run paused for a provider's rate limit; a wait never fails a contact nor charges for it.</p>
    ${table(
      'Provider waits of this run',
      html`<th scope="col">Provider</th><th scope="col">Waited from</th><th scope="col">Until</th><th scope="col" class="num">For</th>`,
      run.waits.map((w) => html`<tr><td>${providerLabel(w.provider)}</td><td>${time(w.from)}</td><td>${time(w.until)}</td><td class="num">${duration(w.until - w.from)}</td></tr>`),
      { visibleCaption: false },
    )}</section>`;
}

export function runView(d: RunViewData): Html {
  const { run } = d;
  const c = run.counts;
  const wait = rateLimitNote(run.waiting_provider, run.waiting_until, d.now);
  const reasons = (o: RunContactOutcome) => d.outcomes.filter((x) => x.outcome === o && x.reason);
  return html`<h1>${crmName(d.conn.crm)} ${run.mode} run</h1>
  <p><a href="${adminPath('connections', d.conn.id)}">${crmName(d.conn.crm)} ${d.conn.external_id}</a> · started by ${run.trigger} · ${time(run.started_at ?? run.created_at)}
    ${run.finished_at ? html` · finished ${time(run.finished_at)}` : ''}</p>
  <p>State: <span class="badge ${run.state}" id="run-state">${run.state}</span>
    <span id="run-progress">${run.total !== null ? ` ${num(c.checked)} of ${num(run.total)} contacts` : ''}</span>
    <span id="run-wait" class="muted">${wait ?? ''}</span></p>
  ${run.error ? html`<p class="flash error" role="alert" id="run-error">Failed: ${run.error}</p>` : ''}
  ${live(run) ? html`<p class="muted" id="run-live" data-live="${adminPath('runs', run.id)}.json">This page updates itself while the run is going.</p>
    <script src="/admin/assets/run-live.js" defer></script>` : ''}

  <h2>Counts</h2>
  <ul class="cards" aria-label="Counts of this run">
    ${countCard('checked', 'Contacts checked', c.checked)}
    ${countCard('enriched', 'Looked up', c.enriched)}
    ${countCard('found', 'Found', c.found)}
    ${countCard('not_found', 'Not found', c.enriched - c.found)}
    ${countCard('written', 'Written', c.written)}
    ${countCard('skipped', 'Skipped', c.skipped)}
    ${countCard('errors', 'Failed', c.errors)}
    ${countCard('changed', 'Job changes', c.changed)}
    ${countCard('tasks', 'Tasks', c.tasks)}
    ${countCard('credits', 'Credits', c.credits)}
  </ul>
  ${reasons('skipped').length || reasons('failed').length
    ? html`<h2>Reasons</h2>${table(
        'Skipped and failed contacts by reason',
        html`<th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col" class="num">Contacts</th>`,
        [...reasons('skipped'), ...reasons('failed')].map((r) => html`<tr><td>${OUTCOME_LABEL[r.outcome]}</td><td>${r.reason}</td><td class="num">${num(r.n)}</td></tr>`),
        { visibleCaption: false },
      )}`
    : ''}

  ${run.waits.length && !live(run) ? waitsBlock(run) : ''}

  <h2>Contacts</h2>
  ${OUTCOMES.map((o) => {
    const rows = d.contacts[o] ?? [];
    const total = d.outcomes.filter((x) => x.outcome === o).reduce((a, x) => a + x.n, 0);
    if (total === 0) return '';
    return html`<details${o === 'failed' ? ' open' : ''}><summary>${OUTCOME_LABEL[o]} (${num(total)}${rows.length < total ? html`, first ${num(rows.length)} shown` : ''})</summary>
      ${table(
        `${OUTCOME_LABEL[o]} contacts`,
        html`<th scope="col">Record</th><th scope="col">Email</th><th scope="col">Reason</th><th scope="col" class="num">Credits</th>`,
        rows.map((r) => {
          const url = recordUrl(d.conn.crm as CrmKind, { externalId: d.conn.external_id, instanceUrl: d.conn.instanceUrl, objectType: r.object_type, id: r.contact_id });
          const label = `${r.object_type} ${r.contact_id}`;
          return html`<tr><td>${url ? html`<a href="${url}" rel="noopener noreferrer" target="_blank" title="Opens the CRM">${label}</a>` : label}${r.job_change ? html` <span class="badge">job change</span>` : ''}</td>
            <td>${r.email ?? '—'}</td><td>${r.reason ?? ''}</td><td class="num">${num(r.credits)}</td></tr>`;
        }),
      )}
    </details>`;
  })}
  ${d.outcomes.length === 0 ? html`<p class="muted">No contact recorded for this run${live(run) ? ' yet' : ''}.</p>` : ''}

  <h2>Revert this run</h2>
  ${live(run)
    ? html`<p class="muted">A run can be reverted once it has finished.</p>`
    : html`<p>Puts back every field this run wrote, where the field still holds the value the run wrote; values changed since are kept.</p>
      <form method="get" action="${adminPath('runs', run.id, 'revert')}" class="actions">
        <label><input type="checkbox" name="tasks" value="1"> Also delete the job-change tasks of this run nobody completed</label>
        <button type="submit" class="secondary">Preview the revert</button>
      </form>`}`;
}

export function revertPreviewView(d: { run: RunRow; conn: { crm: string; external_id: string }; report: RevertReport; tasks: boolean; csrf: string }): Html {
  const r = d.report;
  // Kept and failed fields first: they are what an admin needs to see. A big run shows its first rows only.
  const all = r.fields.filter((f) => f.outcome !== 'reverted').concat(r.fields.filter((f) => f.outcome === 'reverted'));
  const rows = all.slice(0, PREVIEW_ROWS);
  const show = (v: string | null) => (v === null ? html`<span class="muted">empty</span>` : v);
  return html`<h1>Revert this run?</h1>
  <p><a href="${adminPath('runs', d.run.id)}">${crmName(d.conn.crm)} ${d.run.mode} run</a> of ${time(d.run.started_at ?? d.run.created_at)}.</p>
  <ul class="cards" aria-label="What the revert would do">
    <li class="card"><span class="label">Fields put back</span><span class="value" id="preview-reverted">${num(r.reverted)}</span></li>
    <li class="card"><span class="label">Kept (changed since)</span><span class="value" id="preview-kept">${num(r.kept)}</span></li>
    <li class="card"><span class="label">Cannot revert</span><span class="value" id="preview-failed">${num(r.failed)}</span></li>
    ${d.tasks ? html`<li class="card"><span class="label">Tasks deleted</span><span class="value" id="preview-tasks">${num(r.tasks_removed)}</span></li>` : ''}
  </ul>
  ${table(
    'Fields of this run',
    html`<th scope="col">Record</th><th scope="col">Field</th><th scope="col">Run wrote</th><th scope="col">Goes back to</th><th scope="col">Now</th><th scope="col">Outcome</th>`,
    rows.map((f) => html`<tr><td>${f.objectType} ${f.contactId}${f.email ? html`<br><span class="muted">${f.email}</span>` : ''}</td><td>${f.field}</td>
      <td>${show(f.ours)}</td><td>${show(f.before)}</td><td>${show(f.current)}</td>
      <td>${f.outcome === 'reverted' ? 'put back' : f.outcome === 'kept' ? html`<strong>kept</strong> (${f.reason})` : html`<strong>cannot</strong> (${f.reason})`}</td></tr>`),
    { empty: 'Nothing left to revert: every field of this run was put back already, or the run wrote none.', visibleCaption: true },
  )}
  ${all.length > rows.length ? html`<p class="muted">The first ${num(rows.length)} of ${num(all.length)} fields are shown.</p>` : ''}
  ${d.tasks && r.tasks.length
    ? table(
        'Tasks of this run',
        html`<th scope="col">Task</th><th scope="col">Record</th><th scope="col">Outcome</th>`,
        r.tasks.map((t) => html`<tr><td>${t.taskId}</td><td>${t.objectType} ${t.contactId}</td><td>${t.outcome === 'removed' ? 'deleted' : t.outcome.replace('_', ' ')}</td></tr>`),
        { visibleCaption: true },
      )
    : ''}
  <form method="post" action="${adminPath('runs', d.run.id, 'revert')}" class="actions" data-confirm="Put these fields back in ${crmName(d.conn.crm)}?">
    ${csrfField(d.csrf)}
    ${d.tasks ? html`<input type="hidden" name="tasks" value="1">` : ''}
    <button type="submit" class="danger">Revert this run</button>
    <a class="button secondary" href="${adminPath('runs', d.run.id)}">Cancel</a>
  </form>`;
}

/** The page script: polls the run's JSON while it is live, updates the counts, reloads once it has finished. */
export const RUN_LIVE_JS = `
(function(){
  var el = document.getElementById('run-live');
  if (!el) return;
  var url = el.getAttribute('data-live');
  function tick(){
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function(r){ return r.json(); }).then(function(p){
      var c = p.counts || {};
      c.not_found = (c.enriched || 0) - (c.found || 0);
      document.querySelectorAll('[data-count]').forEach(function(n){
        var k = n.getAttribute('data-count');
        if (typeof c[k] === 'number') n.textContent = c[k].toLocaleString('en-US');
      });
      var s = document.getElementById('run-state');
      if (s) { s.textContent = p.state; s.className = 'badge ' + p.state; }
      var pr = document.getElementById('run-progress');
      if (pr && p.total !== null) pr.textContent = ' ' + (c.checked || 0).toLocaleString('en-US') + ' of ' + p.total.toLocaleString('en-US') + ' contacts';
      var w = document.getElementById('run-wait');
      if (w) w.textContent = p.waiting || '';
      if (p.live) setTimeout(tick, 1500); else location.reload();
    }).catch(function(){ setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1500);
})();
`;
