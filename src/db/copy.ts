// Moves an installation from its SQLite file into an empty PostgreSQL database: every table, rows as stored
// (tokens stay encrypted under the same key), parents before children, in one PostgreSQL transaction read from one
// SQLite snapshot, so a failed copy leaves the target as empty as it found it. Counts are compared at the end.
import { dialectOf, type Db } from './db.js';

export interface CopyReport {
  tables: Record<string, number>;
  rows: number;
}

export class CopyRefused extends Error {}

/** Tables the copy never carries: the target has its own record of applied migrations. */
const SKIP = new Set(['schema_migrations']);
/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for our widest tables. */
const MAX_PARAMS = 30_000;

export function copyDatabase(source: Db, target: Db, opts: { onTable?: (table: string, rows: number) => void } = {}): CopyReport {
  if (dialectOf(source) !== 'sqlite' || dialectOf(target) !== 'postgres') throw new CopyRefused('the copy goes from SQLite to PostgreSQL');
  const sourceVersion = source.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all() as string[];
  const targetVersion = target.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all() as string[];
  if (sourceVersion.join() !== targetVersion.join()) {
    throw new CopyRefused(`the two databases are at different migrations (SQLite ${sourceVersion.at(-1) ?? 'none'}, PostgreSQL ${targetVersion.at(-1) ?? 'none'}): run the same version of crm-enrich on both`);
  }
  const tables = tablesInOrder(source);
  const targetTables = new Set(
    target.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").pluck().all() as string[],
  );
  const missing = tables.filter((t) => !targetTables.has(t));
  if (missing.length) throw new CopyRefused(`PostgreSQL lacks ${missing.join(', ')}: its schema is not this version's`);
  const busy = tables.filter((t) => target.prepare(`SELECT 1 FROM ${ident(t)} LIMIT 1`).get() !== undefined);
  if (busy.length) throw new CopyRefused(`the target is not empty (rows in ${busy.join(', ')}); copy into a new database`);

  const report: CopyReport = { tables: {}, rows: 0 };
  // One read transaction on SQLite: every table comes from the same snapshot even if a process still writes.
  source.transaction(() => {
    target.transaction(() => {
      for (const table of tables) {
        const n = copyTable(source, target, table);
        report.tables[table] = n;
        report.rows += n;
        opts.onTable?.(table, n);
      }
      resetIdentities(target, tables);
      for (const table of tables) {
        const there = target.prepare(`SELECT count(*) FROM ${ident(table)}`).pluck().get() as number;
        if (there !== report.tables[table]) throw new Error(`count mismatch in ${table}: ${report.tables[table]} read, ${there} in PostgreSQL`);
      }
    })();
  }).deferred();
  return report;
}

function copyTable(source: Db, target: Db, table: string): number {
  const columns = (source.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]);
  const perInsert = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const colList = columns.map(ident).join(', ');
  const insertFor = (rows: number) =>
    `INSERT INTO ${ident(table)} (${colList}) VALUES ${Array.from({ length: rows }, () => `(${columns.map(() => '?').join(', ')})`).join(', ')}`;
  const full = target.prepare(insertFor(perInsert));
  let batch: unknown[] = [];
  let inBatch = 0;
  let copied = 0;
  for (const row of source.prepare(`SELECT ${colList} FROM ${ident(table)}`).iterate() as IterableIterator<Record<string, unknown>>) {
    for (const c of columns) batch.push(row[c] ?? null);
    inBatch++;
    if (inBatch === perInsert) {
      full.run(batch);
      copied += inBatch;
      batch = [];
      inBatch = 0;
    }
  }
  if (inBatch > 0) {
    target.prepare(insertFor(inBatch)).run(batch);
    copied += inBatch;
  }
  return copied;
}

/** Identity columns continue after the copied ids (a copied job 41 must not meet a new job 1... 41). */
function resetIdentities(target: Db, tables: string[]): void {
  const identities = target
    .prepare<[], { table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .all()
    .filter((c) => tables.includes(c.table_name));
  for (const c of identities) {
    target
      .prepare(`SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(${ident(c.column_name)}) FROM ${ident(c.table_name)}), 0) + 1, false)`)
      .get(c.table_name, c.column_name);
  }
}

/** Every table of the SQLite file, parents before the tables whose foreign keys point at them. */
export function tablesInOrder(db: Db): string[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]).filter(
    (t) => !SKIP.has(t),
  );
  const parents = new Map(names.map((t) => [t, (db.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(t) as string[]).filter((p) => p !== t)]));
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: string[]) => {
    if (seen.has(t)) return;
    if (path.includes(t)) throw new Error(`foreign keys form a cycle: ${[...path, t].join(' → ')}`);
    for (const p of parents.get(t) ?? []) if (names.includes(p)) visit(p, [...path, t]);
    seen.add(t);
    ordered.push(t);
  };
  for (const t of names) visit(t, []);
  return ordered;
}

/** Table and column names come from the schema, not from users; quoted anyway. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
