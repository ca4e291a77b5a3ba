// enrichMany: one outcome per item, in order, each what enrich() answers for it (400, 402, cache hit, found, not
// found), with the providers asked once per batch (PDL bulk), single flight across concurrent callers, and the
// interactive API's skip-until-reset kept. Real SQLite, real HTTP to the stateful PDL fake.
import { afterEach, describe, expect, it } from 'vitest';
import { startProviderFake, type ProviderFake } from '../fakes/providers/index.js';
import { startService, type TestService } from '../helpers/service.js';

describe('enrichMany', () => {
  let pdl: ProviderFake | undefined;
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    await pdl?.close();
  });

  async function setup(env: Record<string, string> = {}) {
    pdl = await startProviderFake({ kind: 'pdl', limit: 1000 });
    for (let i = 0; i < 6; i++) pdl.add({ email: `m${i}@many.example`, linkedinSlug: `many-${i}`, firstName: `M${i}`, lastName: 'Many', company: 'Initech', title: 'Engineer' });
    t = await startService({ env: { ENRICH_PROVIDERS: 'peopledatalabs', PDL_API_KEY: pdl.apiKey, PDL_BASE_URL: pdl.url, PDL_BULK_SIZE: '3', ...env } });
    const account = t.services.repos.accounts.ensure('many');
    return { accountId: account.id, monthlyLimit: 0, connectionId: 'conn-many' };
  }

  it('when a batch mixes a bad email, hits, a miss and a cached person, then each outcome is what enrich() answers, in order, from bulk calls', async () => {
    const ctx = await setup();
    const cached = await t!.services.enricher.enrich({ email: 'm0@many.example' }, ctx);
    expect(cached.status).toBe(200);
    const before = pdl!.stats();

    const out = await t!.services.enricher.enrichMany(
      [
        { request: { email: 'not-an-email' } },
        { request: { email: 'm1@many.example' }, idempotencyKey: 'k1' },
        { request: { email: 'nobody@many.example' }, idempotencyKey: 'k2' },
        { request: { email: 'm0@many.example' }, idempotencyKey: 'k3' },
        { request: { email: 'unknown@many.example', linkedin_url: 'https://www.linkedin.com/in/many-2' }, idempotencyKey: 'k4' },
        { request: { email: 'm3@many.example' } },
      ],
      ctx,
    );

    expect(out.map((o) => o.status)).toEqual([400, 200, 200, 200, 200, 200]);
    expect(out.map((o) => (o.status === 200 ? [o.body.found, o.body.cache_hit, o.body.credits_charged] : null))).toEqual([
      null,
      [true, false, 3],
      [false, false, 0],
      [true, true, 3],
      [true, false, 3],
      [true, false, 3],
    ]);
    const s = pdl!.stats();
    // 4 records went to PDL (the cached one and the invalid one did not): a bulk call of 3, and the one left over
    // to the single endpoint.
    expect(s.bulk - before.bulk).toBe(1);
    expect(s.single - before.single).toBe(1);
    expect(s.records - before.records).toBe(4);
    const kinds = t!.services.db.prepare(`SELECT input_kind FROM credit_ledger WHERE idempotency_key = 'k4'`).pluck().all();
    expect(kinds).toEqual(['both']);
  });

  it('when the monthly limit leaves room for two finds, then the third item is refused with 402 before any provider call', async () => {
    const base = await setup();
    const ctx = { ...base, monthlyLimit: 6 };
    const out = await t!.services.enricher.enrichMany(
      [1, 2, 3].map((i) => ({ request: { email: `m${i}@many.example` }, idempotencyKey: `lim${i}` })),
      ctx,
    );
    expect(out.map((o) => o.status)).toEqual([200, 200, 402]);
    expect(pdl!.stats().records).toBe(2);
  });

  it('when two batches ask for the same person at once, then PDL is asked once and both are answered', async () => {
    const ctx = await setup({ CACHE_TTL_DAYS: '0' });
    const [a, b] = await Promise.all([
      t!.services.enricher.enrichMany([{ request: { email: 'm4@many.example' }, idempotencyKey: 'a' }, { request: { email: 'm5@many.example' }, idempotencyKey: 'a5' }], ctx),
      t!.services.enricher.enrichMany([{ request: { email: 'm4@many.example' }, idempotencyKey: 'b' }], ctx),
    ]);
    expect(a!.map((o) => o.status)).toEqual([200, 200]);
    expect(b![0]!.body).toMatchObject({ found: true });
    expect(pdl!.stats().records).toBe(2);
  });

  it('when PDL answers 429, then the interactive path skips it (502), while waitForRateLimits waits for the reset and finds the person', async () => {
    const ctx = await setup({ CACHE_TTL_DAYS: '0' });
    pdl!.rejectNext(1, 300);
    const api = await t!.services.enricher.enrichMany([{ request: { email: 'm1@many.example' } }], ctx);
    expect(api[0]!.status).toBe(502);

    pdl!.rejectNext(1, 300);
    const waits: { provider: string; resumesAt: number }[] = [];
    const sync = await t!.services.enricher.enrichMany([{ request: { email: 'm2@many.example' } }, { request: { email: 'm3@many.example' } }], ctx, {
      waitForRateLimits: true,
      onWait: (w) => waits.push(w),
    });
    expect(sync.map((o) => o.status === 200 && o.body.found)).toEqual([true, true]);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.provider).toBe('peopledatalabs');
    expect(t!.services.db.prepare(`SELECT COUNT(*) FROM credit_ledger WHERE outcome = 'failed'`).pluck().get()).toBe(1);
  });
});
