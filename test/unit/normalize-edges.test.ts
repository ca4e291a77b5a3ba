// Normalisation at its edges: untyped input, the LinkedIn and mailto forms near the valid ones, partial and
// malformed dates, employer keys, title casing around separators and compounds, and job-change derivation when
// positions share a start, an end or an employer, or lack dates. Found by npm run mutate -- normalize.
import { describe, expect, it } from 'vitest';
import { emptyProfile, type Experience, type Profile } from '../../src/enrichment/contract.js';
import {
  canonicalEmail,
  canonicalLinkedInUrl,
  companyKey,
  countryCode,
  deriveJobChange,
  normalizeProfile,
  parseProfileDate,
  titleCase,
} from '../../src/enrichment/normalize.js';

const NOW = new Date('2026-11-26T10:00:00Z');
const OPTS = { windowDays: 90, now: NOW };
const JD = 'https://www.linkedin.com/in/johndoe';
const job = (company: string, title: string, start: string, end = '', is_current = end === ''): Experience => ({ company, title, start_date: start, end_date: end, is_current });
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('identifiers', () => {
  it('when a value is not a string (an untyped JSON row), then it is no email, no LinkedIn URL and no country', () => {
    for (const v of [42, null, undefined, {}, ['a@b.co']] as unknown[]) {
      expect(canonicalEmail(v as string)).toBeNull();
      expect(canonicalLinkedInUrl(v as string)).toBeNull();
      expect(countryCode(v as string)).toBeNull();
    }
  });

  it('when a mailto: link has a space after the colon, then the address is still read', () => {
    expect(canonicalEmail('mailto: Ann@Example.org ')).toBe('ann@example.org');
  });

  it('when a scheme-less LinkedIn URL has a colon in its query, then it is still a profile', () => {
    expect(canonicalLinkedInUrl('linkedin.com/in/johndoe?trk=a:b')).toBe(JD);
  });

  it('when a LinkedIn URL cannot be parsed at all (a bad port), then null, not an exception', () => {
    expect(canonicalLinkedInUrl('https://www.linkedin.com:99999/in/johndoe')).toBeNull();
  });

  it('when a path only looks like a legacy /pub/ URL, then it is no profile', () => {
    for (const url of [
      'https://www.linkedin.com/school/jane-doe/a7/576/b50', // not /pub/
      'https://www.linkedin.com/pub/jane-doe/zz/576/b50', // one part not hex
      'https://www.linkedin.com/pub/jane-doe/xa7/576/b50', // hex only at the end
      'https://www.linkedin.com/pub/jane-doe/a7/576/b50zz', // hex only at the start
      'https://www.linkedin.com/pub/jane-doe/a7/576', // a part missing
    ]) {
      expect(canonicalLinkedInUrl(url), url).toBeNull();
    }
  });

  it('when a country is written Ste. or St., then it is Saint', () => {
    expect(countryCode('Ste. Lucia')).toBe('LC');
    expect(countryCode('St Kitts & Nevis')).toBe('KN');
  });
});

describe('parseProfileDate', () => {
  it('reads December, a value with spaces around it, and a time part; refuses anything around or inside the date', () => {
    expect(parseProfileDate('2026-12')).toBe(day('2026-12-01'));
    expect(parseProfileDate(' 2026-10 ')).toBe(day('2026-10-01'));
    expect(parseProfileDate('2026-10-05T23:59:59Z')).toBe(day('2026-10-05'));
    for (const bad of ['x2026', '2026-10x', '2026-13', '2026-00', '2026-02-30', '2026-04-31', '2026-1-0']) expect(parseProfileDate(bad), bad).toBeNull();
  });
});

describe('companyKey', () => {
  it('is the folded words without trailing legal forms; & is "and"; a name that is only a legal form is kept; no name is empty', () => {
    expect(companyKey('Acme Labs, Inc.')).toBe('acme labs');
    expect(companyKey('Procter & Gamble')).toBe(companyKey('Procter and Gamble'));
    expect(companyKey('Company')).toBe('company');
    expect(companyKey('AG')).toBe('ag');
    expect(companyKey('"Acme" (Inc.)')).toBe('acme');
    expect(companyKey(null)).toBe('');
    expect(companyKey(undefined)).toBe('');
  });
});

describe('titleCase', () => {
  it('capitalises the first word after a colon, a lone slash or an opening bracket', () => {
    expect(titleCase('head of sales: the americas')).toBe('Head of Sales: The Americas');
    expect(titleCase('sales / the americas')).toBe('Sales / The Americas');
    expect(titleCase('partner (of counsel)')).toBe('Partner (Of Counsel)');
  });

  it('capitalises the first part of a compound even when it is a small word, and keeps acronyms inside compounds', () => {
    expect(titleCase('head of e-commerce')).toBe('Head of E-Commerce');
    expect(titleCase('director, b2b-saas sales')).toBe('Director, B2B-SaaS Sales');
  });

  it('gives Mc and O\' names their inner capital only at the start of a word', () => {
    expect(titleCase('emcee')).toBe('Emcee');
    expect(titleCase("po'boy chef")).toBe("Po'boy Chef");
    expect(titleCase('mcdonald')).toBe('McDonald');
  });
});

describe('deriveJobChange, positions that share dates or employers', () => {
  it('when the current job is not listed first, then the latest-started current position is still the job; one with no start ranks last', () => {
    const r = deriveJobChange(
      [job('Side Gig', 'Advisor', ''), job('Northwind', 'VP Sales', '2026-10'), job('Board Co', 'Board Member', '2024-01'), job('Contoso', 'Director', '2020-01', '2026-09')],
      OPTS,
    );
    expect(r).toEqual({ recent_job_change: true, job_change_date: '2026-10-01', previous_company: 'Contoso', previous_title: 'Director' });
  });

  it('when a position started the same month as the current job, then it still counts as an earlier one', () => {
    const r = deriveJobChange([job('Northwind', 'VP Sales', '2026-10'), job('Contoso', 'Interim Director', '2026-10', '2026-10')], OPTS);
    expect(r.previous_company).toBe('Contoso');
  });

  it('when earlier positions overlap, then previous is the one that ended last, then the one that started last', () => {
    const endedLast = deriveJobChange([job('Now', 'CEO', '2026-10'), job('Long', 'COO', '2015-01', '2026-06'), job('Short', 'CFO', '2018-01', '2020-01')], OPTS);
    expect(endedLast.previous_company).toBe('Long');
    const sameEnd = deriveJobChange([job('Now', 'CEO', '2026-10'), job('Early', 'COO', '2015-01', '2026-06'), job('Late', 'CFO', '2019-01', '2026-06')], OPTS);
    expect(sameEnd.previous_company).toBe('Late');
  });

  it('when earlier roles at the current employer overlap, then the tenure starts at the earliest of them', () => {
    const r = deriveJobChange(
      [job('Acme', 'VP', '2026-10'), job('Acme', 'Director', '2019-01', '2026-09'), job('Acme', 'Project Lead', '2021-01', '2022-01'), job('Globex', 'Manager', '2015-01', '2018-12')],
      OPTS,
    );
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2019-01-01', previous_company: 'Globex', previous_title: 'Manager' });
  });

  it('when another current role at the same employer has no start, then the tenure is still dated by the known starts', () => {
    const r = deriveJobChange([job('Acme', 'VP', '2026-10'), job('Acme', 'Advisor', ''), job('Globex', 'Manager', '2015-01', '2026-09')], OPTS);
    expect(r).toEqual({ recent_job_change: true, job_change_date: '2026-10-01', previous_company: 'Globex', previous_title: 'Manager' });
  });

  it('when the current job has no start, then there is no change date, even if an earlier role at the same employer has one', () => {
    const r = deriveJobChange([job('Acme', 'VP', ''), job('Acme', 'Director', '2026-10', '2026-11'), job('Globex', 'Manager', '2015-01', '2026-09')], OPTS);
    expect(r).toMatchObject({ recent_job_change: false, job_change_date: null, previous_company: 'Globex' });
  });

  it('when every known position is at the current employer, then joining it is no job change, however recent', () => {
    const r = deriveJobChange([job('Acme', 'Team Lead', '2026-11'), job('Acme', 'Engineer', '2026-09', '2026-10')], OPTS);
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2026-11-01', previous_company: 'Acme', previous_title: 'Engineer' });
  });
});

describe('normalizeProfile, stated facts and small fields', () => {
  const base = (over: Partial<Profile> = {}): Profile => ({ ...emptyProfile(), full_name: 'Ada Lovelace', experience: [], ...over });

  it('when a stated recent change has a date it cannot parse, then the change is trusted and the date kept as given', () => {
    expect(normalizeProfile(base({ recent_job_change: true, job_change_date: 'last month' }), OPTS)).toMatchObject({ recent_job_change: true, job_change_date: 'last month' });
  });

  it('when a stated change is dated today or exactly the window ago, then it is still recent; a day older, or a future date, is not', () => {
    const at = (date: string) => normalizeProfile(base({ recent_job_change: true, job_change_date: date }), OPTS).recent_job_change;
    expect([at('2026-11-26'), at('2026-08-28'), at('2026-08-27')]).toEqual([true, true, false]);
    // A date in the future is not a change yet.
    expect(at('2026-12-15')).toBe(false);
  });

  it('when a stated date is not recent and there is no history, then it is kept in the YYYY-MM-DD form', () => {
    expect(normalizeProfile(base({ recent_job_change: false, job_change_date: '2024-5-7' }), OPTS).job_change_date).toBe('2024-05-07');
  });

  it('builds a full name from trimmed parts', () => {
    expect(normalizeProfile(base({ full_name: null, first_name: ' Ada ', last_name: 'Lovelace ' }), OPTS).full_name).toBe('Ada Lovelace');
  });

  it('treats skills that differ only in case or in runs of spaces as one (first spelling kept), and nothing else', () => {
    expect(normalizeProfile(base({ skills: ['Machine Learning', 'machine  learning', 'Data Base', 'Database'] }), OPTS).skills).toEqual(['Machine Learning', 'Data Base', 'Database']);
  });

  it('orders current positions first and each group newest start first', () => {
    const out = normalizeProfile(
      // Side is current but started before Mid ended: current positions still come first.
      base({ experience: [job('Old', 'a', '2010-01', '2012-01'), job('Side', 'b', '2013-01'), job('Mid', 'c', '2015-01', '2019-01'), job('Main', 'd', '2024-01')] }),
      OPTS,
    );
    expect(out.experience.map((e) => e.company)).toEqual(['Main', 'Side', 'Mid', 'Old']);
  });
});
