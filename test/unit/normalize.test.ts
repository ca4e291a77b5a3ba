import { describe, expect, it } from 'vitest';
import { emptyProfile, Profile, type Experience } from '../../src/enrichment/contract.js';
import { EXTRA_COUNTRIES, ISO_COUNTRIES } from '../../src/enrichment/countries.js';
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

describe('canonicalEmail', () => {
  it.each([
    ['john.doe@acme.com', 'john.doe@acme.com'],
    ['  John.Doe@ACME.com ', 'john.doe@acme.com'],
    ['mailto:Ann.Lee@Example.org', 'ann.lee@example.org'],
    ['MAILTO:ann@example.org?subject=Hello', 'ann@example.org'],
    ['first+tag@sub.example.co.uk', 'first+tag@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['jürgen@münchen.example', 'jürgen@münchen.example'],
  ])('%j → %j', (input, expected) => {
    expect(canonicalEmail(input)).toBe(expected);
  });

  it.each([
    '', '   ', 'john', 'john@', '@acme.com', 'john@acme', 'john@acme.c', 'john doe@acme.com', 'john@ac me.com',
    'john@@acme.com', 'john@acme..com', 'John Doe <john@acme.com>', 'mailto:', 'true', 'john@-acme.com',
  ])('%j → null', (input) => {
    expect(canonicalEmail(input)).toBeNull();
  });
});

describe('canonicalLinkedInUrl', () => {
  const JD = 'https://www.linkedin.com/in/johndoe';
  it.each([
    ['https://www.linkedin.com/in/johndoe', JD],
    ['http://www.linkedin.com/in/johndoe', JD],
    ['https://linkedin.com/in/johndoe', JD], // the seed's own form
    ['linkedin.com/in/johndoe', JD], // PDL: no scheme
    ['www.linkedin.com/in/johndoe/', JD],
    ['HTTPS://WWW.LINKEDIN.COM/IN/JohnDoe', JD],
    ['https://www.linkedin.com/in/johndoe/', JD],
    ['https://de.linkedin.com/in/johndoe', JD],
    ['https://uk.linkedin.com/in/johndoe/?originalSubdomain=uk', JD],
    ['https://www.linkedin.com/in/johndoe?trk=public_profile&utm_source=x', JD],
    ['https://www.linkedin.com/in/johndoe#experience', JD],
    ['https://www.linkedin.com/in/johndoe/details/experience/', JD],
    ['https://www.linkedin.com/in/johndoe/en', JD],
    ['https://m.linkedin.com/in/johndoe', JD],
    ['  https://www.linkedin.com/in/johndoe  ', JD],
    ['//www.linkedin.com/in/johndoe', JD],
    ['https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller-4b2a1', 'https://www.linkedin.com/in/jürgen-müller-4b2a1'],
    ['https://www.linkedin.com/in/J%C3%BCrgen-M%C3%BCller-4B2A1/', 'https://www.linkedin.com/in/jürgen-müller-4b2a1'],
    ['https://de.linkedin.com/in/jürgen-müller-4b2a1', 'https://www.linkedin.com/in/jürgen-müller-4b2a1'],
    ['linkedin.com/in/sr49', 'https://www.linkedin.com/in/sr49'],
    // legacy public URLs redirect to /in/<name>-<c><b><a>, with b and c zero-padded to three
    ['https://sy.linkedin.com/pub/krzysztof-marzec/a7/576/b50?trk=biz_employee_pub', 'https://www.linkedin.com/in/krzysztof-marzec-b50576a7'],
    ['https://uk.linkedin.com/pub/abdi-ahmed/100/384/6b0', 'https://www.linkedin.com/in/abdi-ahmed-6b0384100'],
    ['http://www.linkedin.com/pub/jane-doe/8/a9/5', 'https://www.linkedin.com/in/jane-doe-0050a98'],
  ])('%j → %j', (input, expected) => {
    expect(canonicalLinkedInUrl(input)).toBe(expected);
  });

  it.each([
    '',
    'johndoe',
    'https://www.linkedin.com/',
    'https://www.linkedin.com/in/',
    'https://www.linkedin.com/company/acme',
    'https://www.linkedin.com/school/stanford-university/',
    'https://www.linkedin.com/sales/people/ACwAAA,NAME_SEARCH',
    'https://www.linkedin.com/feed/',
    'https://www.linkedin.com/pub/dir/john/doe',
    'https://www.linkedin.com/pub/jane-doe/zz/yy/xx',
    'https://twitter.com/in/johndoe',
    'https://linkedin.com.evil.example/in/johndoe',
    'https://notlinkedin.com/in/johndoe',
    'ftp://www.linkedin.com/in/johndoe',
    'https://lnkd.in/abc123',
    'https://www.linkedin.com/in/john%20doe',
    'https://www.linkedin.com/in/%E0%A4%A',
  ])('%j → null', (input) => {
    expect(canonicalLinkedInUrl(input)).toBeNull();
  });

  it('is idempotent', () => {
    const once = canonicalLinkedInUrl('https://uk.linkedin.com/in/Ann-Lee-12ab/details/skills?x=1');
    expect(once).toBe('https://www.linkedin.com/in/ann-lee-12ab');
    expect(canonicalLinkedInUrl(once!)).toBe(once);
  });
});

describe('countryCode', () => {
  it.each([
    ['United States', 'US'],
    ['united states', 'US'],
    ['United States of America', 'US'],
    ['USA', 'US'],
    ['U.S.', 'US'],
    ['U.S.A.', 'US'],
    ['us', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['Great Britain', 'GB'],
    ['England', 'GB'],
    ['Scotland', 'GB'],
    ['GBR', 'GB'],
    ['Germany', 'DE'],
    ['Deutschland', 'DE'],
    ['deu', 'DE'],
    ['DE', 'DE'],
    ['France', 'FR'],
    ['Spain', 'ES'],
    ['España', 'ES'],
    ['espana', 'ES'],
    ['Brazil', 'BR'],
    ['Brasil', 'BR'],
    ['Portugal', 'PT'],
    ['Mexico', 'MX'],
    ['México', 'MX'],
    ['Holland', 'NL'],
    ['The Netherlands', 'NL'],
    ['netherlands', 'NL'],
    ['Nederland', 'NL'],
    ['Czechia', 'CZ'],
    ['Czech Republic', 'CZ'],
    ['South Korea', 'KR'],
    ['Korea, Republic of', 'KR'],
    ['North Korea', 'KP'],
    ['Türkiye', 'TR'],
    ['Turkey', 'TR'],
    ['turkiye', 'TR'],
    ['Ivory Coast', 'CI'],
    ["Côte d'Ivoire", 'CI'],
    ['Cote d’Ivoire', 'CI'],
    ['Russia', 'RU'],
    ['Russian Federation', 'RU'],
    ['Vietnam', 'VN'],
    ['Viet Nam', 'VN'],
    ['Iran, Islamic Republic of', 'IR'],
    ['Democratic Republic of the Congo', 'CD'],
    ['Congo', 'CG'],
    ['Eswatini', 'SZ'],
    ['Swaziland', 'SZ'],
    ['UAE', 'AE'],
    ['St. Kitts & Nevis', 'KN'],
    ['Saint Vincent and the Grenadines', 'VC'],
    ['Bosnia & Herzegovina', 'BA'],
    ['Hong Kong', 'HK'],
    ['Taiwan', 'TW'],
    ['India', 'IN'],
    ['Japan', 'JP'],
    ['Singapore', 'SG'],
    ['Sweden', 'SE'],
    ['Sverige', 'SE'],
    ['Switzerland', 'CH'],
    ['Schweiz', 'CH'],
    ['Canada', 'CA'],
    ['Australia', 'AU'],
    ['Ireland', 'IE'],
    ['  new zealand ', 'NZ'],
    ['Kosovo', 'XK'],
    ['San Francisco, California, United States', 'US'], // a whole location: its last part
    ['berlin, berlin, germany', 'DE'],
  ])('%j → %s', (input, expected) => {
    expect(countryCode(input)).toBe(expected);
  });

  it.each([null, undefined, '', '  ', 'Narnia', 'XX', 'ZZZ', 'Europe', 'Latin America', 'Earth'])('%j → null', (input) => {
    expect(countryCode(input)).toBeNull();
  });

  it('covers every ISO 3166-1 country by alpha-2, alpha-3, name and alias, without collisions', () => {
    expect(ISO_COUNTRIES).toHaveLength(249);
    expect(new Set(ISO_COUNTRIES.map((c) => c.alpha2)).size).toBe(249);
    expect(new Set(ISO_COUNTRIES.map((c) => c.alpha3)).size).toBe(249);
    for (const c of [...ISO_COUNTRIES, ...EXTRA_COUNTRIES]) {
      expect(c.alpha2).toMatch(/^[A-Z]{2}$/);
      expect(c.alpha3).toMatch(/^[A-Z]{3}$/);
      // a spelling claimed by two countries would resolve to the wrong one here
      for (const spelling of [c.alpha2, c.alpha3, c.alpha2.toLowerCase(), c.alpha3.toLowerCase(), c.name, c.name.toUpperCase(), ...c.aliases]) {
        expect(countryCode(spelling), `${spelling} (${c.alpha2})`).toBe(c.alpha2);
      }
    }
  });

  it('agrees with the ICU English region names for every code', () => {
    const icu = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const c of ISO_COUNTRIES) {
      const name = icu.of(c.alpha2);
      expect(name, c.alpha2).not.toBe(c.alpha2); // ICU knows the code
      // ICU's short names ("Bosnia & Herzegovina", "St. Lucia", "Myanmar (Burma)") resolve too
      expect(countryCode(name), `${name}`).toBe(c.alpha2);
    }
  });
});

describe('titleCase', () => {
  it.each([
    ['co-founder and chief executive officer', 'Co-Founder and Chief Executive Officer'],
    ['vp of sales', 'VP of Sales'],
    ['head of it and hr', 'Head of IT and HR'],
    ['ceo', 'CEO'],
    ['director of r&d (emea)', 'Director of R&D (EMEA)'],
    ['b2b saas account executive', 'B2B SaaS Account Executive'],
    ['ai and ml engineer', 'AI and ML Engineer'],
    ["mcdonald's", "McDonald's"],
    ["o'brien consulting", "O'Brien Consulting"],
    ['the boring company', 'The Boring Company'], // a small word first is capitalised
    ['founder | the art of sales', 'Founder | The Art of Sales'], // … and right after a separator
    ['editor-in-chief', 'Editor-in-Chief'],
    ['e-commerce manager', 'E-Commerce Manager'],
    ['sales/marketing lead', 'Sales/Marketing Lead'],
    ['software engineer ii', 'Software Engineer II'],
    ['san francisco, california, united states', 'San Francisco, California, United States'],
    ['greater los angeles area', 'Greater Los Angeles Area'],
    ['acme robotics gmbh', 'Acme Robotics GmbH'],
    ['university of são paulo', 'University of São Paulo'],
    ['director de ventas y marketing', 'Director de Ventas y Marketing'],
    ['  devops engineer  ', 'DevOps Engineer'],
    ['usa', 'USA'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(titleCase(input)).toBe(expected);
  });

  it('leaves values that already carry capitals alone (only trimmed)', () => {
    expect(titleCase('iOS Engineer at McKinsey ')).toBe('iOS Engineer at McKinsey');
    expect(titleCase('IBM')).toBe('IBM');
  });
});

describe('parseProfileDate / companyKey', () => {
  it('reads YYYY, YYYY-MM, YYYY-MM-DD as the earliest day they can mean', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    expect(parseProfileDate('2026')).toBe(day('2026-01-01'));
    expect(parseProfileDate('2026-10')).toBe(day('2026-10-01'));
    expect(parseProfileDate('2026-10-15')).toBe(day('2026-10-15'));
    expect(parseProfileDate('2026-10-15T12:00:00Z')).toBe(day('2026-10-15'));
    for (const bad of ['', 'present', '2026-13', '2026-02-30', '26-10', null, undefined]) expect(parseProfileDate(bad)).toBeNull();
  });

  it('treats legal forms and punctuation as the same employer', () => {
    expect(companyKey('Acme Inc')).toBe(companyKey('ACME, Inc.'));
    expect(companyKey('Acme GmbH')).toBe(companyKey('acme'));
    expect(companyKey('Acme Robotics')).not.toBe(companyKey('Acme'));
  });
});

const job = (company: string, title: string, start: string, end = '', is_current = end === ''): Experience => ({
  company,
  title,
  start_date: start,
  end_date: end,
  is_current,
});

describe('deriveJobChange', () => {
  it('a recent move to a different company is a job change', () => {
    const r = deriveJobChange([job('Northwind', 'VP Sales', '2026-10'), job('Contoso', 'Sales Director', '2021-02', '2026-09')], OPTS);
    expect(r).toEqual({ recent_job_change: true, job_change_date: '2026-10-01', previous_company: 'Contoso', previous_title: 'Sales Director' });
  });

  it('an older move is not recent, but the date of the move is still given', () => {
    const r = deriveJobChange([job('Acme Inc', 'VP of Sales', '2022-03'), job('Previous Corp', 'Sales Director', '2019-06', '2022-02')], OPTS);
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2022-03-01', previous_company: 'Previous Corp', previous_title: 'Sales Director' });
  });

  it('the window is inclusive of its first day and uses the earliest day of a partial date', () => {
    const at = (start: string) => deriveJobChange([job('B', 'x', start), job('A', 'y', '2020-01', '2021-01')], OPTS).recent_job_change;
    expect(at('2026-08-28')).toBe(true); // exactly 90 days before 2026-11-26
    expect(at('2026-08-27')).toBe(false);
    expect(at('2026-09')).toBe(true);
    expect(at('2026-08')).toBe(false); // 2026-08-01
    expect(at('2026')).toBe(false); // 2026-01-01
    expect(at('2026-11-26')).toBe(true); // today
  });

  it('an internal promotion inside the window is not a job change', () => {
    const r = deriveJobChange(
      [job('Acme', 'Director of Engineering', '2026-10'), job('Acme', 'Engineering Manager', '2023-01', '2026-09'), job('Beta', 'Engineer', '2019-05', '2022-12')],
      OPTS,
    );
    // previous = the last employer before Acme; the change date = joining Acme
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2023-01-01', previous_company: 'Beta', previous_title: 'Engineer' });
  });

  it('a promotion with no other employer keeps the earlier role as previous, dated by the new role', () => {
    const r = deriveJobChange([job('Acme Inc.', 'Senior Engineer', '2026-10'), job('ACME', 'Engineer', '2024-01', '2026-09')], OPTS);
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2026-10-01', previous_company: 'ACME', previous_title: 'Engineer' });
  });

  it('a boomerang return to a former employer is a job change', () => {
    const r = deriveJobChange(
      [job('Acme', 'Head of Product', '2026-09'), job('Beta', 'Product Lead', '2022-01', '2026-08'), job('Acme', 'Product Manager', '2018-01', '2021-12')],
      OPTS,
    );
    expect(r).toMatchObject({ recent_job_change: true, job_change_date: '2026-09-01', previous_company: 'Beta' });
  });

  it('a start in the future is not a change yet', () => {
    const r = deriveJobChange([job('Gamma', 'CTO', '2027-01'), job('Delta', 'VP Engineering', '2020-01', '2026-11')], OPTS);
    expect(r).toEqual({ recent_job_change: false, job_change_date: '2027-01-01', previous_company: 'Delta', previous_title: 'VP Engineering' });
  });

  it('missing dates: no start means no date and no recent change, but previous is still known', () => {
    const r = deriveJobChange([job('Gamma', 'CTO', ''), { ...job('Delta', 'VP', '2020-01', '2024-01'), is_current: false }], OPTS);
    expect(r).toEqual({ recent_job_change: false, job_change_date: null, previous_company: 'Delta', previous_title: 'VP' });
    const noEnd = deriveJobChange([job('Gamma', 'CTO', '2026-10'), job('Old', 'Dev', '2015-01', '', false), job('Older', 'Dev', '', '', false)], OPTS);
    expect(noEnd).toMatchObject({ recent_job_change: true, previous_company: 'Old' });
  });

  it('with several current positions, the latest-started one is the job; side roles are not "previous"', () => {
    const r = deriveJobChange(
      [job('Board Co', 'Board Member', '2019-01'), job('Omega', 'CEO', '2026-11'), job('Sigma', 'COO', '2020-01', '2026-10')],
      OPTS,
    );
    expect(r).toEqual({ recent_job_change: true, job_change_date: '2026-11-01', previous_company: 'Sigma', previous_title: 'COO' });
  });

  it('an old role at the same company left open (two current positions) is still a promotion', () => {
    const r = deriveJobChange([job('Acme', 'Director', '2026-10'), job('Acme', 'Manager', '2022-01'), job('Beta', 'Analyst', '2018-01', '2021-12')], OPTS);
    expect(r).toMatchObject({ recent_job_change: false, job_change_date: '2022-01-01', previous_company: 'Beta' });
  });

  it('no current job or no previous job → nothing', () => {
    const nothing = { recent_job_change: false, job_change_date: null, previous_company: null, previous_title: null };
    expect(deriveJobChange([], OPTS)).toEqual(nothing);
    expect(deriveJobChange([job('A', 'x', '2020-01', '2021-01')], OPTS)).toEqual(nothing);
    expect(deriveJobChange([job('A', 'x', '2026-10')], OPTS)).toEqual(nothing);
  });

  it('positions that started after the current job are not its predecessors', () => {
    const r = deriveJobChange([job('Main', 'CEO', '2015-01'), job('Side', 'Advisor', '2018-01', '2020-01'), job('Before', 'VP', '2010-01', '2014-12')], OPTS);
    expect(r.previous_company).toBe('Before');
  });
});

describe('normalizeProfile', () => {
  const base = (): Profile => ({
    ...emptyProfile(),
    first_name: 'Ana',
    last_name: 'Souza',
    email: ' Ana.Souza@Example.COM ',
    linkedin_url: 'br.linkedin.com/in/Ana-Souza-7/',
    title: 'Diretora Comercial',
    country: 'Brasil',
    skills: ['Vendas', 'vendas ', 'CRM', 'crm', 'Negociação'],
    experience: [
      job('Velaria', 'Gerente de Vendas', '2019-02', '2026-08'),
      job('Lumen Pagamentos', 'Diretora Comercial', '2026-10'),
      job('Velaria', 'Analista', '2016-01', '2019-01'),
    ],
    education: [{ school: 'USP', degree: 'BA', field: 'Economia', start_year: 2010, end_year: 2014 }],
  });

  it('normalises every field it owns and parses as a Profile', () => {
    const input = base();
    const snapshot = structuredClone(input);
    const out = normalizeProfile(input, OPTS);
    expect(input).toEqual(snapshot); // pure: the input is untouched
    expect(Profile.parse(out)).toEqual(out);
    expect(out).toMatchObject({
      full_name: 'Ana Souza',
      email: 'ana.souza@example.com',
      linkedin_url: 'https://www.linkedin.com/in/ana-souza-7',
      seniority: 'Director',
      country_code: 'BR',
      skills: ['Vendas', 'CRM', 'Negociação'],
      recent_job_change: true,
      job_change_date: '2026-10-01',
      previous_company: 'Velaria',
      previous_title: 'Gerente de Vendas',
    });
    expect(out.experience.map((e) => e.title)).toEqual(['Diretora Comercial', 'Gerente de Vendas', 'Analista']);
  });

  it('is idempotent', () => {
    const once = normalizeProfile(base(), OPTS);
    expect(normalizeProfile(once, OPTS)).toEqual(once);
  });

  it('seniority: a title keyword wins; otherwise the profile level, then the hint, then Individual', () => {
    const withTitle = (title: string | null, seniority: Profile['seniority'], hint?: Profile['seniority']) =>
      normalizeProfile({ ...base(), title, seniority }, { ...OPTS, seniorityHint: hint }).seniority;
    expect(withTitle('VP Sales', 'Manager', 'Director')).toBe('VP');
    expect(withTitle('Software Engineer', 'Senior', 'Manager')).toBe('Senior');
    expect(withTitle('Software Engineer', null, 'Manager')).toBe('Manager');
    expect(withTitle('Software Engineer', null, null)).toBe('Individual');
    expect(withTitle(null, null, 'VP')).toBe('VP');
    expect(withTitle(null, null, undefined)).toBeNull();
  });

  it('country code: a valid given code (any case, alpha-3) wins, else the country name', () => {
    const cc = (country_code: string | null, country: string | null) => normalizeProfile({ ...base(), country_code, country }, OPTS).country_code;
    expect(cc('de', 'Brasil')).toBe('DE');
    expect(cc('DEU', null)).toBe('DE');
    expect(cc('ZZ', 'Brasil')).toBe('BR');
    expect(cc(null, 'united kingdom')).toBe('GB');
    expect(cc(null, null)).toBeNull();
  });

  it('keeps a full name, builds it from parts when missing, drops invalid identifiers', () => {
    expect(normalizeProfile({ ...base(), full_name: 'Ana P. Souza' }, OPTS).full_name).toBe('Ana P. Souza');
    expect(normalizeProfile({ ...base(), full_name: '  ', last_name: null }, OPTS).full_name).toBe('Ana');
    expect(normalizeProfile({ ...base(), first_name: null, last_name: null }, OPTS).full_name).toBeNull();
    const bad = normalizeProfile({ ...base(), email: 'not an email', linkedin_url: 'https://example.com/ana' }, OPTS);
    expect(bad.email).toBeNull();
    expect(bad.linkedin_url).toBeNull();
    expect(normalizeProfile({ ...base(), email: null, linkedin_url: null }, OPTS)).toMatchObject({ email: null, linkedin_url: null });
  });

  it('trusts a stated job change (true + date) and only fills its gaps', () => {
    const out = normalizeProfile(
      { ...base(), recent_job_change: true, job_change_date: '2026-09', previous_company: 'Stated Co', previous_title: null },
      OPTS,
    );
    expect(out).toMatchObject({ recent_job_change: true, job_change_date: '2026-09-01', previous_company: 'Stated Co', previous_title: 'Gerente de Vendas' });
  });

  it('stops trusting a stated job change once its date is older than the window', () => {
    const out = normalizeProfile({ ...base(), experience: [], recent_job_change: true, job_change_date: '2026-03-01', previous_company: 'Stated Co' }, OPTS);
    expect(out).toMatchObject({ recent_job_change: false, job_change_date: '2026-03-01', previous_company: 'Stated Co' });
  });

  it('re-derives a stated change without a date, and a "false" against the history', () => {
    const noDate = normalizeProfile({ ...base(), recent_job_change: true, job_change_date: null }, OPTS);
    expect(noDate).toMatchObject({ recent_job_change: true, job_change_date: '2026-10-01' });
    const stale = normalizeProfile(
      { ...base(), experience: [job('Acme', 'CEO', '2020-01'), job('Beta', 'COO', '2015-01', '2019-12')], recent_job_change: true, job_change_date: null },
      OPTS,
    );
    expect(stale).toMatchObject({ recent_job_change: false, job_change_date: '2020-01-01', previous_company: 'Beta' });
  });

  it('without a work history keeps the stated previous company, title and date', () => {
    const out = normalizeProfile(
      { ...base(), experience: [], recent_job_change: false, job_change_date: '2024-05-01', previous_company: 'Old Co', previous_title: 'Analyst' },
      OPTS,
    );
    expect(out).toMatchObject({ recent_job_change: false, job_change_date: '2024-05-01', previous_company: 'Old Co', previous_title: 'Analyst' });
  });

  it('is deterministic in `now`', () => {
    const later = normalizeProfile(base(), { windowDays: 90, now: new Date('2027-06-01T00:00:00Z') });
    expect(later.recent_job_change).toBe(false);
    expect(later.job_change_date).toBe('2026-10-01');
  });
});
