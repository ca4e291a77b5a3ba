// Limits shared through the database by two "nodes": two handles on one SQLite file, each with its own rate
// limiter and its own enricher, as two server processes would have. Together they never pass the per-minute tokens
// of a key, nor reserve past an account's monthly credit limit; a dead node's reservations expire.
import { describe, expect, it } from 'vitest';
import { describeEachBackend, twoNodes } from '../helpers/backends.js';
import { createLimiterRegistry } from '../../src/enrichment/providers/limiter.js';
import { createProviderWindowsRepo } from '../../src/db/provider-windows.repo.js';
import { systemClock } from '../../src/lib/clock.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createLedgerRepo } from '../../src/db/ledger.repo.js';
import { createProfileCacheRepo } from '../../src/db/cache.repo.js';
import { createRateLimitsRepo } from '../../src/db/rate-limits.repo.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';
import { emptyProfile } from '../../src/enrichment/contract.js';
import { createEnricher, type EnrichSettings } from '../../src/enrichment/enrich.js';
import type { Db } from '../../src/db/open.js';
import type { Provider, ProviderResult } from '../../src/enrichment/providers/types.js';

const NOW = Date.UTC(2026, 11, 3, 12);
const SETTINGS: EnrichSettings = { cacheTtlDays: 30, jobChangeWindowDays: 90, providerTimeoutMs: 5_000, minConfidence: 0 };

const person = (email: string): ProviderResult => ({
  found: true,
  confidence: 90,
  profile: { ...emptyProfile(), email, full_name: 'Ada Lovelace', company: 'Analytical Engines' },
});

describeEachBackend('limits shared by two nodes', (backend) => {
  describe('the API rate limit, shared by two nodes on one database', () => {
    const { db, other } = twoNodes(backend, 'shared-rate');

    it('when two nodes take from one key, then together they get the per-minute tokens once, and a refill once', () => {
      const a = createRateLimiter(6, createRateLimitsRepo(db));
      const b = createRateLimiter(6, createRateLimitsRepo(other));
      const taken = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).take('key-1', NOW));
      expect(taken.filter((w) => w === 0)).toHaveLength(6);
      // 6 a minute: one token every 10 s, so the first refused request waits 10 s.
      expect(taken.slice(6)).toEqual([10, 10, 10, 10]);
      // 10 s later one token is back, for whichever node asks first.
      expect(b.take('key-1', NOW + 10_000)).toBe(0);
      expect(a.take('key-1', NOW + 10_000)).toBeGreaterThan(0);
      // Another key has its own bucket.
      expect(a.take('key-2', NOW)).toBe(0);
    });

    it('when a bulk request costs more than is left on the other node, then it is refused with the wait for the missing tokens', () => {
      const a = createRateLimiter(60, createRateLimitsRepo(db));
      const b = createRateLimiter(60, createRateLimitsRepo(other));
      expect(a.take('bulk-key', NOW, 50)).toBe(0);
      expect(b.take('bulk-key', NOW, 20)).toBe(10); // 10 left, 10 more needed at 1 a second
      expect(b.take('bulk-key', NOW, 10)).toBe(0);
      // A cost above the whole bucket passes once the bucket is full again, and leaves it in debt for both nodes.
      expect(a.take('bulk-key', NOW + 60_000, 90)).toBe(0);
      expect(b.take('bulk-key', NOW + 60_000)).toBe(31);
    });
  });

  describe('credit reservations, shared by two nodes on one database', () => {
    const { db, other } = twoNodes(backend, 'shared-credits');
    const accountId = createAccountsRepo(db, systemClock).ensure('acme').id;

    let now = NOW;
    function node(handle: Db, gate: Promise<void>) {
      let calls = 0;
      const provider: Provider = {
        name: 'pdl',
        configured: true,
        lookup: async (l) => {
          calls++;
          await gate;
          return person(l.email ?? 'x@x.co');
        },
      };
      const ledger = createLedgerRepo(handle);
      const enricher = createEnricher({ providers: [provider], cache: createProfileCacheRepo(handle), credits: ledger, clock: { now: () => now }, settings: SETTINGS });
      return { enricher, ledger, calls: () => calls };
    }
    const charged = () => (db.prepare("SELECT COALESCE(SUM(credits), 0) AS c FROM credit_ledger WHERE account_id = ?").get(accountId) as { c: number }).c;
    const reservations = () => (db.prepare('SELECT COUNT(*) AS n FROM credit_reservations').get() as { n: number }).n;

    it('when requests on two nodes wait on a slow provider together, then only what fits the monthly limit goes through, and nothing stays reserved', async () => {
      let open!: () => void;
      const gate = new Promise<void>((ok) => (open = ok));
      const a = node(db, gate);
      const b = node(other, gate);
      const ctx = { accountId, monthlyLimit: 9 };
      // Interleaved: a, b, a, b, ... all waiting on the provider before any is answered.
      const pending = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((x, i) => (i % 2 === 0 ? a : b).enricher.enrich({ email: `${x}@x.co` }, ctx));
      await new Promise((r) => setImmediate(r));
      expect(reservations()).toBe(3);
      open();
      const statuses = (await Promise.all(pending)).map((r) => r.status);
      expect([...statuses].sort()).toEqual([200, 200, 200, 402, 402, 402]);
      expect(a.calls() + b.calls()).toBe(3);
      expect(charged()).toBe(9);
      expect(reservations()).toBe(0);
      // Full: neither node admits another lookup (checked against a fresh sum of the ledger)...
      expect((await a.enricher.enrich({ email: 'p7@x.co' }, ctx)).status).toBe(402);
      expect((await b.enricher.enrich({ email: 'p8@x.co' }, ctx)).status).toBe(402);
      // ...nor, once its 2-second memo of the month's total has lapsed, a cache hit (the other node's charges included).
      now = NOW + 2_001;
      expect((await a.enricher.enrich({ email: 'p2@x.co' }, ctx)).status).toBe(402);
      expect((await b.enricher.enrich({ email: 'p1@x.co' }, ctx)).status).toBe(402);
      expect(charged()).toBe(9);
    });

    it("when two nodes' bulk batches ask together, then the limit is checked item by item across both", async () => {
      const a = node(db, Promise.resolve());
      const b = node(other, Promise.resolve());
      const ctx = { accountId, monthlyLimit: charged() + 12 };
      const items = (p: string) => ['1', '2', '3'].map((x) => ({ request: { email: `${p}${x}@y.co` } }));
      const [ra, rb] = await Promise.all([a.enricher.enrichMany(items('a'), ctx), b.enricher.enrichMany(items('b'), ctx)]);
      expect(ra.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(rb.map((r) => r.status)).toEqual([200, 402, 402]);
      expect(reservations()).toBe(0);
    });

    it('when a node dies holding reservations, then they count until they expire, and free the credits after', () => {
      const dead = createLedgerRepo(other);
      const live = createLedgerRepo(db);
      const limit = charged() + 6;
      const t = now;
      expect(dead.reserve(accountId, 3, limit, t, t + 60_000)).toBeTypeOf('string');
      expect(dead.reserve(accountId, 3, limit, t, t + 60_000)).toBeTypeOf('string');
      expect(live.creditsHeld(accountId, t)).toBe(limit);
      expect(live.reserve(accountId, 3, limit, t + 59_999, t + 120_000)).toBeUndefined();
      const id = live.reserve(accountId, 3, limit, t + 60_000, t + 120_000);
      expect(id).toBeTypeOf('string');
      live.release(id!);
      expect(reservations()).toBe(0);
    });
  });

  describe('provider limiters, shared by two nodes on one database', () => {
    const { db, other } = twoNodes(backend, 'shared-providers');

    it('when two nodes take from one PDL key, then together they get the plan limit, a 429 on one blocks the other, other keys are apart', () => {
      let now = Date.UTC(2026, 11, 4, 12, 0, 0);
      const clockNow = () => now;
      const la = createLimiterRegistry({ now: clockNow, storeFor: createProviderWindowsRepo(db).storeFor }).get('peopledatalabs', 'key-1', 3);
      const lb = createLimiterRegistry({ now: clockNow, storeFor: createProviderWindowsRepo(other).storeFor }).get('peopledatalabs', 'key-1', 3);
      const apart = createLimiterRegistry({ now: clockNow, storeFor: createProviderWindowsRepo(other).storeFor }).get('peopledatalabs', 'key-2', 3);
      expect([la.take(), lb.take(), la.take()]).toEqual([0, 0, 0]);
      expect(lb.take()).toBe(now + 60_000);
      expect(apart.take()).toBe(0);
      now += 60_000;
      expect(lb.take()).toBe(0);
      lb.block(now + 5_000);
      expect(la.readyAt()).toBe(now + 5_000);
      expect(JSON.stringify(db.prepare('SELECT * FROM provider_windows').all())).not.toContain('key-1');
    });
  });
});
