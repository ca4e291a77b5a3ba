// Job title → one of the seven seniority levels of the contract (pure, no I/O).
//
// How it works
//   1. fold: lowercase, strip accents (ä → a, é → e, ß → ss, ł → l, ø → o, æ → ae), collapse dotted acronyms
//      (V.P. → vp), glue Swedish abbreviation endings (VD:s → vds).
//   2. segment: split on separators (| / , ; ( ) – — " - " bullets emojis) so "Founder | CEO | Speaker" is three
//      roles, and drop each segment's "@ Acme" / "at Acme" / "hos Acme" tail: a company name is not a role.
//   3. tokenise each segment into words ([letters|digits]+). Hyphens split words, so "Co-Founder" is
//      "co founder". Matching is by whole token, never by substring: "internal" and "international" are
//      not "intern" (compound rules — Abteilungsleiter, ekonomidirektör, myyntipäällikkö — match word endings
//      or beginnings explicitly, marked with ~).
//   4. take out roles the person no longer holds ("Former CEO", "CEO (retired)", "f.d. VD", "Były prezes").
//   5. run the ordered rules (seniority-rules.ts, language in seniority-matcher.ts) over the tokens. A rule
//      that matches *consumes* its tokens, so a later, shorter rule cannot reuse them: "vice president" is
//      VP before "president" (C-Level) could see it; "assistant to the CEO" is consumed before "ceo" could.
//   6. the highest level among all matches wins ("EVP & CFO" → C-Level, "Senior Director" → Director).
//      No keyword at all → Individual ("Software Engineer", "Nurse", "Acme"): a plain role. Only past
//      roles and no current one → null.
//
// The levels and the decisions on ambiguous families (Managing Director, General Manager, head of, chief of
// staff, partners, boards, counsel, the Nordic -chef/-sjef/-leder compounds, past roles) are written down in
// docs/seniority.md and pinned, with the accepted answers, in test/fixtures/seniority-titles.json.
import type { Seniority } from './contract.js';
import { createRuleSet, foldText, foldTitle, higherSeniority } from './seniority-matcher.js';
import { RULES } from './seniority-rules.js';

export { foldText, higherSeniority };

const RULE_SET = createRuleSet(RULES);

// ---------------------------------------------------------------------------------------------------------
// Folding and segmenting
// ---------------------------------------------------------------------------------------------------------

/** Words after which the rest of a segment is the employer, not the role ("VP Sales @ Acme"). */
const EMPLOYER_MARKERS = new Set(['at', 'bei', 'chez', 'presso', 'bij', 'hos', 'w']);

// why: separators between roles. A hyphen is one only with spaces around it ("CEO - Acme"), since
// "Co-Founder" and "Président-directeur général" use it inside a title. Emojis and symbols too.
const SEGMENT_SEPARATORS = /\s-+\s|[–—|/\\,;:•·()[\]{}<>"“”«»]|[\p{Extended_Pictographic}\p{So}]/gu;

/** The title folded for reading. Italian "già" and Dutch "oud-" mean former only in these spellings; once
 * folded, "gia" (GIA) and "oud" (the perfume) are other words. */
function foldForReading(title: string): string {
  return foldTitle(title.replace(/(?<![\p{L}\p{N}])(?:già\s+|oud-)(?=\p{L})/giu, 'former '));
}

function segmentTitle(folded: string): string[][] {
  let s = folded;
  s = s.replace(/\bf\.\s?d\.(?=\s|$)/g, 'former'); // Swedish f.d. (före detta) = former; undotted FD is not
  s = s.replace(/\bds\.(?=\s)/g, 'do'); // Polish ds. (do spraw, "for"); undotted DS is a data scientist
  s = s.replace(/\b(?:[a-z]\.){2,}/g, (m) => m.replace(/\./g, '')); // V.P. → vp, C.E.O. → ceo
  s = s.replace(/['’]s\b/g, 's'); // founder's → founders (one token), but d'équipe → d équipe
  // why: Swedish inflects abbreviations after a colon: VD:n (the CEO), VD:s assistent (the CEO's assistant).
  s = s.replace(/\b([a-z]{2,5}):(n|s|en|ns)\b/g, '$1$2');
  s = s.replace(/@/g, ' at ').replace(/[&+]/g, ' and ');
  // why: "Chief Diversity, Equity & Inclusion Officer" is one title whose commas list its scope.
  s = s.replace(/\bchief\b[^|/\\;()]{0,60}?\bofficer\b/g, (m) => m.replace(/,/g, ' '));
  return s
    .split(SEGMENT_SEPARATORS)
    .map((seg) => dropEmployer((seg ?? '').split(/[^\p{L}\p{N}]+/u).filter(Boolean)))
    .filter((tokens) => tokens.length > 0);
}

function dropEmployer(tokens: string[]): string[] {
  const at = tokens.findIndex((t) => EMPLOYER_MARKERS.has(t));
  return at < 0 ? tokens : tokens.slice(0, at);
}

// ---------------------------------------------------------------------------------------------------------
// Roles the person no longer holds
//   "Former CEO", "Ex-VP Sales", "Retired Teacher", "CEO (retired)", "Professor Emeritus", "f.d. VD",
//   "Entinen toimitusjohtaja", "Były prezes": the old role does not give the level. A past span starts at a
//   past word and runs to the end of its segment or to a "now" word ("Former CEO, now Advisor"); a trailing
//   "retired"/"emeritus" (or a segment that is only that word) makes the segment (or the one before) past.
//   What is left decides; when nothing left has a level: the Individual fallback if the title names a
//   current role (words before the first past word, "Advisor, former CEO", or after "now"), else null: the
//   title only tells what the person used to be ("Former CEO", "Former CEO, Acme Corp" — words after a past
//   role are read as its employer or scope).
// ---------------------------------------------------------------------------------------------------------

const PAST_BEFORE = new Set([
  'ex', 'former', 'formerly', 'previously', 'past', 'retired', 'fmr', 'erstwhile', // en
  'ehemalige', 'ehemaliger', 'ehemaliges', 'ehemals', 'ehem', 'fruher', 'frueher', 'pensionierter', // de
  'ancien', 'ancienne', 'anciennement', 'antiguo', 'antigua', 'anteriormente', 'antigo', 'antiga', // fr es pt
  'voormalig', 'voormalige', 'gewezen', // nl (oud- and già: see segmentTitle)
  'tidigare', 'forre', 'tidligere', 'forhenvaerende', 'entinen', 'byly', 'byla', 'byle', // sv no da fi pl
]);
const PAST_AFTER = new Set([
  'retired', 'ret', 'emeritus', 'emerita', 'pensioniert', 'pensionato', 'pensionata', 'retraite', 'retraitee',
  'jubilado', 'jubilada', 'aposentado', 'aposentada', 'gepensioneerd', 'pensionerad', 'pensjonert',
  'pensioneret', 'elakkeella', 'emerytowany', 'emerytowana',
]);
const NOW = new Set([
  'now', 'currently', 'presently', 'jetzt', 'aktuell', 'derzeit', 'maintenant', 'actuellement', 'desormais',
  'ahora', 'actualmente', 'agora', 'atualmente', 'ora', 'attualmente', 'nu', 'numera', 'nykyinen', 'nykyaan',
  'teraz', 'obecnie',
]);

// why: "retired" words come before the role too: Retired Teacher, emerytowany nauczyciel, pensionerad lärare.
for (const w of PAST_AFTER) PAST_BEFORE.add(w);

const isPastBefore = (tokens: readonly string[], i: number): boolean =>
  PAST_BEFORE.has(tokens[i]!) &&
  !(tokens[i] === 'ex' && tokens[i + 1] === 'officio') && // an ex officio member is a current member
  !(tokens[i] === 'past' && tokens[i + 1] === 'due'); // Past Due Collections

interface CurrentRoles {
  segments: string[][];
  past: boolean;
  /** The title names a current role: words before the first past word, or after a "now" word. */
  namesCurrent: boolean;
}

function currentRoles(segments: readonly string[][]): CurrentRoles {
  const kept: { tokens: string[]; beforePast: boolean }[] = [];
  let past = false;
  let afterNow = false;
  let previousKept = false;
  for (const tokens of segments) {
    const onlyMarkers = tokens.every((t, i) => isPastBefore(tokens, i) || PAST_AFTER.has(t));
    if (onlyMarkers || PAST_AFTER.has(tokens[tokens.length - 1]!)) {
      // "CEO (retired)", "Teacher - Former": the segment before is past; "Professor Emeritus": this one.
      if (onlyMarkers && previousKept) kept.pop();
      past = true;
      previousKept = false;
      continue;
    }
    const current: string[] = [];
    let beforePast = !past;
    let inPast = false;
    for (let i = 0; i < tokens.length; i++) {
      if (NOW.has(tokens[i]!)) {
        inPast = false;
        if (i + 1 < tokens.length) afterNow = true;
      } else if (isPastBefore(tokens, i)) {
        inPast = past = true;
      } else if (!inPast) {
        current.push(tokens[i]!);
        continue;
      }
      if (current.length === 0) beforePast = false;
    }
    previousKept = current.length > 0;
    if (previousKept) kept.push({ tokens: current, beforePast });
  }
  return {
    segments: kept.map((k) => k.tokens),
    past,
    namesCurrent: afterNow || kept.some((k) => k.beforePast),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

// why: data feeds write "N/A" or "-" for "no title"; those are no title, not a plain role.
const PLACEHOLDERS = new Set(['', 'na', 'none', 'null', 'nil', 'unknown', 'notavailable', 'notapplicable']);

export interface TitleSeniority {
  /** Null when the title only names roles the person no longer holds ("Former CEO", "Retired"). */
  level: Seniority | null;
  /** True when a keyword decided the level (a past-role word counts); false for the Individual fallback. */
  fromKeyword: boolean;
}

/** The title's level and whether a keyword produced it; null when there is no title (no word at all). */
export function classifyTitle(title: string | null | undefined): TitleSeniority | null {
  if (typeof title !== 'string') return null;
  const folded = foldForReading(title);
  if (PLACEHOLDERS.has(folded.replace(/[^\p{L}\p{N}]+/gu, ''))) return null;
  // why: "@ Acme" leaves no segment, but it has words: a title, just not a role we can read (Individual).
  const roles = currentRoles(segmentTitle(folded));
  let best: Seniority | null = null;
  for (const tokens of roles.segments) best = higherSeniority(best, RULE_SET.levelOf(tokens));
  if (best) return { level: best, fromKeyword: true };
  if (roles.past && !roles.namesCurrent) return { level: null, fromKeyword: true };
  return { level: 'Individual', fromKeyword: false };
}

/**
 * Job title → seniority level; null when there is no title or it only names past roles ("Former CEO").
 * A plain role is Individual.
 */
export function seniorityOf(title: string | null | undefined): Seniority | null {
  return classifyTitle(title)?.level ?? null;
}

export type SeniorityProvider = 'peopledatalabs' | 'apollo';

// The providers' own vocabularies (docs/seniority.md, "Provider hints"). Unknown values are ignored.
const HINTS: Record<SeniorityProvider, Record<string, Seniority>> = {
  peopledatalabs: {
    cxo: 'C-Level', owner: 'C-Level', vp: 'VP', director: 'Director', partner: 'Director',
    manager: 'Manager', senior: 'Senior', entry: 'Individual', training: 'Intern', unpaid: 'Intern',
  },
  apollo: {
    owner: 'C-Level', founder: 'C-Level', c_suite: 'C-Level', vp: 'VP', head: 'Director', director: 'Director',
    partner: 'Director', manager: 'Manager', senior: 'Senior', entry: 'Individual', intern: 'Intern',
  },
};

/**
 * A provider's own level(s) mapped to ours; the highest wins (PDL can send ["cxo","owner"]).
 * Case and separators are forgiven ("C-Suite" = "c_suite").
 */
export function seniorityFromHint(
  provider: SeniorityProvider,
  levels: string | readonly string[] | null | undefined,
): Seniority | null {
  const table = HINTS[provider];
  const list = typeof levels === 'string' ? [levels] : (levels ?? []);
  let best: Seniority | null = null;
  for (const raw of list) {
    if (typeof raw !== 'string') continue;
    const key = raw.trim().toLowerCase().replace(/[\s-]+/g, '_');
    best = higherSeniority(best, table[key]);
  }
  return best;
}

/**
 * The title decides when a keyword in it gives a level. Otherwise (no title, or a plain role such as
 * "Software Engineer" or "Acme" that would only fall back to Individual) the hint decides, because
 * "Individual" there is a default, not evidence, while the provider's level was derived from more data.
 * So: "Acme" + VP → VP; "Software Engineer" + Senior → Senior; "Junior Developer" + Senior → Individual;
 * "VP Sales" + Director → VP; null title + no hint → null. A title that only names past roles ("Retired CFO")
 * gives null whatever the hint: a provider's level for it comes from the same old role.
 */
export function resolveSeniority(
  title: string | null | undefined,
  hint: Seniority | null | undefined,
): Seniority | null {
  const fromTitle = classifyTitle(title);
  if (fromTitle?.fromKeyword) return fromTitle.level;
  return hint ?? fromTitle?.level ?? null;
}
