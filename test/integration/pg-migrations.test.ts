// The PostgreSQL twins of the migrations (src/db/migrations/postgres/) bring a schema to the state the SQLite
// migrations bring a database file to: every SQLite migration has a twin and no twin lacks its SQLite file, and after
// all of them both engines have the same tables, columns (order, type class, NOT NULL, default), keys, foreign keys,
// CHECK constraints, indexes and seed rows. Skipped with one line without PostgreSQL (failed under CI or
// REQUIRE_POSTGRES=1): see test/helpers/pg.ts.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type SqliteDb as Db } from '../../src/db/open.js';
import {
  findPostgres,
  freshSchema,
  migratePg,
  migrationFiles,
  PG_MIGRATIONS_DIR,
  SQLITE_MIGRATIONS_DIR,
  withClient,
  type FreshSchema,
} from '../helpers/pg.js';
import { assertAvailable, skipWithout } from '../helpers/required.js';

const PG = findPostgres();
/** Decided once, so a machine without PostgreSQL prints one line for the file. */
const SKIP = skipWithout(PG);

interface Column {
  name: string;
  type: 'integer' | 'real' | 'text' | 'blob' | 'numeric';
  notNull: boolean;
  default: string | null;
  /** The engine numbers new rows: SQLite's INTEGER PRIMARY KEY (a rowid alias), PostgreSQL's identity column. */
  autoId: boolean;
}

interface TableShape {
  /** In table order. */
  columns: Column[];
  primaryKey: string[];
  /** One entry per unique index or constraint other than the primary key: its columns (sorted), and whether partial. */
  unique: string[];
  /** "cols -> target(cols) ON DELETE action ON UPDATE action". */
  foreignKeys: string[];
  /** Explicitly created indexes: "name (cols) [UNIQUE] [WHERE tokens]". */
  indexes: string[];
  /** The tokens of each CHECK constraint (identifiers, literals, numbers, comparison operators). */
  checks: string[];
  /** The rows the migrations leave (JSON, sorted); schema_migrations by name only (its times differ). */
  rows: string[];
}

type Schema = Record<string, TableShape>;

/** Some aspects of every table, so one failed comparison shows every table that differs. */
function aspect<K extends keyof TableShape>(schema: Schema, ...keys: K[]): Record<string, Pick<TableShape, K>> {
  return Object.fromEntries(
    Object.entries(schema).map(([table, shape]) => [table, Object.fromEntries(keys.map((k) => [k, shape[k]])) as Pick<TableShape, K>]),
  );
}

/** SQLite's type affinity rules (section 3.1 of its datatype page), as a class both engines share. */
function sqliteTypeClass(declared: string): Column['type'] {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t === '' || t.includes('BLOB')) return 'blob';
  if (/REAL|FLOA|DOUB/.test(t)) return 'real';
  return 'numeric';
}

function pgTypeClass(dataType: string): Column['type'] {
  if (/^(bigint|integer|smallint)$/.test(dataType)) return 'integer';
  if (/^(double precision|real)$/.test(dataType)) return 'real';
  if (/^(text|character varying|character)$/.test(dataType)) return 'text';
  if (dataType === 'bytea') return 'blob';
  if (dataType === 'numeric') return 'numeric';
  throw new Error(`unexpected PostgreSQL column type ${dataType}`);
}

/**
 * An expression as comparable tokens: PostgreSQL's deparsed form (`x = ANY (ARRAY['a'::text, 'b'::text])`, casts,
 * extra parentheses) and SQLite's source text (`x IN ('a', 'b')`) give the same list.
 */
function exprTokens(expr: string): string {
  const s = expr
    .replace(/=\s*ANY\s*\(\s*ARRAY\s*\[([^\]]*)\]\s*\)/gi, 'IN ($1)')
    .replace(/::[a-z]+( precision| varying)?/gi, '');
  return (s.match(/'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[<>=!]+/g) ?? [])
    .map((t) => (t.startsWith("'") ? t : t.toLowerCase()))
    .join(' ');
}

/** A default as comparable text: PostgreSQL writes `'write'::text` where SQLite keeps `'write'`. */
function defaultText(d: string | null): string | null {
  return d === null ? null : d.replace(/::[a-z]+( precision| varying)?$/i, '').replace(/^\((.*)\)$/, '$1');
}

/** The bodies of the CHECK constraints in a CREATE TABLE statement (comments removed, parentheses balanced). */
function checkBodies(createSql: string): string[] {
  const sql = createSql.replace(/--[^\n]*/g, '');
  const out: string[] = [];
  const re = /\bCHECK\s*\(/gi;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    let depth = 1;
    let i = re.lastIndex;
    let inQuote = false;
    for (; i < sql.length && depth > 0; i++) {
      const c = sql[i];
      if (c === "'") inQuote = !inQuote;
      else if (!inQuote && c === '(') depth++;
      else if (!inQuote && c === ')') depth--;
    }
    out.push(sql.slice(re.lastIndex, i - 1));
    re.lastIndex = i;
  }
  return out;
}

function sqliteSchema(db: Db): Schema {
  const schema: Schema = {};
  const tables = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string; sql: string }[];
  for (const { name: table, sql } of tables) {
    const info = db.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const indexList = db.pragma(`index_list(${table})`) as { name: string; unique: number; origin: string; partial: number }[];
    const unique: string[] = [];
    const indexes: string[] = [];
    for (const ix of indexList) {
      if (ix.origin === 'pk') continue;
      const cols = (db.pragma(`index_info(${ix.name})`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      if (ix.unique) unique.push(`(${[...cols].sort().join(', ')})${ix.partial ? ' partial' : ''}`);
      if (ix.origin === 'c') {
        const ixSql = (db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).pluck().get(ix.name) as string) ?? '';
        const where = /\bWHERE\b([\s\S]*)$/i.exec(ixSql)?.[1];
        indexes.push(`${ix.name} (${cols.join(', ')})${ix.unique ? ' UNIQUE' : ''}${where ? ` WHERE ${exprTokens(where)}` : ''}`);
      }
    }
    const fkRows = db.pragma(`foreign_key_list(${table})`) as { id: number; seq: number; table: string; from: string; to: string | null; on_delete: string; on_update: string }[];
    const foreignKeys = [...new Set(fkRows.map((r) => r.id))].map((id) => {
      const parts = fkRows.filter((r) => r.id === id).sort((a, b) => a.seq - b.seq);
      const target = parts[0]!.table;
      const targetPk = (db.pragma(`table_info(${target})`) as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const to = parts.map((p, i) => p.to ?? targetPk[i]);
      return `(${parts.map((p) => p.from).join(', ')}) -> ${target}(${to.join(', ')}) ON DELETE ${parts[0]!.on_delete.toUpperCase()} ON UPDATE ${parts[0]!.on_update.toUpperCase()}`;
    });
    schema[table] = {
      columns: info.map((c) => ({
        name: c.name,
        type: sqliteTypeClass(c.type),
        // SQLite lets a PRIMARY KEY column that is not an INTEGER PRIMARY KEY hold NULL unless it says NOT NULL;
        // PostgreSQL never does, and no code stores such a NULL: a key column counts as NOT NULL on both.
        notNull: c.notnull === 1 || c.pk > 0,
        default: defaultText(c.dflt_value),
        autoId: c.pk === 1 && primaryKey.length === 1 && c.type.toUpperCase() === 'INTEGER',
      })),
      primaryKey,
      unique: unique.sort(),
      foreignKeys: foreignKeys.sort(),
      indexes: indexes.sort(),
      checks: checkBodies(sql).map(exprTokens).sort(),
      rows: (db.prepare(`SELECT ${rowColumns(table)} FROM ${table}`).raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort(),
    };
  }
  return schema;
}

function rowColumns(table: string): string {
  return table === 'schema_migrations' ? 'name' : '*';
}

/** A table's rows as SQLite would return them: node-pg gives BIGINT as text, SQLite an integer as a number. */
async function pgRows(c: pg.Client, table: string, types: Column['type'][]): Promise<string[]> {
  const res = await c.query<unknown[]>({ text: `SELECT ${rowColumns(table)} FROM ${table}`, rowMode: 'array' });
  const classes = table === 'schema_migrations' ? ['text'] : types;
  return res.rows
    .map((r) => JSON.stringify(r.map((v, i) => (classes[i] === 'integer' && v !== null ? Number(v) : v))))
    .sort();
}

const PG_FK_ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function pgSchema(c: pg.Client): Promise<Schema> {
  const schema: Schema = {};
  const tables = (
    await c.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).rows.map((r) => r.table_name);
  const columns = (
    await c.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
       WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    )
  ).rows;
  const indexRows = (
    await c.query<{ table: string; name: string; unique: boolean; primary: boolean; predicate: string | null; columns: string[]; constraint_backed: boolean }>(
      `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
              pg_get_expr(x.indpred, x.indrelid) AS predicate,
              (SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns,
              EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.oid AND co.conrelid = t.oid AND co.contype IN ('p', 'u')) AS constraint_backed
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema()`,
    )
  ).rows;
  const constraintRows = (
    await c.query<{ table: string; contype: string; target: string | null; confdeltype: string; confupdtype: string; def: string; columns: string[]; target_columns: string[] | null }>(
      `SELECT t.relname AS table, co.contype, r.relname AS target, co.confdeltype, co.confupdtype, pg_get_constraintdef(co.oid) AS def,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum) AS columns,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum) AS target_columns
         FROM pg_constraint co
         JOIN pg_class t ON t.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         LEFT JOIN pg_class r ON r.oid = co.confrelid
        WHERE n.nspname = current_schema() AND co.contype IN ('f', 'c')`,
    )
  ).rows;
  for (const table of tables) {
    const ixs = indexRows.filter((r) => r.table === table);
    const cons = constraintRows.filter((r) => r.table === table);
    schema[table] = {
      columns: columns
        .filter((r) => r.table_name === table)
        .map((r) => ({ name: r.column_name, type: pgTypeClass(r.data_type), notNull: r.is_nullable === 'NO', default: defaultText(r.column_default), autoId: r.is_identity === 'YES' })),
      primaryKey: ixs.find((r) => r.primary)?.columns ?? [],
      unique: ixs
        .filter((r) => r.unique && !r.primary)
        .map((r) => `(${[...r.columns].sort().join(', ')})${r.predicate ? ' partial' : ''}`)
        .sort(),
      foreignKeys: cons
        .filter((r) => r.contype === 'f')
        .map((r) => `(${r.columns.join(', ')}) -> ${r.target}(${(r.target_columns ?? []).join(', ')}) ON DELETE ${PG_FK_ACTIONS[r.confdeltype]} ON UPDATE ${PG_FK_ACTIONS[r.confupdtype]}`)
        .sort(),
      indexes: ixs
        .filter((r) => !r.constraint_backed)
        .map((r) => `${r.name} (${r.columns.join(', ')})${r.unique ? ' UNIQUE' : ''}${r.predicate ? ` WHERE ${exprTokens(r.predicate)}` : ''}`)
        .sort(),
      checks: cons
        .filter((r) => r.contype === 'c')
        .map((r) => exprTokens(r.def.replace(/^CHECK\s*/i, '')))
        .sort(),
      rows: await pgRows(c, table, columns.filter((r) => r.table_name === table).map((r) => pgTypeClass(r.data_type))),
    };
  }
  return schema;
}

describe.skipIf(SKIP)('when every migration is applied to SQLite and its PostgreSQL twin to PostgreSQL', () => {
  let dir: string;
  let db: Db;
  let fresh: FreshSchema;
  let sqlite: Schema;
  let postgres: Schema;

  beforeAll(async () => {
    assertAvailable(PG);
    dir = mkdtempSync(join(tmpdir(), 'crm-enrich-pg-migrations-'));
    db = openDb(join(dir, 'schema.db'));
    sqlite = sqliteSchema(db);
    fresh = await freshSchema('migrations');
    await migratePg(fresh.url);
    postgres = await withClient(fresh.url, pgSchema);
  });

  afterAll(async () => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await fresh?.drop();
  });

  it('then every SQLite migration has a PostgreSQL twin of the same name, and every twin a SQLite migration', () => {
    const sqliteFiles = migrationFiles(SQLITE_MIGRATIONS_DIR);
    expect(sqliteFiles.length).toBeGreaterThan(0);
    expect(migrationFiles(PG_MIGRATIONS_DIR)).toEqual(sqliteFiles);
  });

  it('then both have the same tables', () => {
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
  });

  it('then each table has the same columns in the same order, with the same type class, NOT NULL, default and numbering', () => {
    expect(aspect(postgres, 'columns')).toEqual(aspect(sqlite, 'columns'));
  });

  it('then each table has the same primary key, unique constraints and foreign keys (with their ON DELETE and ON UPDATE)', () => {
    expect(aspect(postgres, 'primaryKey', 'unique', 'foreignKeys')).toEqual(aspect(sqlite, 'primaryKey', 'unique', 'foreignKeys'));
  });

  it('then each table has the same named indexes, on the same columns, unique and partial alike', () => {
    expect(aspect(postgres, 'indexes')).toEqual(aspect(sqlite, 'indexes'));
  });

  it('then each table has the same CHECK constraints', () => {
    expect(aspect(postgres, 'checks')).toEqual(aspect(sqlite, 'checks'));
  });

  it('then the migrations seed the same rows into each table', () => {
    // schema_migrations holds one row per applied file on both.
    expect(aspect(postgres, 'rows')).toEqual(aspect(sqlite, 'rows'));
  });

  it('then SELECT * FROM each table runs on both engines and names the same columns in the same order', async () => {
    await withClient(fresh.url, async (c) => {
      for (const table of Object.keys(sqlite)) {
        const sqliteColumns = db.prepare(`SELECT * FROM ${table} LIMIT 0`).columns().map((col) => col.name);
        const pgResult = await c.query(`SELECT * FROM ${table} LIMIT 0`);
        expect({ table, columns: pgResult.fields.map((f) => f.name) }).toEqual({ table, columns: sqliteColumns });
        expect(pgResult.rows).toEqual([]);
      }
    });
  });
});

describe.skipIf(SKIP)('when ISO-8601 text times are converted to epoch ms (migration 006) on both engines', () => {
  const CONVERSION = '006_epoch_ms_times.sql';
  let dir: string;
  let fresh: FreshSchema;

  beforeAll(async () => {
    assertAvailable(PG);
    dir = mkdtempSync(join(tmpdir(), 'crm-enrich-pg-006-'));
    fresh = await freshSchema('conversion');
  });

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await fresh?.drop();
  });

  const seed = [
    `INSERT INTO accounts (id, name, monthly_credit_limit, created_at) VALUES
       ('acc_1', 'acme', 0, '2026-03-04T05:06:07.089Z'),
       ('acc_2', 'globex', 10, '2025-12-31 23:59:59'),
       ('acc_3', 'initech', 0, '2026-03-04T07:06:07.5+02:00')`,
    `INSERT INTO api_keys (id, account_id, prefix, key_hash, label, created_at, last_used_at, revoked_at) VALUES
       ('key_1', 'acc_1', 'p1', 'h1', 'cli', '2026-03-04T05:06:08.000Z', '2026-03-05T00:00:00.001Z', NULL),
       ('key_2', 'acc_2', 'p2', 'h2', NULL, '2026-01-01T00:00:00Z', NULL, '2026-02-01T12:00:00.999Z')`,
    `INSERT INTO connections (id, crm, account_id, external_id, status, tokens_enc, settings_json, created_at, updated_at) VALUES
       ('con_1', 'hubspot', 'acc_1', 'portal-1', 'connected', 'x', '{}', '2026-03-04T05:06:09.123Z', '2026-03-06T00:00:00.000Z')`,
  ];
  const read = [
    'SELECT id, created_at FROM accounts ORDER BY id',
    'SELECT id, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id',
    'SELECT id, created_at, updated_at FROM connections ORDER BY id',
  ];

  it('then both hold the same instants to the millisecond, and the same NULLs, whatever the session time zone', async () => {
    const before = migrationFiles(SQLITE_MIGRATIONS_DIR).filter((f) => f < CONVERSION);
    const lite = new Database(join(dir, 'old.db'));
    let liteRows: unknown[][];
    try {
      for (const f of before) lite.exec(readFileSync(join(SQLITE_MIGRATIONS_DIR, f), 'utf8'));
      for (const s of seed) lite.exec(s);
      lite.exec(readFileSync(join(SQLITE_MIGRATIONS_DIR, CONVERSION), 'utf8'));
      liteRows = read.map((q) => lite.prepare(q).all());
    } finally {
      lite.close();
    }
    const pgRows = await withClient(fresh.url, async (c) => {
      // A zone far from UTC: a text time without a zone must still be read as UTC, as SQLite's unixepoch() does.
      await c.query(`SET TimeZone = 'Pacific/Kiritimati'`);
      for (const f of before) await c.query(readFileSync(join(PG_MIGRATIONS_DIR, f), 'utf8'));
      for (const s of seed) await c.query(s);
      await c.query('BEGIN');
      await c.query(readFileSync(join(PG_MIGRATIONS_DIR, CONVERSION), 'utf8'));
      await c.query('COMMIT');
      const out: unknown[][] = [];
      // node-pg returns BIGINT as text unless told otherwise: the times as numbers, to compare with SQLite's.
      for (const q of read) out.push((await c.query(q)).rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'id' || v === null ? v : Number(v)]))));
      return out;
    });
    expect(liteRows[0]).toEqual([
      { id: 'acc_1', created_at: Date.parse('2026-03-04T05:06:07.089Z') },
      { id: 'acc_2', created_at: Date.parse('2025-12-31T23:59:59Z') },
      { id: 'acc_3', created_at: Date.parse('2026-03-04T05:06:07.500Z') },
    ]);
    expect(pgRows).toEqual(liteRows);
  });
});
