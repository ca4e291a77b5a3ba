import type { Db } from './open.js';
import type { CachedProfile, ProfileCacheStore } from '../enrichment/ports.js';

/** Bumped when the stored profile shape changes: entries of an older version are simply never hit again. */
const VERSION = 'v1';

export function createProfileCacheRepo(db: Db): ProfileCacheStore & { purgeExpired(now: number): number; clear(): void } {
  const get = db.prepare<[string, number], { profile_json: string; confidence: number; provider: string; fetched_at: number }>(
    'SELECT profile_json, confidence, provider, fetched_at FROM profile_cache WHERE lookup_key = ? AND expires_at > ?',
  );
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
        const row = get.get(`${VERSION}:${k}`, now);
        // Our own, validated data: served as stored, without parsing it on the hot path.
        if (row) return { profileJson: row.profile_json, confidence: row.confidence, provider: row.provider, fetchedAt: row.fetched_at };
      }
      return undefined;
    },
    put(keys, entry, expiresAt) {
      if (keys.length > 0) putMany(keys, entry, expiresAt);
    },
    purgeExpired: (now) => purge.run(now).changes,
    clear: () => {
      db.exec('DELETE FROM profile_cache');
    },
  };
}
