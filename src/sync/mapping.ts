// Profile → CRM field values under per-field write policies (pure). The rule users care most about: nothing a
// person typed is overwritten unless the admin chose `overwrite` for that field.
import { z } from 'zod';
import type { Profile } from '../enrichment/contract.js';
import type { FieldDef, FieldValue, ObjectType } from '../../connectors/types.js';
import { GuardSettings } from './guard-settings.js';

export const WRITE_POLICIES = ['fill_empty', 'if_ours', 'overwrite', 'never'] as const;
export type WritePolicy = (typeof WRITE_POLICIES)[number];

export const META_SOURCES = ['source_provider', 'confidence', 'enriched_at'] as const;
export const PROFILE_SOURCES = [
  'first_name', 'last_name', 'full_name', 'email', 'personal_email', 'mobile', 'linkedin_url', 'twitter_url', 'profile_picture',
  'title', 'headline', 'department', 'seniority', 'company', 'company_domain', 'company_size', 'industry', 'location', 'city',
  'region', 'country', 'country_code', 'skills', 'connections', 'followers', 'recent_job_change', 'job_change_date',
  'previous_company', 'previous_title',
] as const satisfies readonly (keyof Profile)[];
export const SOURCES = [...PROFILE_SOURCES, ...META_SOURCES] as const;
export type Source = (typeof SOURCES)[number];

/** The fields that carry job-change facts: their values come from change detection, not straight from the profile. */
export const JOB_CHANGE_SOURCES: ReadonlySet<Source> = new Set(['recent_job_change', 'job_change_date', 'previous_company', 'previous_title']);

export const FieldMapping = z.object({
  objectType: z.enum(['contact', 'lead']),
  source: z.enum(SOURCES),
  target: z.string().trim().min(1).max(255).regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'not a valid field name'),
  policy: z.enum(WRITE_POLICIES),
});
export type FieldMapping = z.infer<typeof FieldMapping>;

export const ConnectionSettings = z.object({
  mappings: z.array(FieldMapping).max(200),
  /** Below this confidence nothing but the confidence field is written. */
  minConfidence: z.number().int().min(0).max(100),
  /** Clear the job-change flag once it is older than JOB_CHANGE_WINDOW_DAYS. */
  clearJobChangeFlags: z.boolean().default(true),
  /** Create a task for the owner on a job change. */
  createTasks: z.boolean().default(true),
  /** The guarantees (guard-settings.ts); absent = their defaults. A mapping save leaves them as they are. */
  guards: GuardSettings.optional(),
});
export type ConnectionSettings = z.infer<typeof ConnectionSettings>;

export interface JobChangeValues {
  recent_job_change: boolean;
  job_change_date: string | null;
  previous_company: string | null;
  previous_title: string | null;
}

export interface PlanInput {
  objectType: ObjectType;
  profile: Profile;
  confidence: number;
  provider: string;
  enrichedAt: Date;
  /** Values for the job-change fields; null leaves them as they are. */
  jobChange: JobChangeValues | null;
  /** Write `recent_job_change = false` (an old flag expired). Ignored when jobChange is given. */
  clearFlag: boolean;
  current: Record<string, FieldValue>;
  /** What this service last wrote per field. */
  ours: Record<string, FieldValue>;
  fields: ReadonlyMap<string, FieldDef>;
  settings: ConnectionSettings;
}

export interface FieldChange {
  field: string;
  source: Source;
  old: FieldValue;
  new: FieldValue;
}

export type SkipReason =
  | 'policy_never' | 'no_value' | 'missing_field' | 'read_only' | 'type_mismatch' | 'not_an_option' | 'not_empty'
  | 'edited_by_person' | 'below_min_confidence' | 'unchanged' | 'no_job_change';

export interface Plan {
  changes: FieldChange[];
  skipped: { field: string; reason: SkipReason }[];
}

export function planWrites(input: PlanInput): Plan {
  const plan: Plan = { changes: [], skipped: [] };
  const belowFloor = input.confidence < input.settings.minConfidence;
  const seen = new Set<string>();
  for (const m of input.settings.mappings) {
    if (m.objectType !== input.objectType || seen.has(m.target)) continue;
    seen.add(m.target);
    const skip = (reason: SkipReason) => plan.skipped.push({ field: m.target, reason });
    if (m.policy === 'never') {
      skip('policy_never');
      continue;
    }
    if (belowFloor && m.source !== 'confidence') {
      skip('below_min_confidence');
      continue;
    }
    const raw = sourceValue(m.source, input);
    if (raw === undefined) {
      skip('no_job_change');
      continue;
    }
    const def = input.fields.get(m.target);
    if (!def) {
      skip('missing_field');
      continue;
    }
    if (!def.updateable) {
      skip('read_only');
      continue;
    }
    const converted = toFieldValue(def, raw);
    if (!converted.ok) {
      skip(converted.reason);
      continue;
    }
    const next = converted.value;
    const current = input.current[m.target] ?? null;
    if (sameValue(def, current, next)) {
      skip('unchanged');
      continue;
    }
    if (m.policy === 'fill_empty' && !isEmpty(current)) {
      skip('not_empty');
      continue;
    }
    if (m.policy === 'if_ours' && !isEmpty(current) && !sameValue(def, current, input.ours[m.target] ?? null)) {
      skip('edited_by_person');
      continue;
    }
    plan.changes.push({ field: m.target, source: m.source, old: current, new: next });
  }
  return plan;
}

/** undefined = leave the field alone (job-change fields without a decision). */
function sourceValue(source: Source, input: PlanInput): unknown {
  if (source === 'source_provider') return input.provider;
  if (source === 'confidence') return input.confidence;
  if (source === 'enriched_at') return input.enrichedAt.toISOString();
  if (JOB_CHANGE_SOURCES.has(source)) {
    if (input.jobChange) return input.jobChange[source as keyof JobChangeValues];
    if (input.clearFlag && source === 'recent_job_change') return false;
    return undefined;
  }
  return input.profile[source as keyof Profile];
}

type Converted = { ok: true; value: FieldValue } | { ok: false; reason: SkipReason };

/** A profile value in the logical form of the target field. Empty values are never written: enrichment adds, it
 * does not erase. */
export function toFieldValue(def: FieldDef, raw: unknown): Converted {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0)) {
    return { ok: false, reason: 'no_value' };
  }
  switch (def.type) {
    case 'bool':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      return { ok: false, reason: 'type_mismatch' };
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: 'type_mismatch' };
    }
    case 'date': {
      const d = toDate(raw);
      return d ? { ok: true, value: d } : { ok: false, reason: 'type_mismatch' };
    }
    case 'datetime': {
      const t = typeof raw === 'string' || typeof raw === 'number' ? Date.parse(String(raw)) : NaN;
      return Number.isNaN(t) ? { ok: false, reason: 'type_mismatch' } : { ok: true, value: new Date(t).toISOString() };
    }
    case 'enumeration': {
      const text = String(raw).trim().toLowerCase();
      const opt = def.options?.find((o) => o.value.toLowerCase() === text || o.label.toLowerCase() === text);
      return opt ? { ok: true, value: opt.value } : { ok: false, reason: 'not_an_option' };
    }
    case 'url': {
      const s = String(raw).trim();
      return /^https?:\/\/\S+$/i.test(s) ? { ok: true, value: truncate(s, def.maxLength) } : { ok: false, reason: 'type_mismatch' };
    }
    case 'reference':
    case 'other':
      return { ok: false, reason: 'type_mismatch' };
    default: {
      const s = Array.isArray(raw) ? raw.map(String).join('; ') : typeof raw === 'object' ? null : String(raw).trim();
      return s ? { ok: true, value: truncate(s, def.maxLength) } : { ok: false, reason: 'type_mismatch' };
    }
  }
}

function toDate(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(raw.trim());
  if (!m) return null;
  return `${m[1]}-${m[2] ?? '01'}-${m[3] ?? '01'}`;
}

function truncate(s: string, max: number | undefined): string {
  return max && s.length > max ? s.slice(0, max) : s;
}

export function isEmpty(v: FieldValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** Equality in the field's logical form (HubSpot returns numbers as strings, dates with or without time...). */
export function sameValue(def: FieldDef, a: FieldValue, b: FieldValue): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  switch (def.type) {
    case 'number':
      return Number(a) === Number(b);
    case 'bool':
      return String(a) === String(b);
    case 'date':
      return toDate(String(a)) === toDate(String(b));
    case 'datetime':
      return Date.parse(String(a)) === Date.parse(String(b));
    case 'enumeration':
      return String(a).toLowerCase() === String(b).toLowerCase();
    default:
      return String(a).trim() === String(b).trim();
  }
}
