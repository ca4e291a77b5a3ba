// The progress line of `crm-enrich sync` says when a run waits for a provider's rate limit.
import { describe, expect, it } from 'vitest';
import { createProgress, rateLimitNote } from '../../src/lib/progress.js';

describe('rate-limit note', () => {
  it('names the provider as users know it and the seconds left, rounded up', () => {
    expect(rateLimitNote('peopledatalabs', 1_000_000 + 22_100, 1_000_000)).toBe('PDL rate limit, resumes in 23 s');
    expect(rateLimitNote('apollo', 1_000_000 + 1, 1_000_000)).toBe('Apollo rate limit, resumes in 1 s');
  });

  it('says nothing when the run is not waiting, or the wait is over', () => {
    expect(rateLimitNote(null, null, 1_000_000)).toBeNull();
    expect(rateLimitNote('peopledatalabs', 999_999, 1_000_000)).toBeNull();
  });

  it('when given, the note ends the progress line', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
    let t = 0;
    const p = createProgress('hubspot backfill', stream, () => t);
    t = 5_000;
    p.update(300, 1_000, 'PDL rate limit, resumes in 23 s');
    expect(lines[0]).toMatch(/^hubspot backfill \[#+\.+\] 300\/1000 60\.0\/s eta 12s — PDL rate limit, resumes in 23 s\n$/);
  });
});
