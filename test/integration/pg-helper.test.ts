// The PostgreSQL test helper itself: a fresh schema's URL puts every connection made from it (a Client or a Pool)
// in that schema, and drop() removes the schema with what it holds. Skipped with one line without PostgreSQL
// (failed under CI or REQUIRE_POSTGRES=1).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findPostgres, freshSchema, migratePg, pgTestUrl, withClient } from '../helpers/pg.js';
import { assertAvailable, skipWithout } from '../helpers/required.js';

const PG = findPostgres();

describe.skipIf(skipWithout(PG))('when a test asks for a fresh PostgreSQL schema', () => {
  const schemaExists = (name: string) =>
    withClient(pgTestUrl(), async (c) => (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1);

  it('then its name carries the label, and connections from its URL create and find tables in it, not in public', async () => {
    assertAvailable(PG);
    const fresh = await freshSchema('Helper Test!');
    try {
      expect(fresh.schema).toMatch(/^t_helper_test_[0-9a-f]{10}$/);
      await withClient(fresh.url, async (c) => {
        expect((await c.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s).toBe(fresh.schema);
        await c.query('CREATE TABLE probe (id BIGINT PRIMARY KEY)');
        await c.query('INSERT INTO probe (id) VALUES (1)');
      });
      const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
      try {
        expect((await pool.query('SELECT id FROM probe')).rows).toEqual([{ id: '1' }]);
      } finally {
        await pool.end();
      }
      const where = await withClient(pgTestUrl(), async (c) =>
        (await c.query<{ table_schema: string }>(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'`)).rows.map((r) => r.table_schema),
      );
      expect(where).toContain(fresh.schema);
      expect(where).not.toContain('public');
    } finally {
      await fresh.drop();
    }
    expect(await schemaExists(fresh.schema)).toBe(false);
  });

  it('then migratePg applies every twin once: a second call applies nothing', async () => {
    assertAvailable(PG);
    const fresh = await freshSchema('helper_migrate');
    try {
      const first = await migratePg(fresh.url);
      expect(first.length).toBeGreaterThan(0);
      expect(await migratePg(fresh.url)).toEqual([]);
      const names = await withClient(fresh.url, async (c) => (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name));
      expect(names).toEqual(first);
    } finally {
      await fresh.drop();
    }
  });
});
