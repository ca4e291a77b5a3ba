// What every admin route handler gets: its dependencies (deps.ts), the admin sessions, and helpers to render a
// page or redirect after a POST with a flash message.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { reasonOf } from '../sync/connections.js';
import type { AdminSession, Sessions } from './auth.js';
import type { AdminDeps } from './deps.js';
import type { Html } from './html.js';
import { page, type Flash, type NavKey } from './layout.js';

export interface AdminContext {
  deps: AdminDeps;
  sessions: Sessions;
  /** The session of an authenticated request (the auth middleware ran before every page handler). */
  session(req: Request): AdminSession;
  render(req: Request, res: Response, o: { title: string; nav: NavKey; body: Html; status?: number; flash?: Flash }): void;
  /** Redirect-after-post: the flash shows on the next page the browser loads. */
  done(req: Request, res: Response, to: string, flash: Flash): void;
}

const sessionsByRequest = new WeakMap<Request, AdminSession>();

export function attachSession(req: Request, s: AdminSession): void {
  sessionsByRequest.set(req, s);
}

export function createContext(deps: AdminDeps, sessions: Sessions): AdminContext {
  const session = (req: Request) => {
    const s = sessionsByRequest.get(req);
    if (!s) throw new Error('admin handler reached without a session');
    return s;
  };
  return {
    deps,
    sessions,
    session,
    render(req, res, o) {
      const s = session(req);
      res.status(o.status ?? 200).type('html').send(page({ title: o.title, nav: o.nav, body: o.body, csrf: s.csrf, flash: o.flash ?? s.flash }));
    },
    done(req, res, to, flash) {
      sessions.setFlash(session(req), flash);
      res.redirect(303, to);
    },
  };
}

const FormBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** The urlencoded body as plain strings (a repeated field keeps its first value). */
export function formBody(req: Request): Record<string, string> {
  const parsed = FormBody.safeParse(req.body ?? {});
  if (!parsed.success) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.data)) out[k] = Array.isArray(v) ? (v[0] ?? '') : v;
  return out;
}

/** The first problem of a zod error, for a flash message. */
export function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || 'form'}: ${i.message}` : 'invalid form';
}

/** An error as a sentence for the page, with anything token-like scrubbed (CRM errors can quote URLs). */
export const errorMessage = reasonOf;
