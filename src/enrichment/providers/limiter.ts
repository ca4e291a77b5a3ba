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
  /** Where the window lives; default this process's memory. A shared store makes every process see one window. */
  store?: LimiterStore | undefined;
}

/** A window's state: when it ends, the requests left in it, and until when the provider refused us (epoch ms). */
export interface LimiterState {
  windowEnd: number;
  left: number;
  blockedUntil: number;
}

/**
 * Storage of one limiter's state; `update` reads, changes and writes it atomically (across processes if shared).
 * `fn` returns no state when it changed nothing.
 */
export interface LimiterStore {
  update<T>(fn: (state: LimiterState | undefined) => { state?: LimiterState | undefined; result: T }): T;
}

/** Never trust a provider's "come back at" further out than this (a wrong clock must not stop a run for days). */
export const MAX_BLOCK_MS = 3_600_000;

export function memoryLimiterStore(): LimiterStore {
  let current: LimiterState | undefined;
  return {
    update(fn) {
      const { state, result } = fn(current);
      if (state) current = state;
      return result;
    },
  };
}

export function createProviderLimiter(opts: LimiterOptions): ProviderLimiter {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError(`limit must be a positive integer, got ${opts.limit}`);
  const limit = opts.limit;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const store = opts.store ?? memoryLimiterStore();
  /** The state at `t`, a new window opened when the last one is over. */
  const current = (s: LimiterState | undefined, t: number): LimiterState => {
    const st = s ?? { windowEnd: 0, left: limit, blockedUntil: 0 };
    return t >= st.windowEnd ? { windowEnd: t + windowMs, left: limit, blockedUntil: st.blockedUntil } : { ...st };
  };

  return {
    limit,
    take() {
      const t = now();
      return store.update((s) => {
        if (s && t < s.blockedUntil) return { result: s.blockedUntil };
        const st = current(s, t);
        if (st.left > 0) {
          st.left--;
          return { state: st, result: 0 };
        }
        return { state: st, result: st.windowEnd };
      });
    },
    observe({ remaining, resetAt }) {
      const t = now();
      if (resetAt !== undefined && resetAt <= t) return; // an answer from a window that is already over
      store.update((s) => {
        const st = current(s, t);
        // The provider's window is the one that counts: end ours when theirs ends.
        if (resetAt !== undefined) st.windowEnd = Math.min(resetAt, t + MAX_BLOCK_MS);
        if (remaining !== undefined && Number.isFinite(remaining)) st.left = Math.max(0, Math.min(st.left, Math.floor(remaining)));
        return { state: st, result: undefined };
      });
    },
    block(retryAt) {
      const t = now();
      const until = Math.min(Math.max(retryAt, t), t + MAX_BLOCK_MS);
      store.update((s) => {
        const blockedUntil = Math.max(s?.blockedUntil ?? 0, until);
        // The provider named when its window reopens: ours ends then too (and a fresh one starts after it).
        return { state: { windowEnd: blockedUntil, left: 0, blockedUntil }, result: undefined };
      });
    },
    readyAt() {
      const t = now();
      return store.update((s) => {
        if (!s || (t >= s.blockedUntil && (t >= s.windowEnd || s.left > 0))) return { result: t };
        return { result: t < s.blockedUntil ? s.blockedUntil : s.windowEnd };
      });
    },
  };
}

/**
 * One limiter per provider name and API key, shared by everything in the process that calls that provider;
 * `storeFor` (the database) shares each window with every other process on the same database too.
 */
export function createLimiterRegistry(opts: { now?: () => number; storeFor?: (provider: string, apiKey: string) => LimiterStore } = {}) {
  const limiters = new Map<string, ProviderLimiter>();
  return {
    get(provider: string, apiKey: string, limit: number): ProviderLimiter {
      const key = `${provider}\u0000${apiKey}`;
      let l = limiters.get(key);
      if (!l) {
        l = createProviderLimiter({ limit, ...(opts.now ? { now: opts.now } : {}), store: opts.storeFor?.(provider, apiKey) });
        limiters.set(key, l);
      }
      return l;
    },
  };
}
export type LimiterRegistry = ReturnType<typeof createLimiterRegistry>;
