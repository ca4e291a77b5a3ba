// Dashboard, schedules, credits, activity and API keys.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { monthStartUtc } from '../db/ledger.repo.js';
import type { SyncMode } from '../db/sync-runs.repo.js';
import { cronProblems, nextRun } from '../sync/schedules.js';
import { printableName } from '../lib/text.js';
import { CRON_PRESETS, describeCron } from '../lib/cron-text.js';
import { SYNC_MODES } from '../sync/runs.js';
import { firstIssue, formBody, type AdminContext } from './context.js';
import { dashboardView } from './views/dashboard.js';
import { schedulesView, type ScheduleGroup } from './views/schedules.js';
import { creditsCsv, creditsView, periodStart, PERIODS, type AccountCredits, type Period } from './views/credits.js';
import { activityView, AUDIT_PAGE_SIZE } from './views/activity.js';
import { apiKeysView } from './views/api-keys.js';
import { collectAttention } from './attention.js';
import { createKeyReveal } from './key-reveal.js';
import { connectorInfo } from './connections.routes.js';

const ScheduleForm = z.object({
  connectionId: z.string().min(1).max(64),
  mode: z.enum(SYNC_MODES),
  cron: z.string().max(200),
  /** A preset chosen from the list wins over the typed expression (the page's script also copies it into the field). */
  preset: z.union([z.literal(''), z.enum(CRON_PRESETS.map((p) => p.cron) as [string, ...string[]])]).optional(),
  enabled: z.literal('1').optional(),
});
const LimitForm = z.object({
  accountId: z.string().min(1).max(64),
  limit: z.string().trim().regex(/^\d{1,12}$/, 'the limit is a whole number of credits (0 = no limit)').transform(Number),
  days: z.string().optional(),
});
/** ?page=N of the audit log (0-based; anything else is the first page). */
const AuditPage = z.string().regex(/^\d{1,5}$/).transform(Number);
const KeyForm = z.object({
  account: printableName(100, 'the account name'),
  label: z.union([z.literal(''), printableName(100, 'the label')]).optional(),
});

function periodOf(req: Request): Period {
  const d = Number(req.query.days);
  return (PERIODS as readonly number[]).includes(d) ? (d as Period) : 30;
}

export function pageRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const { repos } = deps;

  r.get('/', (req, res) => {
    const now = deps.clock.now();
    const month = repos.ledger.summary(monthStartUtc(now));
    ctx.render(req, res, {
      title: 'Dashboard',
      nav: 'dashboard',
      body: dashboardView({
        activeProviders: deps.activeProviders,
        connections: repos.connections.list(),
        jobs: deps.queue.counts(),
        creditsThisMonth: month.map((a) => ({ account: a.account, credits: a.credits, limit: repos.accounts.byId(a.account_id)?.monthly_credit_limit ?? 0 })),
        monthLabel: new Date(now).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
        attention: collectAttention(deps),
        setup: {
          connectors: (['hubspot', 'salesforce'] as const).map((crm) => connectorInfo(ctx, crm)),
          providers: deps.activeProviders.length,
          apiKeys: repos.apiKeys.list().filter((k) => !k.revoked_at).length,
          csrf: ctx.session(req).csrf,
        },
        csrf: ctx.session(req).csrf,
      }),
    });
  });

  // ---- Schedules
  function scheduleGroups(now: number, error?: { connectionId: string; mode: SyncMode; cron: string; problems: string[] }): ScheduleGroup[] {
    const last = new Map(repos.admin.lastRuns().map((l) => [`${l.connection_id}:${l.mode}`, l]));
    return repos.connections
      .list()
      .filter((c) => c.status !== 'disconnected')
      .map((conn) => {
        const stored = new Map(repos.runs.schedulesOf(conn.id).map((s) => [s.mode, s]));
        return {
          conn,
          lines: SYNC_MODES.map((mode) => {
            const s = stored.get(mode);
            const l = last.get(`${conn.id}:${mode}`);
            const next = s && s.enabled ? nextRun(s.cron) : null;
            return {
              mode,
              cron: s?.cron ?? '',
              enabled: s ? s.enabled === 1 : false,
              next: next ? next.getTime() : null,
              lastRun: l ? { state: l.state, at: l.finished_at ?? l.created_at } : null,
              ...(error && error.connectionId === conn.id && error.mode === mode ? { error: { cron: error.cron, problems: error.problems } } : {}),
            };
          }),
        };
      });
  }

  r.get('/schedules', (req, res) => {
    const now = deps.clock.now();
    ctx.render(req, res, { title: 'Schedules', nav: 'schedules', body: schedulesView({ groups: scheduleGroups(now), csrf: ctx.session(req).csrf, now }) });
  });

  r.post('/schedules', (req, res) => {
    const f = ScheduleForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, '/admin/schedules', { kind: 'error', message: firstIssue(f.error) });
    const { connectionId, mode } = f.data;
    const cron = (f.data.preset || f.data.cron).trim().replace(/\s+/g, ' ');
    const conn = repos.connections.get(connectionId);
    if (!conn) return ctx.done(req, res, '/admin/schedules', { kind: 'error', message: 'No such connection.' });
    const enabled = f.data.enabled === '1';
    // An empty expression is allowed only to switch a mode off.
    const problems = cron === '' && !enabled ? [] : cronProblems(cron);
    const now = deps.clock.now();
    if (problems.length) {
      return ctx.render(req, res, {
        title: 'Schedules',
        nav: 'schedules',
        status: 422,
        flash: { kind: 'error', message: `The ${mode} schedule was not saved: ${problems.join('; ')}` },
        body: schedulesView({ groups: scheduleGroups(now, { connectionId, mode, cron, problems }), csrf: ctx.session(req).csrf, now }),
      });
    }
    const previous = repos.runs.schedulesOf(connectionId).find((s) => s.mode === mode)?.cron ?? '';
    // The running scheduler notices the change by polling schedulesVersion() within seconds; calling reload()
    // here would start cron tasks even in processes whose scheduler is not running.
    repos.runs.putSchedule(connectionId, mode, cron || previous, enabled, now);
    const next = enabled ? nextRun(cron) : null;
    ctx.done(req, res, `/admin/schedules#conn-${connectionId}`, {
      kind: 'ok',
      message: enabled ? `The ${mode} sync runs on “${cron}”: ${describeCron(cron) ?? 'UTC'}; next run ${next ? next.toISOString().replace('T', ' ').slice(0, 16) : 'never'} UTC.` : `The ${mode} sync is off.`,
    });
  });

  // ---- Credits
  function creditData(period: Period) {
    const now = deps.clock.now();
    const since = periodStart(now, period);
    const daily = repos.admin.creditsDaily(since);
    const month = new Map(repos.ledger.summary(monthStartUtc(now)).map((a) => [a.account_id, a.credits]));
    const accounts: AccountCredits[] = repos.ledger.summary(since).map((a) => ({
      accountId: a.account_id,
      account: a.account,
      requests: a.requests,
      found: a.found,
      cacheHits: a.cache_hits,
      credits: a.credits,
      thisMonth: month.get(a.account_id) ?? 0,
      limit: repos.accounts.byId(a.account_id)?.monthly_credit_limit ?? 0,
    }));
    return { now, daily, accounts };
  }

  r.get('/credits', (req, res) => {
    const period = periodOf(req);
    const d = creditData(period);
    const monthLabel = new Date(d.now).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    ctx.render(req, res, { title: 'Credits', nav: 'credits', body: creditsView({ period, ...d, csrf: ctx.session(req).csrf, monthLabel }) });
  });

  r.get('/credits.csv', (req, res) => {
    const period = periodOf(req);
    const { now, daily } = creditData(period);
    const day = new Date(now).toISOString().slice(0, 10);
    res
      .type('text/csv; charset=utf-8')
      .attachment(`crm-enrich-credits-${period}d-${day}.csv`)
      .send(creditsCsv(daily));
  });

  r.post('/credits/limit', (req, res) => {
    const f = LimitForm.safeParse(formBody(req));
    const back = (days?: string) => `/admin/credits${days === '90' ? '?days=90' : ''}`;
    if (!f.success) return ctx.done(req, res, back(), { kind: 'error', message: firstIssue(f.error) });
    const account = repos.accounts.byId(f.data.accountId);
    if (!account) return ctx.done(req, res, back(f.data.days), { kind: 'error', message: 'No such account.' });
    repos.accounts.setMonthlyLimit(account.id, f.data.limit);
    ctx.done(req, res, back(f.data.days), {
      kind: 'ok',
      message: f.data.limit ? `${account.name} may use ${f.data.limit} credits a month.` : `${account.name} has no monthly limit.`,
    });
  });

  // ---- Activity
  r.get('/activity', (req, res) => {
    const email = typeof req.query.email === 'string' ? req.query.email.slice(0, 254) : '';
    const page = AuditPage.safeParse(req.query.page);
    const n = page.success ? page.data : 0;
    // One row more than a page says whether an older page exists.
    const rows = repos.admin.searchAudit(email, AUDIT_PAGE_SIZE + 1, n * AUDIT_PAGE_SIZE);
    ctx.render(req, res, {
      title: 'Activity',
      nav: 'activity',
      body: activityView({
        dead: deps.queue.inState('dead'),
        recent: deps.queue.recent(50),
        audit: rows.slice(0, AUDIT_PAGE_SIZE),
        hasMore: rows.length > AUDIT_PAGE_SIZE,
        page: n,
        email,
        csrf: ctx.session(req).csrf,
      }),
    });
  });

  r.post('/activity/jobs/:jobId/retry', (req, res) => {
    const id = Number(req.params.jobId);
    const ok = Number.isSafeInteger(id) && id > 0 && deps.queue.retryDead(id);
    // The dashboard's "Needs attention" retries too, and brings the admin back there.
    ctx.done(req, res, formBody(req).back === 'dashboard' ? '/admin#attention' : '/admin/activity#dead', ok ? { kind: 'ok', message: `Job ${id} is queued again.` } : { kind: 'error', message: `Job ${req.params.jobId} is not a dead job.` });
  });

  // ---- API keys
  const showKeys = (req: Request, res: Response, created?: { key: string; account: string }) =>
    ctx.render(req, res, {
      title: 'API keys',
      nav: 'api-keys',
      body: apiKeysView({ keys: repos.apiKeys.list(), accounts: repos.accounts.list(), csrf: ctx.session(req).csrf, ...(created ? { created } : {}) }),
    });

  // Post/Redirect/Get: the POST keeps the new key in memory for this session and redirects; the GET shows it once.
  const reveal = createKeyReveal(deps.clock);

  r.get('/api-keys', (req, res) => {
    const created = reveal.take(ctx.session(req).idHash);
    showKeys(req, res, created ?? undefined);
  });

  r.post('/api-keys', (req, res) => {
    const f = KeyForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, '/admin/api-keys', { kind: 'error', message: firstIssue(f.error) });
    const account = repos.accounts.ensure(f.data.account);
    const { id, key } = repos.apiKeys.create(account.id, f.data.label || undefined);
    deps.log.info({ account: account.name, keyId: id }, 'API key created on the admin page');
    reveal.put(ctx.session(req).idHash, { key, account: account.name });
    res.redirect(303, '/admin/api-keys#new-key-box');
  });

  r.post('/api-keys/:keyId/revoke', (req, res) => {
    const id = String(req.params.keyId);
    const ok = repos.apiKeys.revoke(id);
    ctx.done(req, res, '/admin/api-keys', ok ? { kind: 'ok', message: 'The key is revoked: requests using it now get 401.' } : { kind: 'error', message: 'No such active key.' });
  });
}
