// The provider limiter: a fixed window per key, corrected by the provider's headers and blocked by its 429s.
import { describe, expect, it } from 'vitest';
import { createLimiterRegistry, createProviderLimiter, MAX_BLOCK_MS } from '../../src/enrichment/providers/limiter.js';
import { rateLimitInfo } from '../../src/enrichment/providers/peopledatalabs.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('provider limiter', () => {
  it('when the window is used up, then take() names the window end and hands out slots again after it', () => {
    const c = clock();
    const l = createProviderLimiter({ limit: 3, windowMs: 60_000, now: c.now });
    expect([l.take(), l.take(), l.take()]).toEqual([0, 0, 0]);
    expect(l.take()).toBe(1_000_000 + 60_000);
    expect(l.readyAt()).toBe(1_060_000);
    c.advance(60_000);
    expect(l.take()).toBe(0);
  });

  it("when PDL's headers say 0 remaining until its reset, then no slot is handed out before that reset, whatever our own count", () => {
    const c = clock();
    const l = createProviderLimiter({ limit: 100, windowMs: 60_000, now: c.now });
    expect(l.take()).toBe(0);
    l.observe({ remaining: 0, resetAt: c.now() + 5_000 });
    expect(l.take()).toBe(c.now() + 5_000);
    c.advance(5_000);
    expect(l.take()).toBe(0);
  });

  it('when remaining is lower than our count, then it caps what is left in the window', () => {
    const c = clock();
    const l = createProviderLimiter({ limit: 100, now: c.now });
    l.take();
    l.observe({ remaining: 1 });
    expect(l.take()).toBe(0);
    expect(l.take()).toBeGreaterThan(c.now());
  });

  it('when an answer from a window that already ended arrives late, then it changes nothing', () => {
    const c = clock();
    const l = createProviderLimiter({ limit: 2, now: c.now });
    l.observe({ remaining: 0, resetAt: c.now() - 1 });
    expect(l.take()).toBe(0);
  });

  it('when a 429 names a reset, then the limiter is closed until then and a fresh window opens after it; never longer than an hour', () => {
    const c = clock();
    const l = createProviderLimiter({ limit: 10, now: c.now });
    l.block(c.now() + 2_000);
    expect(l.take()).toBe(c.now() + 2_000);
    c.advance(2_000);
    expect(l.take()).toBe(0);
    l.block(c.now() + 10 * MAX_BLOCK_MS);
    expect(l.readyAt()).toBe(c.now() + MAX_BLOCK_MS);
  });

  it('one limiter per provider and API key', () => {
    const r = createLimiterRegistry();
    expect(r.get('peopledatalabs', 'k1', 100)).toBe(r.get('peopledatalabs', 'k1', 100));
    expect(r.get('peopledatalabs', 'k1', 100)).not.toBe(r.get('peopledatalabs', 'k2', 100));
    expect(r.get('peopledatalabs', 'k1', 100)).not.toBe(r.get('apollo', 'k1', 100));
  });
});

describe("PDL's rate-limit headers", () => {
  it("reads x-ratelimit-remaining as a number or as {'minute': n}, and x-ratelimit-reset in epoch seconds", () => {
    expect(rateLimitInfo(new Headers({ 'x-ratelimit-remaining': "{'minute': 42}", 'x-ratelimit-reset': '1795689060' }))).toEqual({
      remaining: 42,
      resetAt: 1_795_689_060_000,
    });
    expect(rateLimitInfo(new Headers({ 'x-ratelimit-remaining': '7' }))).toEqual({ remaining: 7 });
    expect(rateLimitInfo(new Headers())).toEqual({});
  });
});

describe('provider windows in the database', () => {
  it('when two processes (two handles on one database file) pace the same key, then they share one window; another key has its own', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openDb } = await import('../../src/db/open.js');
    const { createProviderWindowsRepo } = await import('../../src/db/provider-windows.repo.js');
    const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-windows-'));
    const a = openDb(join(dir, 'db.sqlite'));
    const b = openDb(join(dir, 'db.sqlite'));
    try {
      const c = clock();
      const la = createLimiterRegistry({ now: c.now, storeFor: createProviderWindowsRepo(a).storeFor }).get('peopledatalabs', 'key-1', 3);
      const lb = createLimiterRegistry({ now: c.now, storeFor: createProviderWindowsRepo(b).storeFor }).get('peopledatalabs', 'key-1', 3);
      const other = createLimiterRegistry({ now: c.now, storeFor: createProviderWindowsRepo(b).storeFor }).get('peopledatalabs', 'key-2', 3);
      expect([la.take(), lb.take(), la.take()]).toEqual([0, 0, 0]);
      expect(lb.take()).toBe(c.now() + 60_000);
      expect(other.take()).toBe(0);
      lb.block(c.now() + 5_000);
      expect(la.readyAt()).toBe(c.now() + 5_000);
      // The API key itself is never stored.
      expect(JSON.stringify(a.prepare('SELECT * FROM provider_windows').all())).not.toContain('key-1');
    } finally {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
