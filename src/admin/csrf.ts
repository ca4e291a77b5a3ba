// CSRF: every state-changing request carries the session's token (hidden `_csrf` field), compared in constant
// time; a cross-origin Origin header is refused too. SameSite=Lax cookies already stop most cross-site POSTs;
// the token covers older browsers and same-site attackers (another app on a sibling subdomain).
import type { Request } from 'express';
import { safeEqual } from '../lib/crypto.js';

/** The submitted token: the form field, or a header for scripted clients. */
export function submittedToken(req: Request): string | undefined {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && '_csrf' in body) {
    const v = (body as { _csrf: unknown })._csrf;
    if (typeof v === 'string') return v;
  }
  const h = req.get('x-csrf-token');
  return typeof h === 'string' ? h : undefined;
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  return typeof given === 'string' && given.length > 0 && safeEqual(given, expected);
}

/** False when the browser says the request comes from another origin than ours. A missing Origin, or the opaque
 * `null` that browsers send for every form post of a page under `Referrer-Policy: no-referrer` (ours), says
 * nothing either way; the token decides. */
export function originAllowed(req: Request, publicUrl: string): boolean {
  const origin = req.get('origin');
  if (!origin || origin === 'null') return true;
  const allowed = new Set([new URL(publicUrl).origin, `${req.protocol}://${req.get('host') ?? ''}`]);
  return allowed.has(origin);
}
