// The provider limiters' windows in the database, so every process on it (server, CLI sync) paces a provider API
// key as one: each take/observe/block is one short IMMEDIATE transaction (a read and an upsert of one row).
import { createHash } from 'node:crypto';
import type { Db } from './open.js';
import type { LimiterState, LimiterStore } from '../enrichment/providers/limiter.js';

interface Row {
  window_end: number;
  left_count: number;
  blocked_until: number;
}

export function createProviderWindowsRepo(db: Db) {
  const get = db.prepare<[string], Row>('SELECT window_end, left_count, blocked_until FROM provider_windows WHERE key = ?');
  const put = db.prepare(
    `INSERT INTO provider_windows (key, window_end, left_count, blocked_until) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET window_end = excluded.window_end, left_count = excluded.left_count, blocked_until = excluded.blocked_until`,
  );
  return {
    /** The store of one provider API key's window (the key itself is only hashed into the row's id). */
    storeFor(provider: string, apiKey: string): LimiterStore {
      const key = `${provider}:${createHash('sha256').update(`${provider}\u0000${apiKey}`).digest('hex')}`;
      return {
        update(fn) {
          return db
            .transaction(() => {
              const row = get.get(key);
              const before: LimiterState | undefined = row ? { windowEnd: row.window_end, left: row.left_count, blockedUntil: row.blocked_until } : undefined;
              const { state, result } = fn(before);
              if (state) put.run(key, state.windowEnd, state.left, state.blockedUntil);
              return result;
            })
            .immediate();
        },
      };
    },
  };
}
