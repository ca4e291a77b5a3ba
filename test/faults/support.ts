// Shared plumbing of the fault tests: a seeded PRNG, an in-process service that accepts composition options,
// the real `crm-enrich serve` as a child process, another process holding a SQLite lock, table snapshots.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceOptions } from '../../src/main.js';
import type { Db } from '../../src/db/open.js';
import { ADMIN_PASSWORD, startService, type TestService } from '../helpers/service.js';
import { sleep } from '../../src/lib/clock.js';
import { POLL_TIMEOUT_MS, waitFor as waitUntil } from '../helpers/wait.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/crm-enrich.mjs');
export const PUBLIC_URL = 'https://crm-enrich.test';

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness: every random choice of a test comes from here, so a failure is reproduced with its seed.

/** mulberry32: small, fast, good enough to pick test inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FAULTS_SEED from the environment, else a fresh one; printed either way so a failing run can be replayed. */
export function testSeed(label: string): number {
  const fromEnv = process.env.FAULTS_SEED;
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : randomInt(1, 2 ** 31);
  // eslint-disable-next-line no-console
  console.info(`[${label}] seed ${seed} (replay: FAULTS_SEED=${seed} npx vitest run test/faults)`);
  return seed;
}

export interface Rng {
  seed: number;
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = prng(seed);
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The service in this process, like test/helpers/service.ts, plus composition options (call timeouts, leases).

export interface FaultServiceOptions {
  env?: Record<string, string>;
  dir?: string;
  worker?: boolean;
  logLines?: string[];
  services?: ServiceOptions;
}

export function startFaultService(o: FaultServiceOptions = {}): Promise<TestService> {
  return startService({
    env: { PUBLIC_URL, ...o.env },
    worker: o.worker ?? false,
    ...(o.dir ? { dir: o.dir } : {}),
    ...(o.logLines ? { logLines: o.logLines } : {}),
    ...(o.services ? { services: o.services } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// `crm-enrich serve` as a real child process.

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

export interface ServeChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Every stderr line (JSON logs and the banner). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Only what the service needs: never the test runner's own NODE_OPTIONS or loaders. */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[k]) out[k] = process.env[k]!;
  return out;
}

/** Spawns `node bin/crm-enrich.mjs serve [args]` and resolves once GET /healthz answers 200. */
export async function spawnServe(env: Record<string, string>, opts: { readyTimeoutMs?: number; args?: string[] } = {}): Promise<ServeChild> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL, LOG_LEVEL: 'info', ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    if (done) throw new Error(`crm-enrich serve exited before it was ready:\n${lines.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crm-enrich serve did not become ready:\n${lines.slice(-20).join('\n')}`);
    }
    await sleep(50);
  }
  return { child, pid: child.pid!, url, lines, exited };
}

// ---------------------------------------------------------------------------------------------------------------
// Another process holding the database's write lock.

export interface DbLocker {
  /** Resolves when the lock is held. */
  locked: Promise<void>;
  /** Resolves when the lock was released and the process ended (exit code 0). */
  done: Promise<{ code: number | null; out: string }>;
  kill(): void;
}

/** Runs test/faults/lock-db.mjs: BEGIN EXCLUSIVE (after a real write) on the file, held for holdMs, then COMMIT. */
export function lockDb(dbPath: string, holdMs: number): DbLocker {
  const child = spawn(process.execPath, [join(ROOT, 'test/faults/lock-db.mjs'), dbPath, String(holdMs)], {
    cwd: ROOT,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onLocked: () => void;
  let onFail: (e: Error) => void;
  const locked = new Promise<void>((ok, fail) => {
    onLocked = ok;
    onFail = fail;
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    if (out.includes('locked\n')) onLocked();
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const done = new Promise<{ code: number | null; out: string }>((ok) =>
    child.once('exit', (code) => {
      onFail(new Error(`the locker exited before locking (code ${code}): ${err}`));
      ok({ code, out: out + err });
    }),
  );
  return { locked, done, kill: () => child.kill('SIGKILL') };
}

// ---------------------------------------------------------------------------------------------------------------
// Database snapshots.

export function tableNames(db: Db): string[] {
  return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
}

/** Row count and a content hash of every table (columns in `ignore` left out of the hash). */
export function snapshotTables(db: Db, ignore: Record<string, string[]> = {}): Record<string, { count: number; hash: string }> {
  const out: Record<string, { count: number; hash: string }> = {};
  for (const name of tableNames(db)) {
    const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Record<string, unknown>[];
    const skip = new Set(ignore[name] ?? []);
    const h = createHash('sha256');
    for (const r of rows) h.update(JSON.stringify(Object.entries(r).filter(([k]) => !skip.has(k))));
    out[name] = { count: rows.length, hash: h.digest('hex') };
  }
  return out;
}

/** test/helpers/wait.ts's waitFor; a timeout given here only ever lengthens the suite's configured one. */
export function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = POLL_TIMEOUT_MS, everyMs = 25): Promise<void> {
  return waitUntil(what, check, { timeoutMs: Math.max(timeoutMs, POLL_TIMEOUT_MS), everyMs });
}
