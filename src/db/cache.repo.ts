import type { Db } from './open.js';
import { createTtlMemo, MEMO_TTL_MS } from './memo.js';
import type { CachedProfile, ProfileCacheStore } from '../enrichment/ports.js';

/** Bumped when the stored profile shape changes: entries of an older version are simply never hit again. */
const VERSION = 'v1';

/** `memoize`: keep recent entries in memory (see memo.ts); the server's API handle does, the CLI does not. */
export function createProfileCacheRepo(db: Db, opts: { memoize?: boolean } = {}): ProfileCacheStore & { purgeExpired(now: number): number; clear(): void } {
  const get = db.prepare<[string, number], { profile_json: string; confidence: number; provider: string; fetched_at: number; expires_at: number }>(
    'SELECT profile_json, confidence, provider, fetched_at, expires_at FROM profile_cache WHERE lookup_key = ? AND expires_at > ?',
  );
  // Entries read in the last second, so a hot cache hit costs no query (at most 5,000 profiles, ~8 MB).
  // An entry removed by another process (a dataset import clears the cache) may be served for MEMO_TTL_MS more.
  const memo = createTtlMemo<{ entry: CachedProfile; expiresAt: number }>({ enabled: opts.memoize === true, ttlMs: MEMO_TTL_MS, max: 5_000 });
  const put = db.prepare(
    `INSERT INTO profile_cache (lookup_key, profile_json, confidence, provider, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(lookup_key) DO UPDATE SET profile_json = excluded.profile_json, confidence = excluded.confidence,
       provider = excluded.provider, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
  );
  const purge = db.prepare('DELETE FROM profile_cache WHERE expires_at <= ?');
  const putMany = db.transaction((keys: string[], e: CachedProfile, expiresAt: number) => {
    for (const k of keys) put.run(`${VERSION}:${k}`, e.profileJson, e.confidence, e.provider, e.fetchedAt, expiresAt);
  });

  return {
    get(keys, now) {
      for (const k of keys) {
        const key = `${VERSION}:${k}`;
        const known = memo.get(key, now);
        if (known && known.expiresAt > now) return known.entry;
        const row = get.get(key, now);
        if (!row) continue;
        // Our own, validated data: served as stored, without parsing it on the hot path.
        const entry = { profileJson: row.profile_json, confidence: row.confidence, provider: row.provider, fetchedAt: row.fetched_at };
        memo.set(key, { entry, expiresAt: row.expires_at }, now);
        return entry;
      }
      return undefined;
    },
    put(keys, entry, expiresAt) {
      if (keys.length === 0) return;
      putMany(keys, entry, expiresAt);
      // A memoised older answer under these keys must not outlive the new one; other entries stay.
      for (const k of keys) memo.delete(`${VERSION}:${k}`);
    },
    // Memoised entries carry their expiry, so purging needs nothing from the memo.
    purgeExpired: (now) => purge.run(now).changes,
    clear: () => {
      memo.clear();
      db.exec('DELETE FROM profile_cache');
    },
  };
}
