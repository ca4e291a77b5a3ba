// The profile cache's in-memory memo (src/db/memo.ts) on a real SQLite file: a newer answer written through the
// repository replaces the memoised one at once, an entry past its expiry is never served from memory, and the
// memo is only trusted for MEMO_TTL_MS against changes made by another connection.
import { describe, expect, it } from 'vitest';
import { tempDbPair } from '../helpers/temp-db.js';
import { createProfileCacheRepo } from '../../src/db/cache.repo.js';
import { MEMO_TTL_MS } from '../../src/db/memo.js';

const { db, other } = tempDbPair('memo');

const entry = (company: string, fetchedAt: number) => ({ profileJson: JSON.stringify({ company }), confidence: 90, provider: 'dataset', fetchedAt });

describe('profile cache memo', () => {
  const cache = createProfileCacheRepo(db, { memoize: true });
  const now = 1_800_000_000_000;

  it('when a key is written again through the repository, then the next read serves the new answer', () => {
    cache.put(['e:a@x.co', 'l:a'], entry('Globex', now), now + 60_000);
    expect(cache.get(['e:a@x.co'], now)?.profileJson).toContain('Globex');
    cache.put(['e:a@x.co', 'l:a'], entry('Initech', now + 1), now + 60_000);
    expect(cache.get(['e:a@x.co'], now + 2)?.profileJson).toContain('Initech');
    expect(cache.get(['l:a'], now + 2)?.profileJson).toContain('Initech');
  });

  it('when an entry expires, then it is not served from memory', () => {
    cache.put(['e:b@x.co'], entry('Hooli', now), now + 100);
    expect(cache.get(['e:b@x.co'], now + 50)).toBeDefined();
    expect(cache.get(['e:b@x.co'], now + 100)).toBeUndefined();
  });

  it('when another connection removes an entry, then it is gone once the memo window has passed', () => {
    cache.put(['e:c@x.co'], entry('Umbrella', now), now + 60_000);
    expect(cache.get(['e:c@x.co'], now)).toBeDefined();
    other.prepare('DELETE FROM profile_cache').run();
    expect(cache.get(['e:c@x.co'], now + MEMO_TTL_MS)).toBeUndefined();
  });
});
