// Job-change alerts: when a run that found job changes finishes, one `run.alert` job is queued (in the transaction
// that finishes the run) to post them to the connection's notification URL — a Slack-compatible incoming webhook
// (`{"text": …}`) or any URL taking a JSON body. The run never waits for it. Delivery is recorded per run
// (run_alerts): a delivered alert is never posted again, failures are retried with the queue's backoff, and the
// last status or error is kept for the connection page. Posting is at-least-once only across a crash in the
// middle of the request itself (the receiver may have answered before we could record it).
import { z } from 'zod';
import type { AlertsRepo, AlertFormat } from '../db/alerts.repo.js';
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { JobChangeRow } from '../db/contacts.repo.js';
import type { JobChangesRepo } from '../db/job-changes.repo.js';
import type { RunRow, SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { Queue } from '../jobs/queue.js';
import type { JobHandler, JobResult } from '../jobs/worker.js';
import { NonRetryableError, RetryAfterError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { recordUrl } from './record-links.js';

export const RUN_ALERT = 'run.alert';
export const ALERT_FORMATS = ['slack', 'json'] as const;
/** A few attempts, spaced by the queue's exponential backoff with jitter (at most 2, 4, 8 and 16 s apart). */
export const ALERT_MAX_ATTEMPTS = 5;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Lines in the text of one alert; the rest are counted and linked. */
const TEXT_LINES = 20;
/** Changes in the JSON body of one alert. */
const JSON_ITEMS = 500;

/** An http(s) URL, without credentials, of a sensible length. */
export const AlertUrl = z
  .string()
  .trim()
  .max(2000, 'the URL is at most 2,000 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'the notification URL must be an http:// or https:// URL');

const Payload = z.object({ runId: z.string().min(1) });

export interface AlertServiceDeps {
  alerts: AlertsRepo;
  jobChanges: JobChangesRepo;
  runs: Pick<SyncRunsRepo, 'get'>;
  connections: Pick<ConnectionsRepo, 'get' | 'tokens'>;
  queue: Pick<Queue, 'enqueue'>;
  log: Logger;
  publicUrl: string;
  fetchImpl?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
}

export function createAlertService(deps: AlertServiceDeps) {
  const doFetch = deps.fetchImpl ?? fetch;

  /**
   * Called in the transaction that finishes a run: queues its alert when the connection has a URL and the run found
   * job changes. Idempotent (one alert row and one job per run).
   */
  function afterRun(run: RunRow): void {
    if (!deps.alerts.hasTarget(run.connection_id)) return;
    const changes = deps.jobChanges.countForRun(run.id);
    if (changes === 0) return;
    if (!deps.alerts.createRunAlert(run.id, run.connection_id, changes)) return;
    deps.queue.enqueue(RUN_ALERT, { runId: run.id }, { dedupeKey: `alert:${run.id}`, maxAttempts: ALERT_MAX_ATTEMPTS });
  }

  function instanceUrl(connectionId: string): string | null {
    try {
      return deps.connections.tokens(connectionId).instanceUrl ?? null;
    } catch {
      return null;
    }
  }

  /** The request body of a run's alert in the chosen format. */
  function body(run: RunRow, format: AlertFormat, changes: JobChangeRow[], total: number): unknown {
    const conn = deps.connections.get(run.connection_id);
    const crmLabel = conn ? `${conn.crm === 'hubspot' ? 'HubSpot' : 'Salesforce'} ${conn.external_id}` : run.connection_id;
    const inbox = `${deps.publicUrl.replace(/\/$/, '')}/admin/job-changes?run=${encodeURIComponent(run.id)}`;
    const instance = conn?.crm === 'salesforce' ? instanceUrl(conn.id) : null;
    const link = (c: JobChangeRow) => (conn ? recordUrl(conn.crm, { externalId: conn.external_id, instanceUrl: instance, objectType: c.object_type, id: c.contact_id }) : null);
    const role = (title: string | null, company: string | null) => [title, company].filter(Boolean).join(' at ') || 'unknown';
    const lines = changes.slice(0, TEXT_LINES).map((c) => {
      const who = c.contact_name ?? c.contact_email ?? `${c.object_type} ${c.contact_id}`;
      return `• ${who}: ${role(c.previous_title, c.previous_company)} → ${role(c.new_title, c.new_company)}`;
    });
    const more = total > lines.length ? `\n…and ${total - lines.length} more.` : '';
    const text = `crm-enrich: ${total} job change${total === 1 ? '' : 's'} found by the ${run.mode} sync of ${crmLabel}.\n${lines.join('\n')}${more}\nInbox: ${inbox}`;
    if (format === 'slack') return { text };
    return {
      event: 'job_changes',
      text,
      run: { id: run.id, mode: run.mode, connection_id: run.connection_id, crm: conn?.crm ?? null, external_id: conn?.external_id ?? null, finished_at: run.finished_at ? new Date(run.finished_at).toISOString() : null },
      total,
      inbox_url: inbox,
      job_changes: changes.slice(0, JSON_ITEMS).map((c) => ({
        object_type: c.object_type,
        contact_id: c.contact_id,
        name: c.contact_name,
        email: c.contact_email,
        previous_company: c.previous_company,
        previous_title: c.previous_title,
        new_company: c.new_company,
        new_title: c.new_title,
        detected_at: new Date(c.detected_at).toISOString(),
        record_url: link(c),
        owner_id: c.owner_id,
        task_state: c.task_state,
        task_id: c.task_id,
      })),
    };
  }

  async function post(url: string, payload: unknown): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: Error }> {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'crm-enrich-alerts' },
        body: JSON.stringify(payload),
        // A redirect is not followed: the admin named this URL, not wherever it points.
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (err) {
      // The URL is a secret: the error names the failure, never the URL (undici errors do not include it).
      const name = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timed out' : 'could not connect';
      return { ok: false, status: null, error: new Error(`the notification URL ${name}`, { cause: err }) };
    }
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const message = `the notification URL answered HTTP ${res.status}`;
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    return { ok: false, status: res.status, error: retryable ? new RetryAfterError('alert_failed', message, 0) : new NonRetryableError('alert_refused', message) };
  }

  const handler: JobHandler = {
    batchSize: 1,
    async run(jobs): Promise<JobResult[]> {
      const job = jobs[0]!;
      const { runId } = Payload.parse(job.payload);
      const alert = deps.alerts.runAlert(runId);
      const run = deps.runs.get(runId);
      if (!alert || alert.state !== 'pending' || !run) return [{ id: job.id, outcome: 'succeeded' }];
      let target: ReturnType<AlertsRepo['target']>;
      try {
        target = deps.alerts.target(alert.connection_id);
      } catch {
        // Stored under another ENCRYPTION_KEY: no retry can read it; the page says to set the URL again.
        deps.alerts.recordAttempt(runId, 'failed', { status: null, error: 'the notification URL cannot be decrypted (was ENCRYPTION_KEY changed?): set it again' });
        return [{ id: job.id, outcome: 'succeeded' }];
      }
      if (!target) {
        deps.alerts.recordAttempt(runId, 'failed', { status: null, error: 'no notification URL is set any more' });
        return [{ id: job.id, outcome: 'succeeded' }];
      }
      const changes = deps.jobChanges.forRun(runId, JSON_ITEMS);
      const r = await post(target.url, body(run, target.format, changes, deps.jobChanges.countForRun(runId)));
      if (r.ok) {
        deps.alerts.recordAttempt(runId, 'delivered', { status: r.status, error: null });
        deps.log.info({ run: runId, connection: alert.connection_id, changes: alert.changes }, 'job-change alert delivered');
        return [{ id: job.id, outcome: 'succeeded' }];
      }
      const last = r.error instanceof NonRetryableError || job.attempts >= job.max_attempts;
      deps.alerts.recordAttempt(runId, last ? 'failed' : 'pending', { status: r.status, error: r.error.message });
      deps.log.warn({ run: runId, connection: alert.connection_id, status: r.status, attempt: job.attempts, final: last }, 'job-change alert not delivered');
      return [{ id: job.id, outcome: 'failed', error: r.error }];
    },
  };

  return { afterRun, handler };
}
export type AlertService = ReturnType<typeof createAlertService>;
