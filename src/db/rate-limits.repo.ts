// The API's per-key token buckets in the database, so every process on it (several server nodes) draws from one
// bucket per key: each take is one short IMMEDIATE transaction (a read and, when tokens are taken, an upsert of one
// row), on the hot handle (no disk sync per request), like the provider windows. Measured ~10 µs a take on SQLite;
// a single autocommit upsert measured no cheaper (the commit is the cost), so the exact form stays.
import type { Db } from './open.js';
import type { BucketState, RateBucketStore } from '../http/rate-limit.js';

export function createRateLimitsRepo(db: Db): RateBucketStore {
  const get = db.prepare<[string], BucketState>('SELECT tokens, at FROM api_rate_buckets WHERE key = ?');
  const put = db.prepare(
    `INSERT INTO api_rate_buckets (key, tokens, at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`,
  );
  return {
    update(key, fn) {
      return db
        .transaction(() => {
          const row = get.get(key);
          const { state, result } = fn(row && { tokens: row.tokens, at: row.at });
          if (state) put.run(key, state.tokens, state.at);
          return result;
        })
        .immediate();
    },
  };
}
