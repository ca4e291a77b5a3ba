// The engine dimension of the api, webhooks and backfill benchmarks: every one runs on SQLite (a fresh file under
// bench/.work, as always) and, when PostgreSQL answers at BENCH_DATABASE_URL, again on PostgreSQL, each server
// child in a fresh schema of its own that the orchestrator creates before the child starts and drops after it
// stopped. The child gets DATABASE_URL (with `options=-c search_path=<schema>`) and an ENCRYPTION_KEY in its
// environment; SQLite children get neither, even when the shell that runs the bench has them set.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { redactUrl } from '../../src/db/url.js';
import { generateEncryptionKey } from '../../src/lib/crypto.js';

export type Engine = 'sqlite' | 'postgres';

export const ENGINE_LABEL: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface EnginePlan {
  engines: Engine[];
  /** The PostgreSQL server the children use (password redacted), when it is in the plan. */
  postgres: { url: string; version: string } | null;
  /** Why PostgreSQL is not in the plan (unreachable, or BENCH_ENGINES=sqlite). */
  skipped: string | null;
}

/** Variables that select the engine in a service child: never inherited from the shell that runs the bench. */
export const ENGINE_ENV_KEYS = ['DATABASE_URL', 'ENCRYPTION_KEY'] as const;

function baseUrl(): string {
  return process.env.BENCH_DATABASE_URL?.trim() || DEFAULT_BENCH_DATABASE_URL;
}

/**
 * Which engines this run measures: SQLite always; PostgreSQL when BENCH_DATABASE_URL (default the local server)
 * answers within 3 s, unless BENCH_ENGINES=sqlite leaves it out.
 */
export async function planEngines(): Promise<EnginePlan> {
  const wanted = (process.env.BENCH_ENGINES?.trim() || 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const w of wanted) if (w !== 'sqlite' && w !== 'postgres') throw new Error(`BENCH_ENGINES: unknown engine ${w} (known: sqlite, postgres)`);
  if (!wanted.includes('postgres')) return { engines: ['sqlite'], postgres: null, skipped: 'BENCH_ENGINES leaves it out' };
  const url = baseUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const version = ((await client.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
    return { engines: ['sqlite', 'postgres'], postgres: { url: redactUrl(url), version }, skipped: null };
  } catch (err) {
    return { engines: ['sqlite'], postgres: null, skipped: `no PostgreSQL at ${redactUrl(url)} (${err instanceof Error ? err.message : String(err)})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface EngineTarget {
  engine: Engine;
  /** Environment for the service child: empty on SQLite. */
  env: Record<string, string>;
  /** The schema (PostgreSQL), for the notes. */
  schema: string | null;
  /** Drops the schema (PostgreSQL; call once the child has stopped). */
  drop(): Promise<void>;
}

/** The URL with `options=-c search_path=<schema>` added (any other query parameter kept). */
export function withSearchPath(url: string, schema: string): string {
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const params = (q < 0 ? '' : url.slice(q + 1)).split('&').filter((p) => p && !p.startsWith('options='));
  params.push(`options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  return `${base}?${params.join('&')}`;
}

/** A fresh place for one service child: nothing on SQLite (the child makes its own file), a new schema on PostgreSQL. */
export async function engineTarget(engine: Engine, label: string): Promise<EngineTarget> {
  if (engine === 'sqlite') return { engine, env: {}, schema: null, drop: async () => undefined };
  const schema = `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = baseUrl();
  await adminQuery(url, `CREATE SCHEMA ${schema}`);
  let dropped = false;
  return {
    engine,
    env: { DATABASE_URL: withSearchPath(url, schema), ENCRYPTION_KEY: generateEncryptionKey() },
    schema,
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let ticksPerSec: number | undefined;
/**
 * CPU time (user + system, ms) of another process on this machine from /proc: the PostgreSQL backend that serves a
 * service child's connection, whose work the child's own CPU time does not include. Null where /proc is not there
 * or the process has gone.
 */
export function processCpuMs(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    ticksPerSec ??= Number(execSync('getconf CLK_TCK', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSec;
  } catch {
    return null;
  }
}
