// Every statement the repositories and the queue prepare, checked by PostgreSQL itself: each is PREPAREd (parsed,
// names resolved, every ? typed) in a fresh schema built from the PostgreSQL twins of the migrations, and each
// SELECT is run once to see its column types — a SUM left as NUMERIC would reach the code as a string.
// Without PostgreSQL (TEST_DATABASE_URL) it is skipped with one line, or fails in CI (test/helpers/required.ts).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.js';
import { fixedClock } from '../../src/lib/clock.js';
import type { Cipher } from '../../src/lib/crypto.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createOAuthStatesRepo } from '../../src/db/oauth-states.repo.js';
import { createAlertsRepo } from '../../src/db/alerts.repo.js';
import { createDatasetRepo } from '../../src/db/dataset.repo.js';
import { createAdminRepo } from '../../src/db/admin.repo.js';
import { createApiKeysRepo } from '../../src/db/api-keys.repo.js';
import { createContactsRepo } from '../../src/db/contacts.repo.js';
import { createLedgerRepo } from '../../src/db/ledger.repo.js';
import { createRunHistoryRepo } from '../../src/db/run-history.repo.js';
import { createConnectionsRepo } from '../../src/db/connections.repo.js';
import { createContactHistoryRepo } from '../../src/db/contact-history.repo.js';
import { createSettingsRepo } from '../../src/db/settings.repo.js';
import { createSyncRunsRepo } from '../../src/db/sync-runs.repo.js';
import { createProfileCacheRepo } from '../../src/db/cache.repo.js';
import { createProviderWindowsRepo } from '../../src/db/provider-windows.repo.js';
import { createJobChangesRepo } from '../../src/db/job-changes.repo.js';
import { createQueue } from '../../src/jobs/queue.js';

import { translate } from '../../src/db/pg/translate.js';
import { findPostgres, freshSchema, migratePg, type FreshSchema } from '../helpers/pg.js';
import { assertAvailable, skipWithout } from '../helpers/required.js';

const postgres = findPostgres();

/** A Db that records the SQL it is asked to prepare or exec and runs nothing. */
function recordingDb(): { db: Db; sqls: string[] } {
  const sqls: string[] = [];
  const stmt = { get: () => undefined, all: () => [], run: () => ({ changes: 0 }), pluck: () => stmt, iterate: () => [][Symbol.iterator]() };
  const db = {
    prepare(sql: string) {
      sqls.push(sql);
      return stmt;
    },
    exec(sql: string) {
      sqls.push(sql);
    },
    transaction(fn: (...a: unknown[]) => unknown) {
      const f = Object.assign((...a: unknown[]) => fn(...a), {});
      return Object.assign(f, { immediate: f, deferred: f, exclusive: f });
    },
  };
  return { db: db as unknown as Db, sqls };
}

/** Every statement of src/db and the queue, the dynamic ones included (dataset IN lists, the cache's clear). */
function allStatements(): string[] {
  const { db, sqls } = recordingDb();
  const clock = fixedClock(0);
  const cipher = { encrypt: (s: string) => s, decrypt: (s: string) => s } as unknown as Cipher;
  createAccountsRepo(db, clock);
  createOAuthStatesRepo(db, cipher);
  createAlertsRepo(db, cipher, clock);
  createDatasetRepo(db).findMany(['a@x.example', 'b@x.example'], ['https://www.linkedin.com/in/a']);
  createAdminRepo(db);
  createApiKeysRepo(db, clock);
  createContactsRepo(db);
  createLedgerRepo(db);
  createRunHistoryRepo(db);
  createConnectionsRepo(db, cipher, clock);
  createContactHistoryRepo(db);
  createSettingsRepo(db);
  createSyncRunsRepo(db);
  createProfileCacheRepo(db).clear();
  createProviderWindowsRepo(db);
  createJobChangesRepo(db);
  createQueue(db, { clock });
  return sqls;
}

/** The text the PostgreSQL engine sends ($1, $2... for ? and @name). */
function numbered(sql: string): string {
  return translate(sql).text;
}

// NUMERIC, REAL, DOUBLE PRECISION: node-pg returns NUMERIC as a string, and the code expects integers.
const NOT_INTEGER_TYPES = new Set([1700, 700, 701]);

describe.skipIf(skipWithout(postgres))('every statement on PostgreSQL', () => {
  let client: pg.Client;
  let fresh: FreshSchema;

  beforeAll(async () => {
    assertAvailable(postgres);
    fresh = await freshSchema('statements');
    await migratePg(fresh.url);
    client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await fresh?.drop();
  });

  it('when each statement is prepared and each SELECT run, then PostgreSQL accepts it and answers integers, not NUMERIC', async () => {
    const c = client;
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(100);
    const problems: string[] = [];
    let i = 0;
    for (const sql of statements) {
      const text = numbered(sql);
      const name = `s${++i}`;
      try {
        if (/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(text)) {
          await c.query(`PREPARE ${name} AS ${text}`);
          await c.query(`DEALLOCATE ${name}`);
        }
        if (/^\s*SELECT\b/i.test(text)) {
          const params = new Set(text.match(/\$\d+/g) ?? []).size;
          const r = await c.query({ text, values: Array.from({ length: params }, () => null) });
          const wrong = r.fields.filter((f) => NOT_INTEGER_TYPES.has(f.dataTypeID)).map((f) => f.name);
          if (wrong.length) problems.push(`${wrong.join(', ')} not integer in: ${sql.replace(/\s+/g, ' ').trim()}`);
        } else if (!/^\s*(INSERT|UPDATE|DELETE|WITH)\b/i.test(text)) {
          // exec() text (no parameters): run it and throw the effect away.
          await c.query('BEGIN');
          try {
            await c.query(text);
          } finally {
            await c.query('ROLLBACK');
          }
        }
      } catch (e) {
        problems.push(`${(e as Error).message} in: ${sql.replace(/\s+/g, ' ').trim()}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
