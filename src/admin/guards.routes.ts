// The guarantees of one connection: save its guard settings (the form on the connection page).
import type { Router } from 'express';
import { z } from 'zod';
import { GuardSettings } from '../sync/guard-settings.js';
import { ConnectionOpError } from '../sync/connections.js';
import { adminPath } from './html.js';
import { firstIssue, formBody, type AdminContext } from './context.js';
import { findConnection } from './connections.routes.js';

const whole = (name: string) => z.string().trim().regex(/^\d{1,9}$/, `${name} must be a whole number`).transform(Number);

const GuardsForm = z.object({
  nameGuard: z.literal('1').optional(),
  roleMailboxes: z.string().max(4000).default(''),
  recheckDays: whole('the re-check interval'),
  monitoringBudget: whole('the monitoring budget'),
});

export function guardRoutes(r: Router, ctx: AdminContext): void {
  r.post('/connections/:id/guards', (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const back = `${adminPath('connections', conn.id)}#guarantees`;
    const f = GuardsForm.safeParse(formBody(req));
    if (!f.success) return ctx.done(req, res, back, { kind: 'error', message: firstIssue(f.error) });
    const g = GuardSettings.safeParse({
      nameGuard: f.data.nameGuard === '1',
      roleMailboxes: [...new Set(f.data.roleMailboxes.toLowerCase().split(/[\s,;]+/).filter(Boolean))],
      recheckDays: f.data.recheckDays,
      monitoringBudget: f.data.monitoringBudget,
    });
    if (!g.success) return ctx.done(req, res, back, { kind: 'error', message: firstIssue(g.error) });
    try {
      ctx.deps.connectionOps.saveGuards(conn.id, g.data);
    } catch (err) {
      if (!(err instanceof ConnectionOpError)) throw err;
      return ctx.done(req, res, back, { kind: 'error', message: err.message });
    }
    ctx.deps.log.info({ connection: conn.id, guards: g.data }, 'guarantees changed on the admin page');
    ctx.done(req, res, back, { kind: 'ok', message: 'Guarantees saved: they apply to the next enrichment.' });
  });
}
