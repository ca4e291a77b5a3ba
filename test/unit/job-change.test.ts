import { describe, expect, it } from 'vitest';
import { emptyProfile, type Profile } from '../../src/enrichment/contract.js';
import { decideJobChange, type LastSeen } from '../../src/sync/job-change.js';

const NOW = Date.parse('2026-11-26T06:00:00Z');
const DAY = 86_400_000;
const opts = { now: NOW, windowDays: 90, clearFlags: true };
const profile = (over: Partial<Profile> = {}): Profile => ({ ...emptyProfile(), company: 'Initech', title: 'Head of Sales', ...over });
const seen = (over: Partial<LastSeen> = {}): LastSeen => ({ found: 1, company: 'Globex Corporation', title: 'Account Manager', job_change_flagged_at: null, ...over });

describe('decideJobChange', () => {
  it('when the company is the same employer spelled differently, then it is not a job change', () => {
    for (const [before, now] of [
      ['Acme, Inc.', 'Acme Inc'],
      ['ACME Inc', 'acme'],
      ['Globex Corporation', 'Globex Corp.'],
      ['Müller & Söhne GmbH', 'Muller and Sohne'],
    ]) {
      const d = decideJobChange(profile({ company: now }), seen({ company: before }), opts);
      expect(d, `${before} → ${now}`).toEqual({ values: null, clear: false, change: null, flaggedAt: null });
    }
  });

  it('when the company is another employer, then it is a change from what we saw last, dated by the profile or today', () => {
    const d = decideJobChange(profile({ job_change_date: '2026-10-01' }), seen(), opts);
    expect(d).toEqual({
      values: { recent_job_change: true, job_change_date: '2026-10-01', previous_company: 'Globex Corporation', previous_title: 'Account Manager' },
      clear: false,
      change: { previous_company: 'Globex Corporation', previous_title: 'Account Manager' },
      flaggedAt: NOW,
    });
    expect(decideJobChange(profile(), seen(), opts).values?.job_change_date).toBe('2026-11-26');
  });

  it('when the provider no longer knows the company, then it is not a change', () => {
    expect(decideJobChange(profile({ company: null }), seen(), opts)).toEqual({ values: null, clear: false, change: null, flaggedAt: null });
  });

  it('when we never saw the contact (or saw no company), then the fields mirror the profile and nothing is a change', () => {
    const flagged = profile({ recent_job_change: true, job_change_date: '2026-09-15', previous_company: 'Hooli', previous_title: 'Engineer' });
    for (const last of [undefined, seen({ found: 0 }), seen({ company: null })]) {
      expect(decideJobChange(flagged, last, opts)).toEqual({
        values: { recent_job_change: true, job_change_date: '2026-09-15', previous_company: 'Hooli', previous_title: 'Engineer' },
        clear: false,
        change: null,
        flaggedAt: NOW,
      });
    }
    // Not flagged: stale job-change facts of the profile are not written.
    const quiet = profile({ recent_job_change: false, job_change_date: '2019-01-01', previous_company: 'Hooli', previous_title: 'Engineer' });
    expect(decideJobChange(quiet, undefined, opts)).toEqual({
      values: { recent_job_change: false, job_change_date: null, previous_company: null, previous_title: null },
      clear: false,
      change: null,
      flaggedAt: null,
    });
  });

  it('when our flag is older than the window, then it is cleared (unless clearing is off); within the window it stays', () => {
    const old = seen({ company: 'Initech', job_change_flagged_at: NOW - 91 * DAY });
    expect(decideJobChange(profile(), old, opts)).toEqual({ values: null, clear: true, change: null, flaggedAt: null });
    expect(decideJobChange(profile(), old, { ...opts, clearFlags: false })).toEqual({ values: null, clear: false, change: null, flaggedAt: NOW - 91 * DAY });
    const edge = seen({ company: 'Initech', job_change_flagged_at: NOW - 90 * DAY });
    expect(decideJobChange(profile(), edge, opts)).toEqual({ values: null, clear: false, change: null, flaggedAt: NOW - 90 * DAY });
    const young = seen({ company: 'Initech', job_change_flagged_at: NOW - DAY });
    expect(decideJobChange(profile(), young, opts)).toEqual({ values: null, clear: false, change: null, flaggedAt: NOW - DAY });
  });
});
