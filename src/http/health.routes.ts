// /healthz for load balancers (no auth: it says nothing) and /metrics for Prometheus, which can be closed with a
// bearer token (METRICS_TOKEN): metric labels name routes, connections and job kinds.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';

export function healthRoutes(deps: { healthy: () => boolean; role?: string; registry: Registry; metricsToken?: string | undefined }): Router {
  const r = Router();
  // The body is the documented `{"status":"ok"}`; the node's role (`serve --role`) travels in a header.
  r.get('/healthz', (_req, res) => {
    res.set('X-Crm-Enrich-Role', deps.role ?? 'all');
    if (deps.healthy()) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable' });
  });
  r.get('/metrics', bearer(deps.metricsToken), async (_req, res) => {
    res.set('Content-Type', deps.registry.contentType).send(await deps.registry.metrics());
  });
  return r;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** `Authorization: Bearer <token>` when a token is configured; compared in constant time (over fixed-size hashes). */
function bearer(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const m = /^Bearer[ \t]+(\S{1,500})[ \t]*$/i.exec(req.get('authorization') ?? '');
    if (m && timingSafeEqual(digest(m[1]!), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').json({ error: 'Unauthorized', message: 'a valid bearer token is required' });
  };
}
