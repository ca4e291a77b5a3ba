// The job-change alerts block of a connection's page: where alerts go, the last delivery, the form.
import type { AlertTarget, RunAlertRow } from '../../db/alerts.repo.js';
import { attr, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';

const STATE_TEXT: Record<RunAlertRow['state'], string> = { pending: 'retrying', delivered: 'delivered', failed: 'failed' };

export function alertsBlock(o: { base: string; target: AlertTarget | null; last: RunAlertRow | undefined; csrf: string }): Html {
  const { target, last } = o;
  return html`<h2 id="alerts">Job-change alerts</h2>
  <p>After each sync that finds job changes, the changes are posted once to this URL — a Slack incoming webhook
    (<code>{"text": …}</code>) or any URL that takes a JSON body. The sync never waits for it; a failed post is retried a few times.</p>
  <dl class="kv" id="alert-status">
    <dt>Sends to</dt><dd>${target ? html`<span class="mono">${target.hint}</span> (${target.format === 'slack' ? 'Slack-compatible' : 'JSON'})` : html`<span class="muted">nowhere: no URL set</span>`}</dd>
    ${last
      ? html`<dt>Last alert</dt><dd><span class="badge ${last.state === 'delivered' ? 'succeeded' : last.state === 'failed' ? 'failed' : 'retry'}">${STATE_TEXT[last.state]}</span>
          ${last.changes} job change${last.changes === 1 ? '' : 's'} of run <a class="mono" href="/admin/job-changes?run=${encodeURIComponent(last.run_id)}">${last.run_id}</a>,
          ${last.attempts} attempt${last.attempts === 1 ? '' : 's'}, ${time(last.updated_at)}
          ${last.last_status !== null ? html`<br>Last answer: HTTP ${last.last_status}` : ''}
          ${last.last_error ? html`<br><span class="muted" id="alert-error">${last.last_error}</span>` : ''}</dd>`
      : ''}
  </dl>
  <form method="post" action="${o.base}/alerts" class="actions">
    ${csrfField(o.csrf)}
    <div class="field"><label for="alert-url">Notification URL</label>
      <input id="alert-url" name="url" type="text" inputmode="url" required maxlength="2000" placeholder="https://hooks.slack.com/services/…" autocomplete="off"></div>
    <div class="field"><label for="alert-format">Body</label>
      <select id="alert-format" name="format">
        <option value="slack"${attr('selected', target?.format !== 'json')}>Slack-compatible: {"text": …}</option>
        <option value="json"${attr('selected', target?.format === 'json')}>JSON: run and job changes</option>
      </select></div>
    <div class="field"><button type="submit">${target ? 'Replace the alert URL' : 'Save the alert URL'}</button></div>
  </form>
  ${target
    ? html`<form method="post" action="${o.base}/alerts/remove" class="inline">${csrfField(o.csrf)}<button type="submit" class="secondary">Stop alerts</button></form>`
    : ''}`;
}
