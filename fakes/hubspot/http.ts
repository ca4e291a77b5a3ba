// Express plumbing shared by the routers: request recording, faults, latency, bearer auth, rate limits, parsing.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { errorBody, HubSpotHttpError, invalidInput, validationError } from './errors.js';
import { RollingWindow, rateLimitHeaders, secondlyBody, tenSecondlyBody } from './limits.js';
import type { FakeRequest, PortalState, RequestKind } from './state.js';

export interface RequestContext {
  record: FakeRequest;
  rawBodyLength: number;
  portalId?: number;
}

const contexts = new WeakMap<object, RequestContext>();

export function ctx(req: Request): RequestContext {
  const c = contexts.get(req);
  if (!c) throw new Error('request context missing');
  return c;
}

export function noteRawBody(req: object, length: number): void {
  const c = contexts.get(req);
  if (c) c.rawBodyLength = length;
}

function kindOf(method: string, path: string): RequestKind {
  if (path.startsWith('/oauth/')) return 'oauth';
  if (method === 'POST' && /^\/crm\/v3\/objects\/[^/]+\/search\/?$/.test(path)) return 'search';
  return 'api';
}

function plainQuery(q: Request['query']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(q)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

/** Tracks timers and hung responses so close() can end them. */
export class Pending {
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly hung = new Set<Response>();
  closed = false;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }
}

export function recorder(state: PortalState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const record: FakeRequest = {
      at: Date.now(),
      method: req.method,
      path: req.path,
      query: plainQuery(req.query),
      status: 0,
      kind: kindOf(req.method, req.path),
    };
    state.requests.push(record);
    contexts.set(req, { record, rawBodyLength: 0 });
    res.setHeader('X-HubSpot-Correlation-Id', randomUUID());
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    next();
  };
}

function defaultFaultBody(status: number, state: PortalState): unknown {
  if (status === 429) return tenSecondlyBody(groupName(state));
  if (status === 401) return errorBody('EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired 0 hour(s) ago.');
  if (status >= 500) return errorBody('INTERNAL_ERROR', 'internal error');
  return errorBody('VALIDATION_ERROR', `HTTP ${status}`);
}

export function faults(state: PortalState, pending: Pending) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const i = state.faults.findIndex(
      (f) => f.times > 0 && (!f.method || f.method.toUpperCase() === req.method) && f.path.test(req.path),
    );
    const fault = i >= 0 ? state.faults[i] : undefined;
    if (!fault) return next();
    fault.times--;
    if (fault.times <= 0) state.faults.splice(i, 1);
    if (fault.hang) {
      pending.hung.add(res);
      res.on('close', () => pending.hung.delete(res));
      return;
    }
    if (fault.delayMs) await pending.sleep(fault.delayMs);
    if (res.destroyed) return;
    res.status(fault.status);
    for (const [k, v] of Object.entries(fault.headers ?? {})) res.setHeader(k, v);
    const body = fault.body === undefined ? defaultFaultBody(fault.status, state) : fault.body;
    if (typeof body === 'string') res.type('application/json').send(body);
    else res.json(body);
  };
}

export function latency(state: PortalState, pending: Pending) {
  return async (_req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (state.opts.latencyMs > 0) await pending.sleep(state.opts.latencyMs);
    next();
  };
}

const NO_CREDENTIALS =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/** Bearer access-token check for every /crm call (docs/hubspot.md §1.3). */
export function bearerAuth(state: PortalState) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const token = m?.[1]?.trim();
    const record = token ? state.accessTokens.get(token) : undefined;
    if (!record) throw new HubSpotHttpError(401, errorBody('INVALID_AUTHENTICATION', NO_CREDENTIALS));
    const now = Date.now();
    if (now >= record.expiresAt) {
      const hours = Math.floor((now - record.expiresAt) / 3_600_000);
      throw new HubSpotHttpError(
        401,
        errorBody('EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${hours} hour(s) ago.`),
      );
    }
    const c = ctx(req);
    c.portalId = record.portalId;
    c.record.portalId = record.portalId;
    next();
  };
}

export function groupName(state: PortalState): string {
  return `publicapp:${state.opts.appId}`;
}

export interface Limiters {
  api: RollingWindow;
  search: RollingWindow;
}

export function createLimiters(state: PortalState): Limiters {
  return {
    api: new RollingWindow(state.opts.rateLimit.max, state.opts.rateLimit.windowMs),
    search: new RollingWindow(state.opts.searchPerSecond, 1000),
  };
}

/** TEN_SECONDLY_ROLLING on API calls (with X-HubSpot-RateLimit-* headers), SECONDLY on search (no headers). */
export function rateLimits(state: PortalState, limiters: Limiters) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const c = ctx(req);
    const portal = c.portalId ?? state.opts.portalId;
    if (c.record.kind === 'search') {
      if (!limiters.search.tryAcquire(portal, c.record.at).ok) throw new HubSpotHttpError(429, secondlyBody(groupName(state)));
      return next();
    }
    const { max, windowMs } = state.opts.rateLimit;
    const r = limiters.api.tryAcquire(portal, c.record.at);
    const headers = rateLimitHeaders(max, r.remaining, windowMs);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (!r.ok) throw new HubSpotHttpError(429, tenSecondlyBody(groupName(state)), headers);
    next();
  };
}

/** Parses a JSON body with zod; failures answer like HubSpot's deserializer (400 VALIDATION_ERROR). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, typeName: string): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const missing = r.error.issues
    .filter((i) => i.code === 'invalid_type' && i.message.endsWith('received undefined'))
    .map((i) => i.path.join('.'));
  if (missing.length > 0) throw invalidInput(typeName, `some of required attributes are not set [${missing.join(', ')}]`);
  const detail = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw invalidInput(typeName, `invalid attributes: ${detail}`);
}

/** `?properties=a&properties=b` or `?properties=a,b` → ['a','b']. */
export function listParam(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  const out = parts.flatMap((p) => p.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  return out;
}

export function stringParam(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

export function boolParam(v: unknown): boolean {
  return stringParam(v) === 'true';
}

/** `limit` query parameter: default `def`, integer 1..max, else 400. */
export function limitParam(v: unknown, def: number, max: number): number {
  const s = stringParam(v);
  if (s === undefined || s === '') return def;
  if (!/^\d+$/.test(s)) throw validationError(`Invalid limit '${s}': must be an integer`);
  const n = Number(s);
  if (n < 1 || n > max) throw validationError(`limit must be between 1 and ${max}, got ${n}`);
  return n;
}

export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

export function isoNow(): string {
  return new Date().toISOString();
}
