// A sliding-log limiter: at most `max` requests in any rolling `windowMs`, as HubSpot counts them per portal
// (TEN_SECONDLY_ROLLING, and SECONDLY for search; docs/hubspot.md §5).
//
// A slot is held from the moment a request is sent until `windowMs` after it settled. HubSpot stamps a request
// somewhere between our send and our seeing the response, so counting from the settle time (not the send time)
// guarantees that HubSpot never sees more than `max` of our requests inside one window, whatever the latency.
// Time comes from performance.now(): waits are real timers, so an injected (possibly frozen) test clock must not
// drive them.

import { randomUUID } from 'node:crypto';
import type { CallWindowStore } from '../types.js';

export interface Slot {
  /** Frees the slot `windowMs` after now; idempotent. */
  release(): void;
}

interface Held {
  /** performance.now() value after which the slot is free; Infinity while the request is in flight. */
  until: number;
}

export class SlidingWindowLimiter implements WindowLimiter {
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

/** What the caller needs of a portal's limiter, in memory or shared. */
export interface WindowLimiter {
  readonly windowMs: number;
  acquire(): Promise<Slot>;
  pause(ms: number): void;
}

export interface SharedWindowLimiterOptions {
  store: CallWindowStore;
  /** The window's key in the store, e.g. 'hubspot:<portal>:api'. */
  key: string;
  max: number;
  windowMs: number;
  /** How long a slot stays held when its holder never releases it (a crashed node): the call timeout + windowMs. */
  holdMs: number;
  /** Epoch ms, the same on every node (Date.now by default; tests inject a clock). */
  now?: () => number;
  /** A slot freed by another process wakes nobody here: waiters poll the store at least this often (default 250). */
  pollMs?: number;
}

/** The same sliding window as SlidingWindowLimiter, held in a CallWindowStore shared by every process calling the
 * portal: a slot is taken in the store (held while in flight), released to `settled + windowMs`, and a pause after a
 * 429 holds back every process. Waiters of this process are served FIFO; only the first one asks the store. */
export class SharedWindowLimiter implements WindowLimiter {
  readonly windowMs: number;
  private readonly waiters: { resolve: (s: Slot) => void; reject: (e: unknown) => void }[] = [];
  private readonly now: () => number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: SharedWindowLimiterOptions) {
    if (!Number.isInteger(o.max) || o.max < 1) throw new Error(`rate limit max must be a positive integer, got ${o.max}`);
    if (!(o.windowMs > 0)) throw new Error(`rate limit window must be positive, got ${o.windowMs}`);
    this.windowMs = o.windowMs;
    this.now = o.now ?? (() => Date.now());
    this.pollMs = o.pollMs ?? 250;
  }

  acquire(): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.timer) this.pump();
    });
  }

  pause(ms: number): void {
    try {
      this.o.store.pause(this.o.key, Math.ceil(this.now() + ms));
    } catch {
      // The store failed: the retry's take meets the same failure and reports it to its caller.
    }
  }

  private pump(): void {
    this.timer = undefined;
    while (this.waiters.length > 0) {
      const id = randomUUID();
      let wait: number;
      try {
        const now = this.now();
        wait = this.o.store.take(this.o.key, id, this.o.max, now, Math.ceil(now + this.o.holdMs));
      } catch (e) {
        // The store failed (database gone or locked past its timeout): the first waiter gets the error.
        this.waiters.shift()?.reject(e);
        continue;
      }
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, Math.min(Math.ceil(wait), this.pollMs)));
        return;
      }
      this.waiters.shift()?.resolve(this.slot(id));
    }
  }

  private slot(id: string): Slot {
    let done = false;
    return {
      release: () => {
        if (done) return;
        done = true;
        try {
          this.o.store.release(this.o.key, id, Math.ceil(this.now() + this.windowMs));
        } catch {
          // The slot then ends at its hold limit instead: later, never earlier, so the window still holds.
        }
        if (this.waiters.length > 0 && this.timer) {
          clearTimeout(this.timer);
          this.pump();
        }
      },
    };
  }
}
