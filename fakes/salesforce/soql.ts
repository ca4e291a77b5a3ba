// A SOQL subset: tokenizer + recursive-descent parser + compiler (schema/FLS checks) + evaluator.
//
//   SELECT item[, item...] FROM Object
//     [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST][, ...]] [LIMIT n] [OFFSET n]
//   item  := field | Parent.field | COUNT() | COUNT(field) [alias]
//   cond  := simple (AND simple)* | simple (OR simple)*        (mixing AND/OR needs parentheses)
//   simple:= NOT simple | '(' cond ')' | field op value | field [NOT] IN (v, ...) | field LIKE 'pat'
//   op    := = != <> < <= > >=
//   value := 'string' | number | TRUE | FALSE | NULL | 2025-01-01 | 2025-01-01T00:00:00Z | TODAY | ...
import { isFilterable, isTextType, type FieldAccess } from './describe.js';
import type { FakeRecord, FieldDef, FieldType, ObjectDef, SfValue } from './types.js';
import { RestError } from './types.js';
import { formatDateTime, idKey, isIdFormat } from './util.js';

// =============================================================================== tokens

type Tok =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; like: string; pos: number }
  | { t: 'number'; v: number; raw: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'datetime'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number }
  | { t: 'eof'; pos: number };

export class SoqlError extends RestError {
  constructor(errorCode: string, message: string) {
    super(400, errorCode, message);
  }
}

function located(soql: string, pos: number, text: string): string {
  // Salesforce echoes the statement, a caret under the offending token, and Row:Column
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = pos - lineStart + 1;
  const line = soql.split('\n')[row - 1] ?? '';
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${text}`;
}

function malformed(soql: string, pos: number, text: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', located(soql, pos, text));
}

const DATETIME_LIT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/;
const DATE_LIT = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER_LIT = /^-?\d+(?:\.\d+)?/;

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

export function tokenize(soql: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = soql.length;
  while (i < n) {
    const c = soql[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      let like = '';
      i++;
      let closed = false;
      while (i < n) {
        const ch = soql[i] ?? '';
        if (ch === "'") {
          closed = true;
          i++;
          break;
        }
        if (ch === '\\') {
          const nx = soql[i + 1];
          if (nx === undefined) break;
          const map: Record<string, string> = { "'": "'", '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
          if (nx === '%' || nx === '_') {
            value += nx;
            like += escapeRegex(nx);
            i += 2;
            continue;
          }
          if (nx === 'u') {
            const hex = soql.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw malformed(soql, i, `Invalid string literal '${soql.slice(start, i + 6)}'. Illegal character sequence '\\u${hex}' in string literal.`);
            const chr = String.fromCharCode(parseInt(hex, 16));
            value += chr;
            like += escapeRegex(chr);
            i += 6;
            continue;
          }
          const mapped = map[nx];
          if (mapped === undefined) {
            throw malformed(soql, start, `Invalid string literal '${soql.slice(start + 1, Math.min(n, i + 2))}'. Illegal character sequence '\\${nx}' in string literal.`);
          }
          value += mapped;
          like += escapeRegex(mapped);
          i += 2;
          continue;
        }
        value += ch;
        like += ch === '%' ? '.*' : ch === '_' ? '.' : escapeRegex(ch);
        i++;
      }
      if (!closed) throw malformed(soql, n, `line 1:${n} mismatched character '<EOF>' expecting '''`);
      toks.push({ t: 'string', v: value, like, pos: start });
      continue;
    }
    if (c >= '0' && c <= '9') {
      const rest = soql.slice(i);
      const dt = DATETIME_LIT.exec(rest);
      if (dt) {
        toks.push({ t: 'datetime', v: dt[0], pos: start });
        i += dt[0].length;
        continue;
      }
      const d = DATE_LIT.exec(rest);
      if (d) {
        toks.push({ t: 'date', v: d[0], pos: start });
        i += d[0].length;
        continue;
      }
    }
    if ((c >= '0' && c <= '9') || (c === '-' && /[0-9]/.test(soql[i + 1] ?? '') && isValueContext(toks)) || (c === '.' && /[0-9]/.test(soql[i + 1] ?? ''))) {
      const m = NUMBER_LIT.exec(soql.slice(i)) ?? /^\.\d+/.exec(soql.slice(i));
      if (m) {
        toks.push({ t: 'number', v: Number(m[0]), raw: m[0], pos: start });
        i += m[0].length;
        if (/[A-Za-z_]/.test(soql[i] ?? '')) throw malformed(soql, start, `unexpected token: '${soql.slice(start, i + 1)}'`);
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(soql[j] ?? '')) j++;
      toks.push({ t: 'ident', v: soql.slice(i, j), pos: start });
      i = j;
      continue;
    }
    const two = soql.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      toks.push({ t: 'op', v: two === '<>' ? '!=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      toks.push({ t: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      toks.push({ t: 'punct', v: c, pos: start });
      i++;
      continue;
    }
    throw malformed(soql, start, `unexpected token: '${c}'`);
  }
  toks.push({ t: 'eof', pos: n });
  return toks;
}

function isValueContext(toks: Tok[]): boolean {
  const last = toks[toks.length - 1];
  if (!last) return false;
  if (last.t === 'op') return true;
  if (last.t === 'punct') return last.v === '(' || last.v === ',' || last.v === ':';
  if (last.t === 'ident') return ['IN', 'LIMIT', 'OFFSET'].includes(last.v.toUpperCase());
  return false;
}

// =============================================================================== AST

export type Literal =
  | { kind: 'string'; value: string; like: string; pos: number }
  | { kind: 'number'; value: number; raw: string; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: string; raw: string; pos: number }
  | { kind: 'dateLiteral'; name: string; n: number | null; pos: number };

export interface FieldRefAst {
  path: string;
  pos: number;
}

export type CondAst =
  | { kind: 'and'; items: CondAst[] }
  | { kind: 'or'; items: CondAst[] }
  | { kind: 'not'; item: CondAst }
  | { kind: 'cmp'; field: FieldRefAst; op: string; value: Literal }
  | { kind: 'in'; field: FieldRefAst; negate: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldRefAst; value: Literal };

export type SelectItemAst =
  | { kind: 'field'; field: FieldRefAst }
  | { kind: 'count'; field: FieldRefAst | null; alias: string | null; pos: number };

export interface OrderAst {
  field: FieldRefAst;
  desc: boolean;
  nullsFirst: boolean;
}

export interface QueryAst {
  soql: string;
  select: SelectItemAst[];
  from: { name: string; pos: number };
  where: CondAst | null;
  orderBy: OrderAst[];
  limit: number | null;
  offset: number | null;
}

const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST',
  'LAST', 'LIMIT', 'OFFSET', 'TRUE', 'FALSE', 'NULL', 'INCLUDES', 'EXCLUDES', 'GROUP', 'HAVING', 'WITH', 'FOR',
  'USING', 'TYPEOF',
]);

const DATE_LITERALS = new Set([
  'TODAY', 'YESTERDAY', 'TOMORROW', 'LAST_WEEK', 'THIS_WEEK', 'NEXT_WEEK', 'LAST_MONTH', 'THIS_MONTH', 'NEXT_MONTH',
  'LAST_90_DAYS', 'NEXT_90_DAYS', 'THIS_YEAR', 'LAST_YEAR', 'NEXT_YEAR',
]);
const DATE_LITERALS_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO', 'LAST_N_MONTHS', 'NEXT_N_MONTHS']);

class Parser {
  private i = 0;
  constructor(private readonly soql: string, private readonly toks: Tok[]) {}

  private peek(offset = 0): Tok {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)] as Tok;
  }
  private next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isKw(kw: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'ident' && t.v.toUpperCase() === kw;
  }
  private unexpected(t: Tok): SoqlError {
    const text = t.t === 'eof' ? '<EOF>' : this.soql.slice(t.pos).split(/[\s,()]/)[0] || this.soql.charAt(t.pos);
    return malformed(this.soql, t.pos, `unexpected token: '${text}'`);
  }
  private expectKw(kw: string): Tok {
    const t = this.next();
    if (t.t !== 'ident' || t.v.toUpperCase() !== kw) throw this.unexpected(t);
    return t;
  }
  private expectPunct(p: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== p) throw this.unexpected(t);
  }
  private fieldRef(): FieldRefAst {
    const t = this.next();
    if (t.t !== 'ident' || RESERVED.has(t.v.toUpperCase()) || t.v.endsWith('.') || t.v.includes('..')) throw this.unexpected(t);
    return { path: t.v, pos: t.pos };
  }

  parse(): QueryAst {
    this.expectKw('SELECT');
    const select: SelectItemAst[] = [];
    do {
      select.push(this.selectItem());
    } while (this.peek().t === 'punct' && (this.peek() as { v: string }).v === ',' && this.next());
    this.expectKw('FROM');
    const fromTok = this.next();
    if (fromTok.t !== 'ident' || RESERVED.has(fromTok.v.toUpperCase()) || fromTok.v.includes('.')) throw this.unexpected(fromTok);
    const ast: QueryAst = { soql: this.soql, select, from: { name: fromTok.v, pos: fromTok.pos }, where: null, orderBy: [], limit: null, offset: null };
    if (this.isKw('WHERE')) {
      this.next();
      ast.where = this.condition();
    }
    if (this.isKw('WITH') || this.isKw('GROUP') || this.isKw('HAVING') || this.isKw('USING')) {
      throw this.unexpected(this.peek());
    }
    if (this.isKw('ORDER')) {
      this.next();
      this.expectKw('BY');
      do {
        const field = this.fieldRef();
        let desc = false;
        if (this.isKw('ASC')) this.next();
        else if (this.isKw('DESC')) {
          this.next();
          desc = true;
        }
        let nullsFirst = !desc;
        if (this.isKw('NULLS')) {
          this.next();
          if (this.isKw('FIRST')) nullsFirst = true;
          else if (this.isKw('LAST')) nullsFirst = false;
          else throw this.unexpected(this.peek());
          this.next();
        }
        ast.orderBy.push({ field, desc, nullsFirst });
      } while (this.peek().t === 'punct' && (this.peek() as { v: string }).v === ',' && this.next());
    }
    if (this.isKw('LIMIT')) {
      this.next();
      ast.limit = this.nonNegativeInt();
    }
    if (this.isKw('OFFSET')) {
      this.next();
      ast.offset = this.nonNegativeInt();
    }
    if (this.isKw('FOR')) {
      this.next();
      if (this.isKw('VIEW') || this.isKw('REFERENCE') || this.isKw('UPDATE')) this.next();
      else throw this.unexpected(this.peek());
    }
    const end = this.peek();
    if (end.t !== 'eof') throw this.unexpected(end);
    return ast;
  }

  private nonNegativeInt(): number {
    const t = this.next();
    if (t.t !== 'number' || !Number.isInteger(t.v) || t.v < 0) throw this.unexpected(t);
    return t.v;
  }

  private selectItem(): SelectItemAst {
    const t = this.peek();
    if (t.t === 'ident' && t.v.toUpperCase() === 'COUNT' && this.peek(1).t === 'punct' && (this.peek(1) as { v: string }).v === '(') {
      this.next();
      this.next();
      let field: FieldRefAst | null = null;
      if (!(this.peek().t === 'punct' && (this.peek() as { v: string }).v === ')')) field = this.fieldRef();
      this.expectPunct(')');
      let alias: string | null = null;
      const a = this.peek();
      if (field && a.t === 'ident' && !RESERVED.has(a.v.toUpperCase())) {
        alias = a.v;
        this.next();
      }
      return { kind: 'count', field, alias, pos: t.pos };
    }
    if (t.t === 'punct' && t.v === '(') {
      throw malformed(this.soql, t.pos, 'unexpected token: \'(\' (sub-queries are not supported by the Salesforce fake)');
    }
    return { kind: 'field', field: this.fieldRef() };
  }

  private condition(): CondAst {
    const first = this.simple();
    if (this.isKw('AND') || this.isKw('OR')) {
      const op = (this.peek() as { v: string }).v.toUpperCase();
      const items = [first];
      while (this.isKw(op)) {
        this.next();
        items.push(this.simple());
      }
      if (this.isKw(op === 'AND' ? 'OR' : 'AND')) throw this.unexpected(this.peek());
      return op === 'AND' ? { kind: 'and', items } : { kind: 'or', items };
    }
    return first;
  }

  private simple(): CondAst {
    if (this.isKw('NOT')) {
      this.next();
      return { kind: 'not', item: this.simple() };
    }
    const t = this.peek();
    if (t.t === 'punct' && t.v === '(') {
      this.next();
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    const field = this.fieldRef();
    const opTok = this.next();
    if (opTok.t === 'op') return { kind: 'cmp', field, op: opTok.v, value: this.literal() };
    if (opTok.t === 'ident') {
      const kw = opTok.v.toUpperCase();
      if (kw === 'LIKE') return { kind: 'like', field, value: this.literal() };
      if (kw === 'IN') return { kind: 'in', field, negate: false, values: this.literalList() };
      if (kw === 'NOT' && this.isKw('IN')) {
        this.next();
        return { kind: 'in', field, negate: true, values: this.literalList() };
      }
      if (kw === 'INCLUDES' || kw === 'EXCLUDES') {
        throw malformed(this.soql, opTok.pos, `unexpected token: '${opTok.v}' (INCLUDES/EXCLUDES are not supported by the Salesforce fake)`);
      }
    }
    throw this.unexpected(opTok);
  }

  private literalList(): Literal[] {
    const open = this.peek();
    if (open.t === 'punct' && open.v === '(' && this.isKw('SELECT', 1)) {
      throw malformed(this.soql, open.pos, "unexpected token: '(' (semi-joins are not supported by the Salesforce fake)");
    }
    this.expectPunct('(');
    const out: Literal[] = [this.literal()];
    while (this.peek().t === 'punct' && (this.peek() as { v: string }).v === ',') {
      this.next();
      out.push(this.literal());
    }
    this.expectPunct(')');
    return out;
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.t) {
      case 'string':
        return { kind: 'string', value: t.v, like: t.like, pos: t.pos };
      case 'number':
        return { kind: 'number', value: t.v, raw: t.raw, pos: t.pos };
      case 'date':
        return { kind: 'date', value: t.v, pos: t.pos };
      case 'datetime': {
        const ms = Date.parse(t.v);
        if (Number.isNaN(ms)) throw malformed(this.soql, t.pos, `line 1:${t.pos} no viable alternative at character '${t.v}'`);
        return { kind: 'datetime', value: formatDateTime(ms), raw: t.v, pos: t.pos };
      }
      case 'ident': {
        const u = t.v.toUpperCase();
        if (u === 'TRUE' || u === 'FALSE') return { kind: 'boolean', value: u === 'TRUE', pos: t.pos };
        if (u === 'NULL') return { kind: 'null', pos: t.pos };
        if (DATE_LITERALS.has(u)) return { kind: 'dateLiteral', name: u, n: null, pos: t.pos };
        if (DATE_LITERALS_N.has(u)) {
          this.expectPunct(':');
          const n = this.next();
          if (n.t !== 'number' || !Number.isInteger(n.v) || n.v < 0) throw this.unexpected(n);
          return { kind: 'dateLiteral', name: u, n: n.v, pos: t.pos };
        }
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }
}

const PARSE_CACHE = new Map<string, QueryAst>();
const PARSE_CACHE_MAX = 500;

export function parseSoql(soql: string): QueryAst {
  const cached = PARSE_CACHE.get(soql);
  if (cached) return cached;
  const ast = new Parser(soql, tokenize(soql)).parse();
  if (PARSE_CACHE.size >= PARSE_CACHE_MAX) {
    const oldest = PARSE_CACHE.keys().next().value;
    if (oldest !== undefined) PARSE_CACHE.delete(oldest);
  }
  PARSE_CACHE.set(soql, ast);
  return ast;
}

// =============================================================================== compile

/** what the compiler needs from the org */
export interface SchemaSource {
  object(name: string): ObjectDef | undefined;
  fieldAccess(objectName: string): Map<string, FieldAccess>;
  get(id: string): FakeRecord | undefined;
  typeOf(id: string): string | undefined;
}

interface ResolvedPath {
  /** reference fields walked, then the final field */
  refs: FieldDef[];
  leaf: FieldDef;
  /** objects of the final field (more than one for polymorphic relationships) */
  leafObjects: ObjectDef[];
  get: (rec: FakeRecord) => SfValue;
}

type RenderItem = { kind: 'field'; def: FieldDef } | { kind: 'rel'; ref: FieldDef; node: RenderNode };
interface RenderNode {
  items: RenderItem[];
}

export interface CompiledQuery {
  object: ObjectDef;
  /** COUNT() → only totalSize */
  countOnly: boolean;
  /** COUNT(field) aggregates */
  aggregates: { alias: string; path: ResolvedPath | null }[];
  render: RenderNode;
  where: ((rec: FakeRecord) => boolean) | null;
  order: { get: (rec: FakeRecord) => SfValue; type: FieldType; desc: boolean; nullsFirst: boolean }[];
  limit: number | null;
  offset: number | null;
  /** Id = x / Id IN (...) at the top level: candidate 15-char keys */
  idKeys: string[] | null;
}

const INVALID_FIELD_HINT =
  "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";

class Compiler {
  constructor(private readonly ast: QueryAst, private readonly schema: SchemaSource) {}

  private err(code: string, pos: number, text: string): SoqlError {
    return new SoqlError(code, located(this.ast.soql, pos, text));
  }

  resolve(root: ObjectDef, ref: FieldRefAst): ResolvedPath {
    const parts = ref.path.split('.');
    // a leading "Contact." (the FROM object's name) is allowed
    if (parts.length > 1 && parts[0]?.toLowerCase() === root.name.toLowerCase()) parts.shift();
    const refs: FieldDef[] = [];
    let objects: ObjectDef[] = [root];
    for (let i = 0; i < parts.length - 1; i++) {
      const relName = (parts[i] ?? '').toLowerCase();
      let found: FieldDef | undefined;
      for (const o of objects) {
        for (const a of this.schema.fieldAccess(o.name).values()) {
          if (a.def.type === 'reference' && a.def.relationshipName?.toLowerCase() === relName) found = a.def;
        }
        if (found) break;
      }
      if (!found) {
        throw this.err('INVALID_FIELD', ref.pos, `Didn't understand relationship '${parts[i]}' in field path. ${INVALID_FIELD_HINT.replace('custom field', 'custom relationship').replace("'__c'", "'__r'")}`);
      }
      refs.push(found);
      objects = found.referenceTo.map((t) => this.schema.object(t)).filter((o): o is ObjectDef => o !== undefined);
    }
    const leafName = (parts[parts.length - 1] ?? '').toLowerCase();
    let leaf: FieldDef | undefined;
    const leafObjects: ObjectDef[] = [];
    for (const o of objects) {
      const a = this.schema.fieldAccess(o.name).get(leafName);
      if (a) {
        leaf ??= a.def;
        leafObjects.push(o);
      }
    }
    // polymorphic: the field must exist on every possible parent type
    if (!leaf || (refs.length > 0 && leafObjects.length !== objects.length)) {
      const entity = objects.length === 1 ? (objects[0]?.name ?? root.name) : 'Name';
      throw this.err('INVALID_FIELD', ref.pos, `No such column '${parts[parts.length - 1]}' on entity '${entity}'. ${INVALID_FIELD_HINT}`);
    }
    const leafDef = leaf;
    const schema = this.schema;
    let get: (rec: FakeRecord) => SfValue;
    if (refs.length === 0) {
      const name = leafDef.name;
      get = (rec) => rec[name] ?? null;
    } else {
      const chain = refs.map((r) => r.name);
      const leafNames = leafObjects.map((o) => o.fields.get(leafName)?.name ?? leafDef.name);
      get = (rec) => {
        let cur: FakeRecord | undefined = rec;
        for (const name of chain) {
          const id: SfValue | undefined = cur[name];
          if (typeof id !== 'string') return null;
          cur = schema.get(id);
          if (!cur) return null;
        }
        return cur[leafNames[0] ?? leafDef.name] ?? null;
      };
    }
    return { refs, leaf: leafDef, leafObjects, get };
  }

  compile(): CompiledQuery {
    const ast = this.ast;
    const object = this.schema.object(ast.from.name);
    if (!object) {
      throw this.err(
        'INVALID_TYPE',
        ast.from.pos,
        `sObject type '${ast.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const counts = ast.select.filter((s): s is Extract<SelectItemAst, { kind: 'count' }> => s.kind === 'count');
    const fields = ast.select.filter((s): s is Extract<SelectItemAst, { kind: 'field' }> => s.kind === 'field');
    let countOnly = false;
    const aggregates: CompiledQuery['aggregates'] = [];
    if (counts.some((c) => c.field === null)) {
      if (ast.select.length > 1) {
        const other = ast.select.find((s) => s.kind === 'field' || s.field !== null);
        const pos = other ? (other.kind === 'field' ? other.field.pos : other.pos) : 0;
        throw this.err('MALFORMED_QUERY', pos, 'COUNT() must be the only element in the SELECT list.');
      }
      countOnly = true;
    } else if (counts.length > 0) {
      const first = fields[0];
      if (first) throw this.err('MALFORMED_QUERY', first.field.pos, `Field must be grouped or aggregated: ${first.field.path}`);
      counts.forEach((c, i) => {
        aggregates.push({ alias: c.alias ?? `expr${i}`, path: c.field ? this.resolve(object, c.field) : null });
      });
    }
    const render: RenderNode = { items: [] };
    const seen = new Set<string>();
    for (const s of fields) {
      const path = this.resolve(object, s.field);
      const key = [...path.refs.map((r) => r.name), path.leaf.name].join('.').toLowerCase();
      if (seen.has(key)) throw this.err('MALFORMED_QUERY', s.field.pos, `duplicate field selected: ${s.field.path}`);
      seen.add(key);
      addToRender(render, path.refs, path.leaf);
    }
    const where = ast.where ? this.condition(object, ast.where) : null;
    const order = ast.orderBy.map((o) => {
      const path = this.resolve(object, o.field);
      if (!isFilterable(path.leaf)) {
        throw this.err('INVALID_FIELD', o.field.pos, `field '${path.leaf.name}' can not be sorted in a query call`);
      }
      return { get: path.get, type: path.leaf.type, desc: o.desc, nullsFirst: o.nullsFirst };
    });
    if (ast.offset !== null && ast.offset > 2000) {
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
    }
    return {
      object,
      countOnly,
      aggregates,
      render,
      where,
      order,
      limit: ast.limit,
      offset: ast.offset,
      idKeys: ast.where ? topLevelIdKeys(ast.where) : null,
    };
  }

  private condition(root: ObjectDef, c: CondAst): (rec: FakeRecord) => boolean {
    switch (c.kind) {
      case 'and': {
        const fns = c.items.map((i) => this.condition(root, i));
        return (rec) => fns.every((f) => f(rec));
      }
      case 'or': {
        const fns = c.items.map((i) => this.condition(root, i));
        return (rec) => fns.some((f) => f(rec));
      }
      case 'not': {
        const fn = this.condition(root, c.item);
        return (rec) => !fn(rec);
      }
      case 'cmp': {
        const path = this.filterPath(root, c.field);
        const cmp = this.comparison(path.leaf, c.op, c.value);
        const get = path.get;
        return (rec) => cmp(get(rec));
      }
      case 'in': {
        const path = this.filterPath(root, c.field);
        const tests = c.values.map((v) => {
          if (v.kind === 'null') return (x: SfValue) => x === null;
          return this.comparison(path.leaf, '=', v);
        });
        const get = path.get;
        const negate = c.negate;
        return (rec) => {
          const v = get(rec);
          const hit = tests.some((t) => t(v));
          return negate ? !hit : hit;
        };
      }
      case 'like': {
        const path = this.filterPath(root, c.field);
        if (!isTextType(path.leaf.type) || path.leaf.type === 'id' || path.leaf.type === 'reference') {
          throw this.err('INVALID_FIELD', c.field.pos, `invalid operator on ${path.leaf.type} field`);
        }
        if (c.value.kind !== 'string') {
          throw this.err('INVALID_FIELD', c.value.pos, `value of filter criterion for field '${path.leaf.name}' must be of type string and should be enclosed in quotes`);
        }
        const re = new RegExp(`^${c.value.like}$`, 'is');
        const get = path.get;
        return (rec) => {
          const v = get(rec);
          return v !== null && re.test(String(v));
        };
      }
    }
  }

  private filterPath(root: ObjectDef, ref: FieldRefAst): ResolvedPath {
    const path = this.resolve(root, ref);
    if (!isFilterable(path.leaf)) throw this.err('INVALID_FIELD', ref.pos, `field '${path.leaf.name}' can not be filtered in a query call`);
    return path;
  }

  /** a predicate for `field <op> literal`, after type-checking the literal against the field */
  private comparison(def: FieldDef, op: string, lit: Literal): (v: SfValue) => boolean {
    const typeErr = (expected: string, quoted: boolean): SoqlError =>
      this.err(
        'INVALID_FIELD',
        lit.pos,
        `value of filter criterion for field '${def.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      );
    if (lit.kind === 'null') {
      if (op === '=') return (v) => v === null;
      if (op === '!=') return (v) => v !== null;
      return () => false;
    }
    const ordered = (c: number): boolean => {
      switch (op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    };
    // != matches nulls in SOQL; the ordering operators never do
    const wrap = (cmp: (v: SfValue) => number): ((v: SfValue) => boolean) =>
      (v) => (v === null ? op === '!=' : ordered(cmp(v)));
    switch (def.type) {
      case 'id':
      case 'reference': {
        if (lit.kind !== 'string') throw typeErr('id', true);
        if (!isIdFormat(lit.value)) {
          throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', located(this.ast.soql, lit.pos, `invalid ID field: ${lit.value}`));
        }
        const key = idKey(lit.value);
        if (op !== '=' && op !== '!=') {
          return wrap((v) => (idKey(String(v)) < key ? -1 : idKey(String(v)) > key ? 1 : 0));
        }
        return wrap((v) => (idKey(String(v)) === key ? 0 : 1));
      }
      case 'boolean': {
        if (lit.kind !== 'boolean') throw typeErr('boolean', false);
        if (op !== '=' && op !== '!=') throw this.err('INVALID_FIELD', lit.pos, `invalid operator on boolean field`);
        const b = lit.value;
        return (v) => (op === '=' ? v === b : v !== b);
      }
      case 'double':
      case 'currency':
      case 'percent':
      case 'int': {
        if (lit.kind !== 'number') throw typeErr(def.type === 'int' ? 'int' : 'double', false);
        const n = lit.value;
        return wrap((v) => Number(v) - n);
      }
      case 'date':
      case 'datetime': {
        const isDate = def.type === 'date';
        const range = this.dateRange(lit, isDate, typeErr);
        if (range) {
          const [start, end] = range;
          return (v) => {
            if (v === null) return op === '!=';
            const s = String(v);
            switch (op) {
              case '=':
                return s >= start && s < end;
              case '!=':
                return !(s >= start && s < end);
              case '<':
                return s < start;
              case '<=':
                return s < end;
              case '>':
                return s >= end;
              default:
                return s >= start;
            }
          };
        }
        const target = lit.kind === 'date' || lit.kind === 'datetime' ? lit.value : '';
        return wrap((v) => (String(v) < target ? -1 : String(v) > target ? 1 : 0));
      }
      default: {
        // text: case-insensitive
        if (lit.kind !== 'string') throw typeErr('string', true);
        const target = lit.value.toLowerCase();
        return wrap((v) => {
          const s = String(v).toLowerCase();
          return s < target ? -1 : s > target ? 1 : 0;
        });
      }
    }
  }

  /** date literal keywords → [start, end) in the field's wire format; null for plain literals */
  private dateRange(
    lit: Literal,
    isDate: boolean,
    typeErr: (expected: string, quoted: boolean) => SoqlError,
  ): [string, string] | null {
    if (lit.kind === 'date') {
      if (!isDate) throw typeErr('dateTime', false);
      return null;
    }
    if (lit.kind === 'datetime') {
      if (isDate) throw typeErr('date', false);
      return null;
    }
    if (lit.kind !== 'dateLiteral') throw typeErr(isDate ? 'date' : 'dateTime', false);
    const DAY = 86_400_000;
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const n = lit.n ?? 0;
    const y = now.getUTCFullYear();
    const m = now.getUTCMonth();
    const dow = (now.getUTCDay() + 6) % 7; // Monday-based week (the fake's locale)
    let start: number;
    let end: number;
    switch (lit.name) {
      case 'TODAY': [start, end] = [today, today + DAY]; break;
      case 'YESTERDAY': [start, end] = [today - DAY, today]; break;
      case 'TOMORROW': [start, end] = [today + DAY, today + 2 * DAY]; break;
      case 'THIS_WEEK': [start, end] = [today - dow * DAY, today + (7 - dow) * DAY]; break;
      case 'LAST_WEEK': [start, end] = [today - (dow + 7) * DAY, today - dow * DAY]; break;
      case 'NEXT_WEEK': [start, end] = [today + (7 - dow) * DAY, today + (14 - dow) * DAY]; break;
      case 'THIS_MONTH': [start, end] = [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)]; break;
      case 'LAST_MONTH': [start, end] = [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1)]; break;
      case 'NEXT_MONTH': [start, end] = [Date.UTC(y, m + 1, 1), Date.UTC(y, m + 2, 1)]; break;
      case 'THIS_YEAR': [start, end] = [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)]; break;
      case 'LAST_YEAR': [start, end] = [Date.UTC(y - 1, 0, 1), Date.UTC(y, 0, 1)]; break;
      case 'NEXT_YEAR': [start, end] = [Date.UTC(y + 1, 0, 1), Date.UTC(y + 2, 0, 1)]; break;
      case 'LAST_90_DAYS': [start, end] = [today - 90 * DAY, today + DAY]; break;
      case 'NEXT_90_DAYS': [start, end] = [today + DAY, today + 91 * DAY]; break;
      case 'LAST_N_DAYS': [start, end] = [today - n * DAY, today + DAY]; break;
      case 'NEXT_N_DAYS': [start, end] = [today + DAY, today + (n + 1) * DAY]; break;
      case 'N_DAYS_AGO': [start, end] = [today - n * DAY, today - (n - 1) * DAY]; break;
      case 'LAST_N_MONTHS': [start, end] = [Date.UTC(y, m - n, 1), Date.UTC(y, m, 1)]; break;
      case 'NEXT_N_MONTHS': [start, end] = [Date.UTC(y, m + 1, 1), Date.UTC(y, m + 1 + n, 1)]; break;
      default:
        throw typeErr(isDate ? 'date' : 'dateTime', false);
    }
    const fmt = (t: number): string => (isDate ? new Date(t).toISOString().slice(0, 10) : formatDateTime(t));
    return [fmt(start), fmt(end)];
  }
}

function addToRender(node: RenderNode, refs: FieldDef[], leaf: FieldDef): void {
  let cur = node;
  for (const ref of refs) {
    let rel = cur.items.find((i): i is Extract<RenderItem, { kind: 'rel' }> => i.kind === 'rel' && i.ref.name === ref.name);
    if (!rel) {
      rel = { kind: 'rel', ref, node: { items: [] } };
      cur.items.push(rel);
    }
    cur = rel.node;
  }
  cur.items.push({ kind: 'field', def: leaf });
}

function topLevelIdKeys(c: CondAst): string[] | null {
  const idOf = (ref: FieldRefAst): boolean => ref.path.toLowerCase() === 'id';
  if (c.kind === 'cmp' && c.op === '=' && idOf(c.field) && c.value.kind === 'string' && isIdFormat(c.value.value)) {
    return [idKey(c.value.value)];
  }
  if (c.kind === 'in' && !c.negate && idOf(c.field) && c.values.every((v) => v.kind === 'string' && isIdFormat(v.value))) {
    return c.values.map((v) => idKey((v as { value: string }).value));
  }
  if (c.kind === 'and') {
    for (const item of c.items) {
      const keys = topLevelIdKeys(item);
      if (keys) return keys;
    }
  }
  return null;
}

export function compileSoql(soql: string, schema: SchemaSource): CompiledQuery {
  return new Compiler(parseSoql(soql), schema).compile();
}

// =============================================================================== execute

function compareValues(a: SfValue, b: SfValue, type: FieldType): number {
  if (type === 'double' || type === 'int' || type === 'currency' || type === 'percent') return Number(a) - Number(b);
  if (type === 'boolean') return (a === true ? 1 : 0) - (b === true ? 1 : 0);
  if (isTextType(type) && type !== 'id' && type !== 'reference') {
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** matching records, in order, after OFFSET/LIMIT */
export function executeQuery(
  q: CompiledQuery,
  candidates: () => Iterable<FakeRecord>,
  byKey: (key: string) => FakeRecord | undefined,
  includeDeleted: boolean,
): FakeRecord[] {
  let rows: FakeRecord[] = [];
  const source: Iterable<FakeRecord> = q.idKeys
    ? q.idKeys.map(byKey).filter((r): r is FakeRecord => r !== undefined && r.Id.startsWith(q.object.keyPrefix))
    : candidates();
  const seen = q.idKeys ? new Set<string>() : null;
  for (const rec of source) {
    if (!includeDeleted && rec['IsDeleted'] === true) continue;
    if (q.where && !q.where(rec)) continue;
    if (seen) {
      if (seen.has(rec.Id)) continue;
      seen.add(rec.Id);
    }
    rows.push(rec);
  }
  if (q.order.length > 0) {
    const order = q.order;
    rows.sort((a, b) => {
      for (const o of order) {
        const va = o.get(a);
        const vb = o.get(b);
        if (va === null && vb === null) continue;
        if (va === null) return o.nullsFirst ? -1 : 1;
        if (vb === null) return o.nullsFirst ? 1 : -1;
        const c = compareValues(va, vb, o.type);
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  const offset = q.offset ?? 0;
  if (offset > 0 || q.limit !== null) rows = rows.slice(offset, q.limit !== null ? offset + q.limit : undefined);
  return rows;
}

export type JsonRecord = { [k: string]: unknown };

/** a record as the REST API returns it for this query's SELECT list */
export function renderRecord(
  q: CompiledQuery,
  rec: FakeRecord,
  version: string,
  lookup: (id: string) => FakeRecord | undefined,
  typeOf: (id: string) => string | undefined,
): JsonRecord {
  return renderNode(q.render, rec, q.object.name, version, lookup, typeOf);
}

function renderNode(
  node: RenderNode,
  rec: FakeRecord,
  type: string,
  version: string,
  lookup: (id: string) => FakeRecord | undefined,
  typeOf: (id: string) => string | undefined,
): JsonRecord {
  const out: JsonRecord = { attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${rec.Id}` } };
  for (const item of node.items) {
    if (item.kind === 'field') {
      out[item.def.name] = item.def.type === 'id' ? rec.Id : (rec[item.def.name] ?? null);
    } else {
      const id = rec[item.ref.name];
      const parent = typeof id === 'string' ? lookup(id) : undefined;
      const relName = item.ref.relationshipName ?? item.ref.name;
      out[relName] = parent ? renderNode(item.node, parent, typeOf(parent.Id) ?? 'Name', version, lookup, typeOf) : null;
    }
  }
  return out;
}

export function aggregateRecord(q: CompiledQuery, rows: FakeRecord[]): JsonRecord {
  const out: JsonRecord = { attributes: { type: 'AggregateResult' } };
  for (const a of q.aggregates) {
    const path = a.path;
    out[a.alias] = path ? rows.filter((r) => path.get(r) !== null).length : rows.length;
  }
  return out;
}
