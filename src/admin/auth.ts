// Admin sessions and login throttling.
// Sessions: a random 32-byte id in an HttpOnly cookie; the database keeps only its SHA-256 (admin_sessions), so
// a restart keeps admins logged in and a copy of the database holds no usable cookie. Idle expiry 12 h, absolute
// 7 days, and a change of the admin password ends every session (the row remembers which hash it logged in with).
// Failed logins are throttled per client IP in memory: a restart forgets the counters, which only gives an
// attacker a fresh 5 attempts per restart.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AdminRepo } from '../db/admin.repo.js';
import type { SettingsRepo } from '../db/settings.repo.js';
import type { Clock } from '../lib/clock.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';
import type { Flash } from './layout.js';

export const SESSION_COOKIE = 'crm_enrich_admin';
export const LOGIN_CSRF_COOKIE = 'crm_enrich_login';
export const IDLE_MS = 12 * 60 * 60_000;
export const MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** last_seen_at is written at most this often: a page view should not always cost a disk write. */
const TOUCH_EVERY_MS = 60_000;

export interface AdminSession {
  idHash: string;
  csrf: string;
  /** The flash message left by the previous POST; taken (and cleared) by GET requests only. */
  flash: Flash | null;
}

const FlashSchema = z.object({ kind: z.enum(['ok', 'error']), message: z.string(), details: z.array(z.string()).optional() });

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    if (out.has(name)) continue; // the first (most specific path) wins, as browsers order them
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      out.set(name, raw);
    }
  }
  return out;
}

export interface SessionDeps {
  repo: AdminRepo['sessions'];
  settings: SettingsRepo;
  clock: Clock;
  /** Secure cookies when PUBLIC_URL is https. */
  secure: boolean;
}

export function createSessions(deps: SessionDeps) {
  const { repo, clock } = deps;
  const passwordFp = () => sha256Hex(deps.settings.get('admin_password_hash') ?? '').slice(0, 32);
  // Path '/' and not '/admin': the OAuth install and callback routes (/oauth/...) must see the session too.
  // SameSite=Lax still sends it on the CRM's top-level redirect back to the callback.
  const cookieOptions = (maxAgeMs: number) =>
    ({ httpOnly: true, sameSite: 'lax', secure: deps.secure, path: '/', maxAge: maxAgeMs }) as const;

  /** The session row of the request's cookie if it is still valid (idle, absolute and password checks). */
  function valid(req: Request) {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!id || id.length > 100) return undefined;
    const idHash = sha256Hex(id);
    const row = repo.get(idHash);
    const now = clock.now();
    if (!row) return undefined;
    if (row.expires_at < now || row.created_at + MAX_AGE_MS < now || row.password_fp !== passwordFp()) {
      repo.delete(idHash);
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) repo.touch(idHash, now, Math.min(now + IDLE_MS, row.created_at + MAX_AGE_MS));
    return { idHash, row };
  }

  return {
    /** A fresh session (a new id at every login, so a planted cookie is worthless). */
    create(res: Response): AdminSession {
      const now = clock.now();
      const id = randomToken(32);
      const session = { idHash: sha256Hex(id), csrf: randomToken(32), flash: null };
      repo.purgeExpired(now);
      repo.create({ idHash: session.idHash, csrfToken: session.csrf, passwordFp: passwordFp(), now, expiresAt: now + IDLE_MS });
      res.cookie(SESSION_COOKIE, id, cookieOptions(MAX_AGE_MS));
      return session;
    },

    load(req: Request): AdminSession | undefined {
      const live = valid(req);
      if (!live) return undefined;
      const { idHash, row } = live;
      let flash: Flash | null = null;
      if (row.flash_json && req.method === 'GET') {
        const parsed = FlashSchema.safeParse(JSON.parse(row.flash_json));
        flash = parsed.success ? parsed.data : null;
        repo.setFlash(idHash, null);
      }
      return { idHash, csrf: row.csrf_token, flash };
    },

    /** The hashed id of the request's live session, leaving its flash alone (the OAuth routes bind states to it). */
    idHashOf(req: Request): string | undefined {
      return valid(req)?.idHash;
    },

    setFlash(session: AdminSession, flash: Flash): void {
      repo.setFlash(session.idHash, JSON.stringify(flash));
    },

    destroy(session: AdminSession, res: Response): void {
      repo.delete(session.idHash);
      res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.secure });
    },

    /** The login form has no session yet: its CSRF token is a double-submit cookie scoped to the login path. */
    loginToken(req: Request, res: Response): string {
      const existing = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
      if (existing && /^[A-Za-z0-9_-]{40,60}$/.test(existing)) return existing;
      const token = randomToken(32);
      res.cookie(LOGIN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: deps.secure, path: '/admin/login', maxAge: 60 * 60_000 });
      return token;
    },
    loginCookie: (req: Request) => parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE),
  };
}
export type Sessions = ReturnType<typeof createSessions>;

export interface ThrottleOptions {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/** Failed logins per client IP: `maxFailures` within `windowMs` locks that IP out for `lockMs`. */
export function createLoginThrottle(clock: Clock, opts: ThrottleOptions = DEFAULT_THROTTLE) {
  const entries = new Map<string, { failures: number[]; lockedUntil: number }>();

  function prune(now: number): void {
    if (entries.size < 10_000) return;
    for (const [ip, e] of entries) if (e.lockedUntil < now && (e.failures.at(-1) ?? 0) < now - opts.windowMs) entries.delete(ip);
  }

  return {
    /** Seconds until the IP may try again, or 0. */
    lockedFor(ip: string): number {
      const e = entries.get(ip);
      const now = clock.now();
      return e && e.lockedUntil > now ? Math.ceil((e.lockedUntil - now) / 1000) : 0;
    },
    fail(ip: string): void {
      const now = clock.now();
      prune(now);
      const e = entries.get(ip) ?? { failures: [], lockedUntil: 0 };
      e.failures = [...e.failures.filter((t) => t > now - opts.windowMs), now];
      if (e.failures.length >= opts.maxFailures) {
        e.lockedUntil = now + opts.lockMs;
        e.failures = [];
      }
      entries.set(ip, e);
    },
    succeed(ip: string): void {
      entries.delete(ip);
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
