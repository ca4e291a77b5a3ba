// The real service for a benchmark child: a fresh SQLite file under bench/.work (on the real disk, never tmpfs,
// so fsyncs cost what they cost in production) or, when the orchestrator gave the child a DATABASE_URL, a fresh
// PostgreSQL schema; silent logs, the same wiring as `npm start`.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createServices, type Services } from '../../src/main.js';
import { importDataset, type ImportReport } from '../../src/enrichment/dataset-import.js';
import { dialectOf } from '../../src/db/open.js';

export const WORK_DIR = fileURLToPath(new URL('../.work/', import.meta.url));
export const SAMPLE_PROFILES = fileURLToPath(new URL('../../config/sample-profiles.jsonl', import.meta.url));
export const PUBLIC_URL = 'http://crm-enrich.bench';

export function freshDir(name: string): string {
  const dir = join(WORK_DIR, `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * PostgreSQL when the orchestrator started this child with DATABASE_URL (a fresh schema of its own, see
 * engines.ts) and its ENCRYPTION_KEY; otherwise the SQLite file under `dir`.
 */
function engineEnv(): Record<string, string> {
  const url = process.env.DATABASE_URL;
  return url ? { DATABASE_URL: url, ENCRYPTION_KEY: process.env.ENCRYPTION_KEY ?? '' } : {};
}

export function createBenchServices(name: string, env: Record<string, string> = {}): { services: Services; dir: string; cleanup(): void } {
  const dir = freshDir(name);
  const config = loadConfig({
    DATABASE_PATH: join(dir, 'crm-enrich.db'),
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: 'bench-admin-password',
    PUBLIC_URL,
    ENRICH_PROVIDERS: 'dataset',
    ...engineEnv(),
    ...env,
  });
  const services = createServices(config);
  return {
    services,
    dir,
    cleanup() {
      try {
        services.close();
      } catch {
        /* already closed */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the notes say about the store: SQLite's journal and sync pragmas, or PostgreSQL's commit durability. */
export interface StoreInfo {
  engine: 'sqlite' | 'postgres';
  /** SQLite: journal_mode and synchronous (2 = FULL) of the main handle. */
  journalMode?: string;
  synchronous?: number;
  /** PostgreSQL: server version, synchronous_commit, and the pid of the backend serving this process. */
  serverVersion?: string;
  synchronousCommit?: string;
  backendPid?: number;
}

export function storeInfo(services: Services): StoreInfo {
  const db = services.db;
  if (dialectOf(db) === 'postgres') {
    const row = db.prepare(`SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, pg_backend_pid() AS pid`).get() as { v: string; sc: string; pid: number };
    return { engine: 'postgres', serverVersion: row.v, synchronousCommit: row.sc, backendPid: row.pid };
  }
  return { engine: 'sqlite', journalMode: db.pragma('journal_mode', { simple: true }) as string, synchronous: db.pragma('synchronous', { simple: true }) as number };
}

export function importJsonl(services: Services, text: string): ImportReport {
  return importDataset(text, services.repos.dataset, {
    format: 'jsonl',
    now: new Date(services.clock.now()),
    jobChangeWindowDays: services.config.JOB_CHANGE_WINDOW_DAYS,
  });
}

export function importSample(services: Services): ImportReport {
  return importJsonl(services, readFileSync(SAMPLE_PROFILES, 'utf8'));
}

export function apiKey(services: Services, account = 'bench'): string {
  const acc = services.repos.accounts.ensure(account);
  return services.repos.apiKeys.create(acc.id).key;
}

const TITLES = ['VP of Sales', 'Senior Software Engineer', 'Marketing Manager', 'Chief Financial Officer', 'Director of Engineering', 'Account Executive', 'Head of People', 'Intern'];
const COUNTRIES = ['Germany', 'United States', 'France', 'United Kingdom', 'Spain', 'Brazil'];

/** `n` deterministic dataset people as JSONL; their emails are `person<i>@bulk.example`. */
export function peopleJsonl(n: number, prefix = 'person'): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      JSON.stringify({
        email: `${prefix}${i}@bulk.example`,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        title: TITLES[i % TITLES.length],
        company: `Company ${i % 97}`,
        company_domain: `company${i % 97}.example`,
        city: 'Berlin',
        country: COUNTRIES[i % COUNTRIES.length],
        department: 'Sales',
        company_size: '51-200',
        skills: ['negotiation', 'crm', `skill${i % 13}`],
        linkedin_url: `https://www.linkedin.com/in/${prefix}-${i}`,
      }),
    );
  }
  return rows.join('\n');
}

/**
 * Connects a CRM the way a browser would, without the HTTP server: begin() gives the fake's authorize URL,
 * the fake consents at once and redirects to our callback with a code, complete() exchanges it.
 */
export async function installCrm(services: Services, crm: 'hubspot' | 'salesforce', account = 'bench'): Promise<string> {
  // The service layer takes the admin session as a hashed id; the bench plays one admin.
  const session = 'bench-admin-session';
  const authorize = services.install.begin(crm, account, session);
  const res = await fetch(authorize, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const cb = new URL(location);
  const code = cb.searchParams.get('code') ?? undefined;
  const state = cb.searchParams.get('state') ?? undefined;
  const { connection, report } = await services.install.complete(crm, { sessionHash: session, ...(code ? { code } : {}), ...(state ? { state } : {}) });
  if (report?.warnings.some((w) => w.startsWith('provisioning failed'))) throw new Error(`provisioning failed: ${report.warnings.join('; ')}`);
  return connection.id;
}
