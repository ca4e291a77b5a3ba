// Progress off a terminal (a log file, CI): a line only when something changed, and finish() does not repeat it.
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/lib/progress.js';

function logStream(lines: string[]): NodeJS.WriteStream {
  return { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
}

describe('progress when stderr is not a terminal', () => {
  it('when nothing changed between updates, then no line repeats; a change prints after 2 s', () => {
    const lines: string[] = [];
    let t = 0;
    const p = createProgress('hubspot backfill', logStream(lines), () => t);
    t = 2_000;
    p.update(100, 1_000);
    for (t = 3_000; t <= 20_000; t += 1_000) p.update(100, 1_000);
    expect(lines).toHaveLength(1);
    t = 21_000;
    p.update(200, 1_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hubspot backfill \[#+\.+\] 200\/1000 /);
  });

  it('when a wait counts down, then the seconds alone do not make a new line', () => {
    const lines: string[] = [];
    let t = 0;
    const p = createProgress('sync', logStream(lines), () => t);
    for (let s = 60; s > 40; s--) {
      t += 2_000;
      p.update(300, 1_000, `PDL rate limit, resumes in ${s} s`);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/— PDL rate limit, resumes in 60 s\n$/);
  });

  it('when it finishes on the line already printed, then that line is not printed again; otherwise the final count is', () => {
    const lines: string[] = [];
    let t = 0;
    const p = createProgress('import', logStream(lines), () => t);
    t = 2_000;
    p.update(11, 11);
    p.finish();
    expect(lines).toHaveLength(1);

    const more: string[] = [];
    t = 0;
    const q = createProgress('import', logStream(more), () => t);
    t = 2_000;
    q.update(5, 11);
    t = 2_500;
    q.update(11, 11);
    q.finish();
    expect(more).toHaveLength(2);
    expect(more[1]).toMatch(/^import \[#+\] 11\/11 /);
  });

  it('on a terminal, then it redraws in place and finish ends the line', () => {
    const out: string[] = [];
    const tty = { isTTY: true, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    let t = 0;
    const p = createProgress('x', tty, () => t);
    t = 1_000;
    p.update(1, 2);
    p.update(2, 2);
    p.finish();
    expect(out.every((s) => s.startsWith('\r'))).toBe(true);
    expect(out.at(-1)).toMatch(/\n$/);
  });
});
