// Per-portal rate limits (docs/hubspot.md §5): TEN_SECONDLY_ROLLING for API calls, SECONDLY for CRM search.
import { correlationId } from './errors.js';
import type { FakeRequest } from './state.js';

/** Rolling-window counter per key; only accepted calls occupy the window. */
export class RollingWindow {
  private readonly hits = new Map<number, { times: number[]; head: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Admits the call at `at` (epoch ms) if the window has room; returns the remaining budget afterwards. */
  tryAcquire(key: number, at: number): { ok: boolean; remaining: number } {
    let q = this.hits.get(key);
    if (!q) {
      q = { times: [], head: 0 };
      this.hits.set(key, q);
    }
    const floor = at - this.windowMs;
    while (q.head < q.times.length && (q.times[q.head] ?? 0) <= floor) q.head++;
    if (q.head > 1024 && q.head * 2 > q.times.length) {
      q.times = q.times.slice(q.head);
      q.head = 0;
    }
    const used = q.times.length - q.head;
    if (used >= this.max) return { ok: false, remaining: 0 };
    q.times.push(at);
    return { ok: true, remaining: this.max - used - 1 };
  }

  reset(): void {
    this.hits.clear();
  }
}

export function tenSecondlyBody(groupName: string): Record<string, unknown> {
  return {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: correlationId(),
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName,
  };
}

export function secondlyBody(groupName: string): Record<string, unknown> {
  return {
    status: 'error',
    message: 'You have reached your secondly limit.',
    errorType: 'RATE_LIMIT',
    correlationId: correlationId(),
    policyName: 'SECONDLY',
    groupName,
  };
}

export function rateLimitHeaders(max: number, remaining: number, windowMs: number): Record<string, string> {
  return {
    'X-HubSpot-RateLimit-Max': String(max),
    'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(windowMs),
  };
}

/** Largest number of `kind: 'api'` requests received inside any window of `windowMs` (closed-open). */
export function maxInWindow(requests: readonly FakeRequest[], windowMs: number): number {
  const times = requests
    .filter((r) => r.kind === 'api')
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    const t = times[hi] ?? 0;
    while ((times[lo] ?? 0) <= t - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
