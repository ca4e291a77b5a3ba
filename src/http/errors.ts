// The JSON error middleware: body-parser failures and other client mistakes become 4xx with a clear message;
// only our own bugs become 500, and those never echo internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';
import { ERRORS } from '../enrichment/contract.js';

export const notFound: RequestHandler = (_req, res) => {
  const e = ERRORS.notFoundRoute();
  res.status(e.status).json(e.body);
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    const e = err as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown; message?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status === 413 || e.type === 'entity.too.large') {
      const b = ERRORS.payloadTooLarge();
      res.status(b.status).json(b.body);
      return;
    }
    if (status >= 400 && status < 500) {
      const message =
        e.type === 'entity.parse.failed'
          ? req.path === '/v1/profile/enrich'
            ? 'email or linkedin_url required'
            : 'request body is not valid JSON'
          : e.expose === true && typeof e.message === 'string'
            ? e.message
            : 'bad request';
      res.status(status === 400 || status === 415 ? 400 : status).json({ error: status === 403 ? 'Forbidden' : 'Bad Request', message });
      return;
    }
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      // The database stayed locked by another process past busy_timeout: a retryable condition (HubSpot and
      // Salesforce redeliver on any 5xx; API clients get told when to come back).
      log.warn({ path: req.path, method: req.method }, 'database busy; asked the client to retry');
      res.status(503).set('Retry-After', '5').json({ error: 'Service Unavailable', message: 'storage is busy, retry shortly' });
      return;
    }
    log.error({ err, path: req.path, method: req.method }, 'request failed');
    res.status(500).json({ error: 'Internal Server Error', message: 'unexpected error' });
  };
}
