// Apollo People Enrichment (POST /api/v1/people/match, POST /api/v1/people/bulk_match) → our Profile.
// Facts: docs/providers.md ("Apollo"). Seniority, country code and job-change fields are NOT derived here:
// the core does that once for every provider (types.ts).
import { z } from 'zod';
import { emptyProfile, type Education, type Experience, type Profile } from '../contract.js';
import { canonicalLinkedInUrl, titleCase } from '../normalize.js';
import { seniorityFromHint } from '../seniority.js';
import { fetchJson, joinUrl, parseRetryAt, upstreamMessage, type JsonResponse } from './http.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from './types.js';
import type { ProviderLimiter } from './limiter.js';

const NAME = 'apollo';

export interface ApolloOptions {
  apiKey?: string | undefined;
  baseUrl: string;
  fetchImpl?: typeof fetch | undefined;
  /** Pacing for this API key (see limiter.ts); fed with Apollo's x-minute-requests-left header. */
  limiter?: ProviderLimiter | undefined;
}

/** Apollo's bulk_match takes up to 10 people per call. */
export const APOLLO_MAX_BULK = 10;

export function createApolloProvider(opts: ApolloOptions): Provider {
  const { apiKey, baseUrl, fetchImpl, limiter } = opts;
  const headers = (key: string, json: boolean): Record<string, string> => ({
    'x-api-key': key,
    'Cache-Control': 'no-cache',
    Accept: 'application/json',
    ...(json ? { 'Content-Type': 'application/json' } : {}),
  });
  const call = async (url: string, init: RequestInit, signal: AbortSignal, key: string): Promise<JsonResponse> => {
    const res = await fetchJson(NAME, url, init, signal, fetchImpl);
    const left = Number(res.headers.get('x-minute-requests-left') ?? Number.NaN);
    if (Number.isFinite(left)) limiter?.observe({ remaining: left });
    if (res.status !== 200) {
      const err = statusError(res, key);
      if (err.code === 'rate_limited' && err.retryAtMs !== undefined) limiter?.block(err.retryAtMs);
      throw err;
    }
    return res;
  };
  const toResult = (lookup: Lookup, person: ApolloPerson | null): ProviderResult =>
    // Apollo answers 200 even when nothing matched: a missing/null person is "not found".
    person
      ? { found: true, profile: mapPerson(person), confidence: apolloConfidence(lookup, person), seniorityHint: seniorityFromHint('apollo', person.seniority) }
      : { found: false };
  return {
    name: NAME,
    configured: Boolean(apiKey),
    limiter,
    batchSize: APOLLO_MAX_BULK,
    async lookup(lookup, { signal }): Promise<ProviderResult> {
      if (!apiKey) throw new ProviderError(NAME, 'not_configured', 'no API key configured');
      // Apollo documents people/match's inputs as query parameters of the POST; that is how they are sent.
      const url = `${joinUrl(baseUrl, '/api/v1/people/match')}?${new URLSearchParams(matchParams(lookup)).toString()}`;
      const res = await call(url, { method: 'POST', headers: headers(apiKey, false) }, signal, apiKey);
      return toResult(lookup, parseMatch(res.body));
    },
    async lookupMany(lookups, { signal }) {
      if (!apiKey) throw new ProviderError(NAME, 'not_configured', 'no API key configured');
      if (lookups.length < 1 || lookups.length > APOLLO_MAX_BULK) throw new ProviderError(NAME, 'bad_request', `bulk_match takes 1..${APOLLO_MAX_BULK} people`);
      const init: RequestInit = { method: 'POST', headers: headers(apiKey, true), body: JSON.stringify({ details: lookups.map(matchParams) }) };
      const res = await call(joinUrl(baseUrl, '/api/v1/people/bulk_match'), init, signal, apiKey);
      const matches = parseBulkMatch(res.body, lookups.length);
      return lookups.map((l, i) => toResult(l, matches[i] ?? null));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Request

/**
 * Both identifiers when both are known (why: Apollo matches on every parameter given). No reveal_* flags:
 * personal emails cost extra and phones only arrive later on a webhook, which this synchronous lookup cannot use.
 */
function matchParams(lookup: Lookup): { email?: string; linkedin_url?: string } {
  const body: { email?: string; linkedin_url?: string } = {};
  if (lookup.email) body.email = lookup.email;
  if (lookup.linkedin_url) body.linkedin_url = lookup.linkedin_url;
  if (!body.email && !body.linkedin_url) throw new ProviderError(NAME, 'bad_request', 'lookup needs an email or a LinkedIn URL');
  return body;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

function statusError(res: JsonResponse, apiKey: string): ProviderError {
  const code = errorCode(res.status);
  const detail = upstreamMessage(res.body, [apiKey]);
  const message = `HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
  if (code !== 'rate_limited') return new ProviderError(NAME, code, message);
  const retryAtMs = parseRetryAt(res.headers.get('retry-after'), Date.now());
  return new ProviderError(NAME, code, message, retryAtMs === undefined ? {} : { retryAtMs });
}

/** 401 bad key; 403 key not allowed for people/match (needs that scope or a master key); 400/422 bad input. */
function errorCode(status: number): string {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'upstream';
  if (status >= 400) return 'bad_request';
  return 'bad_response'; // an unexpected 2xx/3xx
}

// ---------------------------------------------------------------------------------------------------------
// Response schema: only the fields we read; every object is loose so Apollo can add fields freely.

const text = z.string().nullish();

const ApolloEmployment = z.looseObject({
  organization_name: text,
  title: text,
  start_date: text,
  end_date: text,
  current: z.boolean().nullish(),
  description: text,
  degree: text,
  major: text,
});
type ApolloEmployment = z.infer<typeof ApolloEmployment>;

const ApolloPerson = z.looseObject({
  first_name: text,
  last_name: text,
  name: text,
  title: text,
  headline: text,
  email: text,
  email_status: text,
  personal_emails: z.array(z.string()).nullish(),
  photo_url: text,
  linkedin_url: text,
  twitter_url: text,
  city: text,
  state: text,
  country: text,
  seniority: text,
  departments: z.array(z.string()).nullish(),
  functions: z.array(z.string()).nullish(),
  employment_history: z.array(ApolloEmployment).nullish(),
  organization: z
    .looseObject({ name: text, primary_domain: text, industry: text, estimated_num_employees: z.number().nullish() })
    .nullish(),
});
type ApolloPerson = z.infer<typeof ApolloPerson>;

const ApolloMatch = z.looseObject({ person: ApolloPerson.nullish() });
/** bulk_match: `matches` holds one entry per `details` item, in order, `null` where nobody matched. */
const ApolloBulkMatch = z.looseObject({ matches: z.array(ApolloPerson.nullable()) });

function parseBulkMatch(body: unknown, expected: number): (ApolloPerson | null)[] {
  const parsed = ApolloBulkMatch.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
    throw new ProviderError(NAME, 'bad_response', `unexpected bulk_match body (at ${where})`, { cause: parsed.error });
  }
  if (parsed.data.matches.length !== expected) throw new ProviderError(NAME, 'bad_response', `bulk_match answered ${parsed.data.matches.length} of ${expected}`);
  return parsed.data.matches;
}

function parseMatch(body: unknown): ApolloPerson | null {
  const parsed = ApolloMatch.safeParse(body);
  if (parsed.success) return parsed.data.person ?? null;
  // Paths only: values are personal data and do not belong in an error message.
  const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
  throw new ProviderError(NAME, 'bad_response', `unexpected 200 body (at ${where})`, { cause: parsed.error });
}

// ---------------------------------------------------------------------------------------------------------
// Confidence

/**
 * Apollo returns no likelihood score, so confidence is graded by the evidence that the person is the one asked for:
 * - 90: we looked up an email and Apollo returns that same address with `email_status: "verified"`;
 * - 80: we looked up a LinkedIn URL and Apollo's profile carries that same URL;
 * - 70: any other match (e.g. Apollo matched the email on its own history and shows another or an unverified one).
 */
export function apolloConfidence(lookup: Lookup, person: Pick<ApolloPerson, 'email' | 'email_status' | 'linkedin_url'>): number {
  const emailEcho = !!lookup.email && person.email?.trim().toLowerCase() === lookup.email.trim().toLowerCase();
  if (emailEcho && person.email_status === 'verified') return 90;
  const linkedinEcho = !!lookup.linkedin_url && !!person.linkedin_url && canonicalLinkedInUrl(person.linkedin_url) === lookup.linkedin_url;
  if (linkedinEcho) return 80;
  return 70;
}

// ---------------------------------------------------------------------------------------------------------
// Mapping (providers.md §2). Apollo values are already cased ("Tim", "Founder & CEO"); only codes and the
// lowercase industry list are title-cased.

function mapPerson(p: ApolloPerson): Profile {
  const org = p.organization;
  const history = p.employment_history ?? [];
  return {
    ...emptyProfile(), // seniority, country_code and the job-change fields stay at defaults: the core derives them
    first_name: clean(p.first_name),
    last_name: clean(p.last_name),
    full_name: clean(p.name) ?? joinNonEmpty([p.first_name, p.last_name], ' '),
    email: usableEmail(p.email, p.email_status),
    personal_email: (p.personal_emails ?? []).map((e) => usableEmail(e, null)).find(isString) ?? null,
    mobile: null, // phones only come asynchronously to a webhook (reveal_phone_number); `contact` is the team's CRM copy
    linkedin_url: p.linkedin_url ? canonicalLinkedInUrl(p.linkedin_url) : null,
    twitter_url: httpsUrl(p.twitter_url),
    profile_picture: clean(p.photo_url),
    title: clean(p.title),
    headline: clean(p.headline),
    department: departmentLabel(p.departments?.[0] ?? p.functions?.[0]),
    company: clean(org?.name) ?? clean(history.find((h) => h.current === true)?.organization_name),
    company_domain: clean(org?.primary_domain),
    company_size: companySizeBucket(org?.estimated_num_employees),
    industry: cased(org?.industry),
    location: joinNonEmpty([p.city, p.state, p.country], ', '),
    city: clean(p.city),
    region: clean(p.state),
    country: clean(p.country),
    skills: [],
    experience: history.filter((h) => !isEducation(h)).map(mapEmployment).filter((e): e is Experience => e !== null),
    education: history.filter(isEducation).map(mapSchooling),
    connections: null,
    followers: null,
  };
}

/** Apollo's work email, unless it is flagged unavailable or is the "email_not_unlocked@domain.com" placeholder. */
function usableEmail(email: string | null | undefined, status: string | null | undefined): string | null {
  const e = clean(email);
  if (!e || status === 'unavailable') return null;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) || /^email_not_unlocked@/i.test(e)) return null;
  return e;
}

/** `master_sales` → "Sales", `c_suite` → "Executive", `entrepreneurship` → "Entrepreneurship". */
export function departmentLabel(code: string | null | undefined): string | null {
  const c = clean(code);
  if (!c) return null;
  if (c === 'c_suite') return 'Executive';
  return cased(c.replace(/^master_/, '').replace(/_/g, ' '));
}

const SIZE_BUCKETS: readonly (readonly [number, string])[] = [
  [10, '1-10'],
  [50, '11-50'],
  [200, '51-200'],
  [500, '201-500'],
  [1000, '501-1000'],
  [5000, '1001-5000'],
  [10000, '5001-10000'],
];

/** Apollo's head count (int) → the PDL-style range our profiles use. 0 is Apollo's "unknown" default. */
export function companySizeBucket(employees: number | null | undefined): string | null {
  if (employees == null || !Number.isFinite(employees) || employees < 1) return null;
  return SIZE_BUCKETS.find(([max]) => employees <= max)?.[1] ?? '10001+';
}

/**
 * Apollo's employment_history items share their shape with schooling (`degree`, `major`); an item that carries
 * either is education, not a job.
 */
function isEducation(h: ApolloEmployment): boolean {
  return !!(clean(h.degree) || clean(h.major));
}

function mapEmployment(h: ApolloEmployment): Experience | null {
  const company = clean(h.organization_name);
  const title = clean(h.title);
  if (!company && !title) return null;
  const isCurrent = h.current === true;
  const entry: Experience = {
    company: company ?? '',
    title: title ?? '',
    start_date: yearMonth(h.start_date),
    end_date: isCurrent ? '' : yearMonth(h.end_date),
    is_current: isCurrent,
  };
  const description = clean(h.description);
  if (description) entry.description = description;
  return entry;
}

function mapSchooling(h: ApolloEmployment): Education {
  return {
    school: clean(h.organization_name) ?? '',
    degree: clean(h.degree) ?? '',
    field: clean(h.major) ?? '',
    start_year: yearOf(h.start_date),
    end_year: yearOf(h.end_date),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Small value helpers

function clean(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

function cased(s: string | null | undefined): string | null {
  const t = clean(s);
  return t ? titleCase(t) : null;
}

function joinNonEmpty(parts: readonly (string | null | undefined)[], sep: string): string | null {
  const kept = parts.map(clean).filter(isString);
  return kept.length ? kept.join(sep) : null;
}

/** Apollo dates are `YYYY-MM-DD` whose day is a placeholder (01 throughout its examples): keep `YYYY-MM`. */
function yearMonth(date: string | null | undefined): string {
  const m = /^(\d{4})(?:-(\d{2}))?/.exec(date?.trim() ?? '');
  if (!m?.[1]) return '';
  return m[2] ? `${m[1]}-${m[2]}` : m[1];
}

function yearOf(date: string | null | undefined): number | null {
  const m = /^(\d{4})/.exec(date?.trim() ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

function httpsUrl(s: string | null | undefined): string | null {
  const t = clean(s);
  if (!t) return null;
  const absolute = /^https?:\/\//i.test(t) ? t.replace(/^http:/i, 'https:') : `https://${t}`;
  return absolute.replace(/\/+$/, '');
}

function isString(v: string | null | undefined): v is string {
  return typeof v === 'string';
}
