// Every SQL statement in src/ runs on SQLite and on PostgreSQL (DATABASE_URL=postgres://…): this static check reads
// the text passed to `.prepare(…)` and `.exec(…)` in src/**/*.ts (through the TypeScript parser, so comments and
// regular expressions are never mistaken for SQL) and fails on constructs only one of the two accepts.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

interface Statement {
  file: string;
  line: number;
  sql: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** An interpolation the check cannot follow (a parameter, a call): it stands for a harmless word. */
const OPAQUE = ' x ';

/** The SQL text of an expression: literals, `${CONST}` of string constants of the same file, `+` of those. */
function textOf(node: ts.Expression, consts: Map<string, ts.Expression>, depth = 0): string | undefined {
  if (depth > 5) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return textOf(node.expression, consts, depth + 1);
  if (ts.isTemplateExpression(node)) {
    let out = node.head.text;
    for (const span of node.templateSpans) out += (textOf(span.expression, consts, depth + 1) ?? OPAQUE) + span.literal.text;
    return out;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = textOf(node.left, consts, depth + 1);
    const r = textOf(node.right, consts, depth + 1);
    return l === undefined || r === undefined ? undefined : l + r;
  }
  if (ts.isIdentifier(node)) {
    const init = consts.get(node.text);
    return init ? textOf(init, consts, depth + 1) : undefined;
  }
  return undefined;
}

const SQL_START = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|REPLACE|VACUUM|ANALYZE)\b/i;

/** The statements of one source text (the self-test below feeds it a made-up one). */
function statementsOf(file: string, source: string): Statement[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const consts = new Map<string, ts.Expression>();
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) consts.set(node.name.text, node.initializer);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['prepare', 'exec'].includes(node.expression.name.text)) {
      calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const out: Statement[] = [];
  for (const call of calls) {
    const arg = call.arguments[0];
    const sql = arg && textOf(arg, consts);
    // RegExp#exec and the migration runner's exec(fileContents) carry no SQL text the check can read.
    if (sql === undefined || !SQL_START.test(sql)) continue;
    out.push({ file, line: sf.getLineAndCharacterOfPosition(call.getStart()).line + 1, sql });
  }
  return out;
}

/** SQL with its '…' literals emptied (so `'$.x'` or `':'` are not taken for syntax), the quotes kept. */
function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

/** Calls of `name(` whose argument list has a comma at its own level (scalar MAX(a, b) / MIN(a, b)). */
function hasTwoArgumentCall(sql: string, name: string): boolean {
  const re = new RegExp(`\\b${name}\\s*\\(`, 'gi');
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    let depth = 0;
    for (let i = m.index + m[0].length; i < sql.length; i++) {
      const ch = sql[i];
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) return true;
    }
  }
  return false;
}

/** SUM / AVG whose result is not cast: PostgreSQL answers NUMERIC, which node-pg hands over as a string. */
function hasUncastAggregate(sql: string): boolean {
  const re = /\b(SUM|AVG)\s*\(/gi;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    if (!/CAST\s*\(\s*(COALESCE\s*\(\s*)?$/i.test(sql.slice(0, m.index))) return true;
  }
  return false;
}

interface Rule {
  name: string;
  /** Why, and what to write instead. */
  fix: string;
  test: (sql: string) => boolean;
}

const re = (r: RegExp) => (sql: string) => r.test(sql);

const RULES: Rule[] = [
  { name: 'INSERT OR IGNORE/REPLACE, REPLACE INTO', fix: 'INSERT … ON CONFLICT (…) DO NOTHING / DO UPDATE', test: re(/\b(INSERT\s+OR\s+\w+|REPLACE\s+INTO)\b/i) },
  {
    name: 'SQLite-only function',
    fix: 'compute it in TypeScript and bind it (times are epoch ms; JSON is parsed in TypeScript); COALESCE for IFNULL',
    test: re(/\b(json_\w+|jsonb?_\w+|strftime|unixepoch|datetime|julianday|date|time|group_concat|string_agg|ifnull|iif|instr|printf|format|randomblob|hex|last_insert_rowid|changes|total_changes|typeof)\s*\(/i),
  },
  { name: 'rowid', fix: 'the table\'s own id column', test: re(/\b(_?rowid_?|oid)\b/i) },
  { name: 'GLOB / REGEXP / ILIKE / SIMILAR TO', fix: "lower(col) LIKE lower(?) ESCAPE '\\'", test: re(/\b(GLOB|REGEXP|ILIKE|SIMILAR\s+TO)\b/i) },
  { name: 'COLLATE', fix: 'lower(col) = lower(?) or lower(col) LIKE lower(?)', test: re(/\bCOLLATE\b/i) },
  { name: 'LIKE without lower()', fix: "lower(col) LIKE lower(?): SQLite's LIKE ignores ASCII case, PostgreSQL's does not", test: (s) => /(?<!\)\s*)\bLIKE\b/i.test(s) || /\bLIKE\s+(?!lower\s*\()/i.test(s) },
  { name: 'scalar MAX(a, b) / MIN(a, b)', fix: 'CASE WHEN a > b THEN a ELSE b END', test: (s) => hasTwoArgumentCall(s, 'MAX') || hasTwoArgumentCall(s, 'MIN') },
  { name: '==', fix: '=', test: re(/==/) },
  { name: 'IS with a value', fix: 'IS NULL / IS NOT NULL, or = (two statements when the value may be null)', test: re(/\bIS\s+(?!NULL\b|NOT\s+NULL\b|(NOT\s+)?DISTINCT\s+FROM\b)/i) },
  { name: 'TRUE / FALSE', fix: 'booleans are INTEGER 0 / 1', test: re(/\b(TRUE|FALSE)\b/i) },
  { name: '"double-quoted" text', fix: "single quotes: PostgreSQL reads \"…\" as an identifier", test: re(/"/) },
  { name: 'named or numbered parameter', fix: '? placeholders only (the PostgreSQL facade numbers them)', test: re(/(^|[^\w'])[@:$]\w+|\?\d/) },
  { name: ':: cast', fix: 'CAST(x AS type)', test: re(/::/) },
  { name: 'CAST AS REAL / FLOAT', fix: 'multiply by 1.0 (REAL is float4 on PostgreSQL)', test: re(/\bAS\s+(REAL|FLOAT)\b/i) },
  { name: 'uncast SUM / AVG', fix: 'CAST(SUM(x) AS BIGINT) or CAST(COALESCE(SUM(x), 0) AS BIGINT)', test: hasUncastAggregate },
  { name: 'LIMIT offset, count', fix: 'LIMIT ? OFFSET ?', test: re(/\bLIMIT\s+[^\s,()]+\s*,/i) },
  { name: 'PRAGMA / BEGIN IMMEDIATE / VACUUM / AUTOINCREMENT / WITHOUT ROWID', fix: 'db.transaction(fn).immediate(); pragmas only behind a dialect check', test: re(/\b(PRAGMA|BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)|VACUUM|AUTOINCREMENT|WITHOUT\s+ROWID)\b/i) },
  { name: 'empty IN ()', fix: 'never build an IN list without values', test: re(/\bIN\s*\(\s*\)/i) },
];

function violations(sql: string): string[] {
  const bare = withoutLiterals(sql);
  return RULES.filter((r) => r.test(bare)).map((r) => `${r.name} (write: ${r.fix})`);
}

/**
 * Files whose every statement is meant for one named engine: `db copy` reads SQLite's catalog (sqlite_master,
 * pragma_table_info) and writes PostgreSQL's (setval, quoted identifiers). The engine tests run them instead.
 */
const ONE_ENGINE = new Set(['src/db/copy.ts']);

const statements = tsFiles(SRC)
  .flatMap((f) => statementsOf(relative(ROOT, f), readFileSync(f, 'utf8')))
  .filter((s) => !ONE_ENGINE.has(s.file));

describe('portable SQL in src/', () => {
  it('when the sources are scanned, then the statements of every repository and the queue are found', () => {
    const files = new Set(statements.map((s) => s.file));
    expect(statements.length).toBeGreaterThan(100);
    for (const f of ['src/db/ledger.repo.ts', 'src/db/admin.repo.ts', 'src/db/sync-runs.repo.ts', 'src/db/job-changes.repo.ts', 'src/jobs/queue.ts']) {
      expect(files).toContain(f);
    }
  });

  it('when a statement is checked, then it uses no construct only SQLite or only PostgreSQL accepts', () => {
    const found = statements.flatMap((s) => violations(s.sql).map((v) => `${s.file}:${s.line}: ${v}\n    ${s.sql.replace(/\s+/g, ' ').trim()}`));
    expect(found).toEqual([]);
  });

  it('when a source file is read, then it never relies on lastInsertRowid (the PostgreSQL facade has none: use RETURNING)', () => {
    const found = tsFiles(SRC).filter((f) => /\.lastInsertRowid\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(found).toEqual([]);
  });

  it('when a source file calls db.pragma, then it is the SQLite opener or says where the dialects differ', () => {
    const found = tsFiles(SRC)
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        return /\.pragma\(/.test(text) && !f.endsWith(join('db', 'open.ts')) && !/\/\/ dialect:/.test(text);
      })
      .map((f) => relative(ROOT, f));
    expect(found).toEqual([]);
  });
});

describe('portable SQL check itself', () => {
  const bad: [string, string][] = [
    ['INSERT OR IGNORE INTO t (a) VALUES (?)', 'INSERT OR'],
    ['INSERT OR REPLACE INTO t (a) VALUES (?)', 'INSERT OR'],
    ["SELECT json_extract(c, '$.x') FROM t", 'SQLite-only function'],
    ["SELECT strftime('%Y', created_at / 1000, 'unixepoch') FROM t", 'SQLite-only function'],
    ['SELECT IFNULL(a, 0) FROM t', 'SQLite-only function'],
    ['SELECT group_concat(a) FROM t', 'SQLite-only function'],
    ["SELECT * FROM t WHERE created_at > datetime('now')", 'SQLite-only function'],
    ['SELECT rowid FROM t', 'rowid'],
    ["SELECT * FROM t WHERE a GLOB 'x*'", 'GLOB'],
    ['SELECT * FROM t WHERE a = ? COLLATE NOCASE', 'COLLATE'],
    ["SELECT * FROM t WHERE a LIKE ? ESCAPE '\\'", 'LIKE without lower()'],
    ['SELECT * FROM t WHERE lower(a) LIKE ?', 'LIKE without lower()'],
    ['SELECT * FROM t WHERE a LIKE lower(?)', 'LIKE without lower()'],
    ['UPDATE t SET a = MAX(a, ?)', 'scalar MAX'],
    ['UPDATE t SET a = min(coalesce(a, 0), ?)', 'scalar MAX'],
    ['SELECT * FROM t WHERE a == ?', '=='],
    ['SELECT * FROM t WHERE a IS ?', 'IS with a value'],
    ['SELECT * FROM t WHERE flag = TRUE', 'TRUE / FALSE'],
    ['SELECT * FROM t WHERE state = "queued"', 'double-quoted'],
    ['SELECT * FROM t WHERE id = @id', 'named or numbered'],
    ['SELECT * FROM t WHERE id = :id', 'named or numbered'],
    ['SELECT * FROM t WHERE id = $1', 'named or numbered'],
    ['SELECT * FROM t WHERE id = ?1', 'named or numbered'],
    ['SELECT a::text FROM t', ':: cast'],
    ['SELECT CAST(a AS REAL) FROM t', 'CAST AS REAL'],
    ['SELECT SUM(a) AS s FROM t', 'uncast SUM'],
    ['SELECT COALESCE(SUM(a), 0) AS s FROM t', 'uncast SUM'],
    ['SELECT * FROM t LIMIT 10, 20', 'LIMIT offset'],
    ['PRAGMA foreign_keys = ON', 'PRAGMA'],
    ['SELECT * FROM t WHERE id IN ()', 'empty IN'],
  ];
  it.each(bad)('when a statement reads %s, then the check names %s', (sql, rule) => {
    expect(violations(sql).join('\n')).toContain(rule);
  });

  const good = [
    'INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO NOTHING RETURNING id',
    "SELECT CAST(COALESCE(SUM(a), 0) AS BIGINT) AS s, COUNT(*) AS n, MAX(b) AS m FROM t WHERE c IS NULL AND d IS NOT NULL",
    "SELECT * FROM t WHERE lower(email) LIKE lower(?) ESCAPE '\\' ORDER BY created_at DESC LIMIT ? OFFSET ?",
    "SELECT COALESCE(MAX(updated_at), 0) || ':' || COUNT(*) AS v FROM schedules",
    "UPDATE t SET state = 'queued', note = 'it IS done: TRUE == \"x\" $1' WHERE id = ?",
    'SELECT * FROM t WHERE (CAST(? AS TEXT) IS NULL OR a = ?) AND b = MAX_VALUE',
    "SELECT l.*, c.crm FROM audit_log l LEFT JOIN connections c ON c.id = l.connection_id WHERE c.id = ?",
  ];
  it.each(good)('when a portable statement reads %s, then the check passes it', (sql) => {
    expect(violations(sql)).toEqual([]);
  });

  it('when SQL-looking text is in a comment or a regular expression, then it is not taken for a statement', () => {
    const source = [
      "// db.prepare('INSERT OR IGNORE INTO t VALUES (1)')",
      "/* db.exec('SELECT rowid FROM t') */",
      'const m = /^run:([^:]+):/.exec(key);',
      "const WHERE = 'WHERE a = ?';",
      "const s = db.prepare(`SELECT * FROM t ${WHERE} AND b IN (${ids.map(() => '?').join(',')})`);",
      'db.exec(readFileSync(file, "utf8"));',
    ].join('\n');
    expect(statementsOf('x.ts', source)).toEqual([{ file: 'x.ts', line: 5, sql: 'SELECT * FROM t WHERE a = ? AND b IN ( x )' }]);
  });
});
