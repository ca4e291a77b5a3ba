// The engine dimension of `npm run bench` (bench/lib/engines.ts): which engines a run measures, the URL a
// PostgreSQL service child gets, its schema's lifetime, and the backend CPU reading.
import { afterEach, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { engineTarget, planEngines, processCpuMs, withSearchPath } from '../../bench/lib/engines.js';
import { findPostgres, pgTestUrl } from '../helpers/pg.js';
import { assertAvailable, skipWithout } from '../helpers/required.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('withSearchPath', () => {
  it('when the URL has no query, then options sets search_path, encoded as libpq reads it', () => {
    expect(withSearchPath('postgres://postgres@127.0.0.1:5432/postgres', 'bench_api_1a2b')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres?options=-c%20search_path%3Dbench_api_1a2b',
    );
  });

  it('when the URL has other parameters and an options, then the others are kept and options is replaced', () => {
    expect(withSearchPath('postgres://u:p@db:5432/x?sslmode=disable&options=-c%20search_path%3Dold', 's1')).toBe(
      'postgres://u:p@db:5432/x?sslmode=disable&options=-c%20search_path%3Ds1',
    );
  });
});

describe('planEngines', () => {
  it('when BENCH_ENGINES=sqlite, then only SQLite runs and the reason is given', async () => {
    vi.stubEnv('BENCH_ENGINES', 'sqlite');
    await expect(planEngines()).resolves.toEqual({ engines: ['sqlite'], postgres: null, skipped: 'BENCH_ENGINES leaves it out' });
  });

  it('when nothing answers at BENCH_DATABASE_URL, then PostgreSQL is skipped with the redacted URL and the error', async () => {
    vi.stubEnv('BENCH_ENGINES', '');
    vi.stubEnv('BENCH_DATABASE_URL', 'postgres://bench:secret@127.0.0.1:1/postgres');
    const plan = await planEngines();
    expect(plan.engines).toEqual(['sqlite']);
    expect(plan.postgres).toBeNull();
    expect(plan.skipped).toMatch(/^no PostgreSQL at postgres:\/\/bench:\*\*\*@127\.0\.0\.1:1\/postgres \(/);
    expect(plan.skipped).not.toContain('secret');
  });

  it('when BENCH_ENGINES names an unknown engine, then it refuses', async () => {
    vi.stubEnv('BENCH_ENGINES', 'sqlite,mysql');
    await expect(planEngines()).rejects.toThrow(/unknown engine mysql/);
  });
});

describe('engineTarget on SQLite', () => {
  it('when the engine is SQLite, then the child gets no database variables and there is nothing to drop', async () => {
    const t = await engineTarget('sqlite', 'api');
    expect(t.env).toEqual({});
    expect(t.schema).toBeNull();
    await expect(t.drop()).resolves.toBeUndefined();
  });
});

describe('processCpuMs', () => {
  it('when asked about this process, then it reads a CPU time; about no process, then null', () => {
    expect(processCpuMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processCpuMs(undefined)).toBeNull();
    expect(processCpuMs(2 ** 22 + 7)).toBeNull(); // above Linux's pid_max: no such process
  });
});

const postgres = findPostgres();

describe.skipIf(skipWithout(postgres))('engineTarget on PostgreSQL', () => {
  it('when a target is made, then its URL connects into a fresh schema with an encryption key, and drop() removes the schema', async () => {
    assertAvailable(postgres);
    vi.stubEnv('BENCH_DATABASE_URL', pgTestUrl());
    const t = await engineTarget('postgres', 'Unit Test');
    expect(t.schema).toMatch(/^bench_unit_test_[0-9a-f]{8}$/);
    expect(t.env.ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const c = new pg.Client({ connectionString: t.env.DATABASE_URL });
    await c.connect();
    try {
      const row = (await c.query('SELECT current_schema() AS s')).rows[0] as { s: string };
      expect(row.s).toBe(t.schema);
    } finally {
      await c.end();
    }
    await t.drop();
    const admin = new pg.Client({ connectionString: pgTestUrl() });
    await admin.connect();
    try {
      const n = (await admin.query('SELECT COUNT(*)::int AS n FROM pg_namespace WHERE nspname = $1', [t.schema])).rows[0] as { n: number };
      expect(n.n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
