// The small rule language of the seniority classifier (pure, no I/O): compiling patterns, matching them on
// a segment's tokens, and running an ordered rule list fast.
//
//   Words are separated by spaces; each word matches one token:
//     a|b|c   any of these tokens            *      any token
//     ~x      token ending in x              x~     token starting with x      ~x~  token containing x
//     w?      optional                       >w     lookahead: must follow, is not consumed
//     ...     consume the rest of the segment                 ^ / $  start / end of the segment (consume nothing)
//     ..      consume the rest of the clause (stops before a conjunction: and, und, et, y, e, en, og, och, i, ja)
//   Patterns are folded like titles (foldTitle), so accents may be written naturally.
//
// Speed: a title has a handful of tokens and the table has a few hundred rules, so the cost is in deciding
// which rules can start at all. A rule whose first word is a plain list of tokens is indexed by those
// tokens; a rule whose first word has a ~prefix/suffix~ alternative is tested once per distinct token
// (memoised). Only the (rule, position) pairs that can start are tried, in table order.
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

// why: letters NFKD does not decompose: Polish ł, Nordic ø/æ, French œ. Applied to titles and patterns
// only; foldText itself stays as it is because other modules build stored keys with it.
const EXTRA_LETTERS: Record<string, string> = { ł: 'l', ø: 'o', æ: 'ae', œ: 'oe', đ: 'd', þ: 'th', ı: 'i' };

/** Lowercase, strip diacritics; ß has no decomposition so it is spelled out. */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/ß/g, 'ss');
}

/** foldText plus the letters that have no decomposition (ł → l, ø → o, æ → ae …). */
export function foldTitle(s: string): string {
  return foldText(s).replace(/[łøæœđþı]/g, (c) => EXTRA_LETTERS[c] ?? c);
}

interface Step {
  kind: 'token' | 'rest' | 'clause' | 'start' | 'end';
  test: (token: string) => boolean;
  /** The step's plain tokens when it has no pattern alternative (used to index rules). */
  exact: ReadonlySet<string> | null;
  optional: boolean;
  lookahead: boolean;
}
export interface Rule {
  pattern: string;
  level: Seniority | null;
  steps: Step[];
}

const CONJUNCTIONS = new Set(['and', 'und', 'et', 'y', 'e', 'en', 'plus', 'og', 'och', 'i', 'ja', 'oraz']);

function compileWord(word: string): Pick<Step, 'test' | 'exact'> {
  const exact = new Set<string>();
  const others: ((t: string) => boolean)[] = [];
  for (const alt of word.split('|')) {
    if (alt === '*') others.push(() => true);
    else if (alt.startsWith('~') && alt.endsWith('~')) others.push((t) => t.includes(alt.slice(1, -1)));
    else if (alt.startsWith('~')) others.push((t) => t.endsWith(alt.slice(1)));
    else if (alt.endsWith('~')) others.push((t) => t.startsWith(alt.slice(0, -1)));
    else exact.add(alt);
  }
  if (others.length === 0) return { test: (t) => exact.has(t), exact };
  return { test: (t) => exact.has(t) || others.some((f) => f(t)), exact: null };
}

function compileStep(raw: string): Step {
  if (raw === '...' || raw === '..' || raw === '^' || raw === '$') {
    const kind = ({ '...': 'rest', '..': 'clause', '^': 'start', $: 'end' } as const)[raw];
    return { kind, test: () => true, exact: null, optional: false, lookahead: false };
  }
  const lookahead = raw.startsWith('>');
  const optional = raw.endsWith('?');
  const word = raw.slice(lookahead ? 1 : 0, optional ? -1 : undefined);
  return { kind: 'token', ...compileWord(word), optional, lookahead };
}

/** A rule: when `pattern` matches, its tokens are consumed and `level` (null = none) is a candidate. */
export function rule(pattern: string, level: Seniority | null): Rule {
  return { pattern, level, steps: foldTitle(pattern).trim().split(/\s+/).map(compileStep) };
}

/** Token indices a rule consumes when it matches at `start`, or null. Small backtracking matcher. */
function matchAt(r: Rule, tokens: readonly string[], used: readonly boolean[], start: number): number[] | null {
  const taken: number[] = [];
  return matchFrom(r.steps, 0, tokens, used, start, taken) && taken.length > 0 && taken[0] === start ? taken : null;
}

// why: a plain recursive function rather than a closure per call; this runs for every candidate rule.
function matchFrom(steps: readonly Step[], si: number, tokens: readonly string[], used: readonly boolean[], pos: number, taken: number[]): boolean {
  const step = steps[si];
  if (!step) return true;
  if (step.kind === 'start') return pos === 0 && matchFrom(steps, si + 1, tokens, used, pos, taken);
  if (step.kind === 'end') return pos === tokens.length && matchFrom(steps, si + 1, tokens, used, pos, taken);
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
    if (matchFrom(steps, si + 1, tokens, used, pos + 1, taken)) return true;
    taken.length = mark;
  }
  return step.optional && matchFrom(steps, si + 1, tokens, used, pos, taken);
}

export interface RuleSet {
  /** The highest level the rules find in one segment's tokens, or null when no rule with a level matched. */
  levelOf(tokens: readonly string[]): Seniority | null;
}

/** Compiles an ordered rule list: earlier rules consume tokens before later ones can see them. */
export function createRuleSet(rules: readonly Rule[]): RuleSet {
  const byToken = new Map<string, number[]>();
  const byPattern: number[] = []; // first word has a ~prefix/suffix~ alternative: test it on each new token
  const everywhere: number[] = []; // first step optional, lookahead or a rest: try at every position
  rules.forEach((r, i) => {
    const first = r.steps[0];
    if (!first || first.kind !== 'token' || first.optional || first.lookahead) everywhere.push(i);
    else if (!first.exact) byPattern.push(i);
    else for (const t of first.exact) byToken.set(t, [...(byToken.get(t) ?? []), i]);
  });

  // why: titles reuse a small vocabulary, so which rules can start at a token is worked out once per
  // distinct token (bounded memo), not once per title.
  const startsMemo = new Map<string, readonly number[]>();
  function rulesStartingAt(token: string): readonly number[] {
    let list = startsMemo.get(token);
    if (list) return list;
    const found = [...(byToken.get(token) ?? []), ...byPattern.filter((i) => rules[i]!.steps[0]!.test(token)), ...everywhere];
    list = found.sort((a, b) => a - b);
    if (startsMemo.size >= 50_000) startsMemo.clear();
    startsMemo.set(token, list);
    return list;
  }

  return {
    levelOf(tokens) {
      // (rule, start) pairs in table order, then token order: the order a rule-by-rule scan would try them.
      const width = tokens.length + 1;
      const tries: number[] = [];
      for (let pos = 0; pos < tokens.length; pos++) {
        for (const ri of rulesStartingAt(tokens[pos]!)) tries.push(ri * width + pos);
      }
      tries.sort((a, b) => a - b);
      const used = tokens.map(() => false);
      let best: Seniority | null = null;
      for (const code of tries) {
        const pos = code % width;
        if (used[pos]) continue;
        const r = rules[(code - pos) / width]!;
        const taken = matchAt(r, tokens, used, pos);
        if (!taken) continue;
        for (const t of taken) used[t] = true;
        best = higherSeniority(best, r.level);
      }
      return best;
    },
  };
}
