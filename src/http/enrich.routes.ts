// POST /v1/profile/enrich — as documented in the README, "The API". Order: key → rate limit → body → enrich, so an
// unauthenticated client never gets its body parsed and a rate-limited one never costs a provider call.
import { Router, type Request, type Response, type NextFunction } from 'express';
import { ERRORS, EnrichRequest } from '../enrichment/contract.js';
import type { Enricher } from '../enrichment/enrich.js';
import type { ApiKeyPrincipal } from '../db/api-keys.repo.js';
import type { RateLimiter } from './rate-limit.js';
import { jsonBody } from './json-body.js';

export interface EnrichRouteDeps {
  enricher: Enricher;
  authenticate(key: string): ApiKeyPrincipal | undefined;
  rateLimiter: RateLimiter;
}

type Locals = { principal: ApiKeyPrincipal; startedAt: number };

export function enrichRoutes(deps: EnrichRouteDeps): Router {
  const r = Router();

  const authenticate = (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    res.locals.startedAt = performance.now();
    const header = req.get('x-api-key');
    const principal = header ? deps.authenticate(header.trim()) : undefined;
    if (!principal) {
      const e = ERRORS.unauthorized();
      res.status(e.status).json(e.body);
      return;
    }
    const wait = deps.rateLimiter.take(principal.keyId);
    if (wait > 0) {
      const e = ERRORS.tooManyRequests();
      res.status(e.status).set('Retry-After', String(wait)).json(e.body);
      return;
    }
    res.locals.principal = principal;
    next();
  };

  r.post(
    '/v1/profile/enrich',
    authenticate,
    // Any content type is read as JSON: curl users often forget the header, and a body that is not JSON still
    // gets the contract's 400.
    jsonBody(16 * 1024),
    async (req: Request, res: Response<unknown, Locals>) => {
      const body: unknown = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        const e = ERRORS.badRequest();
        res.status(e.status).json(e.body);
        return;
      }
      const parsed = EnrichRequest.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path[0];
        const message = issue?.code === 'invalid_type' && typeof field === 'string' ? `${field} must be a string` : (issue?.message ?? 'invalid body');
        const e = ERRORS.badRequest(message);
        res.status(e.status).json(e.body);
        return;
      }
      const { principal, startedAt } = res.locals;
      const outcome = await deps.enricher.enrich(parsed.data, {
        accountId: principal.accountId,
        apiKeyId: principal.keyId,
        monthlyLimit: principal.monthlyLimit,
        startedAt,
      });
      if (outcome.json) res.status(outcome.status).type('application/json').send(outcome.json());
      else res.status(outcome.status).json(outcome.body);
    },
  );
  return r;
}
