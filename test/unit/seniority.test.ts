import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SENIORITY_LEVELS, type Seniority } from '../../src/enrichment/contract.js';
import {
  classifyTitle,
  higherSeniority,
  resolveSeniority,
  seniorityFromHint,
  seniorityOf,
} from '../../src/enrichment/seniority.js';

interface TitleCase {
  title: string;
  /** What the classifier answers. */
  seniority: Seniority | null;
  /** For an ambiguous title: every level a reasonable reader could defend (includes `seniority`). */
  accepted?: (Seniority | null)[];
  /** The issue-16 family the row belongs to (older rows have none). */
  family?: string;
}
const TITLES: TitleCase[] = JSON.parse(
  readFileSync(new URL('../fixtures/seniority-titles.json', import.meta.url), 'utf8'),
) as TitleCase[];

describe('seniorityOf: the title table', () => {
  it('has at least 170 titles covering every level and "no title"', () => {
    expect(TITLES.length).toBeGreaterThanOrEqual(170 + 150);
    for (const level of [...SENIORITY_LEVELS, null]) {
      expect(TITLES.filter((t) => t.seniority === level).length, String(level)).toBeGreaterThanOrEqual(level ? 15 : 3);
    }
    expect(new Set(TITLES.map((t) => t.title)).size).toBe(TITLES.length);
  });

  it.each(TITLES)('$title → $seniority', ({ title, seniority }) => {
    expect(seniorityOf(title)).toBe(seniority);
  });

  it('lists, for each ambiguous title, an accepted set of at least two valid answers that holds the answer', () => {
    const valid = new Set<unknown>([...SENIORITY_LEVELS, null]);
    const ambiguous = TITLES.filter((t) => t.accepted !== undefined);
    expect(ambiguous.length).toBeGreaterThanOrEqual(30);
    for (const { title, seniority, accepted } of ambiguous) {
      expect(accepted!.length, title).toBeGreaterThanOrEqual(2);
      expect(new Set(accepted).size, title).toBe(accepted!.length);
      for (const level of accepted!) expect(valid.has(level), `${title}: ${String(level)}`).toBe(true);
      expect(accepted, title).toContain(seniority);
    }
  });

  // Issue 16: every family has rows (languages, partnerships, boards, past roles).
  it.each([
    ['nl', 25], ['sv', 25], ['no', 15], ['da', 15], ['fi', 20], ['pl', 25], ['it', 20],
    ['partner', 20], ['board', 15], ['past', 20],
  ] as const)('family %s has at least %i rows', (family, min) => {
    expect(TITLES.filter((t) => t.family === family).length).toBeGreaterThanOrEqual(min);
  });

  // The traps of the issue must stay in the table, with these answers.
  it.each([
    ['Executive Assistant to the CEO', 'Individual'],
    ['Assistant to the VP', 'Individual'],
    ['Account Executive', 'Individual'],
    ['Senior Account Executive', 'Senior'],
    ['Internal Auditor', 'Individual'],
    ['International Sales Manager', 'Manager'],
    ['Internship Coordinator', 'Individual'],
    ['Vice President', 'VP'],
    ['Senior Vice President', 'VP'],
    ['SVP', 'VP'],
    ['EVP', 'VP'],
    ['Executive Vice President', 'VP'],
    ['Senior Product Manager', 'Manager'],
    ['Senior Director', 'Director'],
    ['Product Owner', 'Individual'],
    ['Owner', 'C-Level'],
    ['Chief of Staff', 'Director'],
    ['Director of Photography', 'Director'],
    ['Board Director', 'Director'],
    ['Non-Executive Director', 'Director'],
    ['EVP & CFO', 'C-Level'],
    ['Director / Founder', 'C-Level'],
    ['VP Sales @ Acme', 'VP'],
    ['Founder | CEO | Speaker', 'C-Level'],
    ['CEO, Acme Inc.', 'C-Level'],
    ['Managing Director', 'C-Level'],
    ['Geschäftsführer', 'C-Level'],
    ['Former CEO', null],
    ['Former Vice President of Sales', null],
    ['CEO (Retired)', null],
    ['Former CEO, now CTO at Acme', 'C-Level'],
    ['Senior Engineer (ex-Google)', 'Senior'],
    ['VD', 'C-Level'],
    ['VD:s assistent', 'Individual'],
    ['Adm. dir.', 'C-Level'],
    ['Daglig leder', 'C-Level'],
    ['Toimitusjohtaja', 'C-Level'],
    ['Prezes Zarządu', 'C-Level'],
    ['AD', 'C-Level'],
    ['Ad Operations Manager', 'Manager'],
    ['General Counsel', 'VP'],
    ['Of Counsel', 'Senior'],
    ['Non-Executive Chair', 'C-Level'],
    ['Chair', 'Director'],
  ] as const)('trap %s → %s is pinned in the fixture', (title, level) => {
    expect(TITLES.find((t) => t.title === title)?.seniority).toBe(level);
  });
});

describe('seniorityOf: noise does not change the answer', () => {
  const samples = [
    ...TITLES.filter((t) => t.seniority !== null && !/[@|,]/.test(t.title)).slice(0, 60),
    // the issue-16 families, past roles (null) included
    ...TITLES.filter((t) => t.family && !/[@|,]/.test(t.title)),
  ];
  const variants: [string, (t: string) => string][] = [
    ['upper case', (t) => t.toUpperCase()],
    ['lower case', (t) => t.toLowerCase()],
    ['surrounding spaces', (t) => `   ${t}\t `],
    ['emoji around', (t) => `✨ ${t} 🚀`],
    ['employer after @', (t) => `${t} @ Northwind Chief Owner Labs`],
    ['employer after "at"', (t) => `${t} at President Foods`],
    ['parenthesised region', (t) => `${t} (EMEA)`],
  ];
  for (const [name, transform] of variants) {
    it(`${name}`, () => {
      for (const { title, seniority } of samples) expect(seniorityOf(transform(title)), title).toBe(seniority);
    });
  }

  it('returns null only when there is no title', () => {
    for (const t of [null, undefined, '', '   ', '\n', '🚀', ' - ', 'N/A', 'n/a', 'none']) expect(seniorityOf(t)).toBeNull();
    expect(seniorityOf('Acme')).toBe('Individual');
    expect(seniorityOf('42')).toBe('Individual');
  });

  it('tokenises on word boundaries, not substrings', () => {
    expect(seniorityOf('Internal Communications')).toBe('Individual');
    expect(seniorityOf('International Relations')).toBe('Individual');
    expect(seniorityOf('Headquarters Receptionist')).toBe('Individual');
    expect(seniorityOf('Vice President')).toBe('VP');
    expect(seniorityOf('Presidential Campaign Staffer')).toBe('Individual');
    expect(seniorityOf('Ownership Analyst')).toBe('Individual');
    expect(seniorityOf('Directory Services Admin')).toBe('Individual');
  });

  it('reads very long titles whole (thousands of words in one segment)', () => {
    expect(seniorityOf(`${'word '.repeat(3000)}CEO`)).toBe('C-Level');
    expect(seniorityOf(`Head of ${'word '.repeat(3000)}`)).toBe('Director');
    expect(seniorityOf(`Former ${'word '.repeat(3000)}CEO`)).toBeNull();
  });

  it('the highest level wins across several roles', () => {
    expect(seniorityOf('Senior Engineer / Team Lead / Founder')).toBe('C-Level');
    expect(seniorityOf('Intern, later Manager')).toBe('Manager');
    expect(seniorityOf('Board Member | VP Finance')).toBe('VP');
  });
});

describe('classifyTitle', () => {
  it('tells a keyword level from the plain-role fallback', () => {
    expect(classifyTitle('Software Engineer')).toEqual({ level: 'Individual', fromKeyword: false });
    expect(classifyTitle('Junior Developer')).toEqual({ level: 'Individual', fromKeyword: true });
    expect(classifyTitle('VP Sales')).toEqual({ level: 'VP', fromKeyword: true });
    expect(classifyTitle('Executive Assistant to the CEO')).toEqual({ level: 'Individual', fromKeyword: true });
    expect(classifyTitle('Product Owner')).toEqual({ level: 'Individual', fromKeyword: false });
    expect(classifyTitle('')).toBeNull();
  });

  it('says "no current level" for a title that only names past roles, a level for the current one', () => {
    expect(classifyTitle('Former CEO')).toEqual({ level: null, fromKeyword: true });
    expect(classifyTitle('Retired')).toEqual({ level: null, fromKeyword: true });
    expect(classifyTitle('Former CEO, Acme Corp')).toEqual({ level: null, fromKeyword: true });
    expect(classifyTitle('Former CEO, now Advisor')).toEqual({ level: 'Individual', fromKeyword: false });
    expect(classifyTitle('Retired CFO, now Board Member')).toEqual({ level: 'Director', fromKeyword: true });
    expect(classifyTitle('Advisor, former CEO')).toEqual({ level: 'Individual', fromKeyword: false });
    expect(classifyTitle('Ex officio member')).toEqual({ level: 'Individual', fromKeyword: false });
  });
});

describe('seniorityFromHint', () => {
  it.each([
    ['cxo', 'C-Level'],
    ['owner', 'C-Level'],
    ['vp', 'VP'],
    ['director', 'Director'],
    ['partner', 'Director'],
    ['manager', 'Manager'],
    ['senior', 'Senior'],
    ['entry', 'Individual'],
    ['training', 'Intern'],
    ['unpaid', 'Intern'],
  ] as const)('peopledatalabs %s → %s', (level, expected) => {
    expect(seniorityFromHint('peopledatalabs', [level])).toBe(expected);
    expect(seniorityFromHint('peopledatalabs', level)).toBe(expected);
  });

  it.each([
    ['owner', 'C-Level'],
    ['founder', 'C-Level'],
    ['c_suite', 'C-Level'],
    ['vp', 'VP'],
    ['head', 'Director'],
    ['director', 'Director'],
    ['partner', 'Director'],
    ['manager', 'Manager'],
    ['senior', 'Senior'],
    ['entry', 'Individual'],
    ['intern', 'Intern'],
  ] as const)('apollo %s → %s', (level, expected) => {
    expect(seniorityFromHint('apollo', level)).toBe(expected);
  });

  it('the highest of several PDL levels wins, by our order (manager above senior)', () => {
    expect(seniorityFromHint('peopledatalabs', ['cxo', 'owner', 'cxo'])).toBe('C-Level');
    expect(seniorityFromHint('peopledatalabs', ['partner', 'vp'])).toBe('VP');
    expect(seniorityFromHint('peopledatalabs', ['senior', 'manager'])).toBe('Manager');
    expect(seniorityFromHint('peopledatalabs', ['unpaid', 'entry'])).toBe('Individual');
  });

  it('ignores unknown values, case and separators', () => {
    expect(seniorityFromHint('peopledatalabs', ['bogus'])).toBeNull();
    expect(seniorityFromHint('peopledatalabs', ['bogus', 'Director'])).toBe('Director');
    expect(seniorityFromHint('apollo', 'C-Suite')).toBe('C-Level');
    expect(seniorityFromHint('apollo', ' VP ')).toBe('VP');
    expect(seniorityFromHint('apollo', 'c_suite')).toBe('C-Level');
    // vocabularies are per provider: "head" and "founder" are Apollo words, "cxo" is PDL's
    expect(seniorityFromHint('peopledatalabs', 'head')).toBeNull();
    expect(seniorityFromHint('apollo', 'cxo')).toBeNull();
  });

  it('returns null for no levels', () => {
    expect(seniorityFromHint('peopledatalabs', null)).toBeNull();
    expect(seniorityFromHint('peopledatalabs', undefined)).toBeNull();
    expect(seniorityFromHint('peopledatalabs', [])).toBeNull();
    expect(seniorityFromHint('apollo', '')).toBeNull();
  });
});

describe('resolveSeniority: the title decides when it has a level keyword, else the hint', () => {
  it.each([
    ['VP Sales', 'Director', 'VP'], // title keyword wins over the hint
    ['Senior Director', 'C-Level', 'Director'],
    ['Junior Developer', 'Senior', 'Individual'], // "junior" is evidence, not a fallback
    ['Executive Assistant to the CEO', 'C-Level', 'Individual'],
    ['Acme', 'VP', 'VP'], // no level keyword: the hint decides
    ['Software Engineer', 'Senior', 'Senior'],
    ['Product Owner', 'Senior', 'Senior'],
    ['Software Engineer', null, 'Individual'], // no hint: plain role
    ['Software Engineer', undefined, 'Individual'],
    [null, 'Director', 'Director'], // no title: the hint
    ['   ', 'Manager', 'Manager'],
    [null, null, null],
    ['', undefined, null],
    ['Retired CFO', 'C-Level', null], // the hint describes the same old role
    ['Former CEO, now Advisor', 'Senior', 'Senior'], // a current role without a keyword: the hint decides
  ] as const)('title %j + hint %j → %j', (title, hint, expected) => {
    expect(resolveSeniority(title, hint)).toBe(expected);
  });
});

describe('higherSeniority', () => {
  it('orders the seven levels', () => {
    const order: Seniority[] = ['Intern', 'Individual', 'Senior', 'Manager', 'Director', 'VP', 'C-Level'];
    for (let i = 1; i < order.length; i++) {
      expect(higherSeniority(order[i - 1], order[i])).toBe(order[i]);
      expect(higherSeniority(order[i], order[i - 1])).toBe(order[i]);
    }
    expect(higherSeniority(null, 'Intern')).toBe('Intern');
    expect(higherSeniority(undefined, null)).toBeNull();
  });
});
