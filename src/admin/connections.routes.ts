// Connections: connect (through the real OAuth install), status, syncs, pause/resume, reprovision, enrich one
// record, disconnect (revoking tokens), delete.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { CrmKind } from '../../connectors/types.js';
import type { ConnectionRow } from '../db/connections.repo.js';
import { InstallError } from '../sync/install.js';
import { connectHostProblem } from './public-host.js';
import { SYNC_MODES } from '../sync/runs.js';
import { CONTACT_ENRICH } from '../sync/handlers.js';
import { ConnectionOpError } from '../sync/connections.js';
import { adminPath, html, type Html } from './html.js';
import { errorMessage, firstIssue, formBody, type AdminContext } from './context.js';
import { connectionView, connectionsListView, type ConnectorInfo } from './views/connections.js';
import { crmName } from './views/common.js';
import { emailOfRef, recordsByRef, RecordRef } from '../sync/record-ref.js';
import { alertsBlock } from './views/alerts.js';
import { estimateSection, guardsForm, type EstimateView } from './views/guards.js';
import { guardsOf } from '../sync/guard-settings.js';
import { ConnectionSettings } from '../sync/mapping.js';

const CRMS: CrmKind[] = ['hubspot', 'salesforce'];

export function connectorInfo(ctx: AdminContext, crm: CrmKind): ConnectorInfo {
  const { configured, setupHint } = ctx.deps.connectors[crm];
  return { crm, configured, reason: configured ? null : `Not available: ${setupHint} (see the README) and restart.` };
}

/** The connection named in the path, with its account name, or a 404 page. */
export function findConnection(ctx: AdminContext, req: Request, res: Response): (ConnectionRow & { account_name: string }) | undefined {
  const id = String(req.params.id ?? '');
  const row = ctx.deps.repos.connections.list().find((c) => c.id === id);
  if (!row) {
    ctx.render(req, res, { title: 'Not found', nav: 'connections', status: 404, body: notFoundBody() });
    return undefined;
  }
  return row;
}

function notFoundBody() {
  return html`<h1>Connection not found</h1><p><a href="/admin/connections">Back to the connections</a></p>`;
}

const ConnectForm = z.object({ crm: z.enum(['hubspot', 'salesforce']), account: z.string().trim().max(100).optional() });
const SyncForm = z.object({ mode: z.enum(SYNC_MODES) });
const EnrichForm = z.object({
  objectType: z.enum(['contact', 'lead']),
  /** A record id, or an email the CRM's search resolves. */
  contactId: RecordRef,
});

export function connectionRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const { connections } = deps.repos;

  r.get('/connections', (req, res) => {
    ctx.render(req, res, {
      title: 'Connections',
      nav: 'connections',
      body: connectionsListView({ connectors: CRMS.map((c) => connectorInfo(ctx, c)), connections: connections.list(), csrf: ctx.session(req).csrf }),
    });
  });

  // A POST (with the CSRF token) starts the install, so only a logged-in admin can send a browser to the consent
  // screen from here; the OAuth routes then take over and come back to the connection's page.
  r.post('/connections/connect', (req, res) => {
    const f = ConnectForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, '/admin/connections', { kind: 'error', message: firstIssue(f.error) });
    const hostProblem = connectHostProblem(req, deps.config.PUBLIC_URL);
    if (hostProblem) return ctx.done(req, res, '/admin/connections', { kind: 'error', message: hostProblem });
    try {
      res.redirect(303, deps.install.begin(f.data.crm, f.data.account ? f.data.account : null, ctx.session(req).idHash));
    } catch (err) {
      if (!(err instanceof InstallError)) throw err;
      ctx.done(req, res, '/admin/connections', { kind: 'error', message: err.message });
    }
  });

  r.get('/connections/:id', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const s = ctx.session(req);
    const guarantees = await guaranteesOf(ctx, conn, req.query.estimate, s.csrf);
    const installed = req.query.installed === '1' && !s.flash;
    ctx.render(req, res, {
      title: `${crmName(conn.crm)} ${conn.external_id}`,
      nav: 'connections',
      ...(installed ? { flash: { kind: 'ok' as const, message: `${crmName(conn.crm)} ${conn.external_id} is connected.` } } : {}),
      body: connectionView({
        conn,
        connector: connectorInfo(ctx, conn.crm),
        runs: deps.repos.runs.recent(conn.id, 10),
        schedules: deps.repos.runs.schedulesOf(conn.id),
        provision: connections.provision(conn.id),
        objectTypes: deps.connectors[conn.crm].objectTypes,
        outboundMessageUrl: deps.outboundEndpoints.url(conn),
        alerts: alertsBlock({ base: adminPath('connections', conn.id), target: deps.repos.alerts.target(conn.id), last: deps.repos.alerts.latest(conn.id), csrf: s.csrf }),
        csrf: s.csrf,
        now: deps.clock.now(),
        guarantees,
      }),
    });
  });

  r.post('/connections/:id/sync', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    const f = SyncForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, back, { kind: 'error', message: firstIssue(f.error) });
    if (conn.status === 'disconnected') return ctx.done(req, res, back, { kind: 'error', message: 'This connection is disconnected.' });
    const { run, created } = deps.runService.startRun(conn.id, f.data.mode, 'admin');
    const waiting = conn.status === 'connected' ? '' : ` It will start once the connection is ${conn.status === 'paused' ? 'resumed' : 'reconnected'}.`;
    ctx.done(req, res, back, {
      kind: 'ok',
      message: created ? `A ${f.data.mode} sync was queued (${run.id}).${waiting}` : `A ${f.data.mode} sync is already queued or running (${run.id}).`,
    });
  });

  r.post('/connections/:id/pause', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    if (!refused(() => deps.connectionOps.pause(conn.id, 'the admin page'), (message) => ctx.done(req, res, back, { kind: 'error', message }))) {
      ctx.done(req, res, back, { kind: 'ok', message: 'Paused: no sync or enrichment runs for this connection until you resume it.' });
    }
  });

  r.post('/connections/:id/resume', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    if (!refused(() => deps.connectionOps.resume(conn.id, 'the admin page'), (message) => ctx.done(req, res, back, { kind: 'error', message }))) {
      ctx.done(req, res, back, { kind: 'ok', message: 'Resumed: queued work runs now.' });
    }
  });

  r.post('/connections/:id/rotate-endpoint', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    if (conn.crm !== 'salesforce') return ctx.done(req, res, back, { kind: 'error', message: 'Only Salesforce connections have an Outbound Message URL.' });
    deps.outboundEndpoints.rotate(conn);
    deps.log.info({ connection: conn.id }, 'Outbound Message endpoint rotated');
    ctx.done(req, res, back, { kind: 'ok', message: 'A new Outbound Message URL was made; the old one answers 404 from now on. Update the Outbound Message in Salesforce.' });
  });

  r.post('/connections/:id/provision', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    try {
      const report = await deps.install.provision(conn.id);
      const problems = [...report.missing.map((m) => `${m.objectType} ${m.name}: ${m.reason}`), ...report.warnings];
      ctx.done(req, res, back, {
        kind: problems.length ? 'error' : 'ok',
        message: `Fields provisioned: ${report.created.length} created, ${report.existing.length} already there.`,
        ...(problems.length ? { details: problems } : {}),
      });
    } catch (err) {
      deps.connectionOps.noteReauth(conn.id, err);
      deps.log.warn({ err, connection: conn.id }, 'reprovisioning from the admin page failed');
      ctx.done(req, res, back, { kind: 'error', message: `Provisioning failed: ${errorMessage(err)}` });
    }
  });

  r.post('/connections/:id/enrich', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    const f = EnrichForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, back, { kind: 'error', message: firstIssue(f.error) });
    const { objectType } = f.data;
    // An email is looked up in the CRM first (its search); an id is queued as given (the job reports a missing one).
    let contactId = f.data.contactId;
    const email = emailOfRef(contactId);
    if (email) {
      let found: string[];
      try {
        found = (await recordsByRef(deps.registry.get(conn.id).session, objectType, contactId, [])).contacts.map((c) => c.id);
      } catch (err) {
        deps.connectionOps.noteReauth(conn.id, err);
        return ctx.done(req, res, back, { kind: 'error', message: `The CRM could not be searched: ${errorMessage(err)}` });
      }
      if (found.length === 0) return ctx.done(req, res, back, { kind: 'error', message: `There is no ${objectType} with email ${email} in ${crmName(conn.crm)}.` });
      contactId = found[0]!;
    }
    // A key of its own: the webhook key of a contact is taken for good once it was enriched, and an admin asking
    // again means "again".
    const now = deps.clock.now();
    const { id } = deps.queue.enqueue(CONTACT_ENRICH, { objectType, contactId, source: 'admin' }, {
      connectionId: conn.id,
      dedupeKey: `admin:${conn.id}:${objectType}:${contactId}:${now}`,
    });
    // The contact view follows the job and shows what it wrote once it ran. No session flash: that page reloads
    // itself while the job waits, and the job's own status line says what a flash would have.
    res.redirect(303, `/admin/contacts?q=${encodeURIComponent(contactId)}&job=${id}`);
  });

  r.post('/connections/:id/disconnect', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = adminPath('connections', conn.id);
    let revokeProblem: string | null;
    try {
      ({ revokeProblem } = await deps.connectionOps.disconnect(conn.id, 'the admin page'));
    } catch (err) {
      if (!(err instanceof ConnectionOpError)) throw err;
      return ctx.done(req, res, back, { kind: 'error', message: err.message });
    }
    ctx.done(req, res, back, {
      kind: revokeProblem ? 'error' : 'ok',
      message: revokeProblem
        ? `Disconnected and tokens forgotten, but ${crmName(conn.crm)} did not confirm the revocation: ${revokeProblem}`
        : `Disconnected: the ${crmName(conn.crm)} tokens were revoked and forgotten.`,
    });
  });

  r.post('/connections/:id/delete', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    if (refused(() => deps.connectionOps.delete(conn.id), (message) => ctx.done(req, res, adminPath('connections', conn.id), { kind: 'error', message }))) return;
    ctx.done(req, res, '/admin/connections', { kind: 'ok', message: `${crmName(conn.crm)} ${conn.external_id} and its history were deleted.` });
  });
}

/** The guarantees form (not for a disconnected CRM) and, when asked for (`?estimate=<mode>`), a run's estimate (a connected one). */
async function guaranteesOf(ctx: AdminContext, conn: ConnectionRow, asked: unknown, csrf: string): Promise<{ form: Html; estimate: Html } | undefined> {
  if (conn.status === 'disconnected') return undefined;
  const base = adminPath('connections', conn.id);
  const settings = ConnectionSettings.safeParse(JSON.parse(conn.settings_json));
  const form = guardsForm(base, csrf, guardsOf(settings.success ? settings.data : { guards: undefined }));
  const mode = SyncForm.shape.mode.safeParse(asked);
  let shown: EstimateView | null = null;
  if (mode.success && ctx.deps.estimator && conn.status === 'connected') {
    try {
      shown = { mode: mode.data, estimate: await ctx.deps.estimator.estimate(conn.id, mode.data), error: null };
    } catch (err) {
      ctx.deps.connectionOps.noteReauth(conn.id, err);
      shown = { mode: mode.data, estimate: null, error: errorMessage(err) };
    }
  }
  return { form, estimate: ctx.deps.estimator && conn.status === 'connected' ? estimateSection(base, shown) : html`` };
}

/** Runs a connection operation; a refusal goes to `onRefusal` (a flash) and true is returned. */
function refused(op: () => unknown, onRefusal: (message: string) => void): boolean {
  try {
    op();
    return false;
  } catch (err) {
    if (!(err instanceof ConnectionOpError)) throw err;
    onRefusal(err.message);
    return true;
  }
}
