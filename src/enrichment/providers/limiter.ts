// Pacing for one provider and API key. PDL and Apollo both count requests in a fixed 60-second window per key
// (docs/providers.md, "Rate limits"), so the limiter keeps a fixed window of its own and lets the provider's
// answers correct it: `remaining`/`reset` headers shrink the window before a 429 happens, and a 429 (or a
// Retry-After) closes it until the time the provider named.
//
// The limiter only decides; it never sleeps. The enrichment core asks `take()` before each call and either waits
// (a sync run) or skips the provider until then (the interactive API), so the waiting is never inside a provider
// call's timeout.

export interface ProviderLimiter {
  /** Requests per window this limiter allows (the configured plan limit). */
  readonly limit: number;
  /**
   * Takes one request slot now and returns 0, or returns the epoch ms at which a slot frees up (nothing taken).
   */
  take(): number;
  /** What the provider said about the current window, from any answer's headers. */
  observe(info: { remaining?: number | undefined; resetAt?: number | undefined }): void;
  /** The provider refused us (429) until `retryAt` (epoch ms). */
  block(retryAt: number): void;
  /** When the limiter will next hand out a slot (epoch ms); now or earlier when one is free. */
  readyAt(): number;
}

export interface LimiterOptions {
  /** Requests per window, > 0. */
  limit: number;
  windowMs?: number;
  now?: () => number;
}

/** Never trust a provider's "come back at" further out than this (a wrong clock must not stop a run for days). */
export const MAX_BLOCK_MS = 3_600_000;

export function createProviderLimiter(opts: LimiterOptions): ProviderLimiter {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError(`limit must be a positive integer, got ${opts.limit}`);
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let windowEnd = 0;
  let left = opts.limit;
  let blockedUntil = 0;

  const roll = (t: number) => {
    if (t >= windowEnd) {
      windowEnd = t + windowMs;
      left = opts.limit;
    }
  };

  return {
    limit: opts.limit,
    take() {
      const t = now();
      if (t < blockedUntil) return blockedUntil;
      roll(t);
      if (left > 0) {
        left--;
        return 0;
      }
      return windowEnd;
    },
    observe({ remaining, resetAt }) {
      const t = now();
      if (resetAt !== undefined && resetAt <= t) return; // an answer from a window that is already over
      roll(t);
      if (resetAt !== undefined) {
        // The provider's window is the one that counts: end ours when theirs ends.
        windowEnd = Math.min(resetAt, t + MAX_BLOCK_MS);
      }
      if (remaining !== undefined && Number.isFinite(remaining)) left = Math.max(0, Math.min(left, Math.floor(remaining)));
    },
    block(retryAt) {
      const t = now();
      const until = Math.min(Math.max(retryAt, t), t + MAX_BLOCK_MS);
      blockedUntil = Math.max(blockedUntil, until);
      // The provider named when its window reopens: ours ends then too (and a fresh one starts after it).
      windowEnd = blockedUntil;
      left = 0;
    },
    readyAt() {
      const t = now();
      if (t < blockedUntil) return blockedUntil;
      if (t >= windowEnd || left > 0) return t;
      return windowEnd;
    },
  };
}

/** One limiter per provider name and API key, shared by everything in the process that calls that provider. */
export function createLimiterRegistry(now?: () => number) {
  const limiters = new Map<string, ProviderLimiter>();
  return {
    get(provider: string, apiKey: string, limit: number): ProviderLimiter {
      const key = `${provider}\u0000${apiKey}`;
      let l = limiters.get(key);
      if (!l) {
        l = createProviderLimiter({ limit, ...(now ? { now } : {}) });
        limiters.set(key, l);
      }
      return l;
    },
  };
}
export type LimiterRegistry = ReturnType<typeof createLimiterRegistry>;
