import { describe, expect, it } from 'vitest';
import { emptyProfile, type Profile } from '../../src/enrichment/contract.js';
import { planWrites, sameValue, toFieldValue, type ConnectionSettings, type FieldMapping, type PlanInput } from '../../src/sync/mapping.js';
import type { FieldDef, FieldValue } from '../../connectors/types.js';

const defs: FieldDef[] = [
  { name: 'jobtitle', label: 'Job title', type: 'string', updateable: true },
  { name: 'company', label: 'Company', type: 'string', updateable: true, maxLength: 10 },
  { name: 'firstname', label: 'First', type: 'string', updateable: true },
  { name: 'createdate', label: 'Created', type: 'datetime', updateable: false },
  {
    name: 'enrichment_seniority',
    label: 'Seniority',
    type: 'enumeration',
    updateable: true,
    options: ['C-Level', 'VP', 'Director'].map((v) => ({ value: v, label: v })),
  },
  { name: 'enrichment_recent_job_change', label: 'Job change', type: 'bool', updateable: true },
  { name: 'enrichment_job_change_date', label: 'Date', type: 'date', updateable: true },
  { name: 'enrichment_previous_company', label: 'Prev', type: 'string', updateable: true },
  { name: 'enrichment_confidence', label: 'Confidence', type: 'number', updateable: true },
  { name: 'enrichment_enriched_at', label: 'At', type: 'datetime', updateable: true },
  { name: 'hs_linkedin_url', label: 'LinkedIn', type: 'url', updateable: true },
];
const fields = new Map(defs.map((d) => [d.name, d]));

const m = (source: FieldMapping['source'], target: string, policy: FieldMapping['policy']): FieldMapping => ({ objectType: 'contact', source, target, policy });

function input(over: Partial<Omit<PlanInput, 'profile'>> & { profile?: Partial<Profile>; mappings?: FieldMapping[]; minConfidence?: number } = {}): PlanInput {
  const settings: ConnectionSettings = {
    mappings: over.mappings ?? [
      m('title', 'jobtitle', 'if_ours'),
      m('company', 'company', 'fill_empty'),
      m('first_name', 'firstname', 'never'),
      m('seniority', 'enrichment_seniority', 'overwrite'),
      m('recent_job_change', 'enrichment_recent_job_change', 'overwrite'),
      m('job_change_date', 'enrichment_job_change_date', 'overwrite'),
      m('previous_company', 'enrichment_previous_company', 'overwrite'),
      m('confidence', 'enrichment_confidence', 'overwrite'),
      m('enriched_at', 'enrichment_enriched_at', 'overwrite'),
    ],
    minConfidence: over.minConfidence ?? 0,
    clearJobChangeFlags: true,
    createTasks: true,
  };
  return {
    objectType: 'contact',
    profile: { ...emptyProfile(), title: 'VP of Sales', company: 'Acme', first_name: 'John', seniority: 'VP', ...over.profile },
    confidence: over.confidence ?? 90,
    provider: 'dataset',
    enrichedAt: new Date('2026-11-26T06:00:00Z'),
    jobChange: over.jobChange ?? null,
    clearFlag: over.clearFlag ?? false,
    current: over.current ?? {},
    ours: over.ours ?? {},
    fields,
    settings,
  };
}

const changed = (p: ReturnType<typeof planWrites>) => Object.fromEntries(p.changes.map((c) => [c.field, c.new]));
const reasons = (p: ReturnType<typeof planWrites>) => Object.fromEntries(p.skipped.map((s) => [s.field, s.reason]));

describe('planWrites', () => {
  it('when fields are empty, then every mapped field with a value is written in its logical form', () => {
    const p = planWrites(input());
    expect(changed(p)).toEqual({
      jobtitle: 'VP of Sales',
      company: 'Acme',
      enrichment_seniority: 'VP',
      enrichment_confidence: 90,
      enrichment_enriched_at: '2026-11-26T06:00:00.000Z',
    });
    expect(reasons(p)).toMatchObject({ firstname: 'policy_never', enrichment_recent_job_change: 'no_job_change' });
  });

  it('when a person edited a field, then if_ours keeps it; when the value is still ours, then it is updated', () => {
    expect(reasons(planWrites(input({ current: { jobtitle: 'Head of Revenue' }, ours: { jobtitle: 'Sales Director' } })))).toMatchObject({ jobtitle: 'edited_by_person' });
    expect(changed(planWrites(input({ current: { jobtitle: 'Sales Director' }, ours: { jobtitle: 'Sales Director' } })))).toMatchObject({ jobtitle: 'VP of Sales' });
  });

  it('when a person typed a value before our first write, then if_ours keeps it (a field we never wrote is not ours)', () => {
    // Nothing in `ours`: the value in the CRM came from a person (or another tool), so it is theirs.
    const p = planWrites(input({ current: { jobtitle: 'Typed before us' }, ours: {} }));
    expect(reasons(p)).toMatchObject({ jobtitle: 'edited_by_person' });
    expect(changed(p)).not.toHaveProperty('jobtitle');
    // An empty field is free to take, whoever wrote it last.
    expect(changed(planWrites(input({ current: { jobtitle: '  ' }, ours: { jobtitle: 'Sales Director' } })))).toMatchObject({ jobtitle: 'VP of Sales' });
  });

  it('when a field has a value, then fill_empty leaves it and overwrite replaces it', () => {
    const p = planWrites(input({ current: { company: 'Other', enrichment_seniority: 'Director' } }));
    expect(reasons(p)).toMatchObject({ company: 'not_empty' });
    expect(changed(p)).toMatchObject({ enrichment_seniority: 'VP' });
  });

  it('when the value is unchanged, then it is skipped, whatever the representation', () => {
    const p = planWrites(input({ current: { jobtitle: ' VP of Sales ', enrichment_confidence: '90' as unknown as FieldValue, enrichment_seniority: 'vp' } }));
    expect(reasons(p)).toMatchObject({ jobtitle: 'unchanged', enrichment_confidence: 'unchanged', enrichment_seniority: 'unchanged' });
  });

  it('when confidence is below the minimum, then nothing but the confidence is written', () => {
    const p = planWrites(input({ confidence: 40, minConfidence: 50 }));
    expect(changed(p)).toEqual({ enrichment_confidence: 40 });
    expect(reasons(p)).toMatchObject({ jobtitle: 'below_min_confidence', enrichment_seniority: 'below_min_confidence' });
  });

  it('when a job change is decided, then its four fields are written; when the flag expired, then only the flag is cleared', () => {
    const jc = planWrites(input({ jobChange: { recent_job_change: true, job_change_date: '2026-10', previous_company: 'Initech', previous_title: 'Manager' } }));
    expect(changed(jc)).toMatchObject({ enrichment_recent_job_change: true, enrichment_job_change_date: '2026-10-01', enrichment_previous_company: 'Initech' });
    const clear = planWrites(input({ clearFlag: true, current: { enrichment_recent_job_change: true } }));
    expect(changed(clear)).toMatchObject({ enrichment_recent_job_change: false });
    expect(reasons(clear)).toMatchObject({ enrichment_job_change_date: 'no_job_change' });
  });

  it('when a value does not fit the field, then it is skipped with the reason, never sent', () => {
    const p = planWrites(
      input({
        profile: { seniority: 'Intern', company: 'A very long company name' },
        mappings: [m('seniority', 'enrichment_seniority', 'overwrite'), m('company', 'company', 'overwrite'), m('title', 'createdate', 'overwrite'), m('title', 'nope', 'overwrite')],
      }),
    );
    expect(reasons(p)).toEqual({ enrichment_seniority: 'not_an_option', createdate: 'read_only', nope: 'missing_field' });
    expect(changed(p)).toEqual({ company: 'A very lon' });
  });

  it('when the profile has no value, then the CRM value is never erased', () => {
    const p = planWrites(input({ profile: { title: null }, current: { jobtitle: 'Typed by a person' } }));
    expect(reasons(p)).toMatchObject({ jobtitle: 'no_value' });
  });
});

describe('toFieldValue and sameValue', () => {
  const d = (type: FieldDef['type']): FieldDef => ({ name: 'x', label: 'x', type, updateable: true });
  it.each([
    ['bool', true, true],
    ['bool', 'false', false],
    ['number', '42', 42],
    ['date', '2026-03', '2026-03-01'],
    ['date', '2026-03-05T10:00:00Z', '2026-03-05'],
    ['datetime', '2026-03-05T10:00:00+02:00', '2026-03-05T08:00:00.000Z'],
    ['url', 'https://www.linkedin.com/in/x', 'https://www.linkedin.com/in/x'],
    ['string', ['a', 'b'], 'a; b'],
  ] as const)('when a %s field gets %j, then %j', (type, raw, expected) => {
    expect(toFieldValue(d(type), raw)).toEqual({ ok: true, value: expected });
  });
  it('when types do not fit, then type_mismatch', () => {
    expect(toFieldValue(d('number'), 'abc')).toEqual({ ok: false, reason: 'type_mismatch' });
    expect(toFieldValue(d('url'), 'not a url')).toEqual({ ok: false, reason: 'type_mismatch' });
    expect(toFieldValue(d('bool'), 'yes')).toEqual({ ok: false, reason: 'type_mismatch' });
  });
  it('compares dates, datetimes and numbers by meaning', () => {
    expect(sameValue(d('date'), '2026-03-01', '2026-03-01T00:00:00Z')).toBe(true);
    expect(sameValue(d('datetime'), '2026-03-05T08:00:00Z', '2026-03-05T08:00:00.000Z')).toBe(true);
    expect(sameValue(d('number'), '90', 90)).toBe(true);
    expect(sameValue(d('string'), '', null)).toBe(true);
  });
});
