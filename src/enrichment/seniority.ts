// Job title → one of the seven seniority levels of the contract (pure, no I/O).
//
// How it works
//   1. fold: lowercase, strip accents (ä → a, é → e, ß → ss), collapse dotted acronyms (V.P. → vp).
//   2. segment: split on separators (| / , ; ( ) – — " - " bullets emojis) so "Founder | CEO | Speaker" is three
//      roles, and drop each segment's "@ Acme" / "at Acme" tail, because a company name is not a role.
//   3. tokenise each segment into words ([letters|digits]+). Hyphens split words, so "Co-Founder" is
//      "co founder". Matching is by whole token, never by substring: "internal" and "international" are
//      not "intern" (only a few German compound rules use suffix/prefix matching, marked with ~).
//   4. run the ordered RULES over the tokens. A rule that matches *consumes* its tokens, so a later,
//      shorter rule cannot reuse them: "vice president" is consumed as VP before "president" (C-Level)
//      could see it; "assistant to the CEO" is consumed before "ceo" could. Rules with a null level only
//      consume (noise such as "of the CEO", "lead generation").
//   5. the highest level among all matches wins ("EVP & CFO" → C-Level, "Senior Director" → Director).
//      No keyword at all → Individual ("Software Engineer", "Nurse", "Acme"): a plain role.
//
// Decisions on ambiguous titles (documented here and pinned in test/fixtures/seniority-titles.json):
//   - Managing Director → C-Level. Outside US investment banking (UK, DACH, India, APAC, LatAm) the MD runs
//     the company; it is also the usual English rendering of Geschäftsführer. "MD" alone is NOT mapped
//     (too often "Doctor of Medicine"). Managing Partner / Managing Member → C-Level for the same reason.
//   - General Manager (English) → Director: a business-unit / site P&L owner, usually below VP.
//     Gerente General / Gerente Geral, Directeur Général, Director General, Diretor Executivo, Director
//     Ejecutivo → C-Level: in those languages these are the legal top-executive titles.
//   - Executive Director, Board Director, Non-Executive Director, Board Member → Director (a board seat or a
//     senior director, not the executive line). Chairman / Chair of the Board → C-Level. Advisory board → none.
//   - Chief of Staff → Director (senior advisor to an executive, not an officer). "Chief X Officer" and
//     "Chief Executive" → C-Level; any other "Chief X" (Chief Engineer, Chief Architect, Editor in Chief)
//     → Director.
//   - Head / Head of X → Director. Leiter/-leiter (Abteilungs-, Bereichs-) → Director; Teamleiter,
//     Gruppenleiter, Projektleiter → Manager, like English Team Lead / Team Leader (they manage people).
//   - Lead / Leader / Principal / Staff (engineering) / Distinguished → Senior (senior individual contributors).
//     "Staff Accountant", "Staff Nurse" stay Individual: "staff" only means Senior before a technical noun.
//   - Partner → Director (PDL ranks partner next to director); "Partner Manager", "Partner Marketing …"
//     use partner as a modifier and are not partners.
//   - Owner → C-Level, but Product/Process/Data/… Owner carries no level (Individual unless a hint says more).
//   - Assistant/Associate modifiers do not lower a level: Assistant Manager → Manager, AVP → VP.
//   - Junior / Jr / Entry Level / Graduate are real keywords for Individual; Trainee, Apprentice, Student,
//     Werkstudent, Stagiaire, Becario, Estagiário … → Intern.
import type { Seniority } from './contract.js';

/** Lowest to highest. Kept local (type-only import of contract.ts keeps this module dependency-free). */
const ORDER: readonly Seniority[] = ['Intern', 'Individual', 'Senior', 'Manager', 'Director', 'VP', 'C-Level'];
const rank = (s: Seniority): number => ORDER.indexOf(s);

/** Returns the higher of two levels (null-safe). */
export function higherSeniority(a: Seniority | null | undefined, b: Seniority | null | undefined): Seniority | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return rank(a) >= rank(b) ? a : b;
}

// ---------------------------------------------------------------------------------------------------------
// Folding and tokenising
// ---------------------------------------------------------------------------------------------------------

/** Lowercase, strip diacritics; ß has no decomposition so it is spelled out. */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/ß/g, 'ss');
}

/** Words after which the rest of a segment is the employer, not the role ("VP Sales @ Acme"). */
const EMPLOYER_MARKERS = new Set(['at', 'bei', 'chez', 'presso', 'bij']);

// why: separators between roles. A hyphen is one only with spaces around it ("CEO - Acme"), since
// "Co-Founder" and "Président-directeur général" use it inside a title. Emojis and symbols too.
const SEGMENT_SEPARATORS = /\s-+\s|[–—|/\\,;:•·()[\]{}<>"“”«»]|[\p{Extended_Pictographic}\p{So}]/gu;

function segmentTitle(title: string): string[][] {
  let s = foldText(title);
  s = s.replace(/\b(?:[a-z]\.){2,}/g, (m) => m.replace(/\./g, '')); // V.P. → vp, C.E.O. → ceo
  s = s.replace(/['’]s\b/g, 's'); // founder's → founders (one token), but d'équipe → d équipe
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
// The rule language
//   Words are separated by spaces; each word matches one token:
//     a|b|c   any of these tokens            *      any token
//     ~x      token ending in x              x~     token starting with x      ~x~  token containing x
//     w?      optional                       >w     lookahead: must follow, is not consumed
//     ...     consume the rest of the segment
//     ..      consume the rest of the clause (stops before a conjunction: and, und, et, y, e, en)
//   Patterns are folded like titles, so accents may be written naturally.
// ---------------------------------------------------------------------------------------------------------

interface Step {
  kind: 'token' | 'rest' | 'clause';
  test: (token: string) => boolean;
  optional: boolean;
  lookahead: boolean;
}
interface Rule {
  pattern: string;
  level: Seniority | null;
  steps: Step[];
}

const CONJUNCTIONS = new Set(['and', 'und', 'et', 'y', 'e', 'en', 'plus']);

function tokenTest(word: string): (t: string) => boolean {
  const exact = new Set<string>();
  const others: ((t: string) => boolean)[] = [];
  for (const alt of word.split('|')) {
    if (alt === '*') others.push(() => true);
    else if (alt.startsWith('~') && alt.endsWith('~')) others.push((t) => t.includes(alt.slice(1, -1)));
    else if (alt.startsWith('~')) others.push((t) => t.endsWith(alt.slice(1)));
    else if (alt.endsWith('~')) others.push((t) => t.startsWith(alt.slice(0, -1)));
    else exact.add(alt);
  }
  return (t) => exact.has(t) || others.some((f) => f(t));
}

function compileStep(raw: string): Step {
  if (raw === '...' || raw === '..') {
    return { kind: raw === '...' ? 'rest' : 'clause', test: () => true, optional: false, lookahead: false };
  }
  const lookahead = raw.startsWith('>');
  const optional = raw.endsWith('?');
  const word = raw.slice(lookahead ? 1 : 0, optional ? -1 : undefined);
  return { kind: 'token', test: tokenTest(word), optional, lookahead };
}

function rule(pattern: string, level: Seniority | null): Rule {
  return { pattern, level, steps: foldText(pattern).trim().split(/\s+/).map(compileStep) };
}

/** Token indices a rule consumes when it matches at `start`, or null. Small backtracking matcher. */
function matchAt(r: Rule, tokens: readonly string[], used: readonly boolean[], start: number): number[] | null {
  const taken: number[] = [];
  const go = (si: number, pos: number): boolean => {
    const step = r.steps[si];
    if (!step) return true;
    if (step.kind !== 'token') {
      for (let p = pos; p < tokens.length; p++) {
        if (step.kind === 'clause' && CONJUNCTIONS.has(tokens[p]!)) break;
        taken.push(p);
      }
      return true;
    }
    const token = tokens[pos];
    if (token !== undefined && (step.lookahead || !used[pos]) && step.test(token)) {
      const mark = taken.length;
      if (!step.lookahead) taken.push(pos);
      if (go(si + 1, pos + 1)) return true;
      taken.length = mark;
    }
    return step.optional && go(si + 1, pos);
  };
  return go(0, start) && taken.length > 0 && taken[0] === start ? taken : null;
}

// ---------------------------------------------------------------------------------------------------------
// The rules, in order. Earlier rules consume tokens before later ones can see them.
// ---------------------------------------------------------------------------------------------------------

const CXO = 'ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|chro|cco|cdo|cso|cao|cbo|clo|cgo|cno|cxo|cdao|caio';
const PREPOSITIONS = 'of|to|for|de|du|des|del|della|dello|di|da|do|dos|das|der|den|vom|von|van|al|au|aux|ao';
const ASSISTANT =
  'assistant|assistants|assistente|asistente|assistante|assistent|assistentin|secretary|secretaria|secretario|secretaire|sekretar|sekretarin|sekretaerin|ea|pa';
const DIRECTOR_WORDS =
  'director|directors|directora|directoras|directeur|directrice|diretor|diretora|direttore|direttrice|direktor|direktorin|dir';
const PRESIDENT_WORDS = 'president|presidente|presidenta|prasident|praesident|prasidentin|praesidentin';

const RULES: readonly Rule[] = [
  // --- 1. Words that are not the person's own role: consume them first. -----------------------------------
  // "Former CEO", "Ex-VP": a past role is not the current level.
  rule('ex|former|formerly|retired|aspiring *', null),
  // "Executive Assistant to the CEO", "Assistant to the VP", "Asistente del Director General": the whole
  // rest of the segment names the boss. The assistant role itself is evidence of Individual.
  rule(`${ASSISTANT} ${PREPOSITIONS}|a ...`, 'Individual'),
  // German compounds: Vorstandsassistent, Geschäftsführungsassistenz, Vertriebsreferentin.
  rule('~assistent|~assistentin|~assistenz|~sekretarin|~sekretaerin|~referent|~referentin', 'Individual'),
  // "CEO Office", "CFO Assistant": a team around an executive, not the executive.
  rule(`${CXO} office|assistant|assistants|staff`, null),
  // "Product Owner" is an agile role; "Owner" alone is the owner of the business. Consumed without a level:
  // it says the person is no owner, not how senior they are (a provider hint may still say Senior).
  rule(
    'product|process|service|data|system|systems|application|budget|account|content|platform|feature|risk|control|asset|solution|release|backlog owner|owners',
    null,
  ),
  // "Partner Manager", "Partner Marketing Lead", "Channel Partner Account Executive": partner is a modifier.
  rule(
    'partner|partners >manager|managers|marketing|success|account|accounts|sales|program|programs|programme|solutions|development|enablement|operations|ecosystem|relations|alliances|specialist|engineer|technology|integrations|support|network|management|executive|representative|lead|onboarding|experience|strategy|director|channel|ecosystems',
    null,
  ),
  // "Internship Coordinator", "Student Advisor", "Intern Recruiter": the interns are the object of the job.
  rule(
    'intern|interns|internship|internships|student|students|trainee|trainees|graduate|graduates|apprentice|apprentices >coordinator|coordinators|recruiter|recruiting|recruitment|program|programs|programme|programmes|manager|advisor|adviser|counselor|counsellor|services|success|affairs|mentor|supervisor|specialist|liaison|relations|development|engagement|experience|officer|administrator|lead|teacher|partner|partnerships|housing',
    null,
  ),
  // "Lead Generation Specialist": lead is the sales noun here, not a seniority.
  // "Graduate Trainee", "Junior Intern": the modifier does not lift an intern to Individual.
  rule('graduate|junior|jr >intern|interns|internship|trainee|trainees|student|students|apprentice', null),
  rule('lead|leads >generation|gen|qualification|nurturing|routing|scoring|management|development|conversion', null),
  rule('thought leader|leaders', null),
  rule('head hunter|hunters', null),
  rule('advisory board|council', null),

  // --- 2. Phrases that span a preposition: before the generic preposition rule below. ------------------
  rule('chief of staff', 'Director'),
  rule('editor|editors in chief', 'Director'),
  rule('chair|chairs|chairman|chairwoman|chairperson of the? board', 'C-Level'),
  // "Member of the Executive Board" is the German Vorstand in English; a (supervisory) board seat is not
  // the executive line.
  rule('member|members of the? executive|management board|committee', 'C-Level'),
  rule('member|members of the? supervisory? board', 'Director'),
  rule('board of directors', 'Director'),
  rule('mitglied|mitglieder der|des geschaftsleitung|geschaeftsleitung|geschaftsfuhrung|geschaeftsfuehrung|vorstand~', 'C-Level'),
  // French "chef de projet / de produit / d'équipe / de service": a manager (not the English cook).
  rule('chef de|du|des|d', 'Manager'),
  // Chief … Officer, with up to four words between (Chief Information Security Officer,
  // Chief Product and Technology Officer).
  rule('chief * officer', 'C-Level'),
  rule('chief * * officer', 'C-Level'),
  rule('chief * * * officer', 'C-Level'),
  rule('chief * * * * officer', 'C-Level'),

  // --- 3. After a preposition comes the object of the role, not the role ("Head of Sales",
  //        "Office of the CEO", "Jefe de Ventas"): consume it up to the next conjunction.
  rule(`${PREPOSITIONS} ..`, null),

  // --- 4. C-Level. ---------------------------------------------------------------------------------------
  // Vice presidents first, so "president" below never sees them.
  rule('vice|vize president|presidente|presidenta|pres|prasident|praesident', 'VP'),
  rule('vicepresident|vicepresidente|vicepresidenta|vizeprasident|vizepraesident|vizeprasidentin|vizepraesidentin', 'VP'),
  rule('chief executive|exec', 'C-Level'),
  rule(CXO, 'C-Level'),
  rule('c level|suite', 'C-Level'),
  rule(PRESIDENT_WORDS, 'C-Level'),
  rule('pdg|dg', 'C-Level'), // président-directeur général / directeur général
  rule('founder|cofounder|fundador|fundadora|cofundador|cofundadora|fondateur|fondatrice|cofondateur|cofondatrice|fondatore|cofondatore|oprichter|medeoprichter', 'C-Level'),
  rule('grunder|gruender|grunderin|gruenderin|mitgrunder|mitgruender|mitgrunderin|mitgruenderin', 'C-Level'),
  rule('founding partner|partners', 'C-Level'),
  rule('owner|owners|coowner|proprietor|proprietaire|propietario|propietaria|proprietario|proprietaria|dueno|duena|eigenaar|titolare', 'C-Level'),
  rule('inhaber|inhaberin|eigentumer|eigentuemer|eigentumerin|eigentuemerin', 'C-Level'),
  rule('managing director|directors|partner|partners|member', 'C-Level'),
  rule('chairman|chairwoman|chairperson|chairmen', 'C-Level'),
  rule('board chair', 'C-Level'),
  rule(`${DIRECTOR_WORDS} general|generale|generala|geral|ejecutivo|ejecutiva|executivo|executiva`, 'C-Level'),
  rule('algemeen directeur', 'C-Level'),
  rule('gerente general|geral', 'C-Level'),
  rule('consejero|consejera delegado|delegada', 'C-Level'),
  rule('amministratore|amministratrice delegato|delegata', 'C-Level'),
  // Geschäftsführer(in), geschäftsführend, Geschäftsleitung; Vorstand(svorsitzender), Finanzvorstand.
  rule('geschaftsfuhr~|geschaeftsfuehr~|geschaftsleit~|geschaeftsleit~', 'C-Level'),
  rule('vorstand~|~vorstand|~vorsitzender|~vorsitzende', 'C-Level'),

  // --- 5. VP. ---------------------------------------------------------------------------------------------
  rule('vp|vps|svp|evp|avp|gvp|rvp|cvp|vpe', 'VP'),

  // --- 6. Director. ---------------------------------------------------------------------------------------
  rule('general manager|managers', 'Director'),
  rule('gm', 'Director'),
  rule('board member|members|director|directors', 'Director'),
  rule('chief|chair', 'Director'), // Chief Engineer, Chief Architect; Department Chair
  rule(DIRECTOR_WORDS, 'Director'),
  rule('subdirector|subdirectora|subdiretor|subdiretora|dirigente', 'Director'),
  rule('head|heads|hoofd', 'Director'),
  rule('partner|partners|socio|socia|associe|associee|gesellschafter|gesellschafterin', 'Director'),
  rule('prokurist|prokuristin', 'Director'),
  rule('aufsichtsrat~', 'Director'),
  // German -leiter: team/group/project/shift/site/branch leads manage people (Manager); other
  // Leiter (Abteilungs-, Bereichs-, Vertriebs-) head a function (Director). "Begleiter" is a companion.
  rule('~begleiter|~begleiterin', null),
  rule('teamleit~|gruppenleit~|projektleit~|schichtleit~|bauleit~|filialleit~|teamleider|teamleidster', 'Manager'),
  rule('team|group|squad|shift lead|leads|leader|leaders|leiter|leiterin', 'Manager'),
  rule('~leiter|~leiterin|~leitung', 'Director'),

  // --- 7. Manager. ----------------------------------------------------------------------------------------
  rule('manager|managers|managerin|mgr|mngr|gerente|gerentes|gestor|gestora|gerant|gerante', 'Manager'),
  rule('responsable|responsables|responsabile|jefe|jefa|encargado|encargada', 'Manager'),
  rule('supervisor|supervisora|supervisors|superviseur|superviseure', 'Manager'),

  // --- 8. Senior. -----------------------------------------------------------------------------------------
  rule('senior|sr|snr|seniors', 'Senior'),
  rule('principal|principals|distinguished', 'Senior'),
  rule('lead|leads|leader|leaders', 'Senior'),
  // "Staff Engineer" is a senior IC level; "Staff Accountant" / "Staff Nurse" are not.
  rule(
    'staff >software|engineer|engineers|engineering|developer|scientist|data|machine|ml|designer|product|architect|researcher|research|security|site|backend|frontend|full|fullstack|platform|infrastructure|sre|devops|ux|ui|applied|hardware|systems|firmware|mobile|ios|android|cloud|network|quality',
    'Senior',
  ),

  // --- 9. Individual keywords (evidence of a junior level, not just "no keyword"). -------------------------
  rule('junior|jr|jnr|juniors', 'Individual'),
  rule('entry level', 'Individual'),
  rule('graduate', 'Individual'),

  // --- 10. Intern. ----------------------------------------------------------------------------------------
  rule('intern|interns|internship|internships|trainee|trainees|apprentice|apprenticeship|student|students', 'Intern'),
  rule('co op|coop', 'Intern'),
  rule('praktikant|praktikantin|praktikum|werkstudent|werkstudentin|auszubildender|auszubildende|azubi', 'Intern'),
  rule('volontar|volontaer|volontarin|volontaerin', 'Intern'),
  rule('stagiaire|stagiaires|alternant|alternante|apprenti|apprentie|stagiair', 'Intern'),
  rule('becario|becaria|pasante|practicante', 'Intern'),
  rule('estagiario|estagiaria|aprendiz', 'Intern'),
  rule('stagista|tirocinante', 'Intern'),
];

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

// why: data feeds write "N/A" or "-" for "no title"; those are no title, not a plain role.
const PLACEHOLDERS = new Set(['', 'na', 'none', 'null', 'nil', 'unknown', 'notavailable', 'notapplicable']);

export interface TitleSeniority {
  level: Seniority;
  /** True when a keyword decided the level; false for the Individual fallback of a plain role. */
  fromKeyword: boolean;
}

/** The title's level and whether a keyword produced it; null when there is no title (no word at all). */
export function classifyTitle(title: string | null | undefined): TitleSeniority | null {
  if (typeof title !== 'string' || PLACEHOLDERS.has(foldText(title).replace(/[^\p{L}\p{N}]+/gu, ''))) return null;
  // why: "@ Acme" leaves no segment, but it has words: a title, just not a role we can read (Individual).
  const segments = segmentTitle(title);
  let best: Seniority | null = null;
  for (const tokens of segments) best = higherSeniority(best, levelOfSegment(tokens));
  return best ? { level: best, fromKeyword: true } : { level: 'Individual', fromKeyword: false };
}

function levelOfSegment(tokens: readonly string[]): Seniority | null {
  const used = tokens.map(() => false);
  let best: Seniority | null = null;
  for (const r of RULES) {
    // Most rules cannot start at most tokens: test a plain first step before building a match.
    const first = r.steps[0];
    const gate = first && first.kind === 'token' && !first.optional && !first.lookahead ? first : null;
    for (let i = 0; i < tokens.length; i++) {
      if (used[i]) continue;
      if (gate && !gate.test(tokens[i]!)) continue;
      const taken = matchAt(r, tokens, used, i);
      if (!taken) continue;
      for (const t of taken) used[t] = true;
      best = higherSeniority(best, r.level);
    }
  }
  return best;
}

/** Job title → seniority level; null only when there is no title. A plain role is Individual. */
export function seniorityOf(title: string | null | undefined): Seniority | null {
  return classifyTitle(title)?.level ?? null;
}

export type SeniorityProvider = 'peopledatalabs' | 'apollo';

// docs/providers.md ("Seniority levels"). Unknown values are ignored.
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
 * "VP Sales" + Director → VP; null title + no hint → null.
 */
export function resolveSeniority(
  title: string | null | undefined,
  hint: Seniority | null | undefined,
): Seniority | null {
  const fromTitle = classifyTitle(title);
  if (fromTitle?.fromKeyword) return fromTitle.level;
  return hint ?? fromTitle?.level ?? null;
}
