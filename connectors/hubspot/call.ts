// Everything around one HubSpot API call: a fresh access token, the portal's rate limiter, a timeout, and the
// retry policy (docs/hubspot.md §3.5, §5, §7). The SDK's own retry/limiter decorators are process-global and leak
// between Client instances (§7.1), so none are configured and this module owns the whole policy.
// No SDK import here: errors are recognised by shape (`typeof e.code === 'number' && 'body' in e`), because every
// generated SDK module has its own ApiException class (§3.5).
import { sleep, type Clock } from '../../src/lib/clock.js';
import { backoffMs, errorCode, NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import { scrub, type Logger } from '../../src/lib/logger.js';
import type { TokenSet, TokenStore } from '../types.js';
import type { WindowLimiter } from './limiter.js';
import { ErrorBody } from './schemas.js';

/** Refresh this long before `expiresAt` (docs/hubspot.md §1.3: refresh on expires_in, not on a 401). */
export const REFRESH_EARLY_MS = 5 * 60_000;
const MAX_TRANSIENT_RETRIES = 4;
/** 429s are HubSpot pacing us, not failures: more patience than for 5xx, but still bounded. */
const MAX_RATE_RETRIES = 8;
const GIVE_UP_WAIT_MS = 30_000;
const LOCKED_WAIT_MS = 2_000;

/** A HubSpot answer that retrying cannot fix; keeps the HTTP status and category so callers can tell 400/404/409 apart. */
export class HubSpotRequestError extends NonRetryableError {
  readonly status: number;
  readonly category: string | undefined;
  /** Error `context` of the body (e.g. `{ ids: [...] }`), never headers. */
  readonly context: Record<string, unknown> | undefined;
  constructor(status: number, body: ErrorBody, message: string) {
    super(categoryOf(body) ?? `http_${status}`, message);
    this.name = 'HubSpotRequestError';
    this.status = status;
    this.category = body.category;
    this.context = body.context;
  }
}

export class CallTimeoutError extends Error {
  constructor(ms: number) {
    super(`HubSpot call timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export interface HttpFailure {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** An SDK ApiException, by shape. `message` is ignored on purpose: it embeds the whole body and the headers. */
export function httpFailure(e: unknown): HttpFailure | null {
  if (!isRecord(e) || typeof e.code !== 'number' || !('body' in e)) return null;
  const raw = typeof e.body === 'string' ? { message: e.body.slice(0, 300) } : e.body;
  const parsed = ErrorBody.safeParse(raw);
  const headers: Record<string, string> = {};
  if (isRecord(e.headers)) for (const [k, v] of Object.entries(e.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  return { status: e.code, body: parsed.success ? parsed.data : {}, headers };
}

/** "HubSpot <op>: HTTP 400 VALIDATION_ERROR: <HubSpot's message>" — status, category and message only. */
/** HubSpot's category; v1 OAuth errors put their code in `status` (CRM errors always say status 'error'). */
export function categoryOf(body: ErrorBody): string | undefined {
  return body.category ?? (body.status && body.status !== 'error' ? body.status : undefined);
}

export function describeFailure(op: string, f: HttpFailure): string {
  const category = categoryOf(f.body);
  const message = f.body.message ?? f.body.error_description;
  const text = `HubSpot ${op}: HTTP ${f.status}${category ? ` ${category}` : ''}${message ? `: ${message}` : ''}`;
  return scrub(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
}

/** Failures where the request may not have been answered at all: retry with backoff. */
function transientKind(e: unknown): 'timeout' | 'network' | 'bad_response' | null {
  if (e instanceof CallTimeoutError) return 'timeout';
  if (!(e instanceof Error)) return null;
  // Native fetch: TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }).
  if (errorCode(e) !== undefined || e.message === 'fetch failed') return 'network';
  // The SDK cannot parse a non-JSON error page (a proxy's HTML 502) and throws a plain Error without the status.
  if (e.name === 'SyntaxError' || /^Cannot parse content|^The mediaType .* is not supported/.test(e.message)) return 'bad_response';
  return null;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // The SDK (14.x) offers no AbortSignal, so the request itself cannot be cancelled: we stop waiting for it and
    // its late answer is dropped (undici ends it after its own 300 s timeouts at the latest).
    const t = setTimeout(() => reject(new CallTimeoutError(ms)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        // Passed on untouched: errors are recognised by their shape (code + body).
        reject(e);
      },
    );
  });
}

function retryAfterMs(headers: Record<string, string>): number | undefined {
  const v = headers['retry-after'];
  if (!v || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim()) * 1000;
}

export function msUntilNextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

function ratePolicy(body: ErrorBody): 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY' | 'OTHER' {
  const p = (body.policyName ?? '').toUpperCase();
  if (p === 'TEN_SECONDLY_ROLLING' || p === 'SECONDLY' || p === 'DAILY') return p;
  const m = (body.message ?? '').toLowerCase();
  if (m.includes('ten_secondly')) return 'TEN_SECONDLY_ROLLING';
  if (m.includes('secondly')) return 'SECONDLY';
  if (m.includes('daily')) return 'DAILY';
  return 'OTHER';
}

export interface CallerOptions {
  tokens: TokenStore;
  /** Runs the refresh grant; throws ReauthRequiredError when the refresh token is dead. */
  refresh: (current: TokenSet) => Promise<TokenSet>;
  limiters: { api: WindowLimiter; search: WindowLimiter };
  timeoutMs: number;
  log: Logger;
  clock: Clock;
  onCall?: ((operation: string, status: string) => void) | undefined;
  random?: () => number;
}

export interface Caller {
  /** Runs `fn` with a valid access token under the portal's limits; retries what can be retried. */
  run<T>(op: string, fn: (accessToken: string) => Promise<T>, o?: { search?: boolean }): Promise<T>;
}

export function createCaller(opts: CallerOptions): Caller {
  const { tokens, clock, log } = opts;
  const fresh = (t: TokenSet) => t.expiresAt === null || t.expiresAt - clock.now() > REFRESH_EARLY_MS;

  async function accessToken(): Promise<string> {
    const t = tokens.load();
    if (fresh(t)) return t.accessToken;
    // Another worker may have refreshed while we waited for the lock: then `current` is fresh and kept as is.
    const next = await tokens.withRefreshLock(async (current) => (fresh(current) ? current : opts.refresh(current)));
    return next.accessToken;
  }

  async function forceRefresh(rejected: string): Promise<void> {
    await tokens.withRefreshLock(async (current) => (current.accessToken !== rejected && fresh(current) ? current : opts.refresh(current)));
  }

  const report = (op: string, status: string) => {
    try {
      opts.onCall?.(op, status);
    } catch {
      // Metrics must never break a call.
    }
  };

  return {
    async run<T>(op: string, fn: (accessToken: string) => Promise<T>, o: { search?: boolean } = {}): Promise<T> {
      const limiter = o.search ? opts.limiters.search : opts.limiters.api;
      let transient = 0;
      let rateLimited = 0;
      let refreshed = false;
      const backoff = async (what: Record<string, unknown>, floorMs = 0) => {
        const wait = backoffMs(transient, { baseMs: 500, maxMs: 8_000, minMs: Math.min(floorMs, 60_000), ...(opts.random ? { random: opts.random } : {}) });
        log.warn({ op, ...what, attempt: transient, waitMs: wait }, 'HubSpot call failed; retrying');
        await sleep(wait);
      };
      for (;;) {
        let token: string;
        try {
          token = await accessToken();
        } catch (e) {
          // A refresh that failed for a passing reason is retried like any call; a dead refresh token is not.
          if (!(e instanceof RetryAfterError) || ++transient > MAX_TRANSIENT_RETRIES) throw e;
          await backoff({ kind: 'token_refresh', code: e.code });
          continue;
        }
        const slot = await limiter.acquire();
        try {
          const result = await withTimeout(fn(token), opts.timeoutMs);
          slot.release();
          report(op, 'ok');
          return result;
        } catch (e) {
          slot.release();
          const f = httpFailure(e);
          if (!f) {
            const kind = transientKind(e);
            if (!kind) throw e; // our own typed errors and programming errors pass through untouched
            report(op, kind);
            const message = kind === 'timeout' ? `HubSpot ${op}: no answer within ${opts.timeoutMs} ms` : `HubSpot ${op}: ${kind.replace('_', ' ')}`;
            if (++transient > MAX_TRANSIENT_RETRIES) throw new RetryAfterError(kind === 'timeout' ? 'timeout' : 'hubspot_unavailable', message, GIVE_UP_WAIT_MS);
            await backoff({ kind });
            continue;
          }
          report(op, String(f.status));
          const message = describeFailure(op, f);
          if (f.status === 401) {
            // HubSpot says 401 is no proof the token expired (§1.3), but a refreshed token settles it: one refresh,
            // and a second 401 means the install is gone (§1.5).
            if (refreshed) throw new ReauthRequiredError('hubspot_unauthorized', message);
            log.info({ op, category: f.body.category }, 'HubSpot rejected the access token; refreshing once');
            try {
              await forceRefresh(token);
            } catch (err) {
              if (!(err instanceof RetryAfterError) || ++transient > MAX_TRANSIENT_RETRIES) throw err;
              await backoff({ kind: 'token_refresh', code: err.code });
              continue;
            }
            refreshed = true;
            continue;
          }
          if (f.status === 429) {
            const policy = ratePolicy(f.body);
            if (policy === 'DAILY') throw new RetryAfterError('rate_limited', message, msUntilNextUtcMidnight(clock.now()));
            const wait = policy === 'SECONDLY' ? 1_000 : (policy === 'OTHER' ? retryAfterMs(f.headers) : undefined) ?? limiter.windowMs;
            if (++rateLimited > MAX_RATE_RETRIES) throw new RetryAfterError('rate_limited', message, wait);
            // Pausing the limiter holds back every call of this portal, not just this one.
            limiter.pause(wait);
            log.warn({ op, policy, attempt: rateLimited, waitMs: wait }, 'HubSpot rate limit hit; waiting for the window');
            continue;
          }
          if (f.status === 477) {
            throw new RetryAfterError('migration_in_progress', message, retryAfterMs(f.headers) ?? 60_000);
          }
          if (f.status === 423 || f.status >= 500) {
            const floor = f.status === 423 ? LOCKED_WAIT_MS : (retryAfterMs(f.headers) ?? 0);
            if (++transient > MAX_TRANSIENT_RETRIES) {
              throw new RetryAfterError(f.status === 423 ? 'locked' : 'hubspot_unavailable', message, Math.max(floor, GIVE_UP_WAIT_MS));
            }
            await backoff({ status: f.status, category: f.body.category }, floor);
            continue;
          }
          throw new HubSpotRequestError(f.status, f.body, message);
        }
      }
    },
  };
}
