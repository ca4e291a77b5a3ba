// POST /v1/profile/enrich and POST /v1/profile/enrich/bulk, as documented in the README ("The API"). Single: key →
// rate limit → body → enrich, so an unauthenticated client never gets its body parsed and a rate-limited one never
// costs a provider call. Bulk: key → body → envelope → rate limit (one token per item, so the count must be known)
// → items → enrichMany.
import { Router, type Request, type Response, type NextFunction } from 'express';
import {
  BULK_BODY_LIMIT, BulkEnrichEnvelope, ERRORS, EnrichRequest, SINGLE_BODY_LIMIT,
} from '../enrichment/contract.js';
import type { EnrichContext, Enricher, ErrorBody } from '../enrichment/enrich.js';
import type { ApiKeyPrincipal } from '../db/api-keys.repo.js';
import type { RateLimiter } from './rate-limit.js';
import { jsonBody } from './json-body.js';

export const ENRICH_PATH = '/v1/profile/enrich';
export const BULK_PATH = '/v1/profile/enrich/bulk';

export interface EnrichRouteDeps {
  enricher: Enricher;
  authenticate(key: string): ApiKeyPrincipal | undefined;
  rateLimiter: RateLimiter;
}

type Locals = { principal: ApiKeyPrincipal; startedAt: number; requestId?: string };
type Parsed = { ok: true; request: EnrichRequest } | { ok: false; body: ErrorBody };

/** One lookup's body (the single endpoint's, or one bulk item) → the request, or the contract's 400 body. */
export function parseEnrichBody(body: unknown): Parsed {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, body: ERRORS.badRequest().body };
  const parsed = EnrichRequest.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path[0];
  const message = issue?.code === 'invalid_type' && typeof field === 'string' ? `${field} must be a string` : (issue?.message ?? 'invalid body');
  return { ok: false, body: ERRORS.badRequest(message).body };
}

export function enrichRoutes(deps: EnrichRouteDeps): Router {
  const r = Router();

  const context = (res: Response<unknown, Locals>): Omit<EnrichContext, 'idempotencyKey'> => {
    const { principal, startedAt, requestId } = res.locals;
    return { accountId: principal.accountId, apiKeyId: principal.keyId, monthlyLimit: principal.monthlyLimit, startedAt, requestId };
  };
  const limited = (res: Response<unknown, Locals>, cost: number): boolean => {
    const wait = deps.rateLimiter.take(res.locals.principal.keyId, undefined, cost);
    if (wait === 0) return false;
    const e = ERRORS.tooManyRequests();
    res.status(e.status).set('Retry-After', String(wait)).json(e.body);
    return true;
  };
  const authenticate = (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    res.locals.startedAt = performance.now();
    const header = req.get('x-api-key');
    const principal = header ? deps.authenticate(header.trim()) : undefined;
    if (!principal) {
      const e = ERRORS.unauthorized();
      res.status(e.status).json(e.body);
      return;
    }
    res.locals.principal = principal;
    next();
  };

  r.post(
    ENRICH_PATH,
    authenticate,
    (_req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
      if (!limited(res, 1)) next();
    },
    // Any content type is read as JSON: curl users often forget the header, and a body that is not JSON still
    // gets the contract's 400.
    jsonBody(SINGLE_BODY_LIMIT),
    async (req: Request, res: Response<unknown, Locals>) => {
      const parsed = parseEnrichBody(req.body);
      if (!parsed.ok) {
        res.status(400).json(parsed.body);
        return;
      }
      const outcome = await deps.enricher.enrich(parsed.request, context(res));
      if (outcome.json) res.status(outcome.status).type('application/json').send(outcome.json());
      else res.status(outcome.status).json(outcome.body);
    },
  );

  r.post(BULK_PATH, authenticate, jsonBody(BULK_BODY_LIMIT), async (req: Request, res: Response<unknown, Locals>) => {
    const body: unknown = req.body;
    const envelope = BulkEnrichEnvelope.safeParse(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {});
    if (!envelope.success) {
      res.status(400).json(ERRORS.badRequest(envelope.error.issues[0]?.message ?? 'requests required').body);
      return;
    }
    const raw = envelope.data.requests;
    if (limited(res, raw.length)) return;

    const parsed = raw.map(parseEnrichBody);
    const valid = parsed.flatMap((p) => (p.ok ? [{ request: p.request }] : []));
    const outcomes = valid.length ? await deps.enricher.enrichMany(valid, context(res)) : [];
    // Provider configuration is the service's state, not an item's: the whole request answers 503 like the single
    // endpoint (the ledger rows the items wrote stay, as they do for a single 503).
    const unavailable = outcomes.find((o) => o.status === 503);
    if (unavailable) {
      res.status(503).json(unavailable.body);
      return;
    }
    let next = 0;
    let credits = 0;
    const slots = parsed.map((p) => {
      if (!p.ok) return JSON.stringify({ status: 400, ...p.body });
      const o = outcomes[next++]!;
      const text = o.json?.();
      credits += o.status !== 200 ? 0 : text !== undefined ? creditsIn(text) : o.body.credits_charged;
      return text !== undefined ? `{"status":${o.status},${text.slice(1)}` : JSON.stringify({ status: o.status, ...o.body });
    });
    res.status(200).type('application/json').send(`{"results":[${slots.join(',')}],"credits_charged":${credits}}`);
  });
  return r;
}

const CREDITS_KEY = '"credits_charged":';

/**
 * The credits of a found answer served as text, without parsing the profile in it: in JSON text the key can only
 * occur as a key (inside a string its quotes would be escaped), and the envelope's keys follow the profile.
 */
function creditsIn(text: string): number {
  const at = text.lastIndexOf(CREDITS_KEY);
  return at < 0 ? 0 : Number.parseInt(text.slice(at + CREDITS_KEY.length, at + CREDITS_KEY.length + 8), 10) || 0;
}
