// enrich(request, account) → response: canonical keys → cache → provider waterfall → normalise → charge.
// Knows no HTTP, no SQL and no CRM: storage arrives through ports.ts, providers through providers/types.ts.
import { CREDITS_PER_FOUND, ERRORS, type EnrichRequest, type EnrichResponse, type Profile } from './contract.js';
import { canonicalEmail, canonicalLinkedInUrl, normalizeProfile } from './normalize.js';
import type { CreditStore, EnrichMetrics, InputKind, LedgerOutcome, ProfileCacheStore } from './ports.js';
import { MAX_BLOCK_MS } from './providers/limiter.js';
import type { Lookup, Provider } from './providers/types.js';
import { runBatchWaterfall, type WaterfallResult } from './waterfall.js';
import type { Clock } from '../lib/clock.js';
import { DAY_MS } from '../lib/clock.js';

export interface EnrichSettings {
  cacheTtlDays: number;
  jobChangeWindowDays: number;
  providerTimeoutMs: number;
  minConfidence: number;
  /** Calls in flight at once to one provider, bulk or per record (ENRICH_CONCURRENCY). */
  concurrency?: number | undefined;
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
  /** Sync runs: wait for a throttled provider (and retry it) instead of skipping it; the API leaves this off. */
  waitForRateLimits?: boolean | undefined;
  /** Told when a call waits for a provider's rate limit (for progress lines: "PDL rate limit, resumes in 23 s"). */
  onWait?: ((info: { provider: string; resumesAt: number }) => void) | undefined;
}

export interface Enricher {
  enrich(request: EnrichRequest, ctx: EnrichContext): Promise<EnrichOutcome>;
  /**
   * One outcome per item, in order, each exactly what enrich() would have answered for it; the providers are asked
   * once for the whole batch (bulk endpoints where they have them).
   */
  enrichMany(items: readonly EnrichManyItem[], ctx: Omit<EnrichContext, 'idempotencyKey'>, opts?: EnrichManyOptions): Promise<EnrichOutcome[]>;
  /** True when at least one provider in the waterfall is configured. */
  readonly configured: boolean;
  readonly activeProviders: string[];
}

/** A request past validation, the cache and the credit check, holding a credit reservation until it is answered. */
interface Pending {
  lookup: Lookup;
  charge: Charge;
  latency: () => number;
  release: () => void;
}
/** How long a credit reservation outlives the longest its request may take (then it frees itself: a dead node's). */
const RESERVATION_MARGIN_MS = 120_000;
type Charge = (outcome: LedgerOutcome, r: { provider: string | null; cacheHit: boolean; credits: number }) => Promise<void>;

export function createEnricher(deps: EnricherDeps): Enricher {
  const { cache, credits, clock, settings, metrics } = deps;
  const providers = deps.providers.filter((p) => p.configured);
  const inFlight = new Map<string, Promise<Shared>>();
  // A request waiting on a provider holds its credits in the store (credits.reserve) until it is answered: two
  // concurrent requests, on this node or any other on the database, must not both slip under the monthly limit.
  // A node that dies leaves its reservations to expire: after the longest the waterfall may take, plus a margin.
  const holdMs = Math.max(1, providers.length) * settings.providerTimeoutMs + RESERVATION_MARGIN_MS;
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

  /** A provider's hit → the normalised profile, cached under every key it is known by. */
  function settle(lookup: Lookup, result: WaterfallResult): Shared {
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

  const flightKey = (lookup: Lookup) => `${lookup.email ?? ''}|${lookup.linkedin_url ?? ''}`;

  /**
   * Concurrent identical lookups share one provider call (single flight, across enrich and enrichMany callers);
   * the others go to the providers together, as one batch.
   */
  async function resolveAll(lookups: readonly Lookup[], opts: EnrichManyOptions): Promise<Shared[]> {
    const out: Promise<Shared>[] = [];
    const mine = new Map<string, { lookup: Lookup; resolve: (s: Shared) => void; reject: (e: unknown) => void }>();
    for (const lookup of lookups) {
      const key = flightKey(lookup);
      let p = inFlight.get(key);
      if (!p) {
        let resolve!: (s: Shared) => void;
        let reject!: (e: unknown) => void;
        p = new Promise<Shared>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        inFlight.set(key, p);
        mine.set(key, { lookup, resolve, reject });
      }
      out.push(p);
    }
    if (mine.size > 0) {
      const own = [...mine.entries()];
      try {
        const results = await runBatchWaterfall(providers, own.map(([, o]) => o.lookup), {
          timeoutMs: settings.providerTimeoutMs,
          minConfidence: settings.minConfidence,
          pausedUntil,
          now: () => clock.now(),
          onAttempt: (p, outcome, ms) => metrics?.providerCall(p, outcome, ms / 1000),
          wait: opts.waitForRateLimits ? { onWait: opts.onWait } : undefined,
          ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
        });
        own.forEach(([key, o], i) => {
          inFlight.delete(key);
          try {
            o.resolve(settle(o.lookup, results[i]!));
          } catch (err) {
            o.reject(err);
          }
        });
      } catch (err) {
        for (const [key, o] of own) {
          inFlight.delete(key);
          o.reject(err);
        }
      }
    }
    const shared = await Promise.all(out);
    if (!opts.waitForRateLimits) return shared;
    // A sync batch that joined an interactive caller's flight may have been handed that caller's "throttled,
    // skipped": it asks again itself, waiting, so a rate limit never fails a contact of a sync.
    const again = shared.flatMap((s, i) => (s.kind === 'failed' && s.failures.some((f) => f.code === 'rate_limited') ? [i] : []));
    if (again.length === 0) return shared;
    const redo = await resolveAll(again.map((i) => lookups[i]!), opts);
    again.forEach((i, k) => (shared[i] = redo[k]!));
    return shared;
  }

  /**
   * Validation, the cache, the credit limit: an answer, or a Pending that needs the providers, holding its
   * reservation for `holdFor` ms at most.
   */
  async function prepare(request: EnrichRequest, ctx: EnrichContext, holdFor: number): Promise<EnrichOutcome | Pending> {
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

    const charge = async (outcome: LedgerOutcome, r: { provider: string | null; cacheHit: boolean; credits: number }, reservationId?: string) => {
      // Only a charged row holds the idempotency key: a failed, refused or empty attempt is recorded under
      // attemptKey, so the success that follows it (a retried job) is still charged, exactly once.
      const charged = r.credits > 0;
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
        idempotencyKey: charged ? ctx.idempotencyKey : undefined,
        attemptKey: charged ? undefined : ctx.idempotencyKey,
        requestId: ctx.requestId,
        reservationId,
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
    // A replay is never charged again, and a limit of 0 is no limit: neither is checked nor holds a reservation.
    const limited = !replay && ctx.monthlyLimit > 0;

    if (settings.cacheTtlDays > 0 && !ctx.bypassCache) {
      const hit = cache.get(cacheKeys(lookup), clock.now());
      if (hit) {
        if (limited && credits.creditsHeld(ctx.accountId, clock.now()) + CREDITS_PER_FOUND > ctx.monthlyLimit) {
          await charge('rejected', { provider: null, cacheHit: false, credits: 0 });
          return { status: 402, body: ERRORS.paymentRequired().body };
        }
        await charge('found', { provider: hit.provider, cacheHit: true, credits: CREDITS_PER_FOUND });
        return found(hit, true, latency());
      }
    }

    // The check and the reservation are one transaction in the store (no await before it either): concurrent
    // callers, here and on other nodes, see each other.
    let reservation: string | undefined;
    if (limited) {
      const now = clock.now();
      reservation = credits.reserve(ctx.accountId, CREDITS_PER_FOUND, ctx.monthlyLimit, now, now + holdFor);
      if (!reservation) {
        await charge('rejected', { provider: null, cacheHit: false, credits: 0 });
        return { status: 402, body: ERRORS.paymentRequired().body };
      }
    }
    const release = () => {
      if (reservation === undefined) return;
      const id = reservation;
      reservation = undefined;
      credits.release(id);
    };
    // The answer's ledger row frees the reservation in its own commit (or, if recording fails, release() does).
    const settleCharge: Charge = async (outcome, r) => {
      const id = reservation;
      reservation = undefined;
      try {
        await charge(outcome, r, id);
      } catch (err) {
        if (id !== undefined) credits.release(id);
        throw err;
      }
    };
    return { lookup, charge: settleCharge, latency, release };
  }

  /** The answer for a Pending once the providers have spoken. */
  async function answer(p: Pending, shared: Shared): Promise<EnrichOutcome> {
    switch (shared.kind) {
      case 'found':
        await p.charge('found', { provider: shared.resolved.provider, cacheHit: false, credits: CREDITS_PER_FOUND });
        return found(shared.resolved, false, p.latency());
      case 'not_found':
        await p.charge('not_found', { provider: null, cacheHit: false, credits: 0 });
        return {
          status: 200,
          body: { profile: null, found: false, confidence: 0, credits_charged: 0, cache_hit: false, latency_ms: p.latency(), error: 'Profile not found' },
        };
      case 'failed':
        await p.charge('failed', { provider: null, cacheHit: false, credits: 0 });
        return { status: 502, body: ERRORS.badGateway().body };
      case 'not_configured':
        await p.charge('failed', { provider: null, cacheHit: false, credits: 0 });
        return { status: 503, body: ERRORS.notConfigured().body };
    }
  }

  const isPending = (x: EnrichOutcome | Pending): x is Pending => 'lookup' in x;

  return {
    configured: providers.length > 0,
    activeProviders: providers.map((p) => p.name),
    async enrich(request, ctx) {
      const p = await prepare(request, ctx, holdMs);
      if (!isPending(p)) return p;
      let shared: Shared;
      try {
        shared = (await resolveAll([p.lookup], {}))[0]!;
      } catch (err) {
        p.release();
        throw err;
      }
      return answer(p, shared);
    },
    async enrichMany(items, ctx, opts = {}) {
      // Each item is prepared synchronously up to its credit reservation, so the limit is checked item by item,
      // before any provider call, exactly as for concurrent enrich() calls.
      // A sync batch that waits for rate limits may take up to the longest block a provider can impose on top.
      const holdFor = holdMs + (opts.waitForRateLimits ? MAX_BLOCK_MS : 0);
      const settled = await Promise.allSettled(items.map((it) => prepare(it.request, { ...ctx, idempotencyKey: it.idempotencyKey }, holdFor)));
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) {
        // The store failed for one item (e.g. the database stayed locked): the others' reservations go at once.
        for (const r of settled) if (r.status === 'fulfilled' && isPending(r.value)) r.value.release();
        throw failed.reason;
      }
      const prepared = settled.map((r) => (r as PromiseFulfilledResult<EnrichOutcome | Pending>).value);
      const pending = prepared.filter(isPending);
      let shared: Shared[];
      try {
        shared = await resolveAll(pending.map((p) => p.lookup), opts);
      } catch (err) {
        for (const p of pending) p.release();
        throw err;
      }
      const answers = await Promise.all(pending.map((p, i) => answer(p, shared[i]!)));
      let k = 0;
      return prepared.map((p) => (isPending(p) ? answers[k++]! : p));
    },
  };
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
