// Schedules: one cron expression per connection and sync mode, validated, with the next run (UTC).
import type { ConnectionRow } from '../../db/connections.repo.js';
import { adminPath, attr, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName, statusBadge, table } from './common.js';
import { CRON_PRESETS, describeCron } from '../../lib/cron-text.js';

export interface ScheduleLine {
  mode: string;
  cron: string;
  enabled: boolean;
  /** Epoch ms of the next firing; null when disabled, invalid or never. */
  next: number | null;
  lastRun: { state: string; at: number } | null;
  /** The expression the admin just typed, with what is wrong with it. */
  error?: { cron: string; problems: string[] };
}

export interface ScheduleGroup {
  conn: ConnectionRow & { account_name: string };
  lines: ScheduleLine[];
}

const MODE_TEXT: Record<string, string> = {
  new: 'New records',
  backfill: 'Backfill (all records)',
  'job-changes': 'Job changes',
};

function line(conn: ConnectionRow, l: ScheduleLine, csrf: string): Html {
  const id = `cron-${conn.id}-${l.mode}`;
  const errId = `${id}-error`;
  const readId = `${id}-reading`;
  const what = `${MODE_TEXT[l.mode] ?? l.mode} schedule of ${crmName(conn.crm)} ${conn.external_id}`;
  const shown = l.error ? l.error.cron : l.cron;
  const reading = !l.error && l.cron ? describeCron(l.cron) : null;
  return html`<tr>
    <th scope="row">${MODE_TEXT[l.mode] ?? l.mode}</th>
    <td><form method="post" action="/admin/schedules" class="actions schedule-form">
      ${csrfField(csrf)}
      <input type="hidden" name="connectionId" value="${conn.id}"><input type="hidden" name="mode" value="${l.mode}">
      <div class="field"><label for="${id}-preset">Preset</label>
        <select id="${id}-preset" name="preset" data-cron-target="${id}">
          <option value="">Custom (as typed)</option>
          ${CRON_PRESETS.map((p) => html`<option value="${p.cron}">${p.label} (${p.cron})</option>`)}
        </select></div>
      <div class="field"><label for="${id}">Cron (UTC)</label>
        <input id="${id}" name="cron" type="text" maxlength="120" placeholder="*/15 * * * *" value="${shown}"
          ${l.error ? html`aria-invalid="true" aria-describedby="${errId}"` : reading ? html`aria-describedby="${readId}"` : ''}></div>
      <div class="field"><span><input type="checkbox" id="${id}-on" name="enabled" value="1"${attr('checked', l.enabled)}>
        <label for="${id}-on">Enabled</label></span></div>
      <div class="field"><button type="submit" aria-label="Save the ${what}">Save</button></div>
    </form>
    ${reading ? html`<p class="hint cron-reading" id="${readId}">${reading}</p>` : ''}
    ${l.error ? html`<p class="flash error" id="${errId}" role="alert">${l.error.problems.join('; ')}</p>` : ''}</td>
    <td class="next-run" data-label="Next run">${l.next ? time(l.next) : html`<span class="muted">${l.cron && l.enabled ? '—' : 'not scheduled'}</span>`}</td>
    <td data-label="Last run">${l.lastRun ? html`<span class="badge ${l.lastRun.state}">${l.lastRun.state}</span> ${time(l.lastRun.at)}` : html`<span class="muted">never</span>`}</td>
  </tr>`;
}

export function schedulesView(o: { groups: ScheduleGroup[]; csrf: string; now: number }): Html {
  return html`<h1>Schedules</h1>
  <p class="hint">Pick a preset, or type an expression of five fields: minute hour day-of-month month day-of-week, evaluated in UTC (for example <code>*/15 * * * *</code>
    every 15 minutes, <code>0 6 * * 1</code> Mondays at 06:00). A firing only queues a sync; a second firing while one is
    pending does nothing. Now: ${time(o.now)}.</p>
  ${o.groups.length
    ? o.groups.map(
        (g) => html`<section id="conn-${g.conn.id}">
      <h2><a href="${adminPath('connections', g.conn.id)}">${crmName(g.conn.crm)} ${g.conn.external_id}</a> ${statusBadge(g.conn.status)}</h2>
      ${table(
        `Schedules of ${crmName(g.conn.crm)} ${g.conn.external_id}`,
        html`<th scope="col">Sync</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th>`,
        g.lines.map((l) => line(g.conn, l, o.csrf)),
        { stack: true },
      )}
    </section>`,
      )
    : html`<p class="muted">No connection yet: schedules appear once a CRM is connected.</p>`}`;
}
