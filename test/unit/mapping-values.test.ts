// The value rules under the write policies, stated as tables: what a profile value becomes in each CRM field type,
// when two values are "the same" (nothing to write), and which mapping rows apply. Found by mutation testing
// (npm run mutate -- mapping): each row here kills a bug that no other test noticed.
import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../src/enrichment/contract.js';
import { isEmpty, planWrites, sameValue, toFieldValue, ConnectionSettings, type PlanInput } from '../../src/sync/mapping.js';
import type { FieldDef } from '../../connectors/types.js';

const d = (type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ name: 'x', label: 'x', type, updateable: true, ...extra });
const ok = (value: unknown) => ({ ok: true, value });
const mismatch = { ok: false, reason: 'type_mismatch' };
const noValue = { ok: false, reason: 'no_value' };

describe('toFieldValue', () => {
  it.each([
    ['string', null, noValue],
    ['string', undefined, noValue],
    ['string', '   ', noValue],
    ['string', [], noValue],
    ['number', '', noValue],
    ['string', '  Acme  ', ok('Acme')],
    ['string', 42, ok('42')],
    ['string', false, ok('false')],
    ['string', { a: 1 }, mismatch],
    ['string', ['Go', 7], ok('Go; 7')],
    ['bool', 'true', ok(true)],
    ['bool', false, ok(false)],
    ['bool', 'TRUE', mismatch],
    ['bool', 1, mismatch],
    ['number', 7, ok(7)],
    ['number', ' -12.5 ', ok(-12.5)],
    ['number', '12.', mismatch],
    ['number', '1e3', mismatch],
    ['number', '12abc', mismatch],
    ['number', 'abc12', mismatch],
    ['number', '1.5x', mismatch],
    ['number', '1.x', mismatch],
    ['number', true, mismatch],
    ['number', Number.POSITIVE_INFINITY, mismatch],
    ['date', ' 2026 ', ok('2026-01-01')],
    ['date', '2026-07', ok('2026-07-01')],
    ['date', 'since 2026-07-04', mismatch],
    ['date', '26-07-04', mismatch],
    ['date', 2026, mismatch],
    ['datetime', '2026-03-05', ok('2026-03-05T00:00:00.000Z')],
    ['datetime', '2026-03-05T10:00:00+02:00', ok('2026-03-05T08:00:00.000Z')],
    ['datetime', 'soon', mismatch],
    ['datetime', true, mismatch],
    ['url', '  https://acme.example/team  ', ok('https://acme.example/team')],
    ['url', 'HTTP://ACME.EXAMPLE', ok('HTTP://ACME.EXAMPLE')],
    ['url', 'see https://acme.example', mismatch],
    ['url', 'https://acme.example and more', mismatch],
    ['url', 'ftp://acme.example', mismatch],
    ['url', 'https:/acme.example', mismatch],
    ['reference', '0015g00000XyZ', mismatch],
    ['other', 'anything', mismatch],
  ] as const)('when a %s field gets %j, then %j', (type, raw, expected) => {
    expect(toFieldValue(d(type), raw)).toEqual(expected);
  });

  it('when a value is longer than the field, then it is cut to the field length; a field without a limit takes it whole', () => {
    expect(toFieldValue(d('string', { maxLength: 5 }), 'Acme Corporation')).toEqual(ok('Acme '));
    expect(toFieldValue(d('string', { maxLength: 4 }), 'Acme')).toEqual(ok('Acme'));
    expect(toFieldValue(d('url', { maxLength: 12 }), 'https://acme.example/x')).toEqual(ok('https://acme'));
    expect(toFieldValue(d('string'), 'x'.repeat(300))).toEqual(ok('x'.repeat(300)));
  });

  it('when an enumeration gets a value, then it matches an option by value or label, ignoring case and spaces', () => {
    const def = d('enumeration', { options: [{ value: 'vp', label: 'Vice President' }, { value: 'c_level', label: 'C-Level' }] });
    expect(toFieldValue(def, ' VP ')).toEqual(ok('vp'));
    expect(toFieldValue(def, 'vice president')).toEqual(ok('vp'));
    expect(toFieldValue(def, 'C-LEVEL')).toEqual(ok('c_level'));
    expect(toFieldValue(def, 'Director')).toEqual({ ok: false, reason: 'not_an_option' });
    expect(toFieldValue(d('enumeration'), 'vp')).toEqual({ ok: false, reason: 'not_an_option' });
  });
});

describe('sameValue and isEmpty', () => {
  it.each([
    ['number', '90', 90, true],
    ['number', '90', 91, false],
    ['bool', 'true', true, true],
    ['bool', 'false', true, false],
    ['date', '2026-03-01', '2026-03-01T10:00:00Z', true],
    ['date', '2026-03-01', '2026-03-02', false],
    ['datetime', '2026-03-05T08:00:00Z', '2026-03-05T10:00:00+02:00', true],
    ['datetime', '2026-03-05T08:00:00Z', '2026-03-05T08:00:01Z', false],
    ['enumeration', 'VP', 'vp', true],
    ['enumeration', 'VP', 'Director', false],
    ['string', ' Acme ', 'Acme', true],
    ['string', 'Acme', ' Acme ', true],
    ['string', 'Acme', 'acme', false],
    ['string', '', null, true],
    ['string', 'Acme', null, false],
    ['string', null, 'Acme', false],
    ['number', 0, null, false],
  ] as const)('when a %s field holds %j and we have %j, then same = %s', (type, a, b, same) => {
    expect(sameValue(d(type), a, b)).toBe(same);
  });

  it('treats null, undefined and blank strings as empty, and nothing else', () => {
    expect([null, undefined, '', '  \t'].map(isEmpty)).toEqual([true, true, true, true]);
    expect([0, false, 'x', ' x '].map(isEmpty)).toEqual([false, false, false, false]);
  });
});

describe('planWrites: which mapping rows apply', () => {
  const fields = new Map<string, FieldDef>([
    ['jobtitle', d('string', { name: 'jobtitle' })],
    ['Title', d('string', { name: 'Title' })],
    ['enrichment_source', d('string', { name: 'enrichment_source' })],
    ['enrichment_confidence', d('number', { name: 'enrichment_confidence' })],
  ]);
  const plan = (settings: Partial<ConnectionSettings>, over: Partial<PlanInput> = {}) =>
    planWrites({
      objectType: 'contact',
      profile: { ...emptyProfile(), title: 'VP of Sales', headline: 'Sales leader' },
      confidence: 70,
      provider: 'apollo',
      enrichedAt: new Date('2026-11-26T06:00:00Z'),
      jobChange: null,
      clearFlag: false,
      current: {},
      ours: {},
      fields,
      settings: { mappings: [], minConfidence: 0, clearJobChangeFlags: true, createTasks: true, ...settings },
      ...over,
    });

  it('when two rows target the same field, then the first one wins and the field is written once', () => {
    const p = plan({
      mappings: [
        { objectType: 'contact', source: 'title', target: 'jobtitle', policy: 'overwrite' },
        { objectType: 'contact', source: 'headline', target: 'jobtitle', policy: 'overwrite' },
      ],
    });
    expect(p.changes).toEqual([{ field: 'jobtitle', source: 'title', old: null, new: 'VP of Sales' }]);
    expect(p.skipped).toEqual([]);
  });

  it('when a row is for leads and the record is a contact, then it is ignored (not even reported)', () => {
    const p = plan({
      mappings: [
        { objectType: 'lead', source: 'title', target: 'Title', policy: 'overwrite' },
        { objectType: 'contact', source: 'title', target: 'jobtitle', policy: 'overwrite' },
      ],
    });
    expect(p.changes.map((c) => c.field)).toEqual(['jobtitle']);
    expect(p.skipped).toEqual([]);
  });

  it('when the source is the provider, then its name is written; confidence exactly at the floor is written', () => {
    const mappings = [
      { objectType: 'contact', source: 'source_provider', target: 'enrichment_source', policy: 'overwrite' },
      { objectType: 'contact', source: 'title', target: 'jobtitle', policy: 'overwrite' },
    ] as const;
    const p = plan({ mappings: [...mappings], minConfidence: 70 });
    expect(p.changes.map((c) => [c.field, c.new])).toEqual([
      ['enrichment_source', 'apollo'],
      ['jobtitle', 'VP of Sales'],
    ]);
    expect(plan({ mappings: [...mappings], minConfidence: 71 }).changes).toEqual([]);
  });

  it('when settings are validated, then a bad mapping is refused and defaults are filled in', () => {
    expect(ConnectionSettings.parse({ mappings: [], minConfidence: 50 })).toEqual({ mappings: [], minConfidence: 50, clearJobChangeFlags: true, createTasks: true });
    expect(() => ConnectionSettings.parse({ mappings: [{ objectType: 'contact', source: 'title', target: '1bad', policy: 'overwrite' }], minConfidence: 50 })).toThrow();
    expect(() => ConnectionSettings.parse({ mappings: [], minConfidence: 101 })).toThrow();
  });
});
