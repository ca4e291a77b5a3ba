// Field mapping of one connection: profile field → CRM property (from the CRM's real list), policy, minimum
// confidence; plus the dry run of the saved mapping on one record.
import type { ConnectionRow } from '../../db/connections.repo.js';
import type { FieldDef, FieldValue, ObjectType } from '../../../connectors/types.js';
import { SOURCES, WRITE_POLICIES } from '../../sync/mapping.js';
import { adminPath, attr, html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, table } from './common.js';

export interface MappingRowInput {
  objectType: ObjectType;
  source: string;
  target: string;
  policy: string;
}

export interface MappingForm {
  rows: MappingRowInput[];
  minConfidence: string;
  createTasks: boolean;
  clearJobChangeFlags: boolean;
}

export interface PreviewResult {
  objectType: ObjectType;
  contactId: string;
  /** Set when there is nothing to show but a sentence (no such record, not found, enrichment failed). */
  message?: string;
  /** The guard that stops this record (role_mailbox, disposable_email, name_mismatch), as a run would report it. */
  guard?: string;
  provider?: string;
  confidence?: number;
  credits: number;
  changes: { field: string; old: FieldValue; new: FieldValue }[];
  skipped: { field: string; reason: string }[];
}

export interface MappingViewData {
  conn: ConnectionRow;
  csrf: string;
  objectTypes: readonly ObjectType[];
  /** The CRM's fields per object type, or why they could not be read. */
  fields: Map<ObjectType, FieldDef[] | { error: string }>;
  form: MappingForm;
  errors: string[];
  preview?: PreviewResult;
}

const POLICY_TEXT: Record<string, string> = {
  fill_empty: 'fill when empty',
  if_ours: 'if empty or still ours',
  overwrite: 'always overwrite',
  never: 'never write',
};

export const SKIP_TEXT: Record<string, string> = {
  policy_never: 'policy is “never”',
  no_value: 'the profile has no value',
  missing_field: 'the property does not exist',
  read_only: 'the property is read-only',
  type_mismatch: 'the value does not fit the property type',
  not_an_option: 'the value is not one of the options',
  not_empty: 'already has a value (fill when empty)',
  edited_by_person: 'edited by a person (if ours)',
  below_min_confidence: 'below the minimum confidence',
  unchanged: 'unchanged',
  no_job_change: 'no job-change decision',
};

const BLANK_ROWS = 3;

function targetSelect(id: string, name: string, defs: FieldDef[] | { error: string } | undefined, current: string): Html {
  if (!defs || 'error' in defs) {
    // The CRM could not be read: keep the current value editable as text so the page still works.
    return html`<input id="${id}" name="${name}" type="text" value="${current}" maxlength="255">`;
  }
  const usable = defs.filter((d) => d.updateable).sort((a, b) => a.label.localeCompare(b.label));
  const known = defs.find((d) => d.name === current);
  const extra = current && (!known || !known.updateable) ? html`<option value="${current}" selected>${current} (${known ? 'read-only' : 'missing'})</option>` : '';
  return html`<select id="${id}" name="${name}">
    <option value=""${attr('selected', !current)}>— none —</option>${extra}
    ${usable.map((d) => html`<option value="${d.name}"${attr('selected', d.name === current)}>${d.label} (${d.name})</option>`)}
  </select>`;
}

function row(i: number, r: MappingRowInput, defs: FieldDef[] | { error: string } | undefined, showType: boolean): Html {
  const id = (k: string) => `m-${i}-${k}`;
  const name = (k: string) => `m.${i}.${k}`;
  const n = i + 1;
  return html`<tr>
    ${showType ? html`<td>${r.objectType === 'contact' ? 'Contact' : 'Lead'}</td>` : ''}
    <td><input type="hidden" name="${name('objectType')}" value="${r.objectType}">
      <label class="sr-only" for="${id('source')}">Row ${n}: profile field</label>
      <select id="${id('source')}" name="${name('source')}">
        <option value=""${attr('selected', !r.source)}>— choose —</option>
        ${SOURCES.map((s) => html`<option value="${s}"${attr('selected', s === r.source)}>${s}</option>`)}
      </select></td>
    <td><label class="sr-only" for="${id('target')}">Row ${n}: CRM property</label>${targetSelect(id('target'), name('target'), defs, r.target)}</td>
    <td><label class="sr-only" for="${id('policy')}">Row ${n}: write policy</label>
      <select id="${id('policy')}" name="${name('policy')}">
        ${WRITE_POLICIES.map((p) => html`<option value="${p}"${attr('selected', p === (r.policy || 'fill_empty'))}>${POLICY_TEXT[p]}</option>`)}
      </select></td>
    <td><input type="checkbox" id="${id('remove')}" name="${name('remove')}" value="1"><label class="sr-only" for="${id('remove')}">Remove row ${n}</label></td>
  </tr>`;
}

function showValue(v: FieldValue): Html {
  return v === null || v === '' ? html`<span class="muted">(empty)</span>` : html`<span class="mono">${String(v)}</span>`;
}

function previewBlock(p: PreviewResult): Html {
  return html`<section id="preview" aria-labelledby="preview-title">
    <h2 id="preview-title">Dry run: ${p.objectType} ${p.contactId}</h2>
    <p><strong>Nothing was written to the CRM.</strong>
      ${p.provider ? html`Profile from <strong>${p.provider}</strong>, confidence ${p.confidence ?? 0}.` : ''}
      ${p.credits ? html`This lookup charged ${p.credits} credits.` : ''}</p>
    ${p.guard ? html`<p id="preview-guard"><strong>Skipped: <code>${p.guard}</code></strong></p>` : ''}
    ${p.message ? html`<p>${p.message}</p>` : ''}
    ${p.message
      ? ''
      : html`<h3>Would be written</h3>
      ${table(
        'Fields that would be written',
        html`<th scope="col">Property</th><th scope="col">Now</th><th scope="col">Would become</th>`,
        p.changes.map((c) => html`<tr><td><code>${c.field}</code></td><td>${showValue(c.old)}</td><td>${showValue(c.new)}</td></tr>`),
        { empty: 'Nothing would change.' },
      )}
      <h3>Left alone</h3>
      ${table(
        'Fields left alone',
        html`<th scope="col">Property</th><th scope="col">Why</th>`,
        p.skipped.map((s) => html`<tr><td><code>${s.field}</code></td><td>${SKIP_TEXT[s.reason] ?? s.reason}</td></tr>`),
        { empty: 'None.' },
      )}`}
  </section>`;
}

export function mappingView(d: MappingViewData): Html {
  const base = adminPath('connections', d.conn.id);
  const showType = d.objectTypes.length > 1;
  const rows = [...d.form.rows];
  for (const t of d.objectTypes) for (let k = 0; k < BLANK_ROWS; k++) rows.push({ objectType: t, source: '', target: '', policy: 'fill_empty' });
  const fieldErrors = [...d.fields.entries()].filter((e): e is [ObjectType, { error: string }] => 'error' in e[1]);
  return html`<p><a href="${base}">← ${crmName(d.conn.crm)} ${d.conn.external_id}</a></p>
  <h1>Field mapping</h1>
  ${d.errors.length
    ? html`<div class="flash error" role="alert" id="mapping-errors">The mapping was not saved:<ul>${d.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
    : ''}
  ${fieldErrors.map(([t, e]) => html`<div class="flash error" role="alert">Could not read the ${t} properties from ${crmName(d.conn.crm)}: ${e.error}</div>`)}
  <p class="hint">Each row writes one profile field into one CRM property. Properties come from the CRM's own list; only
    writable ones are offered. Policies: <em>fill when empty</em>; <em>if empty or still ours</em> (never overwrites a value a
    person typed); <em>always overwrite</em>; <em>never write</em>.</p>
  <form method="post" action="${base}/mapping">
    ${csrfField(d.csrf)}
    ${table(
      'Field mapping',
      html`${showType ? html`<th scope="col">Object</th>` : ''}<th scope="col">Profile field</th><th scope="col">CRM property</th>
        <th scope="col">Policy</th><th scope="col">Remove</th>`,
      rows.map((r, i) => row(i, r, d.fields.get(r.objectType), showType)),
    )}
    <fieldset><legend>Connection settings</legend>
      <div class="field"><label for="minConfidence">Minimum confidence (0–100)</label>
        <input id="minConfidence" name="minConfidence" type="number" min="0" max="100" step="1" required value="${d.form.minConfidence}">
        <span class="hint">Below it, only the confidence field is written.</span></div>
      <div class="field"><span><input type="checkbox" id="createTasks" name="createTasks" value="1"${attr('checked', d.form.createTasks)}>
        <label for="createTasks">Create a task for the owner on a job change</label></span></div>
      <div class="field"><span><input type="checkbox" id="clearJobChangeFlags" name="clearJobChangeFlags" value="1"${attr('checked', d.form.clearJobChangeFlags)}>
        <label for="clearJobChangeFlags">Clear the job-change flag once it is older than the job-change window</label></span></div>
    </fieldset>
    <button type="submit" id="save-mapping">Save mapping</button>
  </form>

  <h2>Dry run</h2>
  <p class="hint">Enriches one record with the saved mapping and shows what would be written. Nothing is written to the CRM;
    the lookup is charged like any enrichment (3 credits when a profile is found).</p>
  <form method="post" action="${base}/mapping/preview#preview" class="actions">
    ${csrfField(d.csrf)}
    ${showType
      ? html`<div class="field"><label for="preview-type">Object</label><select id="preview-type" name="objectType">
          ${d.objectTypes.map((t) => html`<option value="${t}"${attr('selected', d.preview?.objectType === t)}>${t === 'contact' ? 'Contact' : 'Lead'}</option>`)}</select></div>`
      : html`<input type="hidden" name="objectType" value="${d.objectTypes[0] ?? 'contact'}">`}
    <div class="field"><label for="preview-id">${crmName(d.conn.crm)} record id or email</label>
      <input id="preview-id" name="contactId" type="text" required maxlength="254" value="${d.preview?.contactId ?? ''}"></div>
    <div class="field"><button type="submit">Dry run</button></div>
  </form>
  ${d.preview ? previewBlock(d.preview) : ''}`;
}
