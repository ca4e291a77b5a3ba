// One record of a dataset file (`crm-enrich dataset import`), as zod parses it: the API's Profile shape, written
// the way real exports write it. PDL and most exports write null for every missing value, nested ones included,
// so null means "absent" at every depth (toProfile). What the service will later serve and write into CRMs is
// bounded here: every string at most MAX_TEXT characters, no control characters, and the URL fields http(s) only.
import { z } from 'zod';
import { PROFILE_STRING_FIELDS, SENIORITY_LEVELS, Seniority, type Experience, type Profile } from './contract.js';

/** Longest string a record may carry in any field. A longer one is a broken export, not a profile. */
export const MAX_TEXT = 2000;

// No C0 control, DEL or C1 control: never part of a name, title or URL; a terminal or a CRM field would render
// them as garbage or as escape sequences.
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
// Free text (a position's description) may be written on several lines and indented: line breaks and tabs pass.
const NO_CONTROL_EXCEPT_BREAKS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

const bounded = (allowed: RegExp) => z.string().max(MAX_TEXT, `longer than ${MAX_TEXT} characters`).regex(allowed, 'holds a control character');
const text = bounded(NO_CONTROL);
const freeText = bounded(NO_CONTROL_EXCEPT_BREAKS);

/**
 * An http(s) URL → its normalised form (`twitter.com/jane` → `https://twitter.com/jane`); anything else
 * (javascript:, data:, ftp:, no host) → undefined.
 */
export function httpUrl(s: string): string | undefined {
  const raw = s.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw);
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `https://${raw.replace(/^\/+/, '')}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname.includes('.') || url.username || url.password) return undefined;
  return url.href;
}

const webUrl = text.refine((s) => httpUrl(s) !== undefined, 'is not an http(s) URL');

// why no zod transforms: a record is parsed in ~10 µs without them and ~3x slower with one per field; the
// defaults for null are filled in by toProfile below, after validation, in plain code.
const DatasetExperience = z.object({
  company: text.nullish(),
  title: text.nullish(),
  department: text.nullish(),
  location: text.nullish(),
  start_date: text.nullish(),
  end_date: text.nullish(),
  is_current: z.boolean().nullish(),
  description: freeText.nullish(),
});

const DatasetEducation = z.object({
  school: text.nullish(),
  degree: text.nullish(),
  field: text.nullish(),
  start_year: z.number().int().nullish(),
  end_year: z.number().int().nullish(),
});

type StringField = (typeof PROFILE_STRING_FIELDS)[number];
const URL_FIELDS: readonly StringField[] = ['twitter_url', 'profile_picture'];
// linkedin_url stays a plain string here: the importer canonicalises it (it is a key) and names the problem.
const stringFields = Object.fromEntries(PROFILE_STRING_FIELDS.map((f) => [f, (URL_FIELDS.includes(f) ? webUrl : text).nullish()])) as {
  [K in StringField]: z.ZodOptional<z.ZodNullable<typeof text>>;
};

export const DatasetRecord = z.object({
  ...stringFields,
  seniority: Seniority.nullish(),
  skills: z.array(text.nullable()).nullish(),
  experience: z.array(DatasetExperience.nullable()).nullish(),
  education: z.array(DatasetEducation.nullable()).nullish(),
  connections: z.number().int().nullish(),
  followers: z.number().int().nullish(),
  recent_job_change: z.boolean().nullish(),
  confidence: z.number().int().min(0).max(100).nullish(),
});
export type DatasetRecord = z.output<typeof DatasetRecord>;

const present = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/**
 * A validated record → a complete Profile: null and absent alike become null for a scalar, [] for a list, ''
 * for a required string of a position or a school, and no key for an optional one; null list entries are
 * dropped; URL fields take their normalised form.
 */
export function toProfile(r: DatasetRecord): Profile {
  const p = {} as Record<StringField, string | null>;
  for (const f of PROFILE_STRING_FIELDS) p[f] = r[f] ?? null;
  for (const f of URL_FIELDS) p[f] = p[f] === null ? null : (httpUrl(p[f]) ?? null);
  return {
    ...p,
    seniority: r.seniority ?? null,
    skills: (r.skills ?? []).filter(present),
    experience: (r.experience ?? []).filter(present).map((e): Experience => {
      const out: Experience = {
        company: e.company ?? '',
        title: e.title ?? '',
        start_date: e.start_date ?? '',
        end_date: e.end_date ?? '',
        is_current: e.is_current ?? false,
      };
      if (present(e.department)) out.department = e.department;
      if (present(e.location)) out.location = e.location;
      if (present(e.description)) out.description = e.description;
      return out;
    }),
    education: (r.education ?? []).filter(present).map((e) => ({
      school: e.school ?? '',
      degree: e.degree ?? '',
      field: e.field ?? '',
      start_year: e.start_year ?? null,
      end_year: e.end_year ?? null,
    })),
    connections: r.connections ?? null,
    followers: r.followers ?? null,
    recent_job_change: r.recent_job_change ?? false,
  };
}

/** The first few problems of a record, one line: "experience.0.title: longer than 2000 characters". */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
    .join('; ');
}

// ---------------------------------------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------------------------------------
// A record parsed by zod costs about as much as normalising it; a dataset is millions of records that are almost
// all valid. So the importer asks checkRecord first: it applies the same rules as DatasetRecord in plain code
// and says "valid" only when zod would accept the record (test/unit/dataset-record.test.ts checks both agree on
// every rule). Anything else goes through zod, which names the problem. Keep the two in step.

const SENIORITIES: ReadonlySet<unknown> = new Set(SENIORITY_LEVELS);
const EXPERIENCE_TEXT = ['company', 'title', 'department', 'location', 'start_date', 'end_date'] as const;
const EDUCATION_TEXT = ['school', 'degree', 'field'] as const;
const PLAIN_STRING_FIELDS = PROFILE_STRING_FIELDS.filter((f) => !URL_FIELDS.includes(f));

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const okText = (v: unknown, allowed: RegExp): boolean => absent(v) || (typeof v === 'string' && v.length <= MAX_TEXT && allowed.test(v));
const okInt = (v: unknown): boolean => absent(v) || Number.isSafeInteger(v);
const okBool = (v: unknown): boolean => absent(v) || typeof v === 'boolean';

function okExperience(e: unknown): boolean {
  if (e === null) return true;
  if (!isRecord(e)) return false;
  for (const f of EXPERIENCE_TEXT) if (!okText(e[f], NO_CONTROL)) return false;
  return okBool(e.is_current) && okText(e.description, NO_CONTROL_EXCEPT_BREAKS);
}

function okEducation(e: unknown): boolean {
  if (e === null) return true;
  if (!isRecord(e)) return false;
  for (const f of EDUCATION_TEXT) if (!okText(e[f], NO_CONTROL)) return false;
  return okInt(e.start_year) && okInt(e.end_year);
}

function okList(v: unknown, entry: (e: unknown) => boolean): boolean {
  if (absent(v)) return true;
  if (!Array.isArray(v)) return false;
  for (const e of v) if (!entry(e)) return false;
  return true;
}

const okSkill = (e: unknown): boolean => e === null || (typeof e === 'string' && okText(e, NO_CONTROL));

/** True only when DatasetRecord accepts `v` (then `v` itself, unknown keys aside, is what zod would return). */
export function checkRecord(v: Record<string, unknown>): boolean {
  for (const f of PLAIN_STRING_FIELDS) if (!okText(v[f], NO_CONTROL)) return false;
  for (const f of URL_FIELDS) {
    const u = v[f];
    if (!okText(u, NO_CONTROL) || (typeof u === 'string' && httpUrl(u) === undefined)) return false;
  }
  const c = v.confidence;
  return (
    (absent(v.seniority) || SENIORITIES.has(v.seniority)) &&
    okList(v.skills, okSkill) &&
    okList(v.experience, okExperience) &&
    okList(v.education, okEducation) &&
    okInt(v.connections) &&
    okInt(v.followers) &&
    okBool(v.recent_job_change) &&
    (absent(c) || (Number.isSafeInteger(c) && (c as number) >= 0 && (c as number) <= 100))
  );
}

/** A record → its Profile and confidence, or the first few problems (zod's wording) when it breaks a rule. */
export function parseRecord(v: Record<string, unknown>): { profile: Profile; confidence: number | null } | string {
  let r: DatasetRecord;
  if (checkRecord(v)) r = v as DatasetRecord;
  else {
    const parsed = DatasetRecord.safeParse(v);
    if (!parsed.success) return describeIssues(parsed.error);
    r = parsed.data;
  }
  return { profile: toProfile(r), confidence: r.confidence ?? null };
}
