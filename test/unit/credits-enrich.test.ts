// Charging in the enrichment core, on a real SQLite ledger and cache with in-process providers: the monthly limit
// at its edge, credits reserved by requests still waiting on a provider, what each outcome records, cache keys
// learnt from the profile, and a job-change re-check that bypasses the cache. Found by npm run mutate -- credits.
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
import type { Provider, ProviderResult } from '../../src/enrichment/providers/types.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-credits-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 11, 3, 12);
const SETTINGS: EnrichSettings = { cacheTtlDays: 30, jobChangeWindowDays: 90, providerTimeoutMs: 5_000, minConfidence: 0 };

function setup(answer: (calls: number) => Promise<ProviderResult>, settings: Partial<EnrichSettings> = {}) {
  const db = openDb(join(dir, `c${n++}.db`), { synchronous: 'NORMAL' });
  const accountId = createAccountsRepo(db, systemClock).ensure('acme').id;
  const credits = createLedgerRepo(db);
  let calls = 0;
  const provider: Provider = { name: 'pdl', configured: true, lookup: () => answer(++calls) };
  const enricher = createEnricher({ providers: [provider], cache: createProfileCacheRepo(db), credits, clock: { now: () => NOW }, settings: { ...SETTINGS, ...settings } });
  const rows = () =>
    db.prepare('SELECT outcome, found, cache_hit AS cacheHit, provider, credits, input_kind AS kind FROM credit_ledger ORDER BY id').all() as {
      outcome: string; found: number; cacheHit: number; provider: string | null; credits: number; kind: string;
    }[];
  return { db, accountId, enricher, rows, calls: () => calls };
}

const person = (email: string, linkedin: string | null = null): ProviderResult => ({
  found: true,
  confidence: 90,
  profile: { ...emptyProfile(), email, linkedin_url: linkedin, full_name: 'Ada Lovelace', company: 'Analytical Engines' },
});

describe('charging in the enrichment core', () => {
  it('when one more hit would pass the monthly limit, then 402 and a rejected row; exactly at the limit is allowed', async () => {
    const s = setup(async () => person('ada@x.co'));
    const ctx = { accountId: s.accountId, monthlyLimit: 6 };
    expect((await s.enricher.enrich({ email: 'a@x.co' }, ctx)).status).toBe(200);
    expect((await s.enricher.enrich({ email: 'b@x.co' }, ctx)).status).toBe(200); // 6 of 6
    const refused = await s.enricher.enrich({ email: 'c@x.co' }, ctx);
    expect(refused.status).toBe(402);
    // A cache hit costs credits too: refused as well.
    expect((await s.enricher.enrich({ email: 'a@x.co' }, ctx)).status).toBe(402);
    expect(s.rows().map((r) => [r.outcome, r.credits, r.found, r.cacheHit])).toEqual([
      ['found', 3, 1, 0],
      ['found', 3, 1, 0],
      ['rejected', 0, 0, 0],
      ['rejected', 0, 0, 0],
    ]);
    expect(s.calls()).toBe(2);
    // No limit (0): never refused.
    expect((await s.enricher.enrich({ email: 'd@x.co' }, { accountId: s.accountId, monthlyLimit: 0 })).status).toBe(200);
  });

  it('when requests wait on a slow provider together, then their reserved credits count: only what fits the limit goes through', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const s = setup(async () => {
      await gate;
      return person('p@x.co');
    });
    const ctx = { accountId: s.accountId, monthlyLimit: 6 };
    const pending = ['a', 'b', 'c', 'd'].map((x) => s.enricher.enrich({ email: `${x}@x.co` }, ctx));
    release();
    const statuses = (await Promise.all(pending)).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 200, 402, 402]);
    // Reservations are released afterwards: a later month starts from zero (nothing stays reserved).
    const later = await s.enricher.enrich({ email: 'e@x.co' }, { accountId: s.accountId, monthlyLimit: 0 });
    expect(later.status).toBe(200);
    expect(s.rows().filter((r) => r.outcome === 'found').reduce((a, r) => a + r.credits, 0)).toBe(9);
  });

  it('when a retried job passes the same idempotency key, then it is never refused for the limit it already paid, and charged once', async () => {
    const s = setup(async () => person('ada@x.co'));
    const ctx = { accountId: s.accountId, monthlyLimit: 3, idempotencyKey: 'job:1' };
    expect((await s.enricher.enrich({ email: 'a@x.co' }, ctx)).status).toBe(200);
    expect((await s.enricher.enrich({ email: 'a@x.co' }, ctx)).status).toBe(200);
    expect(s.rows()).toHaveLength(1);
  });

  it('records what happened: the input kind, misses and failures at 0 credits, a cache hit at 3', async () => {
    let mode: 'hit' | 'miss' | 'fail' = 'hit';
    const s = setup(async () => {
      if (mode === 'miss') return { found: false };
      if (mode === 'fail') throw new Error('boom');
      return person('ada@x.co', 'https://www.linkedin.com/in/ada');
    });
    const ctx = { accountId: s.accountId, monthlyLimit: 0 };
    await s.enricher.enrich({ email: 'ada@x.co', linkedin_url: 'linkedin.com/in/ada' }, ctx);
    await s.enricher.enrich({ linkedin_url: 'https://www.linkedin.com/in/ada/' }, ctx); // cache hit
    mode = 'miss';
    const miss = await s.enricher.enrich({ email: 'nobody@x.co' }, ctx);
    expect(miss.body).toMatchObject({ found: false, credits_charged: 0 });
    mode = 'fail';
    expect((await s.enricher.enrich({ email: 'error@x.co' }, ctx)).status).toBe(502);
    expect(s.rows()).toEqual([
      { outcome: 'found', found: 1, cacheHit: 0, provider: 'pdl', credits: 3, kind: 'both' },
      { outcome: 'found', found: 1, cacheHit: 1, provider: 'pdl', credits: 3, kind: 'linkedin_url' },
      { outcome: 'not_found', found: 0, cacheHit: 0, provider: null, credits: 0, kind: 'email' },
      { outcome: 'failed', found: 0, cacheHit: 0, provider: null, credits: 0, kind: 'email' },
    ]);
  });

  it('when the profile names an email and a LinkedIn URL the request did not, then later requests by either are cache hits', async () => {
    const s = setup(async () => person('Ada.Lovelace@X.co', 'https://linkedin.com/in/Ada-L/'));
    const ctx = { accountId: s.accountId, monthlyLimit: 0 };
    await s.enricher.enrich({ email: 'ada@x.co' }, ctx);
    const byProfileEmail = await s.enricher.enrich({ email: 'ada.lovelace@x.co' }, ctx);
    const byProfileLinkedIn = await s.enricher.enrich({ linkedin_url: 'https://www.linkedin.com/in/ada-l' }, ctx);
    expect([byProfileEmail.status === 200 && byProfileEmail.body.cache_hit, byProfileLinkedIn.status === 200 && byProfileLinkedIn.body.cache_hit]).toEqual([true, true]);
    expect(s.calls()).toBe(1);
  });

  it('when the cache is off or bypassed (a job-change re-check), then the provider is asked every time', async () => {
    const off = setup(async () => person('ada@x.co'), { cacheTtlDays: 0 });
    const ctx = { accountId: off.accountId, monthlyLimit: 0 };
    await off.enricher.enrich({ email: 'ada@x.co' }, ctx);
    await off.enricher.enrich({ email: 'ada@x.co' }, ctx);
    expect(off.calls()).toBe(2);
    expect(off.db.prepare('SELECT COUNT(*) FROM profile_cache').pluck().get()).toBe(0);

    const on = setup(async () => person('ada@x.co'));
    await on.enricher.enrich({ email: 'ada@x.co' }, { accountId: on.accountId, monthlyLimit: 0 });
    const fresh = await on.enricher.enrich({ email: 'ada@x.co' }, { accountId: on.accountId, monthlyLimit: 0, bypassCache: true });
    expect(fresh.status === 200 && fresh.body.cache_hit).toBe(false);
    expect(on.calls()).toBe(2);
  });

  it('when no provider is configured, then 503 and a failed row at 0 credits', async () => {
    const db = openDb(join(dir, `c${n++}.db`), { synchronous: 'NORMAL' });
    const accountId = createAccountsRepo(db, systemClock).ensure('acme').id;
    const enricher = createEnricher({
      providers: [{ name: 'pdl', configured: false, lookup: async () => ({ found: false }) }],
      cache: createProfileCacheRepo(db),
      credits: createLedgerRepo(db),
      clock: { now: () => NOW },
      settings: SETTINGS,
    });
    expect(enricher.configured).toBe(false);
    expect((await enricher.enrich({ email: 'a@x.co' }, { accountId, monthlyLimit: 0 })).status).toBe(503);
    expect(db.prepare('SELECT outcome, credits, found FROM credit_ledger').all()).toEqual([{ outcome: 'failed', credits: 0, found: 0 }]);
  });
});
