// A stateful local stand-in for the HubSpot APIs the connector uses (OAuth, contacts, properties, search,
// tasks, owners), served over real HTTP on 127.0.0.1 and enforcing the documented rules
// (see docs/hubspot.md). Drive it with the official SDK via `basePath: fake.url`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { associationsRouter } from './associations.js';
import { contactsRouter } from './contacts.js';
import { correlationId, errorBody, HubSpotHttpError } from './errors.js';
import { bearerAuth, createLimiters, faults, latency, noteRawBody, Pending, rateLimits, recorder } from './http.js';
import { maxInWindow } from './limits.js';
import { issueAuthCode, oauthRouter } from './oauth.js';
import { propertiesRouter } from './properties.js';
import { searchRouter } from './search.js';
import {
  DEFAULT_SCOPES,
  type Fault,
  type FakeContact,
  type FakeContactWrite,
  type FakeOwner,
  type FakeProperty,
  type FakeRequest,
  type FakeTask,
  PortalState,
  type ResolvedOptions,
} from './state.js';
import { tasksRouter } from './tasks.js';
import { checkValue } from './values.js';
import { DEFAULT_APP_ID } from './webhook.js';

export type {
  FakeAssociation,
  FakeContact,
  FakeContactWrite,
  FakeOwner,
  FakeProperty,
  FakePropertyGroup,
  FakePropertyOption,
  FakeRequest,
  FakeTask,
  Fault,
  RequestKind,
} from './state.js';
export {
  contactCreationEvent,
  contactPropertyChangeEvent,
  decodeSignatureUri,
  sendWebhook,
  signWebhookV1,
  signWebhookV3,
  type SendWebhookOptions,
  type WebhookEvent,
  type WebhookTamper,
} from './webhook.js';
export { DEFAULT_SCOPES };

export interface HubSpotFakeOptions {
  clientId?: string;
  clientSecret?: string;
  portalId?: number;
  /** App id reported by access-token info and used in webhook events; default 1234567. */
  appId?: number;
  /** Default 100 per 10_000 ms (TEN_SECONDLY_ROLLING), per portal. */
  rateLimit?: { max: number; windowMs: number };
  /** Default 5 (SECONDLY), per portal. */
  searchPerSecond?: number;
  accessTokenTtlSec?: number;
  /** Added latency per request (after auth and rate limiting). */
  latencyMs?: number;
  /** Refresh grant issues a new refresh token and revokes the old one; default false (same token returned). */
  rotateRefreshTokens?: boolean;
  /** Registered redirect URLs; when set, /oauth/authorize rejects any other redirect_uri. */
  redirectUris?: string[];
  /**
   * New contacts stay invisible to CRM search for this long (default 0: at once). Real HubSpot indexes new
   * records for search seconds to minutes after they exist; reads by id and list pages see them at once.
   */
  searchIndexDelayMs?: number;
}

export interface HubSpotFake {
  url: string;
  authorizeUrl: string;
  portalId: number;
  clientId: string;
  clientSecret: string;
  appId: number;
  close(): Promise<void>;
  addContact(props: Record<string, string>, opts?: { createdAt?: Date }): FakeContact;
  addContacts(n: number, make?: (i: number) => Record<string, string>): FakeContact[];
  /** Any contact, archived ones included. */
  getContact(id: string): FakeContact | undefined;
  archiveContact(id: string): void;
  /** Live (non-archived) contacts in id order. */
  contacts(): FakeContact[];
  setContactProperty(id: string, name: string, value: string | null): void;
  /** Active (non-archived) contact property definitions. */
  properties(): FakeProperty[];
  removeProperty(name: string): void;
  tasks(): FakeTask[];
  /** A person edits a task in HubSpot (e.g. hs_task_status → COMPLETED). */
  setTaskProperty(id: string, name: string, value: string): void;
  owners: FakeOwner[];
  issueAuthCode(redirectUri: string, scopes?: string[]): string;
  expireAccessTokens(): void;
  revokeRefreshTokens(): void;
  inject(fault: Fault): void;
  requests: FakeRequest[];
  /** Every contact update in order, with the properties it changed (none for a repeated write of the same values). */
  contactWrites: FakeContactWrite[];
  maxRequestsInWindow(windowMs?: number): number;
  resetRequests(): void;
  /** Empties the rate-limit windows (not part of HubSpot; handy between test cases). */
  resetRateLimits(): void;
  /** Changes the search-index delay for contacts created from now on. */
  setSearchIndexDelay(ms: number): void;
  /** The search index catches up: every contact created so far becomes searchable now. */
  indexSearch(): void;
}

function resolve(opts: HubSpotFakeOptions): ResolvedOptions {
  const portalId = opts.portalId ?? 4242;
  return {
    clientId: opts.clientId ?? 'hs-client-id',
    clientSecret: opts.clientSecret ?? 'hs-client-secret',
    portalId,
    appId: opts.appId ?? DEFAULT_APP_ID,
    userId: 7_000_001,
    userEmail: 'admin@fake-portal.example',
    hubDomain: `fake-portal-${portalId}.com`,
    rateLimit: opts.rateLimit ?? { max: 100, windowMs: 10_000 },
    searchPerSecond: opts.searchPerSecond ?? 5,
    accessTokenTtlSec: opts.accessTokenTtlSec ?? 1800,
    latencyMs: opts.latencyMs ?? 0,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
    searchIndexDelayMs: opts.searchIndexDelayMs ?? 0,
  };
}

function isBodyParserError(err: unknown): err is { type: string; status: number; message: string } {
  return typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string' && err.type.startsWith('entity.');
}

export async function startHubSpotFake(options: HubSpotFakeOptions = {}): Promise<HubSpotFake> {
  const opts = resolve(options);
  const state = new PortalState(opts);
  const pending = new Pending();
  const limiters = createLimiters(state);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(recorder(state));
  app.use(faults(state, pending));
  app.use(
    express.json({
      limit: '10mb',
      verify: (req, _res, buf) => noteRawBody(req, buf.toString('utf8').length),
    }),
  );
  app.use('/oauth', latency(state, pending));
  app.use(oauthRouter(state, options.redirectUris));
  app.use('/crm', bearerAuth(state), rateLimits(state, limiters), latency(state, pending));
  app.use(propertiesRouter(state));
  app.use(searchRouter(state));
  app.use(contactsRouter(state));
  app.use(tasksRouter(state));
  app.use(associationsRouter(state));
  app.use((req: Request, res: Response) => {
    res.status(404).json(errorBody('OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path}`));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof HubSpotHttpError) {
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      if (typeof err.body.correlationId === 'string') res.setHeader('X-HubSpot-Correlation-Id', err.body.correlationId);
      res.status(err.httpStatus).json(err.body);
      return;
    }
    if (isBodyParserError(err)) {
      const status = err.status === 413 ? 413 : 400;
      res.status(status).json(errorBody('VALIDATION_ERROR', `Invalid input JSON on line 1, column 1: ${err.message}`));
      return;
    }
    res.status(500).json({
      status: 'error',
      message: err instanceof Error ? err.message : 'internal error',
      correlationId: correlationId(),
      category: 'INTERNAL_ERROR',
    });
  });

  const server = createServer(app);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const normalise = (name: string, value: string, current?: string): string => {
    const p = state.activeProperty(name);
    if (!p || value === '') return value;
    const checked = checkValue(state, p, value, current);
    return checked.ok ? checked.value : value;
  };

  const fake: HubSpotFake = {
    url,
    authorizeUrl: `${url}/oauth/authorize`,
    portalId: opts.portalId,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    appId: opts.appId,
    async close() {
      pending.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    addContact(props, o = {}) {
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(props)) values[k] = normalise(k, v);
      if (values.email && state.findContactByEmail(values.email)) {
        throw new Error(`HubSpot fake: a contact with email ${values.email} already exists`);
      }
      return state.insertContact(values, o.createdAt);
    },
    addContacts(n, make) {
      const base = state.contactList.length;
      const build = make ?? ((i: number) => ({ email: `contact${base + i}@example.com`, firstname: `First${base + i}`, lastname: `Last${base + i}` }));
      return Array.from({ length: n }, (_, i) => fake.addContact(build(i)));
    },
    getContact: (id) => state.contactsById.get(id),
    archiveContact(id) {
      const c = state.contactsById.get(id);
      if (c) state.archiveContact(c);
    },
    contacts: () => state.contactList.filter((c) => !c.archived),
    setContactProperty(id, name, value) {
      const c = state.contactsById.get(id);
      if (!c) throw new Error(`HubSpot fake: no contact ${id}`);
      state.applyContactUpdate(c, { [name]: normalise(name, value ?? '', c.properties[name]) });
    },
    properties: () => [...state.properties.values()].filter((p) => !p.archived),
    removeProperty(name) {
      state.properties.delete(name);
    },
    tasks: () => state.taskList.filter((t) => !t.archived),
    setTaskProperty(id, name, value) {
      const t = state.tasksById.get(id);
      if (!t) throw new Error(`HubSpot fake: no task ${id}`);
      t.properties[name] = value;
      t.updatedAt = state.now();
      t.properties.hs_lastmodifieddate = t.updatedAt.toISOString();
    },
    owners: state.owners,
    issueAuthCode: (redirectUri, scopes) => issueAuthCode(state, redirectUri, scopes),
    expireAccessTokens() {
      const now = Date.now();
      for (const t of state.accessTokens.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
    },
    revokeRefreshTokens() {
      for (const t of state.refreshTokens.values()) t.revoked = true;
    },
    inject(fault) {
      state.faults.push({ ...fault });
    },
    requests: state.requests,
    contactWrites: state.contactWrites,
    maxRequestsInWindow: (windowMs = opts.rateLimit.windowMs) => maxInWindow(state.requests, windowMs),
    resetRequests() {
      state.requests.length = 0;
    },
    resetRateLimits() {
      limiters.api.reset();
      limiters.search.reset();
    },
    setSearchIndexDelay(ms) {
      opts.searchIndexDelayMs = ms;
    },
    indexSearch() {
      const now = Date.now();
      for (const c of state.contactList) c.searchableAt = Math.min(c.searchableAt, now);
    },
  };
  return fake;
}
