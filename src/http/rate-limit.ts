// Per-key token bucket: `perMinute` requests a minute with bursts up to the same number. A bulk request costs one
// token per item. The buckets live in a store: the database's (src/db/rate-limits.repo.ts) makes every process on
// it (several server nodes) draw from one bucket per key; the default keeps them in this process's memory.
export interface RateLimiter {
  /**
   * 0 when allowed (and `cost` tokens are taken); otherwise the seconds to wait (for Retry-After). A cost above the
   * whole bucket is allowed once the bucket is full and leaves it in debt, so it waits its turn instead of never passing.
   */
  take(key: string, now?: number, cost?: number): number;
}

/** A bucket's state: the tokens it held at `at` (epoch ms); it refills continuously from then. */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * Storage of the buckets; `update` reads, changes and writes one key's bucket atomically (across processes if
 * shared). `fn` returns no state when it changed nothing.
 */
export interface RateBucketStore {
  update<T>(key: string, fn: (state: BucketState | undefined) => { state?: BucketState | undefined; result: T }): T;
}

export function memoryBucketStore(perMinute: number): RateBucketStore {
  const ratePerMs = perMinute / 60_000;
  const buckets = new Map<string, BucketState>();
  return {
    update(key, fn) {
      const { state, result } = fn(buckets.get(key));
      if (state) {
        buckets.set(key, state);
        if (buckets.size > 100_000) prune(buckets, state.at, perMinute, ratePerMs);
      }
      return result;
    },
  };
}

export function createRateLimiter(perMinute: number, store: RateBucketStore = memoryBucketStore(perMinute)): RateLimiter {
  if (perMinute <= 0) return { take: () => 0 };
  const ratePerMs = perMinute / 60_000;
  return {
    take(key, now = Date.now(), cost = 1) {
      return store.update(key, (before) => {
        // A clock that went back (another node's, a step) refills nothing and takes no refill away.
        const tokens = before ? Math.min(perMinute, before.tokens + Math.max(0, now - before.at) * ratePerMs) : perMinute;
        const at = before ? Math.max(before.at, now) : now;
        const needed = Math.min(cost, perMinute);
        if (tokens >= needed) return { state: { tokens: tokens - cost, at }, result: 0 };
        return { result: Math.max(1, Math.ceil((needed - tokens) / ratePerMs / 1000)) };
      });
    },
  };
}

function prune(buckets: Map<string, BucketState>, now: number, cap: number, rate: number): void {
  for (const [k, b] of buckets) if (b.tokens + (now - b.at) * rate >= cap) buckets.delete(k);
}
