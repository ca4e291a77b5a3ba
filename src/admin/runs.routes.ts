// The run view (/admin/runs/:id), its JSON progress for the page's script, and "Revert this run": a GET preview
// (reads the CRM, writes nothing) and a POST (CSRF-checked like every admin form) that redirects back to the run.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { RunRow } from '../db/sync-runs.repo.js';
import type { RunContactOutcome, RunContactRow } from '../db/run-history.repo.js';
import { RevertError } from '../sync/revert.js';
import { adminPath, html } from './html.js';
import { errorMessage, formBody, type AdminContext } from './context.js';
import { OUTCOMES, RUN_LIVE_JS, revertPreviewView, runProgress, runView } from './views/run.js';
import { crmName } from './views/common.js';

const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);
const TasksFlag = z.object({ tasks: z.literal('1').optional() });
const CONTACTS_PER_OUTCOME = 200;

export function runRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const { runs, runHistory, connections } = deps.repos;

  /** The run named in the path with its connection, or a 404 page (JSON for the progress endpoint). */
  function findRun(req: Request, res: Response, json = false): { run: RunRow; conn: { id: string; crm: string; external_id: string } } | undefined {
    const id = RunId.safeParse(req.params.id);
    const run = id.success ? runs.get(id.data) : undefined;
    const conn = run && connections.get(run.connection_id);
    if (run && conn) return { run, conn };
    if (json) res.status(404).json({ error: 'Not Found', message: 'no such run' });
    else ctx.render(req, res, { title: 'Run not found', nav: 'connections', status: 404, body: html`<h1>Run not found</h1><p><a href="/admin/connections">Connections</a></p>` });
    return undefined;
  }

  /** A Salesforce org's instance URL (record links), from its tokens; null once they are forgotten (disconnected). */
  function instanceUrl(connectionId: string): string | null {
    try {
      return connections.tokens(connectionId).instanceUrl ?? null;
    } catch {
      return null;
    }
  }

  r.get('/assets/run-live.js', (_req, res) => {
    res.set('Cache-Control', 'private, max-age=3600').type('text/javascript').send(RUN_LIVE_JS);
  });

  r.get('/runs/:id.json', (req, res) => {
    const found = findRun(req, res, true);
    if (found) res.json(runProgress(found.run, deps.clock.now()));
  });

  r.get('/runs/:id', (req, res) => {
    const found = findRun(req, res);
    if (!found) return;
    const { run, conn } = found;
    const contacts: Partial<Record<RunContactOutcome, RunContactRow[]>> = {};
    for (const o of OUTCOMES) contacts[o] = runHistory.contacts(run.id, o, CONTACTS_PER_OUTCOME);
    ctx.render(req, res, {
      title: `${crmName(conn.crm)} ${run.mode} run`,
      nav: 'connections',
      body: runView({ run, conn: { ...conn, instanceUrl: conn.crm === 'salesforce' ? instanceUrl(conn.id) : null }, outcomes: runHistory.outcomeCounts(run.id), contacts, now: deps.clock.now(), csrf: ctx.session(req).csrf }),
    });
  });

  r.get('/runs/:id/revert', async (req, res) => {
    const found = findRun(req, res);
    if (!found) return;
    const tasks = TasksFlag.safeParse(req.query).data?.tasks === '1';
    const back = adminPath('runs', found.run.id);
    try {
      const report = await deps.revert.preview(found.run.id, { tasks });
      ctx.render(req, res, {
        title: 'Revert this run?',
        nav: 'connections',
        body: revertPreviewView({ run: found.run, conn: found.conn, report, tasks, csrf: ctx.session(req).csrf }),
      });
    } catch (err) {
      ctx.done(req, res, back, { kind: 'error', message: err instanceof RevertError ? err.message : `The preview failed: ${errorMessage(err)}` });
    }
  });

  r.post('/runs/:id/revert', async (req, res) => {
    const found = findRun(req, res);
    if (!found) return;
    const tasks = TasksFlag.safeParse(formBody(req)).data?.tasks === '1';
    const back = adminPath('runs', found.run.id);
    try {
      const r = await deps.revert.revert(found.run.id, { tasks });
      const kept = r.fields.filter((f) => f.outcome !== 'reverted').slice(0, 20);
      ctx.done(req, res, back, {
        kind: r.failed > 0 ? 'error' : 'ok',
        message: `Reverted ${r.reverted} field${r.reverted === 1 ? '' : 's'}; kept ${r.kept} changed since; ${r.failed} failed${tasks ? `; ${r.tasks_removed} task${r.tasks_removed === 1 ? '' : 's'} deleted` : ''}.`,
        details: kept.map((f) => `${f.outcome === 'kept' ? 'Kept' : 'Failed'}: ${f.objectType} ${f.contactId} ${f.field} (${f.reason ?? ''})`),
      });
    } catch (err) {
      ctx.done(req, res, back, { kind: 'error', message: err instanceof RevertError ? err.message : `The revert failed: ${errorMessage(err)}` });
    }
  });
}
