// The HubSpot connector: factory behind the Connector port. Rate limiters live here, one pair per portal id, so
// every session of a portal (webhook jobs, syncs, installs) shares the portal's budget (docs/hubspot.md §5). With a
// CallWindowStore (the database) the windows are shared by every process calling the portal, not just this one.
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { NonRetryableError } from '../../src/lib/errors.js';
import type { Logger } from '../../src/lib/logger.js';
import type { CallWindowStore, ConnectionHandle, Connector, CrmSession } from '../types.js';
import { createCaller } from './call.js';
import { createHubSpotApi } from './client.js';
import { SharedWindowLimiter, SlidingWindowLimiter, type WindowLimiter } from './limiter.js';
import { createOAuth } from './oauth.js';
import { createSession, HUBSPOT_OBJECT_TYPES } from './session.js';
import { createWebhookChannel } from './webhook.js';

const SETUP_HINT = 'set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET';

export interface HubSpotConnectorOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  scopes: string;
  /** Asked as `optional_scope` (granted when the portal has them); empty: none. */
  optionalScopes?: string;
  authorizeUrl: string;
  apiBaseUrl: string;
  /** Per portal; default 100 per 10 s (public apps get 110, §5: keep a margin). */
  rateLimit?: { max: number; windowMs: number } | undefined;
  /** Per portal; default 4 (HubSpot allows 5). */
  searchPerSecond?: number | undefined;
  /** Per HTTP call; default 30 s (the SDK has no timeout of its own, §7.15). */
  callTimeoutMs?: number | undefined;
  log: Logger;
  clock?: Clock | undefined;
  /** Metrics hook: one call per HTTP attempt, status 'ok', an HTTP status, 'timeout', 'network' or 'bad_response'. */
  onCall?: ((operation: string, status: string) => void) | undefined;
  /** Shares the per-portal windows with every process on the same store; without one they live in memory. */
  callWindows?: CallWindowStore | undefined;
  /** Epoch-ms time of the shared windows (default Date.now; never the injected `clock`, which tests may freeze). */
  windowNow?: (() => number) | undefined;
}

export function createHubSpotConnector(opts: HubSpotConnectorOptions): Connector {
  const clock = opts.clock ?? systemClock;
  const rate = opts.rateLimit ?? { max: 100, windowMs: 10_000 };
  const searchPerSecond = opts.searchPerSecond ?? 4;
  const timeoutMs = opts.callTimeoutMs ?? 30_000;
  // The SDK appends '/crm/v3/...' to basePath as is: a trailing slash would double it (§3.1).
  const apiBaseUrl = opts.apiBaseUrl.replace(/\/+$/, '');
  const configured = Boolean(opts.clientId && opts.clientSecret);
  const oauth = createOAuth({
    clientId: opts.clientId ?? '',
    clientSecret: opts.clientSecret ?? '',
    scopes: opts.scopes,
    optionalScopes: opts.optionalScopes ?? '',
    authorizeUrl: opts.authorizeUrl,
    apiBaseUrl,
    timeoutMs,
    clock,
  });
  const limiters = new Map<string, { api: WindowLimiter; search: WindowLimiter }>();

  function limiter(portalId: string, kind: 'api' | 'search', max: number, windowMs: number): WindowLimiter {
    const store = opts.callWindows;
    if (!store) return new SlidingWindowLimiter(max, windowMs);
    // A slot whose holder died mid-call is freed after the call timeout plus the window.
    const holdMs = timeoutMs + windowMs;
    return new SharedWindowLimiter({ store, key: `hubspot:${portalId}:${kind}`, max, windowMs, holdMs, ...(opts.windowNow ? { now: opts.windowNow } : {}) });
  }

  function limitersFor(portalId: string) {
    let l = limiters.get(portalId);
    if (!l) {
      l = { api: limiter(portalId, 'api', rate.max, rate.windowMs), search: limiter(portalId, 'search', searchPerSecond, 1_000) };
      limiters.set(portalId, l);
    }
    return l;
  }

  function requireConfigured(): void {
    if (!configured) throw new NonRetryableError('not_configured', `HubSpot is not configured: ${SETUP_HINT}`);
  }

  return {
    crm: 'hubspot',
    configured,
    setupHint: SETUP_HINT,
    objectTypes: HUBSPOT_OBJECT_TYPES,
    usesPkce: false,
    inbound: createWebhookChannel(opts.clientSecret),

    authorizeUrl(p) {
      requireConfigured();
      return oauth.authorizeUrl({ state: p.state, redirectUri: p.redirectUri });
    },

    async exchangeCode(p) {
      requireConfigured();
      return oauth.exchangeCode({ code: p.code, redirectUri: p.redirectUri });
    },

    session(conn: ConnectionHandle): CrmSession {
      const log = opts.log.child({ crm: 'hubspot', connection: conn.id, portal: conn.externalId });
      const caller = createCaller({
        tokens: conn.tokens,
        refresh: (current) => oauth.refresh(current),
        limiters: limitersFor(conn.externalId),
        timeoutMs,
        log,
        clock,
        onCall: opts.onCall,
      });
      return createSession({ api: createHubSpotApi({ basePath: apiBaseUrl, caller }), log, clock });
    },

    async revoke(tokens) {
      requireConfigured();
      await oauth.revoke(tokens);
    },
  };
}
