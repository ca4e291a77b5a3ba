// The JSON error middleware: body-parser failures and other client mistakes become 4xx with a clear message;
// only our own bugs become 500, and those never echo internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';
import { ERRORS } from '../enrichment/contract.js';
import { requestIdOfResponse } from './request-log.js';
import { isTransientDbError } from '../lib/errors.js';

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
      const limit = (err as { limit?: unknown }).limit;
      const b = ERRORS.payloadTooLarge(typeof limit === 'number' ? limit : undefined);
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
    if (isTransientDbError(err)) {
      // The database stayed locked by another process past busy_timeout (SQLite), or PostgreSQL refused for now (a
      // lost serialisation race, a lock or statement timeout, a lost or full server): a retryable condition (HubSpot
      // and Salesforce redeliver on any 5xx; API clients get told when to come back).
      log.warn({ req_id: requestIdOfResponse(res), path: req.path, method: req.method }, 'database busy; asked the client to retry');
      const b = ERRORS.storageBusy();
      res.status(b.status).set('Retry-After', '5').json(b.body);
      return;
    }
    log.error({ err, req_id: requestIdOfResponse(res), path: req.path, method: req.method }, 'request failed');
    const b = ERRORS.internal();
    res.status(b.status).json(b.body);
  };
}
