// THE one place SOQL text is built. Every interpolation is typed: strings become escaped literals, identifiers
// and record ids are validated, so a value such as `x' OR Name != '` can only ever be a literal. The client accepts
// a `Soql` object, never a string, which keeps hand-built SOQL out of the connector.
import { NonRetryableError } from '../../src/lib/errors.js';

const IDENT_RE = /^[A-Za-z][A-Za-z0-9_]*(__c|__r)?$/;
const ID_RE = /^[a-zA-Z0-9]{15,18}$/;
// Control characters SOQL has no escape for (everything below 0x20 except \t \n \r \b \f, and DEL).
const UNESCAPABLE = /[\u0000-\u0007\u000b\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Not exported: without it no code outside this file can construct a Soql from raw text.
const MINT: unique symbol = Symbol('soql');

/** A finished SOQL statement or fragment; only `soql` (and `joinSoql`) can make one. */
export class Soql {
  readonly #text: string;
  constructor(mint: typeof MINT, text: string) {
    if (mint !== MINT) throw new TypeError('SOQL is built only with the soql tagged template');
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  toString(): string {
    return this.#text;
  }
}

/** A field or object name, validated (`Email`, `Enrichment_Seniority__c`). */
export class Ident {
  readonly name: string;
  constructor(name: string) {
    if (!IDENT_RE.test(name) || name.length > 80) throw invalid(`not a valid SOQL identifier: ${JSON.stringify(name.slice(0, 100))}`);
    this.name = name;
  }
}

/** A Salesforce record id (15 or 18 characters), validated, rendered as a quoted literal. */
export class SfId {
  readonly value: string;
  constructor(value: string) {
    if (!ID_RE.test(value)) throw invalid(`not a valid Salesforce id: ${JSON.stringify(value.slice(0, 40))}`);
    this.value = value;
  }
}

export type LikeMode = 'exact' | 'prefix' | 'suffix' | 'contains';

/** A LIKE pattern built from plain text: `%` and `_` in the text are matched literally. */
export class Like {
  constructor(
    readonly value: string,
    readonly mode: LikeMode,
  ) {}
}

export type SoqlScalar = string | number | boolean | null | Date | SfId;
export type SoqlValue = SoqlScalar | Ident | Like | Soql | readonly Ident[] | readonly (string | number | SfId)[];

export function ident(name: string): Ident {
  return new Ident(name);
}

export function idents(names: readonly string[]): Ident[] {
  return names.map((n) => new Ident(n));
}

export function sfId(value: string): SfId {
  return new SfId(value);
}

export function isSfId(value: string): boolean {
  return ID_RE.test(value);
}

export function like(value: string, mode: LikeMode = 'exact'): Like {
  return new Like(value, mode);
}

/** soql`SELECT Id FROM Contact WHERE Email = ${email}` → a `Soql` whose values are escaped or validated. */
export function soql(strings: TemplateStringsArray, ...values: SoqlValue[]): Soql {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i] as SoqlValue) + (strings[i + 1] ?? '');
  }
  return new Soql(MINT, out);
}

/** Joins fragments (e.g. optional WHERE conditions) with a separator such as ' AND '. */
export function joinSoql(parts: readonly Soql[], separator: ' AND ' | ' OR ' | ', '): Soql {
  return new Soql(MINT, parts.map((p) => p.text).join(separator));
}

function render(v: SoqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${escapeString(v)}'`;
  if (typeof v === 'number') return renderNumber(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return renderDateTime(v);
  if (v instanceof SfId) return `'${v.value}'`;
  if (v instanceof Ident) return v.name;
  if (v instanceof Like) return `'${renderLike(v)}'`;
  if (v instanceof Soql) return v.text;
  if (Array.isArray(v)) return renderList(v);
  throw invalid(`unsupported SOQL value of type ${typeof v}`);
}

function renderList(list: readonly (Ident | string | number | SfId)[]): string {
  if (list.length === 0) throw invalid('an empty list cannot be rendered in SOQL');
  if (list.every((x) => x instanceof Ident)) return list.map((x) => (x as Ident).name).join(', ');
  if (list.some((x) => x instanceof Ident)) throw invalid('a list mixes identifiers and values');
  return `(${list.map((x) => render(x as string | number | SfId)).join(', ')})`;
}

/** SOQL string-literal escaping: backslash first, then quotes and the control characters SOQL names. */
export function escapeString(s: string): string {
  if (UNESCAPABLE.test(s)) throw invalid('text contains a control character that SOQL cannot express');
  if (LONE_SURROGATE.test(s)) throw invalid('text contains an unpaired UTF-16 surrogate');
  return s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\u0008/g, '\\b')
    .replace(/\f/g, '\\f');
}

function renderLike(l: Like): string {
  // `\%` and `\_` are only valid inside LIKE, which is why this is a separate wrapper.
  const body = escapeString(l.value).replace(/%/g, '\\%').replace(/_/g, '\\_');
  switch (l.mode) {
    case 'prefix':
      return `${body}%`;
    case 'suffix':
      return `%${body}`;
    case 'contains':
      return `%${body}%`;
    default:
      return body;
  }
}

function renderNumber(n: number): string {
  if (!Number.isFinite(n)) throw invalid(`not a finite number: ${n}`);
  const s = String(n);
  // SOQL has no exponent notation; such magnitudes are a bug upstream, not something to round silently.
  if (/e/i.test(s)) throw invalid(`number out of SOQL literal range: ${s}`);
  return s;
}

/** Unquoted UTC datetime literal; milliseconds only when present so the common case is the documented format. */
function renderDateTime(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) throw invalid('invalid Date');
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

function invalid(message: string): NonRetryableError {
  return new NonRetryableError('soql_invalid_value', message);
}
