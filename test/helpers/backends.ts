// The storage suites on both engines: SQLite always, PostgreSQL (TEST_DATABASE_URL, a fresh schema per test file)
// unless it is missing and not required — then its half of the file is skipped with one visible line (under CI or
// REQUIRE_POSTGRES=1 it fails instead, see required.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openDb, openPg, type Db } from '../../src/db/open.js';
import { PgDb } from '../../src/db/pg/pg-db.js';
import { tempDbPair } from './temp-db.js';
import { findPostgres, freshSchema, pgTestUrl, urlWithSchema, type FreshSchema } from './pg.js';
import { assertAvailable, skipWithout } from './required.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

/** A fixed key for services on PostgreSQL (DATABASE_URL requires one; every node of an install shares it). */
export const TEST_ENCRYPTION_KEY = 'Y3JtLWVucmljaC10ZXN0LWtleS0zMi1ieXRlcy1sb24=';

let skipPg: boolean | undefined;

/** Whether this file skips its PostgreSQL half; asked once per file (process), so the warning is one line. */
export function skipPostgres(): boolean {
  skipPg ??= skipWithout(findPostgres());
  return skipPg;
}

/**
 * Declares the suite `fn` once per engine, named `name [sqlite]` and `name [postgres]`. The PostgreSQL half is
 * skipped (one line for the file) without PostgreSQL; when PostgreSQL is required but missing, the half is one
 * failing test that says why (its own hooks would only add errors about a service that never started).
 */
export function describeEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    const skip = backend === 'postgres' && skipPostgres();
    describe.skipIf(skip)(`${name} [${backend}]`, () => {
      // Skipped or missing: the suite's body is not declared (it may open the database while it is collected).
      if (backend === 'postgres' && skip) {
        it('runs on PostgreSQL', () => undefined);
        return;
      }
      if (backend === 'postgres' && !findPostgres().found) {
        it('when PostgreSQL is required, then it must answer at TEST_DATABASE_URL', () => assertAvailable(findPostgres()));
        return;
      }
      fn(backend);
    });
  }
}

/** The tables a reset empties: every table of the schema but the migration record. */
function userTables(db: Db): string[] {
  return db
    .prepare(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`)
    .pluck()
    .all() as string[];
}

export interface TestDb {
  /** The open handle (after beforeAll, or after the first reset()). */
  readonly db: Db;
  /** Where the service would find it: the SQLite file, or the PostgreSQL URL of the schema. */
  readonly location: string;
  /**
   * An empty, migrated database for the next test: on SQLite a new file (the old one closed and removed), on
   * PostgreSQL the same schema with every table truncated and identities restarted (migrating a schema per test
   * would cost half a second each).
   */
  reset(): Db;
}

/**
 * A migrated database of `backend` for repository-level tests of one suite: opened in beforeAll (a SQLite temp
 * file, or a fresh PostgreSQL schema through openPg), closed and removed or dropped in afterAll.
 */
export function useTestDb(backend: Backend, label: string): TestDb {
  let db: Db | undefined;
  let location = '';
  let dir: string | undefined;
  let schema: FreshSchema | undefined;

  const openSqlite = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), `crm-enrich-${label}-`));
    location = join(dir, `${label}.db`);
    return openDb(location);
  };

  beforeAll(async () => {
    if (backend === 'sqlite') {
      db = openSqlite();
      return;
    }
    schema = await freshSchema(label);
    location = schema.url;
    db = openPg(schema.url, { applicationName: `crm-enrich-test-${label}` });
  });
  afterAll(async () => {
    db?.close();
    db = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    await schema?.drop();
  });

  return {
    get db() {
      if (!db) throw new Error('useTestDb: the database is opened in beforeAll');
      return db;
    },
    get location() {
      return location;
    },
    reset() {
      if (backend === 'sqlite') {
        db?.close();
        db = openSqlite();
        return db;
      }
      if (!db) throw new Error('useTestDb: the database is opened in beforeAll');
      const tables = userTables(db);
      if (tables.length) db.exec(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
      return db;
    },
  };
}

/**
 * Two nodes on one store, opened while the suite is collected (both engines' handles are synchronous): two handles
 * on one SQLite file, or two PostgreSQL connections on one fresh schema. Closed, and the schema dropped, afterwards.
 */
export function twoNodes(backend: Backend, label: string): { db: Db; other: Db } {
  if (backend === 'sqlite') return tempDbPair(label);
  const base = pgTestUrl();
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const admin = new PgDb(base);
  admin.exec(`CREATE SCHEMA ${schema}`);
  const url = urlWithSchema(base, schema);
  const db = openPg(url, { applicationName: `crm-enrich-test-${label}-a` });
  const other = openPg(url, { applicationName: `crm-enrich-test-${label}-b` });
  afterAll(() => {
    db.close();
    other.close();
    admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    admin.close();
  });
  return { db, other };
}
