// Per-key token bucket: `perMinute` requests a minute with bursts up to the same number. In memory, so each
// process enforces its own share (see README, Scaling). A bulk request costs one token per item.
export interface RateLimiter {
  /**
   * 0 when allowed (and `cost` tokens are taken); otherwise the seconds to wait (for Retry-After). A cost above the
   * whole bucket is allowed once the bucket is full and leaves it in debt, so it waits its turn instead of never passing.
   */
  take(key: string, now?: number, cost?: number): number;
}

export function createRateLimiter(perMinute: number): RateLimiter {
  if (perMinute <= 0) return { take: () => 0 };
  const ratePerMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, now = Date.now(), cost = 1) {
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: perMinute, at: now };
        buckets.set(key, b);
        if (buckets.size > 100_000) prune(buckets, now, perMinute, ratePerMs);
      }
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      const needed = Math.min(cost, perMinute);
      if (b.tokens >= needed) {
        b.tokens -= cost;
        return 0;
      }
      return Math.max(1, Math.ceil((needed - b.tokens) / ratePerMs / 1000));
    },
  };
}

function prune(buckets: Map<string, { tokens: number; at: number }>, now: number, cap: number, rate: number): void {
  for (const [k, b] of buckets) if (b.tokens + (now - b.at) * rate >= cap) buckets.delete(k);
}
