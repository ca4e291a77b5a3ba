// `crm-enrich db copy --to <postgres-url>`: an installation seeded through the real service on SQLite (an account
// and API key, ledger and cache rows from an enrich call, a HubSpot connection with encrypted tokens from the fake's
// install flow, a backfill run's jobs, ledger and audit rows, a job still queued) is copied by the command as a child
// process into an empty PostgreSQL schema. Every table arrives with its count; a service started on the schema with
// the install's key decrypts the tokens and answers the old API key from the copied cache; a second copy and a bad
// target are refused with one line. Skipped with one line without PostgreSQL (failed under CI or REQUIRE_POSTGRES=1).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { tablesInOrder } from '../../src/db/copy.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { skipPostgres } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { hubspotEnv, installCrm, runSync } from '../helpers/crm.js';
import { findPostgres, freshSchema, withClient, type FreshSchema } from '../helpers/pg.js';
import { assertAvailable } from '../helpers/required.js';
import { post, startService } from '../helpers/service.js';

const EMAIL = 'john.doe@acme.com';

describe.skipIf(skipPostgres())('crm-enrich db copy into PostgreSQL', () => {
  let fake: HubSpotFake;
  let schema: FreshSchema;
  let dir: string;
  let dbPath: string;
  let encryptionKey: string;
  let apiKey: string;
  let connectionId: string;
  let tokens: unknown;
  let queuedJob: number;
  let sqliteCounts: Record<string, number>;
  const copy = (to: string) => runCli(['db', 'copy', '--to', to], { DATABASE_PATH: dbPath, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    assertAvailable(findPostgres());
    fake = await startHubSpotFake();
    schema = await freshSchema('copy');
    dir = mkdtempSync(join(tmpdir(), 'crm-enrich-copy-'));
    const t = await startService({ dir, env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      dbPath = t.dbPath;
      t.importSample();
      apiKey = t.apiKey('before-copy');
      const first = await post(`${t.url}/v1/profile/enrich`, { email: EMAIL }, { 'x-api-key': apiKey });
      expect(first.body).toMatchObject({ found: true, cache_hit: false });
      ({ connectionId } = await installCrm(t, 'hubspot'));
      tokens = t.services.repos.connections.tokens(connectionId);
      fake.addContact({ email: EMAIL, firstname: 'John' });
      fake.addContact({ email: 'priya.raman@quillstack.example' });
      await runSync(t, connectionId, 'backfill');
      queuedJob = t.services.queue.enqueue('contact.enrich', { contactId: 'later' }, { connectionId, dedupeKey: 'copy:queued' }).id;
    } finally {
      await t.close();
    }
    encryptionKey = readFileSync(join(dir, 'encryption.key'), 'utf8').trim();
    const db = openDb(dbPath, { readonly: true });
    try {
      sqliteCounts = Object.fromEntries(tablesInOrder(db).map((table) => [table, db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number]));
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    await fake?.close();
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when the install was used, then the SQLite file holds what the copy must carry', () => {
    for (const table of ['accounts', 'api_keys', 'credit_ledger', 'profile_cache', 'connections', 'jobs', 'job_attempts', 'sync_runs', 'audit_log', 'dataset_profiles']) {
      expect(sqliteCounts[table], table).toBeGreaterThan(0);
    }
  });

  it('when the install is copied into an empty schema, then every table arrives with its count and the report says so', async () => {
    const r = await copy(schema.url);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { tables: Record<string, number>; rows: number };
    expect(report.tables).toEqual(sqliteCounts);
    expect(report.rows).toBe(Object.values(sqliteCounts).reduce((a, b) => a + b, 0));
    expect(r.stderr).toMatch(/^done: \d+ rows in \d+ tables, counts verified\.$/m);
    const there = await withClient(schema.url, async (c) => {
      const counts: Record<string, number> = {};
      for (const table of Object.keys(sqliteCounts)) counts[table] = Number((await c.query(`SELECT COUNT(*) AS n FROM "${table}"`)).rows[0].n);
      return counts;
    });
    expect(there).toEqual(sqliteCounts);
  });

  it('when a service starts on the copy with the install key, then it decrypts the tokens, keeps the queued job and serves the old key a cache hit', async () => {
    const t = await startService({ env: { ...hubspotEnv(fake), DATABASE_URL: schema.url, ENCRYPTION_KEY: encryptionKey, ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      expect(t.services.repos.connections.tokens(connectionId)).toEqual(tokens);
      expect(t.services.queue.get(queuedJob)).toMatchObject({ state: 'queued', connection_id: connectionId });
      const hit = await post(`${t.url}/v1/profile/enrich`, { email: EMAIL }, { 'x-api-key': apiKey });
      expect(hit.status).toBe(200);
      expect(hit.body).toMatchObject({ found: true, cache_hit: true });
      // New rows continue after the copied ids: a new job is numbered after every copied one.
      const next = t.services.queue.enqueue('contact.enrich', { contactId: 'after' }, { connectionId, dedupeKey: 'copy:after' }).id;
      expect(next).toBeGreaterThan(sqliteCounts['jobs']!);
      expect(next).toBeGreaterThan(queuedJob);
    } finally {
      await t.close();
    }
  });

  it('when the copy is run again, then it refuses the non-empty target with one line and exit 1', async () => {
    const r = await copy(schema.url);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^crm-enrich: the target is not empty \(rows in [a-z_, ]+\); copy into a new database\n$/);
  });

  it('when the target cannot be reached, then one line without the password, and exit 1; a target that is not PostgreSQL is a usage error (exit 2)', async () => {
    const unreachable = await copy('postgres://postgres:s3cret-pw@127.0.0.1:1/postgres');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/^crm-enrich: cannot open PostgreSQL at postgres:\/\/postgres:[^@]*@127\.0\.0\.1:1\/postgres: /);
    expect(unreachable.stderr).not.toContain('s3cret-pw');
    const notPg = await copy('mysql://root@127.0.0.1/crm');
    expect(notPg.code).toBe(2);
    expect(notPg.stderr.split('\n')[0]).toBe('crm-enrich: db copy --to <postgres-url> (a postgres:// URL)');
  });
});
