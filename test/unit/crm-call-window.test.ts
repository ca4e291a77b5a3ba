// The shared CRM call window's arithmetic (src/lib/call-window.ts) and the HubSpot limiter over the in-memory store.
import { describe, expect, it } from 'vitest';
import { SharedWindowLimiter } from '../../connectors/hubspot/limiter.js';
import { createMemoryCallWindowStore, emptyWindow, parseSlots, takeSlot } from '../../src/lib/call-window.js';
import { fixedClock } from '../../src/lib/clock.js';

describe('call window arithmetic', () => {
  it('when the window is full, then the wait runs to the earliest slot end, after which an expired slot makes room', () => {
    let w = emptyWindow();
    for (const [id, end] of [['a', 500], ['b', 1_500], ['c', 2_500]] as const) w = takeSlot(w, id, 3, 0, end).state;
    const full = takeSlot(w, 'd', 3, 400, 9_000);
    expect(full.waitMs).toBe(100);
    expect(full.state.slots.map((s) => s[0])).toEqual(['a', 'b', 'c']);
    const later = takeSlot(w, 'd', 3, 500, 9_000);
    expect(later.waitMs).toBe(0);
    expect(later.state.slots).toEqual([['b', 1_500], ['c', 2_500], ['d', 9_000]]);
  });

  it('when max was lowered below the slots held, then the wait runs until enough of them have ended', () => {
    let w = emptyWindow();
    for (const [id, end] of [['a', 100], ['b', 200], ['c', 300]] as const) w = takeSlot(w, id, 3, 0, end).state;
    expect(takeSlot(w, 'd', 1, 0, 1_000).waitMs).toBe(300);
  });

  it('when the stored slots are not valid JSON pairs, then they count as none', () => {
    expect(parseSlots('not json')).toEqual([]);
    expect(parseSlots('[["a", 5], ["b"], 3, [1, 2]]')).toEqual([['a', 5]]);
  });
});

describe('SharedWindowLimiter', () => {
  it('when several callers wait in one process, then they are served in order as slots leave the window', async () => {
    const clock = fixedClock(0);
    const l = new SharedWindowLimiter({ store: createMemoryCallWindowStore(), key: 'k', max: 1, windowMs: 100, holdMs: 1_000, now: clock.now, pollMs: 2 });
    const order: number[] = [];
    const first = await l.acquire();
    const waiting = [1, 2, 3].map((n) =>
      l.acquire().then((s) => {
        order.push(n);
        s.release();
      }),
    );
    first.release();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(100);
    }
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
  });

  it('when the portal is paused, then no slot is handed out before the pause ends', async () => {
    const clock = fixedClock(0);
    const l = new SharedWindowLimiter({ store: createMemoryCallWindowStore(), key: 'k', max: 5, windowMs: 100, holdMs: 1_000, now: clock.now, pollMs: 2 });
    l.pause(1_000);
    let served = false;
    const waiting = l.acquire().then((s) => {
      served = true;
      s.release();
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(served).toBe(false);
    clock.advance(1_000);
    await waiting;
    expect(served).toBe(true);
  });
});
