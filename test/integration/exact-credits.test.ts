// Issue 11, item 5: credits are exact. A record whose first attempt failed (PDL answered 429) and whose retry
// under the same idempotency key succeeded is charged exactly once; a second success under that key is not charged
// again. Real HTTP to the stateful PDL fake, the real ledger in SQLite and in PostgreSQL.
import { afterEach, expect, it } from 'vitest';
import { startProviderFake, type ProviderFake } from '../fakes/providers/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { waitFor } from '../helpers/wait.js';

describeEachBackend('exact credits when a provider answered 429 first', (backend) => {
  let pdl: ProviderFake | undefined;
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    await pdl?.close();
  });

  it('when the first attempt under a key fails with 429 and the retry finds the person, then the key is charged 3 credits, once', async () => {
    pdl = await startProviderFake({ kind: 'pdl', limit: 1000 });
    pdl.add({ email: 'ada@credits.example', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', title: 'Engineer' });
    t = await startService({ backend, env: { ENRICH_PROVIDERS: 'peopledatalabs', PDL_API_KEY: pdl.apiKey, PDL_BASE_URL: pdl.url, CACHE_TTL_DAYS: '0' } });
    const account = t.services.repos.accounts.ensure('credits');
    const ctx = { accountId: account.id, monthlyLimit: 0, connectionId: 'conn-credits', idempotencyKey: 'job:1:contact:42' };
    const sum = () =>
      t!.services.db.prepare('SELECT COALESCE(SUM(credits), 0) FROM credit_ledger WHERE account_id = ?').pluck().get(account.id) as number;

    pdl.rejectNext(1, 200);
    const first = await t.services.enricher.enrich({ email: 'ada@credits.example' }, ctx);
    expect(first.status).toBe(502);
    expect(sum()).toBe(0);

    // Wait for the condition, not a time: the fake's x-ratelimit-reset is the whole second at or after 200 ms from
    // its answer, so once the clock has passed that second, counted from now (after the answer), PDL is due again.
    const answeredAt = Date.now();
    await waitFor("PDL's rate-limit reset", () => Date.now() >= Math.ceil((answeredAt + 200) / 1000) * 1000);
    const retry = await t.services.enricher.enrich({ email: 'ada@credits.example' }, ctx);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ found: true, credits_charged: 3 });
    expect(sum()).toBe(3);

    // Replayed again (a job that failed after enrichment): still one charge.
    await t.services.enricher.enrich({ email: 'ada@credits.example' }, ctx);
    expect(sum()).toBe(3);
    const rows = t.services.db.prepare('SELECT outcome, credits FROM credit_ledger WHERE account_id = ? ORDER BY id').all(account.id);
    expect(rows).toEqual([
      { outcome: 'failed', credits: 0 },
      { outcome: 'found', credits: 3 },
    ]);
  });
});
