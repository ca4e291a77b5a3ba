// The in-memory hand-over of a new API key from the POST to the GET after it: once, per session, short-lived.
import { describe, expect, it } from 'vitest';
import { createKeyReveal, KEY_REVEAL_TTL_MS } from '../../src/admin/key-reveal.js';
import { fixedClock } from '../../src/lib/clock.js';

describe('when a new API key waits for the page that shows it', () => {
  it('then it is taken once, by its own session only', () => {
    const r = createKeyReveal(fixedClock(0));
    r.put('session-a', { key: 'gtm_live_a', account: 'acme' });
    expect(r.take('session-b')).toBeNull();
    expect(r.take('session-a')).toEqual({ key: 'gtm_live_a', account: 'acme' });
    expect(r.take('session-a')).toBeNull();
  });

  it('then it is forgotten when nobody takes it in time', () => {
    const clock = fixedClock(1_000);
    const r = createKeyReveal(clock);
    r.put('s', { key: 'gtm_live_late', account: 'acme' });
    r.put('t', { key: 'gtm_live_other', account: 'acme' });
    clock.advance(KEY_REVEAL_TTL_MS - 1);
    expect(r.take('t')).toEqual({ key: 'gtm_live_other', account: 'acme' });
    clock.advance(1);
    expect(r.take('s')).toBeNull();
    expect(r.size()).toBe(0);
  });
});
