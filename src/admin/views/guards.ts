// The guarantees on a connection's page: the wrong-person guard, role mailboxes, job-change monitoring (interval,
// budget) as one small form, and the estimate of a run shown before "Run sync now".
import type { GuardSettings } from '../../sync/guard-settings.js';
import type { Estimate } from '../../sync/estimate.js';
import type { SyncMode } from '../../db/sync-runs.repo.js';
import { attr, html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { num } from './common.js';

const MODE_LABELS: Record<SyncMode, string> = { new: 'new records', backfill: 'backfill (all records)', 'job-changes': 'job changes' };

export interface EstimateView {
  mode: SyncMode;
  estimate: Estimate | null;
  /** Why there is no estimate (the CRM could not be read). */
  error: string | null;
}

/** "What would a run cost?": a GET form on the connection page and, once asked, the answer. */
export function estimateSection(base: string, shown: EstimateView | null): Html {
  const mode = shown?.mode ?? 'backfill';
  return html`<h2 id="estimate">Estimate before you run</h2>
  <form method="get" action="${base}#estimate" class="actions">
    <div class="field"><label for="estimate-mode">Sync mode</label>
      <select id="estimate-mode" name="estimate">
        ${(Object.keys(MODE_LABELS) as SyncMode[]).map((m) => html`<option value="${m}"${attr('selected', m === mode)}>${MODE_LABELS[m]}</option>`)}
      </select></div>
    <div class="field"><button type="submit" class="secondary">Estimate</button></div>
  </form>
  ${shown?.estimate
    ? html`<p id="estimate-result">A ${MODE_LABELS[shown.mode]} sync would look at <strong>${num(shown.estimate.contacts)}</strong> records and enrich
        <strong>${num(shown.estimate.to_enrich)}</strong> of them: at most <strong>${num(shown.estimate.max_credits)}</strong> credits
        (a contact that is not found costs nothing). Nothing was enriched or charged to tell you.</p>`
    : shown?.error
      ? html`<p id="estimate-result" class="error">No estimate: ${shown.error}</p>`
      : html`<p class="muted">Counts the records a run would look at and the contacts it would enrich, without enriching or charging anything.</p>`}`;
}

/** The per-connection switches of the guarantees. */
export function guardsForm(base: string, csrf: string, g: GuardSettings): Html {
  return html`<h2 id="guarantees">Guarantees</h2>
  <form method="post" action="${base}/guards">
    ${csrfField(csrf)}
    <div class="field"><span><input type="checkbox" id="nameGuard" name="nameGuard" value="1"${attr('checked', g.nameGuard)}>
      <label for="nameGuard">Wrong-person guard: do not write a profile whose name clearly contradicts the record's own</label></span></div>
    <div class="field"><label for="roleMailboxes">More role mailboxes <span class="muted">(optional)</span></label>
      <input id="roleMailboxes" name="roleMailboxes" type="text" maxlength="4000" value="${g.roleMailboxes.join(', ')}" placeholder="events, partners">
      <span class="hint">Names before the @, separated by commas, skipped like info@ and sales@ (unless the record has a LinkedIn URL).</span></div>
    <div class="field"><label for="recheckDays">Re-check job changes every (days)</label>
      <input id="recheckDays" name="recheckDays" type="number" min="1" max="3650" step="1" required value="${String(g.recheckDays)}"></div>
    <div class="field"><label for="monitoringBudget">Monthly monitoring budget (credits, 0 = none)</label>
      <input id="monitoringBudget" name="monitoringBudget" type="number" min="0" step="1" required value="${String(g.monitoringBudget)}">
      <span class="hint">A job-changes run stops before it would pass it, oldest checks first.</span></div>
    <button type="submit" id="save-guards">Save guarantees</button>
  </form>`;
}
