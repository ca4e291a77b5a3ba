// The contact view: the profile we hold for a person, and for each CRM record of them every run that touched it,
// each field written, the credits charged and the tasks created. Also the dashboard's test-enrichment box.
import { CREDITS_PER_FOUND, type Profile } from '../../enrichment/contract.js';
import type { AuditRow, JobChangeRow, SnapshotRow } from '../../db/contacts.repo.js';
import type { ChargeRow, RunRef } from '../../db/contact-history.repo.js';
import { runIdOfKey } from '../../db/contact-history.repo.js';
import type { CrmKind, CrmOwner } from '../../../connectors/types.js';
import { ownerLabel } from './job-changes.js';
import { adminPath, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, num, table } from './common.js';

export interface HeldProfile {
  source: string;
  profile: Profile;
  confidence: number;
  at: number | null;
}

export interface ContactRecord {
  snapshot: SnapshotRow;
  crm: CrmKind;
  externalId: string;
  recordUrl: string | null;
  runs: RunRef[];
  writes: (AuditRow & { policy: string | null })[];
  charges: ChargeRow[];
  /** Job changes with their task owner as the CRM names them (null: the id is shown). */
  tasks: (JobChangeRow & { owner: CrmOwner | null })[];
}

/** Scalar profile fields worth showing, in reading order. */
const PROFILE_FIELDS: (keyof Profile)[] = [
  'full_name', 'email', 'title', 'company', 'seniority', 'department', 'headline', 'company_domain', 'company_size', 'industry',
  'location', 'country_code', 'linkedin_url', 'mobile', 'recent_job_change', 'job_change_date', 'previous_company', 'previous_title',
];

function profileBlock(p: HeldProfile): Html {
  const rows = PROFILE_FIELDS.flatMap((k) => {
    const v = p.profile[k];
    if (v === null || v === undefined || v === '') return [];
    return [html`<dt>${k.replace(/_/g, ' ')}</dt><dd>${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}</dd>`];
  });
  return html`<section class="card" aria-label="Profile from ${p.source}">
    <h3>From ${p.source}</h3>
    <p class="muted">Confidence ${p.confidence}${p.at !== null ? html`, stored ${time(p.at)}` : ''}</p>
    <dl class="kv">${rows}</dl>
  </section>`;
}

function searchForm(q: string): Html {
  return html`<form method="get" action="/admin/contacts" class="actions" role="search">
    <div class="field"><label for="contact-q">Email, LinkedIn URL or CRM record id</label>
      <input id="contact-q" name="q" type="search" required maxlength="500" value="${q}" placeholder="name@example.com"></div>
    <div class="field"><button type="submit">Look up</button></div>
  </form>`;
}

function recordBlock(r: ContactRecord): Html {
  const s = r.snapshot;
  const title = `${crmName(r.crm)} ${s.object_type} ${s.contact_id}`;
  return html`<section class="record" aria-label="${title}">
    <h2>${r.recordUrl ? html`<a href="${r.recordUrl}" rel="noopener noreferrer" target="_blank" title="Opens the CRM">${title}</a>` : title}
      <span class="muted">· ${r.crm === 'hubspot' ? 'portal' : 'org'} ${r.externalId}</span></h2>
    <dl class="kv">
      <dt>Email</dt><dd>${s.email ?? html`<span class="muted">none</span>`}</dd>
      <dt>Last seen</dt><dd>${s.found ? html`${s.title ?? '—'} at ${s.company ?? '—'} (${s.seniority ?? 'no seniority'}), from ${s.provider ?? '—'}, confidence ${s.confidence ?? '—'}` : html`<span class="muted">no profile found</span>`}</dd>
      <dt>Enriched</dt><dd>first ${time(s.first_enriched_at)}, last ${time(s.last_enriched_at)}</dd>
      <dt>Connection</dt><dd><a href="${adminPath('connections', s.connection_id)}">${crmName(r.crm)} ${r.externalId}</a></dd>
    </dl>
    <h3>Runs that touched it</h3>
    ${table(
      `Runs that touched ${title}`,
      html`<th scope="col">Run</th><th scope="col">Mode</th><th scope="col">Trigger</th><th scope="col">State</th><th scope="col">Started</th>`,
      r.runs.map(
        (x) => html`<tr><td class="mono">${x.id}</td><td>${x.mode}</td><td>${x.trigger}</td><td><span class="badge ${x.state}">${x.state}</span></td><td>${time(x.created_at)}</td></tr>`,
      ),
      { empty: 'No sync run touched this record (it was enriched by a webhook or a single-record job).' },
    )}
    <h3>Fields written</h3>
    ${table(
      `Fields written to ${title}`,
      html`<th scope="col">When</th><th scope="col">Field</th><th scope="col">Old → new</th><th scope="col">Policy</th><th scope="col">Status</th><th scope="col">Run</th>`,
      r.writes.map(
        (a) => html`<tr>
          <td>${time(a.created_at)}</td><td><code>${a.field}</code></td>
          <td>${a.old_value ?? html`<span class="muted">(empty)</span>`} → <strong>${a.new_value ?? '(empty)'}</strong></td>
          <td>${a.policy ?? html`<span class="muted">—</span>`}</td>
          <td><span class="badge ${a.status}">${a.status}</span>${a.error ? html`<br><span class="muted">${a.error}</span>` : ''}</td>
          <td>${a.run_id ? html`<span class="mono">${a.run_id}</span>` : a.job_id !== null ? html`job ${a.job_id}` : ''}</td>
        </tr>`,
      ),
      { empty: 'Nothing was written to this record.' },
    )}
    <p class="hint">Policy: the field's write policy in the connection's current mapping.</p>
    <h3>Credits charged</h3>
    ${table(
      `Credits charged for ${title}`,
      html`<th scope="col">When</th><th scope="col">Outcome</th><th scope="col">Provider</th><th scope="col">Cache</th><th scope="col" class="num">Credits</th><th scope="col">Run / job</th>`,
      r.charges.map(
        (c) => html`<tr>
          <td>${time(c.created_at)}</td><td>${c.outcome.replace('_', ' ')}</td><td>${c.provider ?? '—'}</td><td>${c.cache_hit ? 'hit' : '—'}</td>
          <td class="num">${num(c.credits)}</td><td class="mono">${runIdOfKey(c.key) ?? c.key ?? ''}</td>
        </tr>`,
      ),
      { empty: 'No lookup of this record is in the credit ledger.' },
    )}
    <p>Total: <strong>${num(r.charges.reduce((n, c) => n + c.credits, 0))}</strong> credits.</p>
    <h3>Job changes and tasks</h3>
    ${table(
      `Job changes of ${title}`,
      html`<th scope="col">Detected</th><th scope="col">From → to</th><th scope="col">Task</th><th scope="col">Owner</th>`,
      r.tasks.map(
        (t) => html`<tr>
          <td>${time(t.detected_at)}</td>
          <td>${[t.previous_title, t.previous_company].filter(Boolean).join(' at ') || '—'} → ${[t.new_title, t.new_company].filter(Boolean).join(' at ') || '—'}</td>
          <td>${t.task_state}${t.task_id ? html` <span class="mono">${t.task_id}</span>` : ''}</td><td>${t.owner_id ? ownerLabel(t.owner_id, t.owner) : '—'}</td>
        </tr>`,
      ),
      { empty: 'No job change recorded, so no task.' },
    )}
  </section>`;
}

export interface FollowedJob {
  id: number;
  state: string;
  error: string | null;
  /** "contact 101" */
  record: string;
}

/**
 * The enrichment just queued from the connection page: while it waits or runs the page reloads itself every 2 s
 * (a meta refresh: no script needed), then says how it ended; its writes are in the tables below.
 */
function jobBlock(j: FollowedJob): Html {
  const pending = j.state === 'queued' || j.state === 'running' || j.state === 'retry';
  return html`<div class="flash ${j.state === 'dead' ? 'error' : 'ok'}" role="status" id="followed-job" data-state="${j.state}">
    ${pending ? html`<meta http-equiv="refresh" content="2">` : ''}
    ${pending
      ? html`Queued: ${j.record} will be enriched (job ${j.id}, ${j.state === 'retry' ? 'waiting to retry' : j.state}); this page reloads until it has run.${j.error ? html` Last error: ${j.error}` : ''}`
      : j.state === 'succeeded'
        ? html`Job ${j.id} has run. Fields it wrote are below, marked “job ${j.id}”; none when every field already held its value.`
        : html`Job ${j.id} failed: ${j.error ?? 'no reason recorded'}.`}
  </div>`;
}

export function contactView(o: { q: string; problem: string | null; profiles: HeldProfile[]; records: ContactRecord[]; job?: FollowedJob | null }): Html {
  return html`<h1>Contacts</h1>
  ${o.job ? jobBlock(o.job) : ''}
  ${searchForm(o.q)}
  ${o.problem ? html`<div class="flash error" role="alert">${o.problem}</div>` : ''}
  ${o.q && !o.problem
    ? html`<h2>Profile we hold</h2>
      ${o.profiles.length ? html`<div class="grid2">${o.profiles.map(profileBlock)}</div>` : html`<p class="muted" id="no-profile">No cached or imported profile for “${o.q}”.</p>`}
      ${o.records.length ? o.records.map(recordBlock) : html`<p class="muted" id="no-record">No CRM record of “${o.q}” was enriched by this service.</p>`}`
    : ''}`;
}

/** The dashboard's box: a lookup that writes nothing to any CRM. */
export function testEnrichmentBox(csrf: string, value = ''): Html {
  return html`<section aria-labelledby="test-enrich-title">
    <h2 id="test-enrich-title">Test enrichment</h2>
    <form method="post" action="/admin/test-enrichment" class="actions">
      ${csrfField(csrf)}
      <div class="field"><label for="test-enrich-q">Email or LinkedIn URL</label>
        <input id="test-enrich-q" name="q" type="text" required maxlength="500" value="${value}" placeholder="name@example.com"></div>
      <div class="field"><button type="submit">Look up</button></div>
    </form>
    <p class="hint">Looks the person up through the provider waterfall and writes nothing to a CRM. A found profile costs
      ${CREDITS_PER_FOUND} credits, charged to the <code>admin-test</code> account so customer accounts stay exact.</p>
  </section>`;
}

export function testEnrichmentView(o: { csrf: string; q: string; outcome: { status: number; found: boolean; credits: number; message: string | null; profile: HeldProfile | null } | null }): Html {
  const r = o.outcome;
  return html`<p><a href="/admin">← Dashboard</a></p>
  <h1>Test enrichment</h1>
  ${testEnrichmentBox(o.csrf, o.q)}
  ${r
    ? html`<section id="test-enrich-result" aria-live="polite">
        <h2>Result</h2>
        <p>${r.status === 200 ? (r.found ? 'Found.' : 'No profile found.') : html`Not answered: ${r.message ?? `status ${r.status}`}.`}
          Charged <strong id="test-enrich-credits">${num(r.credits)}</strong> credit${r.credits === 1 ? '' : 's'} to <code>admin-test</code>. Nothing was written to a CRM.</p>
        ${r.profile ? profileBlock(r.profile) : ''}
      </section>`
    : ''}`;
}
