// The shortcuts normalizeProfile takes for speed (the canonical-shape LinkedIn fast path, the memos) must never
// change an answer: each is checked against the general path on many generated inputs.
import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../src/enrichment/contract.js';
import { canonicalLinkedInUrl, companyKey, countryCode, normalizeProfile, parseLinkedInUrl, parseProfileDate } from '../../src/enrichment/normalize.js';
import { datasetRecord } from '../helpers/dataset-gen.js';

// Deterministic pseudo-random source (mulberry32), so a failure reproduces.
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const SLUG_CHARS = [...'abcxyz019_-AZé%20.~'];
const PREFIXES = [
  'https://www.linkedin.com/in/', 'http://www.linkedin.com/in/', 'https://linkedin.com/in/', 'www.linkedin.com/in/',
  'HTTPS://WWW.LINKEDIN.COM/in/', 'https://www.linkedin.com/IN/', 'https://de.linkedin.com/in/', 'https://www.linkedin.com/pub/',
  'https://www.linkedin.com.evil.example/in/', 'https://www.linkedin.com/in//', 'ftp://www.linkedin.com/in/', '  https://www.linkedin.com/in/',
];
const SUFFIXES = ['', '/', '//', '?trk=x', '#top', '/details/experience', ' ', '/a7/576/b50', '%'];

function linkedInInput(r: () => number): string {
  let slug = '';
  const len = Math.floor(r() * 12) + (r() < 0.05 ? 100 : 0);
  for (let i = 0; i < len; i++) slug += pick(r, SLUG_CHARS);
  return pick(r, PREFIXES) + slug + pick(r, SUFFIXES);
}

describe('LinkedIn fast path', () => {
  it('answers exactly as the URL parser on generated inputs', () => {
    const r = rng(11);
    const inputs = [...Array.from({ length: 20_000 }, () => linkedInInput(r))];
    for (let i = 0; i < 2_000; i++) inputs.push(String(datasetRecord(i).linkedin_url));
    let fast = 0;
    for (const input of inputs) {
      const expected = input.trim() ? parseLinkedInUrl(input.trim()) : null;
      expect(canonicalLinkedInUrl(input), input).toBe(expected);
      if (expected !== null && input.trim().startsWith('https://www.linkedin.com/in/')) fast += 1;
    }
    // The generator must exercise the fast path often, and the slow path too.
    expect(fast).toBeGreaterThan(3_000);
    expect(inputs.length - fast).toBeGreaterThan(10_000);
  });

  it('leaves the shapes it does not cover to the parser', () => {
    expect(canonicalLinkedInUrl('https://www.linkedin.com/in/Jane-Doe/')).toBe('https://www.linkedin.com/in/jane-doe');
    expect(canonicalLinkedInUrl('https://www.linkedin.com/in/jos%C3%A9')).toBe('https://www.linkedin.com/in/josé');
    expect(canonicalLinkedInUrl('https://www.linkedin.com/in/jane?x=1')).toBe('https://www.linkedin.com/in/jane');
    expect(canonicalLinkedInUrl(`https://www.linkedin.com/in/${'a'.repeat(101)}`)).toBeNull();
  });
});

describe('memoised helpers', () => {
  it('companyKey gives the same key on a repeat as on first sight, for many names', () => {
    const r = rng(7);
    const words = ['Acme', 'ACME', 'Inc', 'Inc.', 'GmbH', '&', 'Co', 'Société', 'Générale', 'Müller', 'Straße', ' ', '-', 'Ltd'];
    const names = Array.from({ length: 5_000 }, () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, words)).join(' '));
    const first = names.map((n) => companyKey(n));
    names.forEach((n, i) => expect(companyKey(n)).toBe(first[i]));
    expect(companyKey('Acme Inc.')).toBe('acme');
    expect(companyKey('Société Générale SA')).toBe('societe generale');
    expect(companyKey(null)).toBe('');
  });

  it('parseProfileDate gives the same day on a repeat, and keeps refusing invalid dates', () => {
    const inputs: string[] = [];
    for (let y = 1999; y <= 2027; y++) for (let m = 0; m <= 13; m++) for (const d of [0, 1, 28, 29, 30, 31, 32]) inputs.push(`${y}-${m}-${d}`);
    const first = inputs.map((s) => parseProfileDate(s));
    inputs.forEach((s, i) => expect(parseProfileDate(s)).toBe(first[i]));
    expect(parseProfileDate('2026-02-31')).toBeNull();
    expect(parseProfileDate(' 2024-02-29 ')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
    expect(parseProfileDate('2026-10')).toBe(Date.UTC(2026, 9, 1) / 86_400_000);
  });

  it('countryCode gives the same code on a repeat, full locations included', () => {
    const inputs = ['United States', 'usa', 'U.S.A.', 'The Netherlands', 'St. Lucia', 'Austin, Texas, United States', 'Nowhere', '', 'de', 'DEU'];
    const first = inputs.map((s) => countryCode(s));
    expect(first).toEqual(['US', 'US', 'US', 'NL', 'LC', 'US', null, null, 'DE', 'DE']);
    inputs.forEach((s, i) => expect(countryCode(s)).toBe(first[i]));
  });
});

describe('skill de-duplication', () => {
  it('treats skills as equal exactly when they match once lowercased with whitespace runs collapsed', () => {
    const r = rng(3);
    const parts = ['sales', 'Sales', 'CRM', 'b2b', ' ', '  ', '\t', '\u00a0', '\n', 'x'];
    const skills = Array.from({ length: 3_000 }, () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, parts)).join(''));
    const out = normalizeProfile({ ...emptyProfile(), skills }, { windowDays: 90, now: new Date('2026-12-01T00:00:00Z') }).skills;
    // Reference: the rule written plainly.
    const seen = new Set<string>();
    const expected: string[] = [];
    for (const raw of skills) {
      const skill = raw.trim();
      const key = skill.toLowerCase().replace(/\s+/g, ' ');
      if (skill && !seen.has(key)) {
        seen.add(key);
        expected.push(skill);
      }
    }
    expect(out).toEqual(expected);
    expect(expected.length).toBeGreaterThan(50);
    // Some skills differ only in their whitespace, so collapsing decided part of the answer.
    expect(new Set(skills.map((s) => s.trim().toLowerCase()).filter(Boolean)).size).toBeGreaterThan(expected.length);
  });
});
