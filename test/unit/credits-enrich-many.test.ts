// Charging through enrichMany (the sync path) and the counters operators watch: each item answered and charged
// exactly as enrich() would, the monthly limit checked item by item, replays charged once, lookups shared with a
// concurrent API caller, a sync that waits out a rate limit instead of failing its contacts, and the metrics each
// outcome moves. On a real SQLite ledger and cache, with in-process providers and a fake clock that a rate-limit
// wait moves forward (nothing sleeps). Found by npm run mutate -- credits: no test reached enrichMany.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/lib/clock.js';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createLedgerRepo } from '../../src/db/ledger.repo.js';
import { createProfileCacheRepo } from '../../src/db/cache.repo.js';
import { emptyProfile } from '../../src/enrichment/contract.js';
import { createEnricher, type EnrichSettings } from '../../src/enrichment/enrich.js';
import type { EnrichMetrics } from '../../src/enrichment/ports.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from '../../src/enrichment/providers/types.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-many-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 11, 3, 12);
const SETTINGS: EnrichSettings = { cacheTtlDays: 30, jobChangeWindowDays: 90, providerTimeoutMs: 5_000, minConfidence: 0 };

const person = (email: string): ProviderResult => ({ found: true, confidence: 90, profile: { ...emptyProfile(), email, full_name: email.split('@')[0]! } });

/** Answers by email local part: 'miss*' not found, 'fail*' a provider error, anything else found. */
function answerFor(l: Lookup): ProviderResult | ProviderError {
  const who = l.email ?? '';
  if (who.startsWith('miss')) return { found: false };
  if (who.startsWith('fail')) return new ProviderError('pdl', 'server_error', '503');
  return person(who);
}

function setup(opts: { settings?: Partial<EnrichSettings>; lookup?: (l: Lookup) => Promise<ProviderResult> } = {}) {
  const db = openDb(join(dir, `m${n++}.db`), { synchronous: 'NORMAL' });
  const accountId = createAccountsRepo(db, systemClock).ensure('acme').id;
  const clock = { t: T, now: () => clock.t };
  const calls: string[] = [];
  const provider: Provider = {
    name: 'pdl',
    configured: true,
    batchSize: 10,
    lookup: async (l) => {
      calls.push(`one:${l.email}`);
      if (opts.lookup) return opts.lookup(l);
      const a = answerFor(l);
      if (a instanceof ProviderError) throw a;
      return a;
    },
    lookupMany: async (ls) => {
      calls.push(`many:${ls.map((l) => l.email).join(',')}`);
      return ls.map(answerFor);
    },
  };
  const seen: string[] = [];
  const calledFor: number[] = [];
  const metrics: EnrichMetrics = {
    enrichment: (p, outcome) => seen.push(`enrichment ${p} ${outcome}`),
    credits: (c) => seen.push(`credits ${c}`),
    providerCall: (p, outcome, seconds) => {
      seen.push(`call ${p} ${outcome}`);
      calledFor.push(seconds);
    },
  };
  const enricher = createEnricher({ providers: [provider], cache: createProfileCacheRepo(db), credits: createLedgerRepo(db), clock, settings: { ...SETTINGS, ...opts.settings }, metrics });
  const rows = () =>
    db.prepare('SELECT outcome, credits, cache_hit AS cacheHit, idempotency_key AS k, attempt_key AS attempt FROM credit_ledger ORDER BY id').all() as {
      outcome: string; credits: number; cacheHit: number; k: string | null; attempt: string | null;
    }[];
  return { db, accountId, clock, enricher, rows, calls, seen, calledFor };
}

describe('enrichMany', () => {
  it('when a batch mixes hits, misses, failures and invalid input, then each item gets what enrich() would answer, in order, from one provider call', async () => {
    const s = setup();
    const out = await s.enricher.enrichMany(
      [{ request: { email: 'ada@x.co' } }, { request: { email: 'not an email' } }, { request: { email: 'miss@x.co' } }, { request: { email: 'fail@x.co' } }, { request: {} }],
      { accountId: s.accountId, monthlyLimit: 0 },
    );
    expect(out.map((o) => o.status)).toEqual([200, 400, 200, 502, 400]);
    expect(out[0]!.body).toMatchObject({ found: true, credits_charged: 3, source_provider: 'pdl', cache_hit: false });
    expect(out[1]!.body).toEqual({ error: 'Bad Request', message: 'email is not a valid email address' });
    expect(out[2]!.body).toMatchObject({ found: false, credits_charged: 0, error: 'Profile not found' });
    expect(out[4]!.body).toEqual({ error: 'Bad Request', message: 'email or linkedin_url required' });
    expect(s.calls).toEqual(['many:ada@x.co,miss@x.co,fail@x.co']);
    expect(s.rows().map((r) => [r.outcome, r.credits])).toEqual([
      ['found', 3],
      ['not_found', 0],
      ['failed', 0],
    ]);
  });

  it('when a batch would pass the monthly limit, then items are refused from the first one that does not fit, before any provider call', async () => {
    const s = setup();
    const items = ['a', 'b', 'c', 'd'].map((x) => ({ request: { email: `${x}@x.co` } }));
    const out = await s.enricher.enrichMany(items, { accountId: s.accountId, monthlyLimit: 6 });
    expect(out.map((o) => o.status)).toEqual([200, 200, 402, 402]);
    expect(s.calls).toEqual(['many:a@x.co,b@x.co']);
    expect(s.rows().map((r) => r.outcome).sort()).toEqual(['found', 'found', 'rejected', 'rejected']);
    // Nothing stays reserved once the batch is answered: 6 used, so one more hit fits a limit of 9 exactly.
    expect((await s.enricher.enrich({ email: 'e@x.co' }, { accountId: s.accountId, monthlyLimit: 9 })).status).toBe(200);
  });

  it('when a sync batch is replayed with the same per-item keys, then found items are not charged again and never refused for the limit they paid; a miss is checked like a new request', async () => {
    const s = setup({ settings: { cacheTtlDays: 0 } });
    const items = [{ request: { email: 'ada@x.co' }, idempotencyKey: 'job:1:ada' }, { request: { email: 'miss@x.co' }, idempotencyKey: 'job:1:miss' }];
    expect((await s.enricher.enrichMany(items, { accountId: s.accountId, monthlyLimit: 0 })).map((o) => o.status)).toEqual([200, 200]);
    // Replayed under a limit of 3, which ada's charge used up: ada is answered again without a charge; the miss paid
    // nothing, so its replay is a new request for the limit, and refused.
    expect((await s.enricher.enrichMany(items, { accountId: s.accountId, monthlyLimit: 3 })).map((o) => o.status)).toEqual([200, 402]);
    // The charge holds the key; a miss keeps it as an attempt key only, so its later success would still be charged.
    expect(s.rows()).toEqual([
      { outcome: 'found', credits: 3, cacheHit: 0, k: 'job:1:ada', attempt: null },
      { outcome: 'not_found', credits: 0, cacheHit: 0, k: null, attempt: 'job:1:miss' },
      { outcome: 'rejected', credits: 0, cacheHit: 0, k: null, attempt: 'job:1:miss' },
    ]);
  });

  it('when an API request and a sync batch ask for the same person at once, then the provider is asked once and both are charged', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const s = setup({
      lookup: async (l) => {
        await gate;
        return person(l.email!);
      },
    });
    const ctx = { accountId: s.accountId, monthlyLimit: 0 };
    const api = s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    const sync = s.enricher.enrichMany([{ request: { email: 'ADA@x.co ' } }, { request: { email: 'bob@x.co' } }], ctx);
    await new Promise((r) => setImmediate(r));
    release();
    const [a, [b, c]] = await Promise.all([api, sync]);
    expect([a.status, b!.status, c!.status]).toEqual([200, 200, 200]);
    expect(s.calls.sort()).toEqual(['one:ada@x.co', 'one:bob@x.co']);
    expect(s.rows().map((r) => r.credits)).toEqual([3, 3, 3]);
  });

  it('when the provider is rate limited during a sync, then the sync waits until the reset and finds the person; the API in the meantime fails fast', async () => {
    let limited = 1;
    const s = setup({
      lookup: async (l) => {
        if (limited-- > 0) throw new ProviderError('pdl', 'rate_limited', 'slow down', { retryAtMs: s.clock.t + 60_000 });
        return person(l.email!);
      },
    });
    const ctx = { accountId: s.accountId, monthlyLimit: 0 };
    // The API call meets the 429: 502, and the provider is paused for a minute.
    expect((await s.enricher.enrich({ email: 'api@x.co' }, ctx)).status).toBe(502);
    // A sync and an API call for the same person at once: the API caller is skipped (paused provider), and the sync,
    // which joined that caller's lookup, asks again itself, waiting for the reset.
    const waits: number[] = [];
    const api = s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    const sync = s.enricher.enrichMany([{ request: { email: 'ada@x.co' } }], ctx, {
      waitForRateLimits: true,
      onWait: ({ resumesAt }) => {
        waits.push(resumesAt - T);
        s.clock.t = resumesAt;
      },
    });
    expect((await api).status).toBe(502);
    const [done] = await sync;
    expect(done!.status).toBe(200);
    expect(waits).toEqual([60_000]);
    expect(s.calls).toEqual(['one:api@x.co', 'one:ada@x.co']);
  });
});

describe('what a provider hit becomes', () => {
  it('when a provider reports a confidence out of range or not a number, then the answer carries a whole number from 0 to 100', async () => {
    for (const [given, shown] of [[150, 100], [-5, 0], [Number.NaN, 0], [Number.POSITIVE_INFINITY, 0], [90.6, 91]] as const) {
      const s = setup({ lookup: async (l) => ({ found: true, confidence: given, profile: { ...emptyProfile(), email: l.email! } }) });
      const r = await s.enricher.enrich({ email: 'ada@x.co' }, { accountId: s.accountId, monthlyLimit: 0 });
      expect(r.status === 200 && r.body.confidence, String(given)).toBe(shown);
    }
  });

  it('when ENRICH_CONCURRENCY is set, then a batch has at most that many calls in flight to a provider without a batch endpoint (8 when unset)', async () => {
    const most = async (concurrency: number | undefined) => {
      const s = setup();
      let inFlight = 0;
      let peak = 0;
      const perRecord: Provider = {
        name: 'apollo',
        configured: true,
        lookup: async (l) => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight--;
          return person(l.email!);
        },
      };
      const enricher = createEnricher({ providers: [perRecord], cache: createProfileCacheRepo(s.db), credits: createLedgerRepo(s.db), clock: s.clock, settings: { ...SETTINGS, concurrency } });
      const out = await enricher.enrichMany(Array.from({ length: 12 }, (_, i) => ({ request: { email: `p${i}@x.co` } })), { accountId: s.accountId, monthlyLimit: 0 });
      expect(out.every((o) => o.status === 200)).toBe(true);
      return peak;
    };
    expect(await most(3)).toBe(3);
    expect(await most(undefined)).toBe(8);
  });
});

describe('what a charge records and a cache hit answers', () => {
  it('keeps the API key, the connection and the request id on the ledger row, so a support question finds its charge', async () => {
    const s = setup();
    await s.enricher.enrich({ email: 'ada@x.co' }, { accountId: s.accountId, monthlyLimit: 0, apiKeyId: 'key_1', connectionId: 'con_1', requestId: 'req-42' });
    await s.enricher.enrich({ email: 'bob@x.co' }, { accountId: s.accountId, monthlyLimit: 0 });
    expect(s.db.prepare('SELECT api_key_id AS k, connection_id AS c, request_id AS r FROM credit_ledger ORDER BY id').all()).toEqual([
      { k: 'key_1', c: 'con_1', r: 'req-42' },
      { k: null, c: null, r: null },
    ]);
  });

  it('when a cache hit is answered, then its body and its JSON text are the same answer, with the stored profile', async () => {
    const s = setup();
    const ctx = { accountId: s.accountId, monthlyLimit: 0 };
    const first = await s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    const hit = await s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    expect(hit.status === 200 && hit.body.cache_hit).toBe(true);
    expect(hit.body).toEqual({ ...first.body, cache_hit: true, latency_ms: (hit.body as { latency_ms: number }).latency_ms });
    expect(JSON.parse(hit.json!())).toEqual(hit.body);
  });

  it('names the configured providers only, and says whether any is configured', () => {
    const s = setup();
    const enricher = createEnricher({
      providers: [{ name: 'off', configured: false, lookup: async () => ({ found: false }) }, { name: 'pdl', configured: true, lookup: async () => ({ found: false }) }],
      cache: createProfileCacheRepo(s.db),
      credits: createLedgerRepo(s.db),
      clock: s.clock,
      settings: SETTINGS,
    });
    expect([enricher.configured, enricher.activeProviders]).toEqual([true, ['pdl']]);
  });
});

describe('metrics', () => {
  it('counts each recorded answer once by provider and outcome, the credits charged, and each provider call in seconds', async () => {
    const s = setup();
    const ctx = { accountId: s.accountId, monthlyLimit: 3 };
    const started = performance.now();
    await s.enricher.enrich({ email: 'ada@x.co' }, ctx); // found, 3 credits: the limit is used up
    await s.enricher.enrich({ email: 'ada@x.co' }, { ...ctx, monthlyLimit: 0 }); // a cache hit
    await s.enricher.enrich({ email: 'bob@x.co' }, ctx); // refused
    await s.enricher.enrich({ email: 'miss@x.co' }, { ...ctx, monthlyLimit: 0 });
    await s.enricher.enrich({ email: 'fail@x.co' }, { ...ctx, monthlyLimit: 0 });
    expect(s.seen).toEqual([
      'call pdl found',
      'enrichment pdl found',
      'credits 3',
      'enrichment pdl cache_hit',
      'credits 3',
      'enrichment none rejected',
      'call pdl not_found',
      'enrichment none not_found',
      'call pdl failed',
      'enrichment none failed',
    ]);
    // Call durations in seconds: each at most the time all five requests took.
    const whole = (performance.now() - started) / 1000;
    expect(s.calledFor).toHaveLength(3);
    for (const seconds of s.calledFor) expect(seconds >= 0 && seconds <= whole, `${seconds} s of ${whole} s`).toBe(true);
  });

  it('when a replay is not written (its key was already charged), then nothing is counted again', async () => {
    const s = setup({ settings: { cacheTtlDays: 0 } });
    const ctx = { accountId: s.accountId, monthlyLimit: 0, idempotencyKey: 'job:7' };
    await s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    const first = [...s.seen];
    await s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    expect(s.seen.slice(first.length)).toEqual(['call pdl found']);
    expect(first.filter((x) => x.startsWith('credits'))).toEqual(['credits 3']);
  });
});
