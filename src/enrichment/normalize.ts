// Canonical identifiers, country codes, title casing and job-change derivation (pure, deterministic:
// the clock is injected). Every provider's raw profile goes through normalizeProfile once, in enrich.ts.
import { SENIORITY_LEVELS, type Experience, type Profile, type Seniority } from './contract.js';
import { EXTRA_COUNTRIES, ISO_COUNTRIES } from './countries.js';
import { foldText, resolveSeniority } from './seniority.js';

/**
 * A pure string function with a bounded memo. A bulk import normalises hundreds of thousands of records whose
 * employers, countries and dates repeat heavily; the memo is simply emptied when full (no LRU bookkeeping:
 * the hot keys come back within a few records).
 */
function memoize<T>(fn: (s: string) => T, max = 20_000): (s: string) => T {
  const memo = new Map<string, T>();
  return (s) => {
    let v = memo.get(s);
    if (v === undefined && !memo.has(s)) {
      v = fn(s);
      if (memo.size >= max) memo.clear();
      memo.set(s, v);
    }
    return v as T;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------------------

// local@domain.tld: no spaces or brackets in the local part; domain labels of letters/digits/hyphens (IDN
// letters allowed); a TLD of 2+ letters or a punycode TLD.
// Control and format characters (NUL, bidi overrides, zero-width) are refused: they make two different strings
// look alike in the admin pages and in CRM fields.
const EMAIL =
  /^[^\s@<>()[\]\\,;:"\p{Cc}\p{Cf}]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/** Trimmed, lowercased email, or null when it does not look like local@domain.tld. `mailto:` is stripped. */
export function canonicalEmail(s: string): string | null {
  if (typeof s !== 'string') return null;
  let e = s.trim();
  if (/^mailto:/i.test(e)) e = (e.slice('mailto:'.length).split('?')[0] ?? '').trim(); // mailto:x@y?subject=…
  e = e.toLowerCase();
  return EMAIL.test(e) ? e : null;
}

// ---------------------------------------------------------------------------------------------------------
// LinkedIn
// ---------------------------------------------------------------------------------------------------------

// linkedin.com, www., a country subdomain (de., uk., br.) or the mobile site.
const LINKEDIN_HOST = /^(?:(?:www|m|mobile|[a-z]{2})\.)?linkedin\.com$/;
const SLUG = /^[\p{L}\p{N}\p{M}_-]{1,100}$/u;
// The canonical shape itself (what exports and our own results carry): an ASCII lowercase slug needs no
// decoding, normalisation or lowercasing, so the URL parser is skipped. Anything else takes the full path.
const CANONICAL_LINKEDIN = /^https:\/\/www\.linkedin\.com\/in\/([a-z0-9_-]{1,100})\/?$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Any form of a LinkedIn profile URL → `https://www.linkedin.com/in/<slug>` (slug percent-decoded and
 * lowercased). Scheme optional, http or https; query, fragment, trailing slash and sub-pages
 * (`/details/experience`) dropped. Legacy `/pub/<name>/<a>/<b>/<c>` URLs map to `/in/<name>-<c><b><a>`,
 * the redirect LinkedIn itself applies. Anything that is not a linkedin.com profile → null.
 */
export function canonicalLinkedInUrl(s: string): string | null {
  if (typeof s !== 'string') return null;
  const raw = s.trim();
  if (!raw) return null;
  const fast = CANONICAL_LINKEDIN.exec(raw);
  if (fast) return `https://www.linkedin.com/in/${fast[1]}`;
  return parseLinkedInUrl(raw);
}

/** The general path of canonicalLinkedInUrl (exported for the test that checks the fast path against it). */
export function parseLinkedInUrl(raw: string): string | null {
  const withScheme = HAS_SCHEME.test(raw) ? raw : `https://${raw.replace(/^\/+/, '')}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!LINKEDIN_HOST.test(url.hostname.toLowerCase())) return null;

  const [kind, ...rest] = url.pathname.split('/').filter(Boolean);
  const slug =
    kind?.toLowerCase() === 'in' ? cleanSlug(rest[0]) : kind?.toLowerCase() === 'pub' ? legacyPubSlug(rest) : null;
  return slug ? `https://www.linkedin.com/in/${slug}` : null;
}

function cleanSlug(segment: string | undefined): string | null {
  if (!segment) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return null; // malformed percent-encoding
  }
  const slug = decoded.normalize('NFC').toLowerCase();
  return SLUG.test(slug) ? slug : null;
}

/** /pub/jane-doe/a7/576/b50 → jane-doe-b50576a7: the last two id parts are zero-padded to three. */
function legacyPubSlug(parts: string[]): string | null {
  const [name, a, b, c] = parts;
  const hex = /^[0-9a-f]{1,3}$/i;
  if (!name || !a || !b || !c || ![a, b, c].every((p) => hex.test(p))) return null;
  const base = cleanSlug(name);
  return base ? `${base}-${c.padStart(3, '0')}${b.padStart(3, '0')}${a}`.toLowerCase() : null;
}

// ---------------------------------------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------------------------------------

/** Fold a country spelling to a lookup key: "The Netherlands" = "netherlands", "St. Lucia" = "saintlucia". */
function countryKey(s: string): string {
  return foldText(s)
    .replace(/&/g, ' and ')
    .replace(/\./g, '') // U.S.A. → usa
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && w !== 'the')
    .map((w) => (w === 'st' || w === 'ste' ? 'saint' : w))
    .join('');
}

const COUNTRY_INDEX: ReadonlyMap<string, string> = (() => {
  const index = new Map<string, string>();
  for (const c of [...ISO_COUNTRIES, ...EXTRA_COUNTRIES]) {
    for (const spelling of [c.alpha2, c.alpha3, c.name, ...c.aliases]) index.set(countryKey(spelling), c.alpha2);
  }
  return index;
})();

/**
 * A country name (English, native or common variant, any case/accents) or an ISO alpha-2/alpha-3 code →
 * ISO 3166-1 alpha-2, uppercase; unknown → null. A full location ("Austin, Texas, United States") falls back
 * to its last comma-separated part.
 */
export function countryCode(country: string | null | undefined): string | null {
  return typeof country === 'string' ? countryCodeMemo(country) : null;
}

// why memoised: folding a country spelling is dear next to a map lookup, and countries repeat across records.
const countryCodeMemo = memoize(lookupCountry);

function lookupCountry(country: string): string | null {
  const key = countryKey(country);
  if (!key) return null;
  const hit = COUNTRY_INDEX.get(key);
  if (hit) return hit;
  const parts = country.split(',');
  return parts.length > 1 ? countryCode(parts[parts.length - 1]) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Title case (PDL returns lowercase strings unless asked otherwise)
// ---------------------------------------------------------------------------------------------------------

// Lowercase inside a phrase (English articles, conjunctions, short prepositions; common Romance/Germanic
// particles). Not "la"/"los"/"las": those start place names (Los Angeles).
const SMALL_WORDS = new Set([
  'a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'from', 'in', 'into', 'nor', 'of', 'on', 'or', 'per', 'the',
  'to', 'via', 'vs', 'with', 'de', 'del', 'da', 'das', 'do', 'dos', 'di', 'du', 'des', 'e', 'et', 'y', 'und',
  'von', 'van', 'der', 'den', 'zu',
]);

// Written the way the industry writes them.
const SPECIAL_CASE = new Map(
  [
    'CEO', 'CTO', 'CFO', 'COO', 'CMO', 'CRO', 'CIO', 'CISO', 'CPO', 'CHRO', 'CCO', 'CDO', 'CSO', 'CXO', 'VP', 'SVP',
    'EVP', 'AVP', 'GM', 'MD', 'USA', 'US', 'UK', 'EU', 'UAE', 'EMEA', 'APAC', 'LATAM', 'AMER', 'DACH', 'NYC', 'IT',
    'HR', 'PR', 'QA', 'UX', 'UI', 'AI', 'ML', 'B2B', 'B2C', 'D2C', 'SaaS', 'PaaS', 'IaaS', 'IoT', 'API', 'APIs',
    'CRM', 'ERP', 'SEO', 'SEM', 'SQL', 'AWS', 'GCP', 'BI', 'KPI', 'OKR', 'PMO', 'SRE', 'DevOps', 'GTM', 'SDR', 'BDR',
    'R&D', 'M&A', 'iOS', 'PhD', 'MBA', 'CPA', 'CFA', 'LLC', 'LLP', 'PLC', 'GmbH', 'AG', 'SA', 'NV', 'BV', 'SARL',
    'SRL', 'HVAC', '3D', 'II', 'III', 'IV', 'VI', 'VII', 'VIII', 'IX',
  ].map((w) => [w.toLowerCase(), w]),
);

/**
 * Title-cases a lowercase provider value: "co-founder and chief executive officer" →
 * "Co-Founder and Chief Executive Officer". Small words stay lowercase inside the phrase (not first, not
 * right after a separator such as "|" or "("), known acronyms keep their casing (CEO, SaaS, R&D),
 * Mc/O' names get their inner capital (McDonald's, O'Brien).
 * A value that already has capitals was cased by someone who knew better and is only trimmed.
 */
export function titleCase(s: string): string {
  const text = s.trim();
  if (text !== text.toLowerCase()) return text;
  let startOfPhrase = true;
  return text
    .split(/(\s+)/)
    .map((chunk) => {
      if (/^\s+$/.test(chunk)) return chunk;
      const out = caseWord(chunk, startOfPhrase);
      startOfPhrase = /[|:(–—-]$/.test(chunk) || /^[|:/–—-]+$/.test(chunk);
      return out;
    })
    .join('');
}

/** One whitespace-delimited chunk, e.g. "(emea)", "co-founder", "sales/marketing". */
function caseWord(chunk: string, startOfPhrase: boolean): string {
  const m = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u.exec(chunk);
  const [, lead = '', core = '', trail = ''] = m ?? [];
  if (!core) return chunk;
  const special = SPECIAL_CASE.get(core);
  if (special) return lead + special + trail;
  const first = startOfPhrase || lead.length > 0;
  // Compounds: each part is cased, small words inside stay small ("editor-in-chief" → "Editor-in-Chief").
  // The first part of a compound is always capitalised ("e-commerce" → "E-Commerce").
  const parts = core.split(/([-/])/);
  const cased = parts.map((part, i) => {
    if (part === '-' || part === '/') return part;
    const mayBeSmall = i > 0 || (parts.length === 1 && !first);
    return casePart(part, mayBeSmall);
  });
  return lead + cased.join('') + trail;
}

function casePart(part: string, mayBeSmall: boolean): string {
  const special = SPECIAL_CASE.get(part);
  if (special) return special;
  if (mayBeSmall && SMALL_WORDS.has(part)) return part;
  if (/^mc\p{L}{2,}/u.test(part)) return `Mc${upperFirst(part.slice(2))}`; // mcdonald's → McDonald's
  if (/^o'\p{L}/u.test(part)) return `O'${upperFirst(part.slice(2))}`; // o'brien → O'Brien
  return upperFirst(part);
}

const upperFirst = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

// ---------------------------------------------------------------------------------------------------------
// Dates and job changes
// ---------------------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

/**
 * `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a time part is ignored) → days since the epoch of the EARLIEST day the
 * value can mean (`2026-10` → 2026-10-01, `2026` → 2026-01-01); null when empty or invalid.
 */
export function parseProfileDate(s: string | null | undefined): number | null {
  return typeof s === 'string' ? parseDateMemo(s) : null;
}

// why memoised: a record's dates are parsed for sorting and again for the job change, and month-precision dates
// repeat across records.
const parseDateMemo = memoize(parseDate);
const PROFILE_DATE = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:T.*)?)?)?$/;

function parseDate(s: string): number | null {
  const m = PROFILE_DATE.exec(s.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  // why: Date.UTC rolls 2026-02-31 over to March; reject instead of guessing.
  if (month < 1 || month > 12 || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return Math.floor(t / DAY_MS);
}

const isoDays = new Map<number, string>();
/**
 * Day number → YYYY-MM-DD (memoised: the same start dates come back record after record). Not through memoize():
 * one memo code path fed both string and number keys turned polymorphic and cost the whole import about 20 %
 * (BENCH_ONLY=import: 17–19k vs. 22k records/s back to back).
 */
function isoDay(day: number): string {
  let iso = isoDays.get(day);
  if (iso === undefined) {
    iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (isoDays.size >= 20_000) isoDays.clear();
    isoDays.set(day, iso);
  }
  return iso;
}

// Legal-form words that do not change who the employer is ("Acme Inc" = "Acme").
const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'llc', 'llp', 'lp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'plc',
  'gmbh', 'ag', 'kg', 'ug', 'se', 'sa', 'sas', 'sarl', 'srl', 'spa', 'sl', 'ltda', 'bv', 'nv', 'ab', 'oy', 'as',
  'pty', 'pvt', 'kk',
]);

/** Employer identity for comparisons: folded, punctuation-free, without trailing legal forms. */
export function companyKey(name: string | null | undefined): string {
  return companyKeyMemo(name ?? '');
}

// why memoised: deriveJobChange compares every position's employer, and employers repeat across records.
const companyKeyMemo = memoize(foldCompany);

function foldCompany(name: string): string {
  const words = foldText(name)
    .replace(/&/g, ' and ')
    .replace(/\./g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}

export interface JobChange {
  recent_job_change: boolean;
  job_change_date: string | null;
  previous_company: string | null;
  previous_title: string | null;
}

interface Dated {
  exp: Experience;
  start: number | null;
  end: number | null;
}

const NO_CHANGE: JobChange = { recent_job_change: false, job_change_date: null, previous_company: null, previous_title: null };

/**
 * Job-change facts from a work history.
 *  - current job: the `is_current` position with the latest start (unknown starts rank last).
 *  - earlier positions: non-current ones that did not start after the current job, latest-ending first
 *    (then latest-starting; a missing end counts as its start).
 *  - tenure: the current job plus the positions at the same employer directly before it (and other current
 *    positions there): an internal promotion does not restart the tenure, a boomerang return does.
 *  - previous: the latest earlier position at a DIFFERENT employer; if there is none, the latest earlier
 *    position (an internal move: previous_company is then the current employer).
 *  - job_change_date: when the person moved from `previous` to where they are now, as YYYY-MM-DD. With a
 *    different previous employer that is the start of the tenure (the day they joined); with only internal
 *    history it is the start of the current position. Null without a previous position or a known start.
 *    It is set even when the change is not recent, so a CRM can show "joined Acme on …".
 *  - recent_job_change: the person joined a different employer within `windowDays` before `now` (a start in
 *    the future is not a change yet). Promotions never count.
 */
export function deriveJobChange(experience: readonly Experience[], opts: { windowDays: number; now: Date }): JobChange {
  const dated: Dated[] = experience.map((exp) => ({
    exp,
    start: parseProfileDate(exp.start_date),
    end: parseProfileDate(exp.end_date),
  }));
  const current = pickCurrent(dated);
  if (!current) return { ...NO_CHANGE };

  const employer = companyKey(current.exp.company);
  const earlier = dated
    .filter((d) => !d.exp.is_current && !(d.start !== null && current.start !== null && d.start > current.start))
    .sort(byLatestEnd);
  const previousOther = earlier.find((d) => companyKey(d.exp.company) !== employer);
  const previous = previousOther ?? earlier[0];
  if (!previous) return { ...NO_CHANGE };

  const tenureStart = tenureStartOf(current, dated, earlier, employer);
  const changeDay = previousOther ? tenureStart : current.start;
  const today = Math.floor(opts.now.getTime() / DAY_MS);
  const recent =
    previousOther !== undefined && tenureStart !== null && tenureStart <= today && tenureStart >= today - opts.windowDays;
  return {
    recent_job_change: recent,
    job_change_date: changeDay === null ? null : isoDay(changeDay),
    previous_company: previous.exp.company || null,
    previous_title: previous.exp.title || null,
  };
}

function pickCurrent(dated: readonly Dated[]): Dated | undefined {
  let best: Dated | undefined;
  for (const d of dated) {
    if (!d.exp.is_current) continue;
    if (!best || descNullsLast(d.start, best.start) < 0) best = d;
  }
  return best;
}

/** Comparator: larger first, unknown (null) last. */
function descNullsLast(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return b - a;
}

function byLatestEnd(a: Dated, b: Dated): number {
  return descNullsLast(a.end ?? a.start, b.end ?? b.start) || descNullsLast(a.start, b.start);
}

/** Earliest start of the unbroken run of positions at the current employer that ends with the current job. */
function tenureStartOf(current: Dated, all: readonly Dated[], earlier: readonly Dated[], employer: string): number | null {
  let start = current.start;
  const extend = (d: Dated): void => {
    if (d.start !== null && (start === null || d.start < start)) start = d.start;
  };
  if (start === null) return null; // why: without the current start the tenure is unknown
  for (const d of all) if (d.exp.is_current && companyKey(d.exp.company) === employer) extend(d);
  for (const d of earlier) {
    if (companyKey(d.exp.company) !== employer) break;
    extend(d);
  }
  return start;
}

// ---------------------------------------------------------------------------------------------------------
// The whole profile
// ---------------------------------------------------------------------------------------------------------

export interface NormalizeOptions {
  /** The provider's own level, used when the title has no level keyword. */
  seniorityHint?: Seniority | null | undefined;
  /** resolveSeniority, or a memoised copy of it (a bulk import sees the same titles again and again). */
  resolveSeniority?: typeof resolveSeniority;
  /** JOB_CHANGE_WINDOW_DAYS. */
  windowDays: number;
  now: Date;
}

const isSeniority = (v: unknown): v is Seniority => (SENIORITY_LEVELS as readonly unknown[]).includes(v);

/**
 * A new, normalised Profile (the input is not modified):
 *  - email / personal_email canonical (null when invalid); linkedin_url canonical (null when not a profile).
 *  - seniority = resolveSeniority(title, profile's own seniority ?? hint): a title keyword wins, otherwise the
 *    level the profile already carried, then the provider hint, then Individual for a plain title.
 *  - country_code from the given code (alpha-2, alpha-3 or a known alias such as "UK"), else from country.
 *  - full_name from first + last when missing; skills de-duplicated case-insensitively (first spelling kept).
 *  - experience: current positions first, then by start date, newest first.
 *  - job-change fields from deriveJobChange, unless the input already states a job change
 *    (recent_job_change true with a job_change_date): a provider or dataset that says so is trusted, and only
 *    its missing previous company/title are filled in. A derivation that finds nothing keeps the input's
 *    previous company/title/date (a dataset row may carry them without a work history).
 */
export function normalizeProfile(p: Profile, opts: NormalizeOptions): Profile {
  const stated = isSeniority(p.seniority) ? p.seniority : null;
  const experience = sortExperience(p.experience);
  return {
    ...p,
    full_name: fullName(p),
    email: p.email === null ? null : canonicalEmail(p.email),
    personal_email: p.personal_email === null ? null : canonicalEmail(p.personal_email),
    linkedin_url: p.linkedin_url === null ? null : canonicalLinkedInUrl(p.linkedin_url),
    seniority: (opts.resolveSeniority ?? resolveSeniority)(p.title, stated ?? opts.seniorityHint ?? null),
    country_code: countryCode(p.country_code) ?? countryCode(p.country),
    skills: dedupeSkills(p.skills),
    experience,
    education: p.education.map((e) => ({ ...e })),
    ...jobChangeFields(p, experience, opts),
  };
}

function jobChangeFields(p: Profile, experience: readonly Experience[], opts: NormalizeOptions): JobChange {
  const derived = deriveJobChange(experience, opts);
  const day = p.job_change_date ? parseProfileDate(p.job_change_date) : null;
  // A stated change is trusted only while it is recent: a dataset row imported months ago must not keep
  // saying "recent job change" forever.
  const today = Math.floor(opts.now.getTime() / 86_400_000);
  const statedRecent = p.recent_job_change && p.job_change_date && (day === null || (day <= today && today - day <= opts.windowDays));
  if (statedRecent) {
    return {
      recent_job_change: true,
      job_change_date: day === null ? p.job_change_date : isoDay(day),
      previous_company: p.previous_company ?? derived.previous_company,
      previous_title: p.previous_title ?? derived.previous_title,
    };
  }
  return {
    recent_job_change: derived.recent_job_change,
    job_change_date: derived.job_change_date ?? (day === null ? p.job_change_date : isoDay(day)),
    previous_company: derived.previous_company ?? p.previous_company,
    previous_title: derived.previous_title ?? p.previous_title,
  };
}

function fullName(p: Profile): string | null {
  if (p.full_name?.trim()) return p.full_name;
  const joined = [p.first_name, p.last_name].map((n) => n?.trim()).filter(Boolean).join(' ');
  return joined || null;
}

// Whitespace that collapsing to single spaces would change: a run of two, or any whitespace other than a space.
const NEEDS_COLLAPSE = /\s\s|[^\S ]/;

function dedupeSkills(skills: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of skills) {
    const skill = raw.trim();
    const lower = skill.toLowerCase();
    const key = NEEDS_COLLAPSE.test(lower) ? lower.replace(/\s+/g, ' ') : lower;
    if (!skill || seen.has(key)) continue;
    seen.add(key);
    out.push(skill);
  }
  return out;
}

/** Current first, then newest start first; unknown starts last; otherwise the provider's order (stable). */
function sortExperience(experience: readonly Experience[]): Experience[] {
  if (experience.length < 2) return experience.map((e) => ({ ...e }));
  // why decorated: each start is parsed once, not once per comparison.
  const keyed = experience.map((e) => ({ e: { ...e }, start: parseProfileDate(e.start_date) }));
  keyed.sort((a, b) => {
    if (a.e.is_current !== b.e.is_current) return a.e.is_current ? -1 : 1;
    return descNullsLast(a.start, b.start);
  });
  return keyed.map((k) => k.e);
}
