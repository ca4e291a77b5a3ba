// enrich(request, account) → response: canonical keys → cache → provider waterfall → normalise → charge.
// Knows no HTTP, no SQL and no CRM: storage arrives through ports.ts, providers through providers/types.ts.
import { CREDITS_PER_FOUND, ERRORS, type EnrichRequest, type EnrichResponse, type Profile } from './contract.js';
import { canonicalEmail, canonicalLinkedInUrl, normalizeProfile } from './normalize.js';
import type { CreditStore, InputKind, LedgerOutcome, ProfileCacheStore } from './ports.js';
import type { Lookup, Provider } from './providers/types.js';
import { runWaterfall, type WaterfallResult } from './waterfall.js';
import type { Clock } from '../lib/clock.js';
import { DAY_MS } from '../lib/clock.js';

export interface EnrichSettings {
  cacheTtlDays: number;
  jobChangeWindowDays: number;
  providerTimeoutMs: number;
  minConfidence: number;
}

export interface EnrichContext {
  accountId: string;
  /** Monthly credit limit of the account; 0 = none. */
  monthlyLimit: number;
  apiKeyId?: string | undefined;
  connectionId?: string | undefined;
  /** A retried job passes the same key: it is charged once, and never refused for the limit it already paid. */
  idempotencyKey?: string | undefined;
  /** When the request started (performance.now()), so latency covers the whole HTTP handling. */
  startedAt?: number | undefined;
  /** Skip the cache (a job-change re-check wants fresh data even when a recent answer is cached). */
  bypassCache?: boolean | undefined;
  /** The HTTP request's X-Request-Id, kept on the ledger row so a support question finds its charge. */
  requestId?: string | undefined;
}

export type ErrorBody = { error: string; message: string };
/**
 * `json()`, when present, is the exact response text: a cache hit is answered from the stored JSON without
 * parsing and re-serialising the profile (`body` parses it lazily for callers that need the object).
 */
export type EnrichOutcome =
  | { status: 200; readonly body: EnrichResponse; json?: () => string }
  | { status: 400 | 402 | 502 | 503; body: ErrorBody; json?: undefined };

export interface EnrichMetrics {
  enrichment(provider: string, outcome: LedgerOutcome | 'cache_hit'): void;
  credits(n: number): void;
  providerCall(provider: string, outcome: string, seconds: number): void;
}

export interface EnricherDeps {
  providers: readonly Provider[];
  cache: ProfileCacheStore;
  credits: CreditStore;
  clock: Clock;
  settings: EnrichSettings;
  metrics?: EnrichMetrics | undefined;
}

interface Resolved {
  /** Parsed when the profile came from a provider; absent for cache hits until someone needs it. */
  profile?: Profile;
  profileJson: string;
  confidence: number;
  provider: string;
}

type Shared = { kind: 'found'; resolved: Resolved } | Exclude<WaterfallResult, { kind: 'found' }>;

export interface EnrichManyItem {
  request: EnrichRequest;
  idempotencyKey?: string | undefined;
}

export interface EnrichManyOptions {
  /** Sync runs only: wait for a provider's rate limit to reset instead of failing the item. The API leaves it off. */
  waitForRateLimits?: boolean | undefined;
  onWait?: ((info: { provider: string; resumesAt: number }) => void) | undefined;
}

export interface Enricher {
  enrich(request: EnrichRequest, ctx: EnrichContext): Promise<EnrichOutcome>;
  /**
   * One outcome per item, in order, each exactly what enrich() would answer for that item (200 found or not
   * found, 400, 402, 502, 503): same cache, single flight, ledger rows and credit rules.
   */
  enrichMany(items: readonly EnrichManyItem[], ctx: Omit<EnrichContext, 'idempotencyKey'>, opts?: EnrichManyOptions): Promise<EnrichOutcome[]>;
  /** True when at least one provider in the waterfall is configured. */
  readonly configured: boolean;
  readonly activeProviders: string[];
}

export function createEnricher(deps: EnricherDeps): Enricher {
  const { cache, credits, clock, settings, metrics } = deps;
  const providers = deps.providers.filter((p) => p.configured);
  const inFlight = new Map<string, Promise<Shared>>();
  // Credits of requests still waiting on a provider, per account: two concurrent requests must not both slip
  // under the monthly limit.
  const reserved = new Map<string, number>();
  const pausedUntil = new Map<string, number>();

  function cacheKeys(lookup: Lookup, profile?: Profile): string[] {
    const keys = new Set<string>();
    if (lookup.email) keys.add(`email:${lookup.email}`);
    if (lookup.linkedin_url) keys.add(`linkedin:${lookup.linkedin_url}`);
    const pe = profile?.email ? canonicalEmail(profile.email) : null;
    const pl = profile?.linkedin_url ? canonicalLinkedInUrl(profile.linkedin_url) : null;
    if (pe) keys.add(`email:${pe}`);
    if (pl) keys.add(`linkedin:${pl}`);
    return [...keys];
  }

  async function resolve(lookup: Lookup): Promise<Shared> {
    const result = await runWaterfall(providers, lookup, {
      timeoutMs: settings.providerTimeoutMs,
      minConfidence: settings.minConfidence,
      pausedUntil,
      now: () => clock.now(),
      onAttempt: (p, outcome, ms) => metrics?.providerCall(p, outcome, ms / 1000),
    });
    if (result.kind !== 'found') return result;
    const now = clock.now();
    const profile = normalizeProfile(result.hit.profile, {
      seniorityHint: result.hit.seniorityHint ?? null,
      windowDays: settings.jobChangeWindowDays,
      now: new Date(now),
    });
    const resolved = { profile, profileJson: JSON.stringify(profile), confidence: clampConfidence(result.hit.confidence), provider: result.provider };
    if (settings.cacheTtlDays > 0) {
      cache.put(cacheKeys(lookup, profile), { profileJson: resolved.profileJson, confidence: resolved.confidence, provider: resolved.provider, fetchedAt: now }, now + settings.cacheTtlDays * DAY_MS);
    }
    return { kind: 'found', resolved };
  }

  /** Concurrent identical requests share one provider call. */
  function singleFlight(lookup: Lookup): Promise<Shared> {
    const key = `${lookup.email ?? ''}|${lookup.linkedin_url ?? ''}`;
    let p = inFlight.get(key);
    if (!p) {
      p = resolve(lookup).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  }

  const enricher: Enricher = {
    configured: providers.length > 0,
    activeProviders: providers.map((p) => p.name),
    // Provisional: per-record enrich() calls; replaced by the batch implementation (provider bulk lookups and
    // per-provider limiters). The calls start together: each runs synchronously up to its credit check and
    // reservation, so item k is refused (402) exactly when the month's charges plus 3 for every earlier item that
    // may still be charged would pass the limit, and identical items share one provider call (single flight). The
    // rate-limit options are the batch implementation's; per-record calls never wait.
    async enrichMany(items, ctx) {
      return Promise.all(items.map((it) => enricher.enrich(it.request, { ...ctx, idempotencyKey: it.idempotencyKey })));
    },
    async enrich(request, ctx) {
      const started = ctx.startedAt ?? performance.now();
      const latency = () => Math.max(0, Math.round(performance.now() - started));

      const lookup: Lookup = {};
      if (request.email !== undefined) {
        const e = canonicalEmail(request.email);
        if (!e) return { status: 400, body: ERRORS.badRequest('email is not a valid email address').body };
        lookup.email = e;
      }
      if (request.linkedin_url !== undefined) {
        const l = canonicalLinkedInUrl(request.linkedin_url);
        if (!l) return { status: 400, body: ERRORS.badRequest('linkedin_url is not a LinkedIn profile URL').body };
        lookup.linkedin_url = l;
      }
      if (!lookup.email && !lookup.linkedin_url) return { status: 400, body: ERRORS.badRequest().body };
      const inputKind: InputKind = lookup.email && lookup.linkedin_url ? 'both' : lookup.email ? 'email' : 'linkedin_url';

      const charge = async (outcome: LedgerOutcome, r: { provider: string | null; cacheHit: boolean; credits: number }) => {
        const written = await credits.record({
          accountId: ctx.accountId,
          apiKeyId: ctx.apiKeyId,
          connectionId: ctx.connectionId,
          inputKind,
          outcome,
          found: outcome === 'found',
          cacheHit: r.cacheHit,
          provider: r.provider,
          credits: r.credits,
          latencyMs: latency(),
          idempotencyKey: ctx.idempotencyKey,
          requestId: ctx.requestId,
          at: clock.now(),
        });
        if (written) {
          metrics?.enrichment(r.provider ?? 'none', r.cacheHit ? 'cache_hit' : outcome);
          if (r.credits > 0) metrics?.credits(r.credits);
        }
      };

      if (providers.length === 0) {
        await charge('failed', { provider: null, cacheHit: false, credits: 0 });
        return { status: 503, body: ERRORS.notConfigured().body };
      }

      const replay = ctx.idempotencyKey ? credits.findByIdempotencyKey(ctx.idempotencyKey) : undefined;
      const overLimit = () => {
        if (replay || ctx.monthlyLimit <= 0) return false;
        const used = credits.creditsThisMonth(ctx.accountId, clock.now()) + (reserved.get(ctx.accountId) ?? 0);
        return used + CREDITS_PER_FOUND > ctx.monthlyLimit;
      };

      if (settings.cacheTtlDays > 0 && !ctx.bypassCache) {
        const hit = cache.get(cacheKeys(lookup), clock.now());
        if (hit) {
          if (overLimit()) {
            await charge('rejected', { provider: null, cacheHit: false, credits: 0 });
            return { status: 402, body: ERRORS.paymentRequired().body };
          }
          await charge('found', { provider: hit.provider, cacheHit: true, credits: CREDITS_PER_FOUND });
          return found(hit, true, latency());
        }
      }

      if (overLimit()) {
        await charge('rejected', { provider: null, cacheHit: false, credits: 0 });
        return { status: 402, body: ERRORS.paymentRequired().body };
      }
      reserved.set(ctx.accountId, (reserved.get(ctx.accountId) ?? 0) + CREDITS_PER_FOUND);
      let shared: Shared;
      try {
        shared = await singleFlight(lookup);
      } finally {
        const left = (reserved.get(ctx.accountId) ?? CREDITS_PER_FOUND) - CREDITS_PER_FOUND;
        if (left > 0) reserved.set(ctx.accountId, left);
        else reserved.delete(ctx.accountId);
      }

      switch (shared.kind) {
        case 'found':
          await charge('found', { provider: shared.resolved.provider, cacheHit: false, credits: CREDITS_PER_FOUND });
          return found(shared.resolved, false, latency());
        case 'not_found':
          await charge('not_found', { provider: null, cacheHit: false, credits: 0 });
          return {
            status: 200,
            body: { profile: null, found: false, confidence: 0, credits_charged: 0, cache_hit: false, latency_ms: latency(), error: 'Profile not found' },
          };
        case 'failed':
          await charge('failed', { provider: null, cacheHit: false, credits: 0 });
          return { status: 502, body: ERRORS.badGateway().body };
        case 'not_configured':
          await charge('failed', { provider: null, cacheHit: false, credits: 0 });
          return { status: 503, body: ERRORS.notConfigured().body };
      }
    },
  };
  return enricher;
}

function found(r: Resolved, cacheHit: boolean, latencyMs: number): EnrichOutcome {
  let body: EnrichResponse | undefined;
  return {
    status: 200,
    get body(): EnrichResponse {
      // Same key order as json(): the two forms are the same answer.
      body ??= {
        profile: r.profile ?? (JSON.parse(r.profileJson) as Profile),
        found: true,
        confidence: r.confidence,
        source_provider: r.provider,
        credits_charged: CREDITS_PER_FOUND,
        cache_hit: cacheHit,
        latency_ms: latencyMs,
      };
      return body;
    },
    json: () =>
      `{"profile":${r.profileJson},"found":true,"confidence":${r.confidence},"source_provider":${JSON.stringify(r.provider)},` +
      `"credits_charged":${CREDITS_PER_FOUND},"cache_hit":${cacheHit},"latency_ms":${latencyMs}}`,
  };
}

function clampConfidence(c: number): number {
  return Math.max(0, Math.min(100, Math.round(Number.isFinite(c) ? c : 0)));
}
