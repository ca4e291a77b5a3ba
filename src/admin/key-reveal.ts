// A new API key between the POST that creates it and the GET that shows it (Post/Redirect/Get: a refresh must
// not create a second key). The key is never put in a URL, a cookie or the database (the session's flash is a
// database column): it waits here, in this process's memory, for at most a couple of minutes, bound to the
// admin session that created it, and is handed out once.
import type { Clock } from '../lib/clock.js';

export const KEY_REVEAL_TTL_MS = 2 * 60_000;

export interface RevealedKey {
  key: string;
  account: string;
}

export function createKeyReveal(clock: Clock, ttlMs = KEY_REVEAL_TTL_MS) {
  const pending = new Map<string, RevealedKey & { until: number }>();

  function sweep(now: number): void {
    for (const [k, v] of pending) if (v.until <= now) pending.delete(k);
  }

  return {
    /** Keeps the key for the session's next page (a second key replaces the first, which was never shown). */
    put(sessionIdHash: string, k: RevealedKey): void {
      const now = clock.now();
      sweep(now);
      pending.set(sessionIdHash, { ...k, until: now + ttlMs });
    },
    /** The key once, then never again; null when there is none or it expired. */
    take(sessionIdHash: string): RevealedKey | null {
      const now = clock.now();
      sweep(now);
      const v = pending.get(sessionIdHash);
      pending.delete(sessionIdHash);
      return v ? { key: v.key, account: v.account } : null;
    },
    size: () => pending.size,
  };
}
export type KeyReveal = ReturnType<typeof createKeyReveal>;
