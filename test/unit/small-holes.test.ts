// Small edges that each let something through: 6-field (per-second) cron expressions, CSV cells a spreadsheet
// would evaluate, and names with control or bidirectional-override characters.
import { describe, expect, it } from 'vitest';
import { cronProblems } from '../../src/sync/schedules.js';
import { csvCell, creditsCsv } from '../../src/admin/views/credits.js';
import { hasUnprintable, printableName } from '../../src/lib/text.js';
import { canonicalEmail } from '../../src/enrichment/normalize.js';

describe('cron expressions', () => {
  it('accepts five fields and refuses six (a seconds field would run a sync every second)', () => {
    expect(cronProblems('0 6 * * *')).toEqual([]);
    expect(cronProblems('* * * * * *')).toEqual(['a cron expression has 5 fields (minute hour day month weekday)']);
    expect(cronProblems('*/1 0 6 * * *')).not.toEqual([]);
  });
});

describe('CSV cells', () => {
  it('neutralises and quotes every cell a spreadsheet could evaluate, ;-led ones included', () => {
    for (const v of ['=1+1', '+1', '-1+2', '@SUM(A1)', ';=cmd|x', '\t=1', '\r=1', '  =1', '\u00a0=1', '＝1']) {
      const cell = csvCell(v);
      expect(cell.startsWith(`"'`), JSON.stringify(v)).toBe(true);
      expect(cell.endsWith('"')).toBe(true);
    }
    expect(csvCell('Acme; Inc')).toBe('"Acme; Inc"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(-5)).toBe('-5');
    const csv = creditsCsv([{ day: '2026-12-01', account: ';=HYPERLINK("http://evil")', account_id: 'acc_1', requests: 1, found: 1, cache_hits: 0, credits: 3 }]);
    expect(csv.split('\r\n')[1]).toBe(`2026-12-01,"';=HYPERLINK(""http://evil"")",acc_1,1,1,0,3`);
  });
});

describe('control and bidi characters', () => {
  it('are refused in names and labels and in emails', () => {
    for (const bad of ['a\u0000b', 'txt\u202eexe', 'a\u2066b', 'a\u001bb', 'a\u007fb', 'a\u200fb']) {
      expect(hasUnprintable(bad), JSON.stringify(bad)).toBe(true);
      expect(printableName(100, 'the name').safeParse(bad).success).toBe(false);
    }
    expect(printableName(100, 'the name').safeParse('Acme GmbH — Müller & Søn 😀').success).toBe(true);
    for (const bad of ['john\u0000@acme.com', 'john\u202e@acme.com', 'jo\u200bhn@acme.com', 'john\u0007@acme.com']) expect(canonicalEmail(bad), JSON.stringify(bad)).toBeNull();
    expect(canonicalEmail('John.Doe@Acme.com')).toBe('john.doe@acme.com');
  });
});
