// The CRM call limits shared through the database: two handles on one SQLite file play two service nodes calling
// one HubSpot portal and one Salesforce org. Time is a fake epoch-ms clock passed to every take.
import { afterAll, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import type { TokenSet, TokenStore } from '../../connectors/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { startHubSpotFake } from '../fakes/hubspot/index.js';
import { SharedWindowLimiter, type Slot } from '../../connectors/hubspot/limiter.js';
import { ApiBudget } from '../../connectors/salesforce/client.js';
import { createApiUsageRepo, createCallWindowsRepo } from '../../src/db/call-windows.repo.js';
import { fixedClock } from '../../src/lib/clock.js';
import { BudgetExhaustedError } from '../../src/lib/errors.js';
import { describeEachBackend, twoNodes } from '../helpers/backends.js';

describeEachBackend('CRM call windows shared by two nodes', (backend) => {
  const { db, other } = twoNodes(backend, 'crm-call-windows');
  const nodeA = createCallWindowsRepo(db);
  const nodeB = createCallWindowsRepo(other);

  /** The most calls found in any half-open span of `windowMs` among sorted times. */
  function mostInAnySpan(times: number[], windowMs: number): number {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    let start = 0;
    for (let end = 0; end < sorted.length; end++) {
      while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
      most = Math.max(most, end - start + 1);
    }
    return most;
  }

  describe('shared HubSpot call windows', () => {
    it('when two nodes take from one portal window as fast as they may, then no span of windowMs holds more than max calls', () => {
      const key = 'hubspot:p-sliding:api';
      const max = 10;
      const windowMs = 10_000;
      const granted: number[] = [];
      let refused = 0;
      // Both nodes try every 137 ms for 60 s; each call settles at once (its slot ends windowMs later).
      for (let t = 1_000_000, i = 0; t < 1_060_000; t += 137, i++) {
        const node = i % 2 === 0 ? nodeA : nodeB;
        const slot = `s${i}`;
        const wait = node.take(key, slot, max, t, t + 60_000);
        if (wait === 0) {
          node.release(key, slot, t + windowMs);
          granted.push(t);
        } else {
          expect(wait).toBeGreaterThan(0);
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(0);
      expect(granted.length).toBeGreaterThanOrEqual(6 * max - max);
      expect(mostInAnySpan(granted, windowMs)).toBeLessThanOrEqual(max);
    });

    it('when a window filled just before a fixed-window boundary, then the other node is still refused just after it, for the rest of the span', () => {
      const key = 'hubspot:p-boundary:api';
      for (let i = 0; i < 3; i++) {
        expect(nodeA.take(key, `a${i}`, 3, 9_990, 20_000)).toBe(0);
        nodeA.release(key, `a${i}`, 9_990 + 1_000);
      }
      expect(nodeB.take(key, 'b0', 3, 10_010, 20_000)).toBe(980);
      expect(nodeB.take(key, 'b1', 3, 10_990, 20_000)).toBe(0);
    });

    it('when a call is in flight on one node, then its slot counts on the other until it is released, and windowMs after that', () => {
      const key = 'hubspot:p-inflight:search';
      expect(nodeA.take(key, 'x', 1, 5_000, 65_000)).toBe(0);
      expect(nodeB.take(key, 'y', 1, 6_000, 66_000)).toBe(59_000);
      nodeA.release(key, 'x', 7_000 + 1_000);
      expect(nodeB.take(key, 'y', 1, 7_500, 67_500)).toBe(500);
      expect(nodeB.take(key, 'y', 1, 8_000, 68_000)).toBe(0);
    });

    it('when one node pauses a portal after a 429, then the other node takes nothing until the pause ends', () => {
      const key = 'hubspot:p-pause:api';
      nodeA.pause(key, 30_000);
      nodeA.pause(key, 20_000); // an earlier end never shortens the pause
      expect(nodeB.take(key, 'b', 100, 12_000, 80_000)).toBe(18_000);
      expect(nodeB.take(key, 'b', 100, 30_000, 80_000)).toBe(0);
    });

    it('when the limiters of two nodes share the store, then a waiter on one is served once the other node’s slots leave the window', async () => {
      const clock = fixedClock(100_000);
      const opts = { key: 'hubspot:p-limiter:api', max: 2, windowMs: 10_000, holdMs: 40_000, now: clock.now, pollMs: 5 };
      const a = new SharedWindowLimiter({ store: nodeA, ...opts });
      const b = new SharedWindowLimiter({ store: nodeB, ...opts });
      const held: Slot[] = [await a.acquire(), await a.acquire()];
      let served = false;
      const waiting = b.acquire().then((s) => {
        served = true;
        return s;
      });
      for (const s of held) s.release();
      await new Promise((r) => setTimeout(r, 30));
      expect(served).toBe(false);
      clock.advance(10_000);
      const slot = await waiting;
      slot.release();
      expect(served).toBe(true);
    });

    it('when the store fails, then the waiter gets the error instead of hanging', async () => {
      const failing = { take: () => { throw new Error('database is locked'); }, release: () => {}, pause: () => {} };
      const l = new SharedWindowLimiter({ store: failing, key: 'k', max: 1, windowMs: 1_000, holdMs: 2_000 });
      await expect(l.acquire()).rejects.toThrow('database is locked');
    });
  });

  describe('two HubSpot connectors (two nodes) on one database', () => {
    const log = createLogger({ level: 'silent' });
    const memoryTokens = (initial: TokenSet): TokenStore => {
      let current = initial;
      return {
        load: () => current,
        save: (t) => {
          current = t;
        },
        withRefreshLock: async (refresh) => (current = await refresh(current)),
      };
    };

    it('when both fire calls at one portal at once, then HubSpot never sees more than the limit in any window and answers no 429', async () => {
      // HubSpot's fake enforces 20 per 500 ms, as each node is configured: without sharing, the two nodes would send 40.
      const fake = await startHubSpotFake({ rateLimit: { max: 20, windowMs: 500 } });
      afterAll(() => fake.close());
      const node = (store: ReturnType<typeof createCallWindowsRepo>) =>
        createHubSpotConnector({
          clientId: fake.clientId,
          clientSecret: fake.clientSecret,
          scopes: 'oauth crm.objects.contacts.read',
          authorizeUrl: fake.authorizeUrl,
          apiBaseUrl: fake.url,
          log,
          rateLimit: { max: 20, windowMs: 500 },
          callWindows: store,
        });
      const a = node(nodeA);
      const b = node(nodeB);
      const redirect = 'http://localhost:3000/oauth/hubspot/callback';
      const installed = await a.exchangeCode({ code: fake.issueAuthCode(redirect), redirectUri: redirect });
      const handle = (id: string) => ({ id, externalId: installed.externalId, userId: installed.userId, tokens: memoryTokens(installed.tokens) });
      const sa = a.session(handle('c1'));
      const sb = b.session(handle('c2'));
      const [c] = fake.addContacts(1);
      fake.resetRequests();
      const reads = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? sb : sa).read('contact', [c!.id], [])));
      expect(reads.every((r) => r.length === 1)).toBe(true);
      expect(fake.requests.filter((r) => r.kind === 'api')).toHaveLength(102); // 100 reads + one describe per session
      expect(fake.maxRequestsInWindow(500)).toBeLessThanOrEqual(20);
      expect(fake.requests.some((r) => r.status === 429)).toBe(false);
    });
  });

  describe('shared Salesforce API budget', () => {
    const usageA = createApiUsageRepo(db);
    const usageB = createApiUsageRepo(other);

    it('when one node reads usage over the budget, then the other pauses background calls for the rest of budgetWaitMs', () => {
      const clock = fixedClock(1_000_000);
      const a = new ApiBudget(80, 15 * 60_000, clock, usageA, 'salesforce:00Dorg1');
      const b = new ApiBudget(80, 15 * 60_000, clock, usageB, 'salesforce:00Dorg1');
      b.check();
      a.observe({ used: 850, limit: 1000 });
      expect(b.usage()).toEqual({ used: 850, limit: 1000 });
      clock.advance(60_000);
      let thrown: unknown;
      try {
        b.check();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(BudgetExhaustedError);
      expect((thrown as BudgetExhaustedError).waitMs).toBe(14 * 60_000);
      clock.advance(14 * 60_000);
      expect(() => b.check()).not.toThrow();
    });

    it('when one node hits REQUEST_LIMIT_EXCEEDED, then the other sees the allocation as used up', () => {
      const clock = fixedClock(2_000_000);
      const a = new ApiBudget(80, 60_000, clock, usageA, 'salesforce:00Dorg2');
      const b = new ApiBudget(80, 60_000, clock, usageB, 'salesforce:00Dorg2');
      b.observe({ used: 10, limit: 5000 });
      a.exhausted();
      expect(b.usage()).toEqual({ used: 5000, limit: 5000 });
      expect(() => b.check()).toThrow(BudgetExhaustedError);
    });

    it('when a node writes an older reading late, then the newer reading of the other node stays', () => {
      usageA.save('salesforce:00Dorg3', { used: 900, limit: 1000, at: 5_000 });
      usageB.save('salesforce:00Dorg3', { used: 100, limit: 1000, at: 4_000 });
      expect(usageB.load('salesforce:00Dorg3')).toEqual({ used: 900, limit: 1000, at: 5_000 });
    });

    it('when two orgs share the store, then their usage is kept apart', () => {
      usageA.save('salesforce:00Dorg4', { used: 1, limit: 10, at: 1 });
      expect(usageB.load('salesforce:00Dorg5')).toBeNull();
    });
  });
});
