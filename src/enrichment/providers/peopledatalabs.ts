// People Data Labs Person Enrichment (GET /v5/person/enrich, POST /v5/person/bulk) → our Profile.
// Facts: docs/providers.md ("People Data Labs"). Seniority, country code and job-change fields are NOT derived here:
// the core does that once for every provider (types.ts).
import { z } from 'zod';
import { emptyProfile, type Education, type Experience, type Profile } from '../contract.js';
import { canonicalLinkedInUrl, titleCase } from '../normalize.js';
import { seniorityFromHint } from '../seniority.js';
import { fetchJson, joinUrl, parseRetryAt, upstreamMessage, type JsonResponse } from './http.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from './types.js';
import type { ProviderLimiter } from './limiter.js';

const NAME = 'peopledatalabs';
/** PDL's own default (docs + OpenAPI); PDL's Salesforce app recommends 6, the waterfall floor decides the rest. */
const DEFAULT_MIN_LIKELIHOOD = 2;

export interface PeopleDataLabsOptions {
  apiKey?: string | undefined;
  baseUrl: string;
  /** 1..10, sent as `min_likelihood`: PDL answers 404 (free) below it. */
  minLikelihood?: number | undefined;
  fetchImpl?: typeof fetch | undefined;
  /** Pacing for this API key (see limiter.ts); fed with PDL's x-ratelimit-* headers. */
  limiter?: ProviderLimiter | undefined;
  /** Records per bulk call, 1..100 (PDL_BULK_SIZE). */
  bulkSize?: number | undefined;
}

/** PDL's bulk endpoint takes 1–100 requests per call. */
export const PDL_MAX_BULK = 100;

export function createPeopleDataLabsProvider(opts: PeopleDataLabsOptions): Provider {
  const minLikelihood = opts.minLikelihood ?? DEFAULT_MIN_LIKELIHOOD;
  if (!Number.isInteger(minLikelihood) || minLikelihood < 1 || minLikelihood > 10) {
    throw new RangeError(`peopledatalabs: minLikelihood must be an integer 1..10, got ${minLikelihood}`);
  }
  const bulkSize = opts.bulkSize ?? 50;
  if (!Number.isInteger(bulkSize) || bulkSize < 1 || bulkSize > PDL_MAX_BULK) throw new RangeError(`peopledatalabs: bulkSize must be 1..100, got ${bulkSize}`);
  const { apiKey, baseUrl, fetchImpl, limiter } = opts;
  // why the header and not `api_key=`: query strings end up in proxy and access logs.
  const headers = (key: string) => ({ 'X-Api-Key': key, Accept: 'application/json' });
  /** Every answer tells the limiter where PDL's window stands; a 429 becomes a rate_limited ProviderError. */
  const call = async (url: string, init: RequestInit, signal: AbortSignal, key: string): Promise<JsonResponse> => {
    const res = await fetchJson(NAME, url, init, signal, fetchImpl);
    limiter?.observe(rateLimitInfo(res.headers));
    if (res.status === 429) {
      const err = statusError(res, key);
      if (err.retryAtMs !== undefined) limiter?.block(err.retryAtMs);
      throw err;
    }
    return res;
  };
  return {
    name: NAME,
    configured: Boolean(apiKey),
    limiter,
    batchSize: bulkSize,
    async lookup(lookup, { signal }): Promise<ProviderResult> {
      if (!apiKey) throw new ProviderError(NAME, 'not_configured', 'no API key configured');
      const url = enrichUrl(baseUrl, lookup, minLikelihood);
      const res = await call(url, { method: 'GET', headers: headers(apiKey) }, signal, apiKey);
      if (res.status === 404) return { found: false }; // no match, or below min_likelihood; PDL does not bill it
      if (res.status !== 200) throw statusError(res, apiKey);
      return toHit(parseEnvelope(res.body), minLikelihood);
    },
    async lookupMany(lookups, { signal }) {
      if (!apiKey) throw new ProviderError(NAME, 'not_configured', 'no API key configured');
      if (lookups.length < 1 || lookups.length > PDL_MAX_BULK) throw new ProviderError(NAME, 'bad_request', `bulk takes 1..${PDL_MAX_BULK} lookups`);
      const body = {
        requests: lookups.map((l, i) => ({ params: { ...enrichParams(l), min_likelihood: minLikelihood }, metadata: { index: i } })),
      };
      const init: RequestInit = { method: 'POST', headers: { ...headers(apiKey), 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
      const res = await call(joinUrl(baseUrl, '/v5/person/bulk'), init, signal, apiKey);
      if (res.status !== 200) throw statusError(res, apiKey);
      return parseBulk(res.body, lookups.length).map((item) => {
        if (item.status === 404) return { found: false };
        if (item.status !== 200) return statusError({ status: item.status, headers: new Headers(), body: item }, apiKey);
        return toHit(parseEnvelope(item), minLikelihood);
      });
    },
  };
}

/**
 * PDL's x-ratelimit-remaining is a number or a per-window map written like `{'minute': 99}`; x-ratelimit-reset is
 * when the window ends (parseRetryAt reads its forms).
 */
export function rateLimitInfo(headers: Headers): { remaining?: number; resetAt?: number } {
  const info: { remaining?: number; resetAt?: number } = {};
  const raw = headers.get('x-ratelimit-remaining');
  if (raw) {
    const m = /minute['"]?\s*:\s*(\d+)/i.exec(raw) ?? /^\s*(\d+)\s*$/.exec(raw);
    if (m?.[1]) info.remaining = Number(m[1]);
  }
  const reset = parseRetryAt(headers.get('x-ratelimit-reset'), Date.now());
  if (reset !== undefined) info.resetAt = reset;
  return info;
}

// ---------------------------------------------------------------------------------------------------------
// Request

/**
 * Query string for the lookup. When both identifiers are known both are sent (why: PDL scores a match on every
 * input given, so two agreeing identifiers raise the likelihood). We do NOT send `titlecase=true`: PDL's title
 * casing is naive ("Vp Of Sales", "Ibm"); we title-case ourselves with normalize.titleCase, which keeps acronyms.
 */
function enrichUrl(baseUrl: string, lookup: Lookup, minLikelihood: number): string {
  const query = new URLSearchParams(enrichParams(lookup));
  query.set('min_likelihood', String(minLikelihood));
  return `${joinUrl(baseUrl, '/v5/person/enrich')}?${query.toString()}`;
}

/** The match inputs of one lookup: the same names in the query string (single) and in `params` (bulk). */
function enrichParams(lookup: Lookup): Record<string, string> {
  const params: Record<string, string> = {};
  if (lookup.email) params['email'] = lookup.email;
  if (lookup.linkedin_url) params['profile'] = pdlProfileParam(lookup.linkedin_url);
  if (Object.keys(params).length === 0) throw new ProviderError(NAME, 'bad_request', 'lookup needs an email or a LinkedIn URL');
  return params;
}

/**
 * `https://www.linkedin.com/in/x` → `linkedin.com/in/x`. PDL accepts both forms; we send the bare one because it
 * is the form PDL stores in `linkedin_url`/`profiles[].url` and uses in its own `profile=` examples, so the match
 * does not depend on PDL's URL cleaning.
 */
export function pdlProfileParam(linkedinUrl: string): string {
  return linkedinUrl.trim().replace(/^https?:\/\//i, '').replace(/^www\./i, '').replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------------------
// Errors

function statusError(res: JsonResponse, apiKey: string): ProviderError {
  const code = errorCode(res.status);
  const detail = upstreamMessage(res.body, [apiKey]);
  const message = `HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
  if (code !== 'rate_limited') return new ProviderError(NAME, code, message);
  // PDL documents `x-ratelimit-reset` (the end of its fixed 60-s window); `retry-after` is read as a fallback.
  const retryAtMs = parseRetryAt(res.headers.get('x-ratelimit-reset') ?? res.headers.get('retry-after'), Date.now());
  return new ProviderError(NAME, code, message, retryAtMs === undefined ? {} : { retryAtMs });
}

/** PDL errors page: 400 invalid_request_error, 401 authentication_error, 402 payment_required, 429 rate_limit_error. */
function errorCode(status: number): string {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'upstream';
  if (status >= 400) return 'bad_request'; // 400, 405 and anything else the request itself got wrong
  return 'bad_response'; // an unexpected 2xx/3xx
}

// ---------------------------------------------------------------------------------------------------------
// Response schema: only the fields we read; every object is loose so PDL can add fields freely.

const text = z.string().nullish();
/** Free plans get `true`/`false` ("exists" / "does not") instead of contact values (PDL Person Schema page). */
const gated = z.union([z.string(), z.boolean()]).nullish();
const gatedList = z.union([z.array(z.string()), z.boolean()]).nullish();

const PdlExperience = z.looseObject({
  company: z.looseObject({ name: text }).nullish(),
  title: z.looseObject({ name: text, role: text }).nullish(),
  start_date: text,
  end_date: text,
  is_primary: z.boolean().nullish(),
  location_names: gatedList,
  summary: text,
});
type PdlExperience = z.infer<typeof PdlExperience>;

const PdlEducation = z.looseObject({
  school: z.looseObject({ name: text }).nullish(),
  degrees: z.array(z.string()).nullish(),
  majors: z.array(z.string()).nullish(),
  start_date: text,
  end_date: text,
});
type PdlEducation = z.infer<typeof PdlEducation>;

const PdlPerson = z.looseObject({
  first_name: text,
  last_name: text,
  full_name: text,
  work_email: gated,
  recommended_personal_email: gated,
  personal_emails: gatedList,
  mobile_phone: gated,
  linkedin_url: text,
  twitter_url: text,
  headline: text,
  job_title: text,
  job_title_role: text,
  job_title_levels: z.array(z.string()).nullish(),
  job_company_name: text,
  job_company_website: text,
  job_company_size: text,
  job_company_industry: text,
  job_start_date: text,
  industry: text,
  location_name: gated,
  location_locality: gated,
  location_region: gated,
  location_country: gated,
  skills: z.array(z.string()).nullish(),
  experience: z.array(PdlExperience).nullish(),
  education: z.array(PdlEducation).nullish(),
  linkedin_connections: z.number().nullish(),
});
type PdlPerson = z.infer<typeof PdlPerson>;

const PdlEnvelope = z.looseObject({ likelihood: z.number().nullish(), data: PdlPerson });
type PdlEnvelope = z.infer<typeof PdlEnvelope>;

/** The bulk answer: one item per request, in request order (each carries back our `metadata.index` to check that). */
const PdlBulkItem = z.looseObject({ status: z.number().int(), metadata: z.looseObject({ index: z.number().int() }).nullish() });
type PdlBulkItem = z.infer<typeof PdlBulkItem>;

function parseBulk(body: unknown, expected: number): PdlBulkItem[] {
  const parsed = z.array(PdlBulkItem).safeParse(body);
  if (!parsed.success) throw new ProviderError(NAME, 'bad_response', 'bulk answer is not an array of records', { cause: parsed.error });
  const items = parsed.data;
  if (items.length !== expected) throw new ProviderError(NAME, 'bad_response', `bulk answered ${items.length} of ${expected} requests`);
  items.forEach((item, i) => {
    if (item.metadata && item.metadata.index !== i) {
      throw new ProviderError(NAME, 'bad_response', `bulk answer out of order at ${i}`);
    }
  });
  return items;
}

function parseEnvelope(body: unknown): PdlEnvelope {
  const parsed = PdlEnvelope.safeParse(body);
  if (parsed.success) return parsed.data;
  // Paths only: values are personal data and do not belong in an error message.
  const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
  throw new ProviderError(NAME, 'bad_response', `unexpected 200 body (at ${where})`, { cause: parsed.error });
}

// ---------------------------------------------------------------------------------------------------------
// Mapping (providers.md §1.4)

function toHit(envelope: PdlEnvelope, minLikelihood: number): ProviderResult {
  const { data } = envelope;
  return {
    found: true,
    profile: mapPerson(data),
    // why the fallback: a 200 is only given at or above the min_likelihood we asked for.
    confidence: confidenceFromLikelihood(envelope.likelihood ?? minLikelihood),
    seniorityHint: seniorityFromHint('peopledatalabs', data.job_title_levels),
  };
}

/** PDL likelihood is 1..10 (log scale); ours is 0..100. */
export function confidenceFromLikelihood(likelihood: number): number {
  return Math.min(100, Math.max(0, Math.round(likelihood * 10)));
}

function mapPerson(p: PdlPerson): Profile {
  return {
    ...emptyProfile(), // seniority, country_code and the job-change fields stay at defaults: the core derives them
    first_name: cased(p.first_name),
    last_name: cased(p.last_name),
    full_name: cased(p.full_name),
    email: revealed(p.work_email),
    personal_email: revealed(p.recommended_personal_email) ?? firstRevealed(p.personal_emails),
    mobile: revealed(p.mobile_phone),
    linkedin_url: p.linkedin_url ? canonicalLinkedInUrl(p.linkedin_url) : null,
    twitter_url: httpsUrl(p.twitter_url),
    profile_picture: null, // the PDL person schema has no picture field
    title: cased(p.job_title),
    headline: clean(p.headline), // free text, kept as PDL gives it
    department: codeLabel(p.job_title_role),
    company: cased(p.job_company_name),
    company_domain: clean(p.job_company_website),
    company_size: clean(p.job_company_size), // PDL buckets are already ours: 1-10 … 10001+
    industry: cased(p.job_company_industry ?? p.industry),
    location: cased(revealed(p.location_name)),
    city: cased(revealed(p.location_locality)),
    region: cased(revealed(p.location_region)),
    country: cased(revealed(p.location_country)),
    skills: unique((p.skills ?? []).map((s) => cased(s)).filter(isString)),
    experience: mapExperience(p),
    education: (p.education ?? []).map(mapEducation).filter((e): e is Education => e !== null),
    connections: p.linkedin_connections != null && Number.isInteger(p.linkedin_connections) ? p.linkedin_connections : null,
    followers: null, // PDL has no follower count (only facebook_friends)
  };
}

/**
 * PDL's experience array, with the current job flagged: `is_primary` marks the job behind the top-level job_*
 * fields; failing that, the latest-starting entry with no end date. A current entry gets end_date '' (contract).
 * The top-level `job_start_date` fills a missing start date on the primary job (the core derives job changes
 * from it), and when the array holds no current job at all the top-level job becomes one.
 */
function mapExperience(p: PdlPerson): Experience[] {
  const entries = (p.experience ?? []).filter((e) => clean(e.company?.name) || clean(e.title?.name));
  const latest = latestStartIndex(entries);
  const mapped = entries.map((e, i) => {
    const isCurrent = e.is_primary === true || (!e.end_date && i === latest);
    const startDate = clean(e.start_date) ?? (e.is_primary === true ? clean(p.job_start_date) : null);
    return experienceEntry(e, isCurrent, startDate ?? '');
  });
  if (!mapped.some((e) => e.is_current) && clean(p.job_company_name)) mapped.unshift(currentJobFromTopLevel(p));
  return mapped;
}

function experienceEntry(e: PdlExperience, isCurrent: boolean, startDate: string): Experience {
  const entry: Experience = {
    company: cased(e.company?.name) ?? '',
    title: cased(e.title?.name) ?? '',
    start_date: startDate,
    end_date: isCurrent ? '' : (clean(e.end_date) ?? ''),
    is_current: isCurrent,
  };
  // Optional keys are left out rather than set to undefined (cleaner JSON, exact fixture equality).
  const department = codeLabel(e.title?.role);
  if (department) entry.department = department;
  const location = cased(firstRevealed(e.location_names));
  if (location) entry.location = location;
  const description = clean(e.summary);
  if (description) entry.description = description;
  return entry;
}

function currentJobFromTopLevel(p: PdlPerson): Experience {
  const entry: Experience = {
    company: cased(p.job_company_name) ?? '',
    title: cased(p.job_title) ?? '',
    start_date: clean(p.job_start_date) ?? '',
    end_date: '',
    is_current: true,
  };
  const department = codeLabel(p.job_title_role);
  if (department) entry.department = department;
  return entry;
}

/** Index of the entry with the greatest start date (PDL dates are YYYY, YYYY-MM or YYYY-MM-DD: they sort as text). */
function latestStartIndex(entries: readonly PdlExperience[]): number {
  let best = 0;
  entries.forEach((e, i) => {
    if ((e.start_date ?? '') > (entries[best]?.start_date ?? '')) best = i;
  });
  return best;
}

function mapEducation(e: PdlEducation): Education | null {
  const school = cased(e.school?.name);
  const degree = cased(e.degrees?.[0]);
  if (!school && !degree) return null;
  return {
    school: school ?? '',
    degree: degree ?? '',
    field: cased(e.majors?.[0]) ?? '',
    start_year: yearOf(e.start_date),
    end_year: yearOf(e.end_date), // null while still at school
  };
}

// ---------------------------------------------------------------------------------------------------------
// Small value helpers

function clean(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

/** PDL strings are lowercase unless `titlecase=true` (which we do not send). */
function cased(s: string | null | undefined): string | null {
  const t = clean(s);
  return t ? titleCase(t) : null;
}

/** A gated contact value: `true`/`false` means "exists/does not, not licensed" — never a value (never `true`). */
function revealed(v: string | boolean | null | undefined): string | null {
  return typeof v === 'string' ? clean(v) : null;
}

function firstRevealed(v: string[] | boolean | null | undefined): string | null {
  return Array.isArray(v) ? (v.map(clean).find(isString) ?? null) : null;
}

/** PDL canonical codes (`human_resources`) → a label ("Human Resources"). */
function codeLabel(code: string | null | undefined): string | null {
  return cased(code?.replace(/_/g, ' '));
}

/** PDL social URLs carry no scheme (`twitter.com/x`). */
function httpsUrl(s: string | null | undefined): string | null {
  const t = clean(s);
  if (!t) return null;
  return /^https?:\/\//i.test(t) ? t.replace(/^http:/i, 'https:') : `https://${t}`;
}

function yearOf(date: string | null | undefined): number | null {
  const m = /^(\d{4})/.exec(date?.trim() ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isString(v: string | null | undefined): v is string {
  return typeof v === 'string';
}
