// The admin pages under /admin: security headers, login/logout, the session guard, CSRF on every POST, then the
// pages. Server-rendered HTML; the admin layer holds no business logic and reaches the data through the
// repositories and services of AdminDeps (deps.ts), which the composition root builds.
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';
import { verifyPassword } from '../lib/crypto.js';
import { ADMIN_CSS, ADMIN_JS } from './assets.js';
import { createLoginThrottle, createSessions, DEFAULT_THROTTLE } from './auth.js';
import { attachSession, createContext, formBody } from './context.js';
import type { AdminDeps } from './deps.js';
import { originAllowed, submittedToken, tokenMatches } from './csrf.js';
import { html } from './html.js';
import { page } from './layout.js';
import { lockedView, loginView } from './views/login.js';
import { connectionRoutes } from './connections.routes.js';
import { mappingRoutes } from './mapping.routes.js';
import { guardRoutes } from './guards.routes.js';
import { pageRoutes } from './pages.routes.js';
import { runRoutes } from './runs.routes.js';
import { jobChangeRoutes } from './job-changes.routes.js';
import { contactRoutes } from './contacts.routes.js';
import { oauthRoutes } from '../http/oauth.routes.js';

const LoginForm = z.object({ password: z.string().max(1000), next: z.string().max(500).optional() });

/** Only a local admin path may be a post-login destination (no open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/admin(\/[A-Za-z0-9._~%/?=&#-]*)?$/.test(next) && !next.startsWith('/admin//') ? next : '/admin';
}

function securityHeaders(formTargets: string[]): RequestHandler {
  // form-action must list the CRM consent screens: Chrome applies it to the redirect after "Connect".
  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      // Pages carry CSRF tokens and sometimes a new API key: never cached, by the browser or a proxy.
      'Cache-Control': 'no-store',
    });
    next();
  };
}

export function adminRoutes(deps: AdminDeps): Router {
  const { config, clock, log } = deps;
  const sessions = createSessions({ repo: deps.repos.admin.sessions, settings: deps.repos.settings, clock, secure: config.PUBLIC_URL.startsWith('https:') });
  const throttle = createLoginThrottle(clock, deps.throttle ?? DEFAULT_THROTTLE);
  const ctx = createContext(deps, sessions);
  // PUBLIC_URL too: a consent screen that approves at once redirects straight on to PUBLIC_URL's callback.
  const origins = [config.HUBSPOT_AUTHORIZE_URL, config.SALESFORCE_LOGIN_URL, config.PUBLIC_URL].map((u) => new URL(u).origin);

  const outer = Router();
  const r = Router();
  // Everything is scoped to /admin so the body parser and the guards never touch the API or webhook routes.
  outer.use('/admin', r);
  r.use(securityHeaders([...new Set(origins)]));

  r.get('/assets/admin.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(ADMIN_CSS);
  });
  r.get('/assets/admin.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/javascript').send(ADMIN_JS);
  });

  r.use(express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 }));

  const loginPage = (token: string, next: string, error?: string) =>
    page({ title: 'Log in', body: loginView({ token, next, ...(error ? { error } : {}) }) });

  r.get('/login', (req, res) => {
    if (sessions.load(req)) return res.redirect(303, '/admin');
    const next = typeof req.query.next === 'string' ? safeNext(req.query.next) : '/admin';
    res.type('html').send(loginPage(sessions.loginToken(req, res), next));
  });

  r.post('/login', (req, res) => {
    const ip = req.ip ?? 'unknown';
    const wait = throttle.lockedFor(ip);
    if (wait) {
      res.status(429).set('Retry-After', String(wait)).type('html').send(page({ title: 'Too many attempts', body: lockedView(wait) }));
      return;
    }
    const body = formBody(req);
    const cookieToken = sessions.loginCookie(req);
    if (!cookieToken || !tokenMatches(cookieToken, submittedToken(req)) || !originAllowed(req, config.PUBLIC_URL)) {
      res.status(403).type('html').send(loginPage(sessions.loginToken(req, res), '/admin', 'The form expired. Please log in again.'));
      return;
    }
    const f = LoginForm.safeParse(body);
    const stored = deps.repos.settings.get('admin_password_hash');
    const next = safeNext(f.success ? f.data.next : undefined);
    if (!f.success || !stored || !verifyPassword(f.data.password, stored)) {
      throttle.fail(ip);
      log.warn({ ip }, 'admin login failed');
      const locked = throttle.lockedFor(ip);
      if (locked) {
        res.status(429).set('Retry-After', String(locked)).type('html').send(page({ title: 'Too many attempts', body: lockedView(locked) }));
        return;
      }
      res.status(401).type('html').send(loginPage(cookieToken, next, 'Wrong password.'));
      return;
    }
    throttle.succeed(ip);
    sessions.create(res);
    log.info({ ip }, 'admin logged in');
    res.redirect(303, next);
  });

  // Every other admin path needs a session.
  r.use((req, res, next) => {
    const s = sessions.load(req);
    if (!s) {
      if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      res.status(401).type('html').send(page({ title: 'Logged out', body: html`<h1>Your session ended</h1><p><a href="/admin/login">Log in again</a></p>` }));
      return;
    }
    attachSession(req, s);
    next();
  });

  // CSRF on every state-changing request; GET handlers never change state.
  r.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (tokenMatches(ctx.session(req).csrf, submittedToken(req)) && originAllowed(req, config.PUBLIC_URL)) return next();
    log.warn({ path: req.path, method: req.method }, 'admin request refused: missing or wrong CSRF token');
    res
      .status(403)
      .type('html')
      .send(page({ title: 'Forbidden', body: html`<h1>403 — the form could not be verified</h1><p>Reload the page and try again.</p><p><a href="/admin">Dashboard</a></p>` }));
  });

  r.post('/logout', (req, res) => {
    sessions.destroy(ctx.session(req), res);
    res.redirect(303, '/admin/login');
  });

  // The OAuth install and callback live outside /admin (their URLs are registered with the CRMs) but belong to
  // the admin session: only the admin who began an install can complete it.
  outer.use(oauthRoutes({ install: deps.install, log, adminSession: (req) => sessions.idHashOf(req), loginUrl: '/admin/login?next=%2Fadmin%2Fconnections' }));

  pageRoutes(r, ctx);
  connectionRoutes(r, ctx);
  mappingRoutes(r, ctx);
  runRoutes(r, ctx);
  jobChangeRoutes(r, ctx);
  contactRoutes(r, ctx);
  guardRoutes(r, ctx);

  r.use((req, res) => {
    ctx.render(req, res, { title: 'Not found', nav: 'dashboard', status: 404, body: html`<h1>Page not found</h1><p><a href="/admin">Dashboard</a></p>` });
  });

  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) log.error({ err, path: req.path }, 'admin page failed');
    res
      .status(status)
      .type('html')
      .send(page({ title: 'Error', body: html`<h1>Something went wrong</h1><p>${status >= 500 ? 'The error was logged.' : 'The request could not be read.'}</p><p><a href="/admin">Dashboard</a></p>` }));
  };
  r.use(onError);
  return outer;
}
