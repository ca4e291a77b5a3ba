// Starts the real service (real SQLite file, or a fresh PostgreSQL schema; real Express on 127.0.0.1:0) for
// integration tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createServices, serve, type Running, type ServiceOptions, type Services } from '../../src/main.js';
import { createLogger } from '../../src/lib/logger.js';
import { importDataset } from '../../src/enrichment/dataset-import.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Backend } from './backends.js';
import { TEST_ENCRYPTION_KEY } from './backends.js';
import { freshSchema } from './pg.js';
import { createContractChecker, type RecordedResponse } from './openapi-contract.js';
import { recordResponses } from './response-recorder.js';

export const ADMIN_PASSWORD = 'correct-horse-battery';

export interface TestService {
  services: Services;
  running: Running;
  url: string;
  dir: string;
  /** The SQLite file (on PostgreSQL: where it would be; nothing is written there). */
  dbPath: string;
  backend: Backend;
  /** On PostgreSQL: the DATABASE_URL of the service's fresh schema (dropped at close). */
  databaseUrl?: string;
  /** The variables a child process (the CLI) needs to open the same store. */
  storeEnv: Record<string, string>;
  apiKey(account?: string): string;
  importSample(): void;
  /** Every response the server sent so far (the contract check runs over them at close). */
  responses: RecordedResponse[];
  /** Stops the service; throws when a response of the public API did not match the OpenAPI document. */
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  clock?: Clock;
  worker?: boolean;
  scheduler?: boolean;
  leaseMs?: number;
  dir?: string;
  logLines?: string[];
  /** Listen on this port instead of a random one (a browser OAuth round trip needs PUBLIC_URL known in advance). */
  port?: number;
  /** Further composition options (call timeouts, fetch) passed to createServices. */
  services?: ServiceOptions;
  /**
   * The store: SQLite (default), or PostgreSQL in a fresh schema of TEST_DATABASE_URL (DATABASE_URL and a fixed
   * test ENCRYPTION_KEY set for the service, the schema dropped at close). An explicit env.DATABASE_URL wins.
   */
  backend?: Backend;
}

export async function startService(o: StartOptions = {}): Promise<TestService> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'crm-enrich-test-'));
  const dbPath = join(dir, 'crm-enrich.db');
  const backend = o.backend ?? 'sqlite';
  const schema = backend === 'postgres' && !o.env?.DATABASE_URL ? await freshSchema('service') : undefined;
  const config = loadConfig({
    DATABASE_PATH: dbPath,
    LOG_LEVEL: o.logLines ? 'debug' : 'silent',
    ADMIN_PASSWORD,
    PORT: '0',
    PUBLIC_URL: 'https://crm-enrich.test',
    ...(schema ? { DATABASE_URL: schema.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {}),
    ...o.env,
  });
  const log = createLogger({
    level: config.LOG_LEVEL,
    ...(o.logLines ? { destination: { write: (s: string) => (o.logLines!.push(s), true) } as unknown as NodeJS.WritableStream } : {}),
  });
  let services: Services;
  let running: Running;
  try {
    services = createServices(config, { log, ...(o.clock ? { clock: o.clock } : {}), ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}), ...o.services });
  } catch (e) {
    await schema?.drop();
    throw e;
  }
  try {
    running = await serve(services, { port: o.port ?? 0, host: '127.0.0.1', announce: false, worker: o.worker ?? false, scheduler: o.scheduler ?? false });
  } catch (e) {
    services.close();
    await schema?.drop();
    throw e;
  }
  // The contract test of the whole suite: every response of the public API that any test receives must match the
  // OpenAPI document (status documented, body schema, headers).
  const responses: RecordedResponse[] = [];
  recordResponses(running.server, (r) => responses.push(r));
  return {
    services,
    running,
    url: running.url,
    dir,
    dbPath,
    backend,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    storeEnv: config.DATABASE_URL ? { DATABASE_PATH: dbPath, DATABASE_URL: config.DATABASE_URL, ENCRYPTION_KEY: config.ENCRYPTION_KEY! } : { DATABASE_PATH: dbPath },
    apiKey(account = 'test') {
      const acc = services.repos.accounts.ensure(account);
      return services.repos.apiKeys.create(acc.id).key;
    },
    importSample() {
      const text = readFileSync(new URL('../../config/sample-profiles.jsonl', import.meta.url), 'utf8');
      importDataset(text, services.repos.dataset, { format: 'jsonl', now: new Date(services.clock.now()), jobChangeWindowDays: config.JOB_CHANGE_WINDOW_DAYS });
    },
    responses,
    async close() {
      await running.stop();
      services.close();
      await schema?.drop();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
      const checker = createContractChecker();
      const problems = responses.flatMap((r) => checker.check(r));
      if (problems.length) throw new Error(`responses that do not match the OpenAPI document:\n${problems.slice(0, 20).join('\n')}`);
    },
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
