// The job-change inbox (/admin/job-changes, its CSV) and a connection's job-change alert settings.
import type { Request, Router } from 'express';
import { z } from 'zod';
import { AlertUrl, ALERT_FORMATS } from '../sync/alerts.js';
import { recordUrl } from '../sync/record-links.js';
import { ownerKey } from '../sync/owners.js';
import type { InboxFilter } from '../db/job-changes.repo.js';
import { DAY_MS } from '../lib/clock.js';
import { findConnection } from './connections.routes.js';
import { firstIssue, formBody, type AdminContext } from './context.js';
import { adminPath } from './html.js';
import { INBOX_PAGE_SIZE, inboxCsv, inboxView, type InboxItem, type InboxQuery } from './views/job-changes.js';
import type { InboxRow } from '../db/job-changes.repo.js';

const day = z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a date')]);
const InboxParams = z.object({
  connection: z.string().max(64).default(''),
  run: z.string().max(64).default(''),
  from: day.default(''),
  to: day.default(''),
  page: z.string().regex(/^\d{1,6}$/).transform(Number).refine((n) => n >= 1, 'pages start at 1').optional(),
});
const AlertForm = z.object({ url: AlertUrl, format: z.enum(ALERT_FORMATS) });
/** The CSV holds at most this many changes (newest first); the page says so when the filter matches more. */
const CSV_MAX = 100_000;

/** The query as given, and its problem (a bad filter is ignored and named, never a 500). */
function readQuery(req: Request): { query: InboxQuery; problem: string | null } {
  const raw = Object.fromEntries(Object.entries(req.query).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const q = InboxParams.safeParse(raw);
  if (!q.success) return { query: { connection: '', run: '', from: '', to: '', page: 1 }, problem: `The filter was ignored: ${firstIssue(q.error)}` };
  return { query: { ...q.data, page: q.data.page ?? 1 }, problem: null };
}

function filterOf(q: InboxQuery): InboxFilter {
  return {
    connectionId: q.connection || undefined,
    runId: q.run || undefined,
    from: q.from ? Date.parse(`${q.from}T00:00:00Z`) : undefined,
    // "To" is inclusive: the whole day.
    to: q.to ? Date.parse(`${q.to}T00:00:00Z`) + DAY_MS : undefined,
  };
}

export function jobChangeRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const { repos } = deps;

  /** Record links: HubSpot's from the portal id, Salesforce's from the org's instance URL (read once per connection). */
  function withLinks(rows: InboxRow[]): InboxItem[] {
    const instance = new Map<string, string | null>();
    const instanceOf = (id: string) => {
      if (!instance.has(id)) {
        let url: string | null = null;
        try {
          url = repos.connections.tokens(id).instanceUrl ?? null;
        } catch {
          url = null; // tokens forgotten (disconnected): no link
        }
        instance.set(id, url);
      }
      return instance.get(id) ?? null;
    };
    return rows.map((c) => ({
      ...c,
      owner: null,
      recordUrl: recordUrl(c.crm, { externalId: c.external_id, instanceUrl: c.crm === 'salesforce' ? instanceOf(c.connection_id) : null, objectType: c.object_type, id: c.contact_id }),
    }));
  }

  /** Each task owner's name and email, from the CRM (cached); an owner the CRM cannot name keeps its id only. */
  async function withOwners(items: InboxItem[]): Promise<InboxItem[]> {
    if (!deps.owners) return items;
    const owners = await deps.owners.lookup(items.map((c) => ({ connectionId: c.connection_id, ownerId: c.owner_id })));
    return items.map((c) => ({ ...c, owner: c.owner_id ? (owners.get(ownerKey(c.connection_id, c.owner_id)) ?? null) : null }));
  }

  r.get('/job-changes', async (req, res) => {
    const { query, problem } = readQuery(req);
    const filter = filterOf(query);
    const total = repos.jobChanges.count(filter);
    const pages = Math.max(1, Math.ceil(total / INBOX_PAGE_SIZE));
    const q = { ...query, page: Math.min(query.page, pages) };
    const items = await withOwners(withLinks(repos.jobChanges.list(filter, { limit: INBOX_PAGE_SIZE, offset: (q.page - 1) * INBOX_PAGE_SIZE })));
    ctx.render(req, res, {
      title: 'Job changes',
      nav: 'job-changes',
      status: problem ? 400 : 200,
      body: inboxView({ items, total, query: q, connections: repos.connections.list(), problem }),
    });
  });

  r.get('/job-changes.csv', async (req, res) => {
    const { query, problem } = readQuery(req);
    if (problem) {
      res.status(400).type('text/plain').send(`${problem}\n`);
      return;
    }
    const items = await withOwners(withLinks(repos.jobChanges.list(filterOf(query), { limit: CSV_MAX, offset: 0 })));
    const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
    res.type('text/csv; charset=utf-8').attachment(`crm-enrich-job-changes-${stamp}.csv`).send(inboxCsv(items));
  });

  r.post('/connections/:id/alerts', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = `${adminPath('connections', conn.id)}#alerts`;
    const f = AlertForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, back, { kind: 'error', message: `The alert URL was not saved: ${firstIssue(f.error)}` });
    repos.alerts.setTarget(conn.id, f.data.url, f.data.format);
    // The URL itself is a secret (a Slack webhook URL lets anyone post): the log names the connection only.
    deps.log.info({ connection: conn.id, format: f.data.format }, 'job-change alert URL set');
    ctx.done(req, res, back, { kind: 'ok', message: 'Job-change alerts are on: the next sync that finds job changes posts them.' });
  });

  r.post('/connections/:id/alerts/remove', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const removed = repos.alerts.removeTarget(conn.id);
    ctx.done(req, res, `${adminPath('connections', conn.id)}#alerts`, removed ? { kind: 'ok', message: 'Job-change alerts are off.' } : { kind: 'error', message: 'No alert URL was set.' });
  });
}
