// A sliding-log limiter: at most `max` requests in any rolling `windowMs`, as HubSpot counts them per portal
// (TEN_SECONDLY_ROLLING, and SECONDLY for search; docs/hubspot.md §5).
//
// A slot is held from the moment a request is sent until `windowMs` after it settled. HubSpot stamps a request
// somewhere between our send and our seeing the response, so counting from the settle time (not the send time)
// guarantees that HubSpot never sees more than `max` of our requests inside one window, whatever the latency.
// Time comes from performance.now(): waits are real timers, so an injected (possibly frozen) test clock must not
// drive them.

export interface Slot {
  /** Frees the slot `windowMs` after now; idempotent. */
  release(): void;
}

interface Held {
  /** performance.now() value after which the slot is free; Infinity while the request is in flight. */
  until: number;
}

export class SlidingWindowLimiter {
  private held: Held[] = [];
  private readonly waiters: (() => void)[] = [];
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`rate limit max must be a positive integer, got ${max}`);
    if (!(windowMs > 0)) throw new Error(`rate limit window must be positive, got ${windowMs}`);
  }

  /** Resolves once a slot is free (FIFO). */
  acquire(): Promise<Slot> {
    return new Promise<Slot>((resolve) => {
      this.waiters.push(() => {
        const held: Held = { until: Infinity };
        this.held.push(held);
        let done = false;
        resolve({
          release: () => {
            if (done) return;
            done = true;
            held.until = this.now() + this.windowMs;
            this.pump();
          },
        });
      });
      this.pump();
    });
  }

  /** HubSpot said "too many": admit nothing new for `ms` (requests in flight keep their slots). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.pump();
  }

  /** Requests currently counted against the window (in flight or settled less than windowMs ago). */
  inUse(): number {
    this.prune(this.now());
    return this.held.length;
  }

  private prune(now: number): void {
    if (this.held.some((h) => h.until <= now)) this.held = this.held.filter((h) => h.until > now);
  }

  private pump(): void {
    const now = this.now();
    this.prune(now);
    while (this.waiters.length > 0 && now >= this.pausedUntil && this.held.length < this.max) {
      this.waiters.shift()?.();
    }
    if (this.waiters.length === 0) return;
    // Wake up when the pause ends or the oldest settled slot leaves the window; slots still in flight wake us
    // through release().
    let wakeAt = now < this.pausedUntil ? this.pausedUntil : Infinity;
    if (this.held.length >= this.max) {
      const nextFree = Math.min(...this.held.map((h) => h.until));
      wakeAt = Math.max(wakeAt === Infinity ? 0 : wakeAt, nextFree);
    }
    if (wakeAt === Infinity || (this.timer && this.timerAt <= wakeAt)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = wakeAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(1, Math.ceil(wakeAt - now)));
  }
}
