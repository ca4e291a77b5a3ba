// `crm-enrich migrate` on PostgreSQL: several nodes started at once on one empty schema take turns under the
// runner's session advisory lock, so every migration is applied exactly once; the command reports what it did as
// one JSON line. Skipped with one line without PostgreSQL (failed under CI or REQUIRE_POSTGRES=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENCRYPTION_KEY, skipPostgres } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { findPostgres, freshSchema, migrationFiles, PG_MIGRATIONS_DIR, withClient, type FreshSchema } from '../helpers/pg.js';
import { assertAvailable } from '../helpers/required.js';

interface MigrateReport {
  engine: string;
  applied: string[];
  pending: number;
}

describe.skipIf(skipPostgres())('crm-enrich migrate on PostgreSQL', () => {
  let schema: FreshSchema;
  const env = () => ({ DATABASE_URL: schema.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, LOG_LEVEL: 'silent' });
  const migrateOnce = async (): Promise<MigrateReport> => {
    const r = await runCli(['migrate'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean), r.stdout).toHaveLength(1);
    return JSON.parse(r.stdout) as MigrateReport;
  };

  beforeAll(async () => {
    assertAvailable(findPostgres());
    schema = await freshSchema('migrate');
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it('when three nodes migrate one empty schema at the same time, then each migration is applied exactly once, by one of them', async () => {
    const reports = await Promise.all([migrateOnce(), migrateOnce(), migrateOnce()]);
    const all = migrationFiles(PG_MIGRATIONS_DIR);
    for (const r of reports) expect(r).toMatchObject({ engine: 'postgres', pending: 0 });
    const applied = reports.flatMap((r) => r.applied);
    // Disjoint and complete: nobody applied a file somebody else had applied, and nothing was left out.
    expect([...applied].sort()).toEqual(all);
    const recorded = await withClient(schema.url, async (c) => (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name));
    expect(recorded).toEqual(all);
  });

  it('when the schema is up to date, then migrate prints exactly {"engine":"postgres","applied":[],"pending":0}', async () => {
    const r = await runCli(['migrate'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"engine":"postgres","applied":[],"pending":0}\n');
  });
});
