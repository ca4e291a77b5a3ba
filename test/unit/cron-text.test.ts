// The plain-English reading of the schedules page: each common shape, names and ranges, both day fields, and
// that every preset reads as its label says and is a valid expression.
import { describe, expect, it } from 'vitest';
import { CRON_PRESETS, describeCron } from '../../src/lib/cron-text.js';
import { cronProblems } from '../../src/sync/schedules.js';

describe('when a cron expression is read aloud', () => {
  it.each([
    ['* * * * *', 'Every minute (UTC)'],
    ['*/15 * * * *', 'Every 15 minutes (UTC)'],
    ['0 * * * *', 'Every hour at :00 (UTC)'],
    ['5 */6 * * *', 'Every 6 hours at :05 (UTC)'],
    ['0 2 * * *', 'Every day at 02:00 (UTC)'],
    ['17 4 * * *', 'Every day at 04:17 (UTC)'],
    ['0 6,18 * * *', 'Every day at 06:00 and 18:00 (UTC)'],
    ['0 6 * * 1', 'At 06:00 on every Monday (UTC)'],
    ['0 6 * * 1-5', 'At 06:00 on every Monday to Friday (UTC)'],
    ['30 9 * * mon,thu', 'At 09:30 on every Monday and Thursday (UTC)'],
    ['0 0 * * 7', 'At 00:00 on every Sunday (UTC)'],
    ['0 3 1 * *', 'At 03:00 on day 1 of the month (UTC)'],
    ['0 3 1,15 * *', 'At 03:00 on days 1 and 15 of the month (UTC)'],
    ['0 3 1 * 1', 'At 03:00 on day 1 of the month and on every Monday (UTC)'],
    ['0 8 * 1-3 *', 'At 08:00 in January to March (UTC)'],
    ['15 9-17 * * 1-5', 'Every hour at :15 from 09:15 to 17:15 on every Monday to Friday (UTC)'],
  ])('then “%s” reads “%s”', (expr, text) => {
    expect(cronProblems(expr)).toEqual([]);
    expect(describeCron(expr)).toBe(text);
  });

  it('then a field without a phrase is quoted rather than guessed', () => {
    expect(describeCron('1-10/2 * * * *')).toBe('At minute “1-10/2” of hour “*” (UTC)');
    expect(describeCron('0 6 * * 1/2')).toBe('At 06:00 on weekday “1/2” (UTC)');
  });

  it('then anything but five fields has no reading', () => {
    expect(describeCron('')).toBeNull();
    expect(describeCron('0 6 * *')).toBeNull();
    expect(describeCron('0 0 6 * * 1')).toBeNull();
  });

  it('then each preset is valid and reads as its label', () => {
    for (const p of CRON_PRESETS) expect(cronProblems(p.cron), p.cron).toEqual([]);
    expect(CRON_PRESETS.map((p) => [p.label, describeCron(p.cron)])).toEqual([
      ['Every 15 minutes', 'Every 15 minutes (UTC)'],
      ['Hourly', 'Every hour at :00 (UTC)'],
      ['Daily at 02:00', 'Every day at 02:00 (UTC)'],
      ['Weekdays at 06:00', 'At 06:00 on every Monday to Friday (UTC)'],
      ['Weekly, Monday at 06:00', 'At 06:00 on every Monday (UTC)'],
      ['Monthly, on the 1st at 03:00', 'At 03:00 on day 1 of the month (UTC)'],
    ]);
  });
});
