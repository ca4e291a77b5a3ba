import { Router } from 'express';
import type { Registry } from 'prom-client';

export function healthRoutes(deps: { healthy: () => boolean; registry: Registry }): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    if (deps.healthy()) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable' });
  });
  r.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.registry.contentType).send(await deps.registry.metrics());
  });
  return r;
}
