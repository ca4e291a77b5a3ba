// buildApp(deps): the Express app without listen(), so tests start it on 127.0.0.1:0.
import express, { type Express, type Router } from 'express';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import { errorHandler, notFound } from './http/errors.js';
import { healthRoutes } from './http/health.routes.js';
import { enrichRoutes, type EnrichRouteDeps } from './http/enrich.routes.js';
import { openApiRoutes } from './http/openapi.routes.js';
import { observeRequests } from './http/request-log.js';

/** `serve --role`: web nodes answer HTTP and enqueue; worker nodes run jobs and schedules; `all` does both. */
export const SERVICE_ROLES = ['web', 'worker', 'all'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export interface AppDeps extends EnrichRouteDeps {
  log: Logger;
  metrics: Metrics;
  healthy: () => boolean;
  /** What this node does (`serve --role`), reported by /healthz. */
  role?: ServiceRole;
  /** Further routers (OAuth, webhooks, admin), mounted in order before the 404 handler. */
  routers?: Router[];
  /** True when the app sits behind a proxy that sets X-Forwarded-* (secure cookies, client IPs). */
  trustProxy?: boolean;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** PUBLIC_URL, named as the server in the OpenAPI document served at /openapi.json. */
  publicUrl?: string;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Hashing every API answer for an ETag buys nothing on POST responses and costs a SHA-1 per request.
  app.set('etag', false);
  // Only private-network proxies are believed about the client address (X-Forwarded-For cannot be forged from outside).
  app.set('trust proxy', deps.trustProxy ? 'loopback, linklocal, uniquelocal' : false);
  app.set('query parser', 'simple');
  app.use(observeRequests(deps.metrics, deps.log));
  app.use(healthRoutes({ healthy: deps.healthy, role: deps.role ?? 'all', registry: deps.metrics.registry, metricsToken: deps.metricsToken }));
  app.use(openApiRoutes({ publicUrl: deps.publicUrl }));
  app.use(enrichRoutes(deps));
  for (const r of deps.routers ?? []) app.use(r);
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}

/** A worker node's HTTP side: /healthz and /metrics for the orchestrator, nothing else. */
export function buildProbeApp(deps: Pick<AppDeps, 'log' | 'metrics' | 'healthy' | 'metricsToken'> & { role: ServiceRole }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observeRequests(deps.metrics, deps.log));
  app.use(healthRoutes({ healthy: deps.healthy, role: deps.role, registry: deps.metrics.registry, metricsToken: deps.metricsToken }));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
