// PostgreSQL for the tests: where it is (TEST_DATABASE_URL), whether it answers (a synchronous probe, usable at
// collection time by describe.skipIf), a fresh schema per test file, and the PostgreSQL twins of the migrations
// applied the way the SQLite runner applies its files (name order, one transaction each).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, openPg } from '../../src/db/open.js';
import type { Requirement } from './required.js';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const PROBE_TIMEOUT_MS = 2_000;

/** The folder of the SQLite migrations; their PostgreSQL twins are in its `postgres/` subfolder, file for file. */
export const SQLITE_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/db/migrations');
export const PG_MIGRATIONS_DIR = join(SQLITE_MIGRATIONS_DIR, 'postgres');

/** The migration file names of a folder, in the order a runner applies them (the pattern open.ts applies). */
export function migrationFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
}

/** TEST_DATABASE_URL, or the local server the tests expect: trust auth, user postgres, database postgres. */
export function pgTestUrl(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.TEST_DATABASE_URL?.trim();
  return v ? v : DEFAULT_URL;
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable TEST_DATABASE_URL)';
  }
}

let probed: { url: string; requirement: Requirement } | undefined;

/**
 * PostgreSQL as a test requirement. Synchronous, so describe.skipIf can call it while the file is collected: a
 * child node connects with `pg` (2 s connection timeout) and runs `SELECT 1` — which also proves the user and
 * database work, where pg_isready would only see a listening server. The answer is kept for the process.
 */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): Requirement {
  const url = pgTestUrl(env);
  if (probed?.url === url) return probed.requirement;
  const hint = 'start PostgreSQL 15+ on 127.0.0.1:5432 with trust auth for user postgres, or set TEST_DATABASE_URL';
  const pgPath = createRequire(import.meta.url).resolve('pg');
  const script = `
    const pg = require(${JSON.stringify(pgPath)});
    const c = new pg.Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: ${PROBE_TIMEOUT_MS} });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(
      () => process.exit(0),
      (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  let requirement: Requirement;
  try {
    execFileSync(process.execPath, ['-e', script], {
      env: { ...env, PROBE_URL: url },
      timeout: PROBE_TIMEOUT_MS * 3,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    requirement = { what: 'PostgreSQL', found: shown(url), hint, requiredBy: 'REQUIRE_POSTGRES' };
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    requirement = { what: 'PostgreSQL', found: null, hint: `${shown(url)}: ${why}; ${hint}`, requiredBy: 'REQUIRE_POSTGRES' };
  }
  probed = { url, requirement };
  return requirement;
}

/** `url` with `search_path` set to `schema` on every connection made from it (node-pg passes `options` on). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.delete('options');
  const base = u.toString();
  return `${base}${base.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
}

export interface FreshSchema {
  /** A connection string whose connections use the schema (search_path). */
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Creates `t_<label>_<random>` (label folded to [a-z0-9_]) on the test server. Call drop() in afterAll. */
export async function freshSchema(label: string, baseUrl: string = pgTestUrl()): Promise<FreshSchema> {
  const safe = label.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'x';
  const schema = `t_${safe}_${randomBytes(5).toString('hex')}`;
  await withClient(baseUrl, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    url: urlWithSchema(baseUrl, schema),
    schema,
    drop: async () => {
      await withClient(baseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

/** Runs `fn` on a new connection to `url`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS * 2 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Applies the pending PostgreSQL twins to the schema `url` selects, through the service's own runner. */
export async function migratePg(url: string): Promise<string[]> {
  const db = openPg(url, { migrate: false });
  try {
    return migrate(db);
  } finally {
    db.close();
  }
}
