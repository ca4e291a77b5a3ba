// "Needs attention" on the dashboard: one list of things an admin should act on, each with its action. Built by
// one pure function from plain inputs (attentionItems), gathered from the repositories by collectAttention. A new
// kind of problem is one more input and one more block below; failing notification URLs (the job-change alerts)
// plug in through `notificationFailures`.
import type { ConnectionRow } from '../db/connections.repo.js';
import type { JobListRow } from '../jobs/queue.js';
import { monthStartUtc } from '../db/ledger.repo.js';
import type { AdminDeps } from './deps.js';
import { adminPath } from './html.js';
import { crmName } from './views/common.js';

/** Share of the monthly credit limit from which an account is listed (80 %). */
export const CREDIT_WARN_SHARE = 0.8;

/** Dead jobs listed one by one, each with a Retry button; beyond that a link to all of them. */
export const DEAD_JOBS_LISTED = 3;

export type AttentionAction =
  | { kind: 'link'; href: string; label: string }
  /** A POST form (CSRF added by the view); `fields` are hidden inputs. */
  | { kind: 'post'; action: string; label: string; fields: Record<string, string> };

export interface AttentionItem {
  /** Stable, for tests and anchors: "connection", "dead-jobs", "credits", "notification". */
  kind: 'connection' | 'dead-jobs' | 'credits' | 'notification';
  severity: 'error' | 'warning';
  /** One sentence: what is wrong. */
  message: string;
  /** Why, when known (a CRM's refusal, a job's last error). */
  detail?: string | null;
  actions: AttentionAction[];
}

export interface CreditUse {
  accountId: string;
  account: string;
  used: number;
  /** 0 = no limit. */
  limit: number;
}

/** A notification URL whose last posts failed (provided by the job-change alerts). */
export interface NotificationFailure {
  connectionId: string;
  connectionName: string;
  error: string;
  /** Where the admin fixes or tests the URL. */
  href: string;
}

export interface AttentionInput {
  connections: readonly (ConnectionRow & { account_name: string })[];
  deadJobs: readonly JobListRow[];
  deadTotal: number;
  credits: readonly CreditUse[];
  notificationFailures?: readonly NotificationFailure[];
}

export function connectionName(c: Pick<ConnectionRow, 'crm' | 'external_id'>): string {
  return `${crmName(c.crm)} ${c.external_id}`;
}

export function attentionItems(i: AttentionInput): AttentionItem[] {
  const items: AttentionItem[] = [];

  for (const c of i.connections) {
    const name = connectionName(c);
    const page = adminPath('connections', c.id);
    if (c.status === 'reconnect_needed') {
      items.push({
        kind: 'connection',
        severity: 'error',
        message: `${name} needs to be reconnected: its syncs are waiting.`,
        detail: c.status_reason,
        actions: [
          { kind: 'post', action: '/admin/connections/connect', label: `Reconnect ${name}`, fields: { crm: c.crm, account: c.account_name } },
          { kind: 'link', href: page, label: `Open ${name}` },
        ],
      });
    } else if (c.status === 'disconnected') {
      items.push({
        kind: 'connection',
        severity: 'warning',
        message: `${name} is disconnected: nothing is synced.`,
        detail: c.status_reason,
        actions: [
          { kind: 'post', action: '/admin/connections/connect', label: `Reconnect ${name}`, fields: { crm: c.crm, account: c.account_name } },
          { kind: 'link', href: page, label: `Open ${name} (reconnect or delete)` },
        ],
      });
    }
  }

  if (i.deadTotal > 0) {
    items.push({
      kind: 'dead-jobs',
      severity: 'error',
      message: `${i.deadTotal} job${i.deadTotal === 1 ? '' : 's'} failed every attempt.`,
      detail: i.deadJobs[0]?.last_error ?? null,
      actions: [
        ...i.deadJobs.slice(0, DEAD_JOBS_LISTED).map(
          (j): AttentionAction => ({ kind: 'post', action: adminPath('activity', 'jobs', j.id, 'retry'), label: `Retry job ${j.id}`, fields: { back: 'dashboard' } }),
        ),
        { kind: 'link', href: '/admin/activity#dead', label: i.deadTotal > DEAD_JOBS_LISTED ? `All ${i.deadTotal} dead jobs` : 'Dead jobs and their errors' },
      ],
    });
  }

  for (const a of i.credits) {
    if (a.limit <= 0 || a.used < a.limit * CREDIT_WARN_SHARE) continue;
    const pct = Math.floor((a.used / a.limit) * 100);
    const reached = a.used >= a.limit;
    items.push({
      kind: 'credits',
      severity: reached ? 'error' : 'warning',
      message: reached
        ? `${a.account} reached its monthly credit limit (${a.used.toLocaleString('en-US')} of ${a.limit.toLocaleString('en-US')}): its API calls get 402 and its CRM jobs wait.`
        : `${a.account} used ${pct} % of its monthly credit limit (${a.used.toLocaleString('en-US')} of ${a.limit.toLocaleString('en-US')}).`,
      actions: [{ kind: 'link', href: `/admin/credits#account-${encodeURIComponent(a.accountId)}`, label: `Change the limit of ${a.account}` }],
    });
  }

  for (const n of i.notificationFailures ?? []) {
    items.push({
      kind: 'notification',
      severity: 'warning',
      message: `The job-change notification URL of ${n.connectionName} is failing.`,
      detail: n.error,
      actions: [{ kind: 'link', href: n.href, label: `Check the notification URL of ${n.connectionName}` }],
    });
  }

  return items;
}

/**
 * Failing notification URLs: a connection whose alert target is set and whose latest alert failed for good, or is
 * being retried after a failed attempt. A delivered later alert clears it (only the latest is read).
 */
export function notificationFailures(deps: Pick<AdminDeps, 'repos'>): NotificationFailure[] {
  const out: NotificationFailure[] = [];
  for (const c of deps.repos.connections.list()) {
    if (!deps.repos.alerts.target(c.id)) continue;
    const last = deps.repos.alerts.latest(c.id);
    if (!last) continue;
    const failing = last.state === 'failed' || (last.state === 'pending' && last.attempts > 0 && last.last_error !== null);
    if (!failing) continue;
    const status = last.last_status ? `HTTP ${last.last_status}` : null;
    out.push({
      connectionId: c.id,
      connectionName: connectionName(c),
      error: [last.state === 'failed' ? 'gave up' : `retrying (attempt ${last.attempts})`, status, last.last_error].filter(Boolean).join(' · '),
      href: `${adminPath('connections', c.id)}#alerts`,
    });
  }
  return out;
}

/** The dashboard's inputs, read from the repositories and the queue. */
export function collectAttention(deps: AdminDeps): AttentionItem[] {
  const { repos } = deps;
  const month = repos.ledger.summary(monthStartUtc(deps.clock.now()));
  const used = new Map(month.map((a) => [a.account_id, a.credits]));
  return attentionItems({
    connections: repos.connections.list(),
    deadJobs: deps.queue.inState('dead', DEAD_JOBS_LISTED),
    deadTotal: deps.queue.counts().dead,
    credits: repos.accounts.list().map((a) => ({ accountId: a.id, account: a.name, used: used.get(a.id) ?? 0, limit: a.monthly_credit_limit })),
    notificationFailures: notificationFailures(deps),
  });
}
