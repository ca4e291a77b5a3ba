// The importer's fast path (checkRecord) must accept exactly what the zod schema DatasetRecord accepts: every
// field of a record, of a position and of a school, set to every kind of value a file can hold (null, the wrong
// type, over the cap, a control character, a bad URL, a fraction, an unsafe integer …), on real-shaped records.
import { describe, expect, it } from 'vitest';
import { DatasetRecord, checkRecord, describeIssues, parseRecord, toProfile } from '../../src/enrichment/dataset-record.js';
import { PROFILE_STRING_FIELDS } from '../../src/enrichment/contract.js';
import { datasetRecord } from '../helpers/dataset-gen.js';

const VALUES: unknown[] = [
  null,
  undefined,
  '',
  'plain',
  'x'.repeat(2000),
  'x'.repeat(2001),
  'é'.repeat(2000),
  'bell\u0007',
  'esc \u001b[31m',
  'del\u007f',
  'c1\u0085',
  'line\nbreak',
  'tab\there',
  'cr\rhere',
  'https://twitter.com/jane',
  'twitter.com/jane',
  'http://img.example/p.png',
  'javascript:alert(1)',
  'ftp://files.example/p.png',
  'https://localhost/x',
  'https://user:pw@site.example/',
  'VP',
  'Intern',
  'vp',
  0,
  42,
  -7,
  100,
  101,
  1.5,
  2 ** 53,
  -(2 ** 53),
  true,
  false,
  [],
  ['SQL'],
  [null],
  ['bad\u0000'],
  [1],
  {},
  [{}],
  [null, {}],
];

const clone = <T>(v: T): T => structuredClone(v);
const TOP = [...PROFILE_STRING_FIELDS, 'seniority', 'skills', 'experience', 'education', 'connections', 'followers', 'recent_job_change', 'confidence', 'unknown_field'];
const EXPERIENCE = ['company', 'title', 'department', 'location', 'start_date', 'end_date', 'is_current', 'description', 'unknown_field'];
const EDUCATION = ['school', 'degree', 'field', 'start_year', 'end_year', 'unknown_field'];

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v).slice(0, 40));

function* variants(): Generator<[string, Record<string, unknown>]> {
  for (let i = 0; i < 67; i++) {
    const base = datasetRecord(i);
    yield [`record ${i}`, base];
    if (i % 17 !== 0) continue;
    for (const value of VALUES) {
      const shown = show(value);
      for (const f of TOP) yield [`${f} = ${shown}`, { ...clone(base), [f]: value }];
      for (const f of EXPERIENCE) yield [`experience.0.${f} = ${shown}`, { ...clone(base), experience: [{ company: 'A', title: 'B', [f]: value }] }];
      for (const f of EDUCATION) yield [`education.0.${f} = ${shown}`, { ...clone(base), education: [{ school: 'S', [f]: value }] }];
      yield [`skills.1 = ${shown}`, { ...clone(base), skills: ['SQL', value] }];
      yield [`experience.1 = ${shown}`, { ...clone(base), experience: [{ company: 'A' }, value] }];
      yield [`education.1 = ${shown}`, { ...clone(base), education: [{ school: 'S' }, value] }];
    }
  }
}

describe('dataset record: the fast path and the schema', () => {
  it('when any field holds any kind of value, then checkRecord accepts exactly what DatasetRecord accepts, and both give the same Profile', () => {
    let accepted = 0;
    let refused = 0;
    for (const [name, v] of variants()) {
      const zod = DatasetRecord.safeParse(v);
      expect(checkRecord(v), name).toBe(zod.success);
      if (!zod.success) {
        refused += 1;
        expect(parseRecord(v), name).toBe(describeIssues(zod.error));
        continue;
      }
      accepted += 1;
      expect(parseRecord(v), name).toEqual({ profile: toProfile(zod.data), confidence: zod.data.confidence ?? null });
    }
    // Both outcomes are exercised in bulk, not a handful of each.
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });

  it('when a record breaks a rule, then parseRecord names the field the way zod does', () => {
    expect(parseRecord({ email: 'a@b.example', experience: [{ description: 'y'.repeat(2001) }] })).toBe('experience.0.description: longer than 2000 characters');
    expect(parseRecord({ email: 'a@b.example', twitter_url: 'javascript:alert(1)' })).toBe('twitter_url: is not an http(s) URL');
    expect(parseRecord({ email: 'a@b.example', confidence: 101 })).toMatch(/^confidence: /);
  });
});
