// The PostgreSQL dialect of our one SQL text: better-sqlite3's parameters (`?` in order, or `@name` / `:name`
// bound from an object) become `$1, $2...`. Everything else in a query is written portable (docs/architecture.md
// lists the rules, test/unit/portable-sql.test.ts enforces them), so this is the only rewrite.

export interface Translated {
  text: string;
  /** Positional: how many `?` there were. */
  positional: number;
  /** Named: the parameter names in `$n` order (empty when positional). */
  names: string[];
}

const cache = new Map<string, Translated>();

export function translate(sql: string): Translated {
  const known = cache.get(sql);
  if (known) return known;
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    // String literals, quoted identifiers and comments pass through untouched.
    if (c === "'" || c === '"') {
      const end = closeQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '?') {
      positional++;
      out += `$${positional}`;
      i++;
      continue;
    }
    // `@name` and `:name` (not PostgreSQL's `::type` cast).
    if ((c === '@' || (c === ':' && sql[i + 1] !== ':' && sql[i - 1] !== ':')) && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let idx = names.indexOf(name);
      if (idx === -1) idx = names.push(name) - 1;
      out += `$${idx + 1}`;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  if (positional > 0 && names.length > 0) throw new Error('a statement mixes ? and named parameters');
  const t = { text: out, positional, names };
  if (cache.size < 5_000) cache.set(sql, t);
  return t;
}

function closeQuote(sql: string, start: number, q: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) {
        i += 2; // doubled quote inside the literal
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The values in `$n` order, from better-sqlite3-style arguments: positional values, or one object of named ones. */
export function bindValues(t: Translated, args: unknown[]): unknown[] {
  const values =
    t.names.length > 0
      ? t.names.map((name) => {
          const obj = args[0] as Record<string, unknown> | undefined;
          if (!obj || typeof obj !== 'object' || !(name in obj)) throw new RangeError(`Missing named parameter "${name}"`);
          return obj[name];
        })
      : args.flat();
  if (t.names.length === 0 && values.length !== t.positional) throw new RangeError(`Too ${values.length > t.positional ? 'many' : 'few'} parameter values were provided`);
  // better-sqlite3 binds numbers, strings, bigints, buffers and null; undefined and booleans are our bugs there too.
  return values.map((v) => {
    if (v === undefined) throw new TypeError('a parameter is undefined');
    if (typeof v === 'boolean') throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null');
    return typeof v === 'bigint' ? v.toString() : v;
  });
}
