// The rules of the in-process memo (src/db/memo.ts) and of the profile cache around it, on a real SQLite file:
// what is served from memory and for how long, a clock that goes back, the size bound, and a cache without a memo
// (the CLI's) that always reads the table. Found by npm run mutate -- cache.
import { describe, expect, it } from 'vitest';
import { tempDbPair } from '../helpers/temp-db.js';
import { createProfileCacheRepo } from '../../src/db/cache.repo.js';
import { createTtlMemo, MEMO_TTL_MS } from '../../src/db/memo.js';

const { db, other } = tempDbPair('memo-rules');
const entry = (company: string, fetchedAt: number) => ({ profileJson: JSON.stringify({ company }), confidence: 80, provider: 'pdl', fetchedAt });
const T = 1_800_000_000_000;

describe('createTtlMemo', () => {
  it('serves a value for ttlMs after it was set, not at ttlMs, and never when the clock went back', () => {
    const m = createTtlMemo<string>({ enabled: true, ttlMs: 1_000, max: 10 });
    m.set('k', 'v', T);
    expect(m.get('k', T)).toBe('v');
    expect(m.get('k', T + 999)).toBe('v');
    expect(m.get('k', T + 1_000)).toBeUndefined();
    m.set('k', 'v', T);
    expect(m.get('k', T - 1)).toBeUndefined();
    // A miss forgets the entry: it is not served again when the clock comes back.
    expect(m.get('k', T)).toBeUndefined();
    expect(m.get('absent', T)).toBeUndefined();
  });

  it('when disabled, then nothing is kept', () => {
    const m = createTtlMemo<string>({ enabled: false, ttlMs: 1_000, max: 10 });
    m.set('k', 'v', T);
    expect(m.get('k', T)).toBeUndefined();
  });

  it('when full, then it starts over instead of growing; delete and clear forget', () => {
    const m = createTtlMemo<number>({ enabled: true, ttlMs: 1_000, max: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) m.set(k, i, T);
    expect(['a', 'b', 'c'].map((k) => m.get(k, T))).toEqual([0, 1, 2]);
    m.set('c', 9, T); // full: a fourth write empties the memo first
    expect(['a', 'b', 'c'].map((k) => m.get(k, T))).toEqual([undefined, undefined, 9]);
    m.set('d', 4, T);
    m.delete('d');
    expect(m.get('d', T)).toBeUndefined();
    m.clear();
    expect(m.get('c', T)).toBeUndefined();
  });
});

describe('profile cache with and without the memo', () => {
  it('when memoised, then another connection\'s delete goes unseen for the memo window (no query), and is seen after it', () => {
    const cache = createProfileCacheRepo(db, { memoize: true });
    cache.put(['email:a@x.co'], entry('Globex', T), T + 60_000);
    expect(cache.get(['email:a@x.co'], T)?.profileJson).toContain('Globex');
    other.prepare('DELETE FROM profile_cache').run();
    expect(cache.get(['email:a@x.co'], T + MEMO_TTL_MS - 1)?.profileJson).toContain('Globex');
    expect(cache.get(['email:a@x.co'], T + MEMO_TTL_MS)).toBeUndefined();
  });

  it('when not memoised (the CLI), then every read sees the table at once', () => {
    const cache = createProfileCacheRepo(db);
    cache.put(['email:b@x.co'], entry('Hooli', T), T + 60_000);
    expect(cache.get(['email:b@x.co'], T)).toEqual(entry('Hooli', T));
    other.prepare('DELETE FROM profile_cache').run();
    expect(cache.get(['email:b@x.co'], T)).toBeUndefined();
  });

  it('when several keys are asked, then the first live one answers; an entry is live until its expiry, exclusive', () => {
    const cache = createProfileCacheRepo(db, { memoize: true });
    cache.put(['linkedin:x'], entry('Initech', T), T + 500);
    cache.put(['email:c@x.co'], entry('Umbrella', T), T + 60_000);
    expect(cache.get(['email:none', 'linkedin:x', 'email:c@x.co'], T)?.profileJson).toContain('Initech');
    expect(cache.get(['email:none', 'linkedin:x', 'email:c@x.co'], T + 500)?.profileJson).toContain('Umbrella');
    cache.put([], entry('Nobody', T), T + 60_000);
    expect(db.prepare('SELECT COUNT(*) FROM profile_cache').pluck().get()).toBe(2);
  });

  it('purges expired rows only, and clear() empties table and memo', () => {
    const cache = createProfileCacheRepo(db, { memoize: true });
    cache.put(['email:d@x.co'], entry('Soon', T), T + 10);
    cache.put(['email:e@x.co'], entry('Later', T), T + 10_000);
    expect(cache.purgeExpired(T + 10)).toBeGreaterThanOrEqual(1);
    expect(cache.get(['email:e@x.co'], T + 10)?.profileJson).toContain('Later');
    cache.clear();
    expect(cache.get(['email:e@x.co'], T + 10)).toBeUndefined();
  });
});
