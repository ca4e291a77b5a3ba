// Opens the database: the SQLite file (the embedded default) with the pragmas the queue relies on, or PostgreSQL
// when DATABASE_URL names one; either way pending migrations are applied.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dialectOf, type Db } from './db.js';
import { PgDb } from './pg/pg-db.js';
import { redactUrl } from './url.js';

export { dialectOf, type Db, type Dialect } from './db.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** PostgreSQL twins of the SQLite migrations, file for file under the same names. */
const PG_MIGRATIONS_DIR = join(MIGRATIONS_DIR, 'postgres');
const MIGRATION_FILE = /^\d{3}_[a-z0-9_]+\.sql$/;

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export interface OpenOptions {
  /** Milliseconds a writer waits for a lock held by another connection or process. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Apply pending migrations (default true; `crm-enrich migrate` opens without, then migrates and reports). */
  migrate?: boolean;
  /**
   * FULL (default) syncs the WAL at every commit: a job acknowledged as queued survives a power cut. NORMAL
   * survives a process crash but not a power cut; the API's hot path (ledger rows, cache entries) uses it so a
   * request does not wait for the disk.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/** PostgreSQL at `url` (its search_path may name a schema); pending migrations applied unless `migrate` is false. */
export function openPg(url: string, opts: { migrate?: boolean; applicationName?: string } = {}): Db {
  let db: PgDb;
  try {
    db = new PgDb(url, { applicationName: opts.applicationName ?? 'crm-enrich' });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw Object.assign(new Error(`cannot open PostgreSQL at ${redactUrl(url)}: ${e.message}`, { cause: err }), { code: e.code });
  }
  if (opts.migrate !== false) migrate(db);
  return db;
}

/**
 * The configured store: PostgreSQL when `url` is set, else the SQLite file at `path` (':memory:' kept as is). The
 * server, the CLI and its commands all open it here. `synchronous` applies to SQLite only.
 */
export function openStore(store: { url?: string | undefined; path: string }, opts: { migrate?: boolean; synchronous?: 'FULL' | 'NORMAL' } = {}): Db {
  if (store.url) return openPg(store.url, { migrate: opts.migrate });
  return openDb(store.path === ':memory:' ? ':memory:' : resolve(store.path), opts);
}

/** The SQLite file, as better-sqlite3's own Database (a Db, plus SQLite-only API such as backup and raw rows). */
export type SqliteDb = Database.Database;

export function openDb(path: string, opts: OpenOptions = {}): SqliteDb {
  const fresh = path !== ':memory:' && !existsSync(path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false });
  // Hashes and encrypted tokens live here: readable by the service's user only (SQLite gives -wal/-shm the same mode).
  if (fresh) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 10_000))}`);
  if (!opts.readonly && opts.migrate !== false) migrate(db);
  return db;
}

/** The migrations not yet applied, in order (both engines list the same names). */
export function pendingMigrations(db: Db): string[] {
  const applied = appliedMigrations(db);
  return migrationFiles(db).filter((f) => !applied.has(f));
}

function migrationFiles(db: Db): string[] {
  return readdirSync(dialectOf(db) === 'postgres' ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR).filter((f) => MIGRATION_FILE.test(f)).sort();
}

function appliedMigrations(db: Db): Set<string> {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  return new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
}

/**
 * Applies pending migrations, each in its own transaction. Several nodes starting at once on PostgreSQL take turns
 * under a session advisory lock, and each re-reads what is applied once it holds the lock, so every file runs once.
 */
export function migrate(db: Db): string[] {
  const pg = dialectOf(db) === 'postgres';
  if (pg) db.exec(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    const applied = appliedMigrations(db);
    const dir = pg ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR;
    const done: string[] = [];
    for (const file of migrationFiles(db)) {
      if (applied.has(file)) continue;
      const sql = readFileSync(join(dir, file), 'utf8');
      db.transaction(() => {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
      }).immediate();
      done.push(file);
    }
    return done;
  } finally {
    if (pg) db.exec(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

/** The session lock migrations run under on PostgreSQL (any fixed number no other code uses). */
const MIGRATION_LOCK = '7266921534290183';
