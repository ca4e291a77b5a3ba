// Times in the database are epoch milliseconds everywhere. A database created by an older version, whose
// accounts, API keys and connections held ISO-8601 text, is converted in place when it is opened: the same
// instants, NULLs kept, and the repositories read and write it through the clock. On SQLite and on PostgreSQL
// (whose twin of the conversion migration does the same).
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { dialectOf, openDb, openPg, type Db } from '../../src/db/open.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createApiKeysRepo } from '../../src/db/api-keys.repo.js';
import { createConnectionsRepo } from '../../src/db/connections.repo.js';
import { createCipher, generateEncryptionKey, parseEncryptionKey } from '../../src/lib/crypto.js';
import type { Clock } from '../../src/lib/clock.js';
import { describeEachBackend, type Backend } from '../helpers/backends.js';
import { freshSchema, PG_MIGRATIONS_DIR, SQLITE_MIGRATIONS_DIR, withClient, type FreshSchema } from '../helpers/pg.js';

const CONVERSION = '006_epoch_ms_times.sql';

const dirs: string[] = [];
const schemas: FreshSchema[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const s of schemas.splice(0)) await s.drop();
});

/** The rows an older version left: times as ISO-8601 text in accounts, API keys and connections. */
const OLD_ROWS = [
  `INSERT INTO accounts (id, name, monthly_credit_limit, created_at) VALUES ('acc_1', 'acme', 0, '2026-03-04T05:06:07.089Z')`,
  `INSERT INTO accounts (id, name, monthly_credit_limit, created_at) VALUES ('acc_2', 'globex', 10, '2025-12-31T23:59:59.999Z')`,
  `INSERT INTO api_keys (id, account_id, prefix, key_hash, label, created_at, last_used_at, revoked_at)
   VALUES ('key_1', 'acc_1', 'gtm_live_abcdef', 'hash1', 'cli', '2026-03-04T05:06:08.000Z', '2026-03-05T00:00:00.001Z', NULL),
          ('key_2', 'acc_1', 'gtm_live_ghijkl', 'hash2', NULL, '2026-03-04T05:06:09.500Z', NULL, '2026-03-06T12:00:00.000Z')`,
  `INSERT INTO connections (id, crm, account_id, external_id, label, user_id, status, tokens_enc, token_expires_at, settings_json, created_at, updated_at)
   VALUES ('con_1', 'hubspot', 'acc_1', '123', NULL, NULL, 'connected', 'x', 1767225600000, '{}', '2026-03-04T05:06:10.123Z', '2026-03-07T08:09:10.456Z')`,
  // A row of another table that references the converted ones must survive the conversion.
  `INSERT INTO sync_runs (id, connection_id, mode, trigger, state, counts_json, created_at) VALUES ('run_1', 'con_1', 'backfill', 'test', 'queued', '{}', 1)`,
];

const before = (dir: string) => readdirSync(dir).filter((n) => /^\d{3}_.+\.sql$/.test(n) && n < CONVERSION).sort();

/** A database at the schema before the conversion, as an older version left it, opened (and so converted) now. */
async function oldDatabase(backend: Backend): Promise<Db> {
  if (backend === 'postgres') {
    const fresh = await freshSchema('times');
    schemas.push(fresh);
    await withClient(fresh.url, async (c) => {
      await c.query('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (const f of before(PG_MIGRATIONS_DIR)) {
        await c.query(readFileSync(join(PG_MIGRATIONS_DIR, f), 'utf8'));
        await c.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [f, '2026-01-01T00:00:00.000Z']);
      }
      for (const sql of OLD_ROWS) await c.query(sql);
    });
    return openPg(fresh.url);
  }
  const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-times-'));
  dirs.push(dir);
  const path = join(dir, 'old.db');
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (const f of before(SQLITE_MIGRATIONS_DIR)) {
    db.exec(readFileSync(join(SQLITE_MIGRATIONS_DIR, f), 'utf8'));
    db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(f, '2026-01-01T00:00:00.000Z');
  }
  for (const sql of OLD_ROWS) db.prepare(sql).run();
  db.close();
  return openDb(path);
}

/** A column's type and nullability as the engine reports them. */
function column(db: Db, table: string, name: string): { type: string; notnull: number } | undefined {
  if (dialectOf(db) === 'postgres') {
    const row = db
      .prepare(`SELECT data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`)
      .get(table, name) as { data_type: string; is_nullable: string } | undefined;
    return row && { type: row.data_type === 'bigint' ? 'INTEGER' : row.data_type, notnull: row.is_nullable === 'NO' ? 1 : 0 };
  }
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number }[]).find((c) => c.name === name);
}

const ms = (iso: string) => Date.parse(iso);

describeEachBackend('when a database of the ISO-text schema is opened', (backend) => {
  it('then accounts, API keys and connections hold the same instants as epoch milliseconds in INTEGER columns', async () => {
    const db = await oldDatabase(backend);
    try {
      expect(db.prepare('SELECT id, created_at FROM accounts ORDER BY id').all()).toEqual([
        { id: 'acc_1', created_at: ms('2026-03-04T05:06:07.089Z') },
        { id: 'acc_2', created_at: ms('2025-12-31T23:59:59.999Z') },
      ]);
      expect(db.prepare('SELECT id, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id').all()).toEqual([
        { id: 'key_1', created_at: ms('2026-03-04T05:06:08.000Z'), last_used_at: ms('2026-03-05T00:00:00.001Z'), revoked_at: null },
        { id: 'key_2', created_at: ms('2026-03-04T05:06:09.500Z'), last_used_at: null, revoked_at: ms('2026-03-06T12:00:00.000Z') },
      ]);
      expect(db.prepare('SELECT created_at, updated_at, token_expires_at, account_id FROM connections').get()).toEqual({
        created_at: ms('2026-03-04T05:06:10.123Z'),
        updated_at: ms('2026-03-07T08:09:10.456Z'),
        token_expires_at: 1767225600000,
        account_id: 'acc_1',
      });
      for (const [table, name] of [['accounts', 'created_at'], ['api_keys', 'created_at'], ['api_keys', 'last_used_at'], ['api_keys', 'revoked_at'], ['connections', 'created_at'], ['connections', 'updated_at']] as const) {
        const info = column(db, table, name);
        expect(info?.type, `${table}.${name}`).toBe('INTEGER');
        expect(info?.notnull, `${table}.${name}`).toBe(name === 'last_used_at' || name === 'revoked_at' ? 0 : 1);
      }
      expect(db.prepare('SELECT connection_id FROM sync_runs').pluck().get()).toBe('con_1');
      // PostgreSQL checks foreign keys as it converts; SQLite is asked afterwards.
      if (dialectOf(db) === 'sqlite') expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('then the repositories keep working on the converted rows and write new times from the clock', async () => {
    const db = await oldDatabase(backend);
    const clock: Clock = { now: () => ms('2026-04-01T00:00:00.000Z') };
    try {
      const accounts = createAccountsRepo(db, clock);
      expect(accounts.byName('acme')?.created_at).toBe(ms('2026-03-04T05:06:07.089Z'));
      expect(accounts.ensure('initech').created_at).toBe(clock.now());
      const keys = createApiKeysRepo(db, clock);
      const { id, key } = keys.create(accounts.byName('acme')!.id);
      expect(keys.authenticate(key)?.keyId).toBe(id);
      expect(keys.revoke(id)).toBe(true);
      expect(keys.list().map((k) => [k.id, k.created_at, k.revoked_at])).toEqual([
        [id, clock.now(), clock.now()],
        ['key_2', ms('2026-03-04T05:06:09.500Z'), ms('2026-03-06T12:00:00.000Z')],
        ['key_1', ms('2026-03-04T05:06:08.000Z'), null],
      ]);
      const connections = createConnectionsRepo(db, createCipher(parseEncryptionKey(generateEncryptionKey())), clock);
      connections.setStatus('con_1', 'paused', 'test');
      expect(connections.get('con_1')).toMatchObject({ status: 'paused', created_at: ms('2026-03-04T05:06:10.123Z'), updated_at: clock.now() });
    } finally {
      db.close();
    }
  });
});
