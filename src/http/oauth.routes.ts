// GET /oauth/:crm/install → 302 to the CRM's consent screen; GET /oauth/:crm/callback → exchange, store, 302 to
// the admin page. Both need an admin session: the install binds its OAuth state to it, and the callback is taken
// only from that same session. Errors are small HTML pages: a person in a browser reads them.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { CrmKind } from '../../connectors/types.js';
import { InstallError, type InstallService } from '../sync/install.js';
import type { Logger } from '../lib/logger.js';
import { escapeHtml } from './html.js';

const Crm = z.enum(['hubspot', 'salesforce']);
const InstallQuery = z.object({ account: z.string().max(100).optional() });
const CallbackQuery = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export interface OAuthRouteDeps {
  install: InstallService;
  log: Logger;
  /** The hashed id of the request's admin session, if it has a live one. */
  adminSession: (req: Request) => string | undefined;
  /** Where a browser without a session is sent. */
  loginUrl: string;
}

export function oauthRoutes(deps: OAuthRouteDeps): Router {
  const r = Router();

  r.get('/oauth/:crm/install', (req, res) => {
    const session = deps.adminSession(req);
    // Checked first: without a session nothing is validated, created or stored.
    if (!session) return res.redirect(303, deps.loginUrl);
    const crm = Crm.safeParse(req.params.crm);
    const q = InstallQuery.safeParse(req.query);
    if (!crm.success || !q.success) return page(res, 400, 'Bad request', 'Unknown CRM or invalid parameters.');
    try {
      res.redirect(302, deps.install.begin(crm.data as CrmKind, q.data.account ?? null, session));
    } catch (err) {
      fail(res, err, deps.log);
    }
  });

  r.get('/oauth/:crm/callback', async (req, res) => {
    const crm = Crm.safeParse(req.params.crm);
    const q = CallbackQuery.safeParse(req.query);
    if (!crm.success || !q.success) return page(res, 400, 'Bad request', 'Unknown CRM or invalid parameters.');
    try {
      const { connection } = await deps.install.complete(crm.data, {
        sessionHash: deps.adminSession(req),
        ...(q.data.code ? { code: q.data.code } : {}),
        ...(q.data.state ? { state: q.data.state } : {}),
        ...(q.data.error ? { error: q.data.error } : {}),
        ...(q.data.error_description ? { errorDescription: q.data.error_description } : {}),
      });
      res.redirect(302, `/admin/connections/${encodeURIComponent(connection.id)}?installed=1`);
    } catch (err) {
      fail(res, err, deps.log);
    }
  });
  return r;
}

function fail(res: Response, err: unknown, log: Logger): void {
  if (err instanceof InstallError) return page(res, err.status, 'Could not connect', err.message);
  log.error({ err }, 'OAuth install failed');
  page(res, 502, 'Could not connect', 'The CRM did not complete the connection. Nothing was stored; please try again.');
}

function page(res: Response, status: number, title: string, message: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        `<body style="font-family:system-ui;max-width:40rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` +
        `<p><a href="/admin">Back to the admin page</a></p></body></html>`,
    );
}
