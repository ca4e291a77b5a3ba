// Drives the real install routes against a CRM fake, the way a browser would (following redirects by hand,
// because PUBLIC_URL names a host the test cannot resolve).
import { expect } from 'vitest';
import type { TestService } from './service.js';
import { adminCookie } from './admin.js';
import { importDataset } from '../../src/enrichment/dataset-import.js';
import type { RunCounts, SyncMode } from '../../src/db/sync-runs.repo.js';

async function follow(url: string, cookie?: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  expect(res.status, `GET ${url}`).toBe(302);
  return res.headers.get('location')!;
}

/** PUBLIC_URL → the server's real address. */
function local(t: TestService, url: string): string {
  const publicUrl = t.services.config.PUBLIC_URL;
  return url.startsWith(publicUrl) ? t.url + url.slice(publicUrl.length) : url;
}

/** Connects a CRM as the logged-in admin: install (with the session), the fake's consent, the callback (same session). */
export async function installCrm(t: TestService, crm: 'hubspot' | 'salesforce', account?: string): Promise<{ connectionId: string; authorize: URL }> {
  const cookie = await adminCookie(t);
  const installUrl = `${t.url}/oauth/${crm}/install${account ? `?account=${encodeURIComponent(account)}` : ''}`;
  const authorize = new URL(await follow(installUrl, cookie));
  const callback = await follow(authorize.toString());
  const done = await fetch(local(t, callback), { redirect: 'manual', headers: { cookie } });
  expect(done.status, await done.clone().text()).toBe(302);
  const location = done.headers.get('location')!;
  const m = /^\/admin\/connections\/([^?]+)/.exec(location);
  expect(m, location).toBeTruthy();
  return { connectionId: decodeURIComponent(m![1]!), authorize };
}

/** The connection's own Outbound Message URL on the test server (PUBLIC_URL replaced by the real address). */
export function outboundUrl(t: TestService, connectionId: string): string {
  const conn = t.services.repos.connections.get(connectionId);
  if (!conn) throw new Error(`no connection ${connectionId}`);
  return local(t, t.services.outboundEndpoints.url(conn)!);
}

export function hubspotEnv(fake: { url: string; authorizeUrl: string; clientId: string; clientSecret: string }): Record<string, string> {
  return {
    HUBSPOT_CLIENT_ID: fake.clientId,
    HUBSPOT_CLIENT_SECRET: fake.clientSecret,
    HUBSPOT_AUTHORIZE_URL: fake.authorizeUrl,
    HUBSPOT_API_BASE_URL: fake.url,
  };
}

export function salesforceEnv(fake: { url: string; clientId: string; clientSecret: string }): Record<string, string> {
  return { SALESFORCE_CLIENT_ID: fake.clientId, SALESFORCE_CLIENT_SECRET: fake.clientSecret, SALESFORCE_LOGIN_URL: fake.url };
}

/** Ledger rows written for a connection. */
export function connectionLedger(t: TestService, connectionId: string): { credits: number; outcome: string; idempotency_key: string | null }[] {
  return t.services.db.prepare('SELECT credits, outcome, idempotency_key FROM credit_ledger WHERE connection_id = ? ORDER BY id').all(connectionId) as {
    credits: number;
    outcome: string;
    idempotency_key: string | null;
  }[];
}

/** Builds `n` dataset people (deterministic) and imports them; returns their emails. */
export function importPeople(t: TestService, n: number, opts: { prefix?: string; company?: (i: number) => string; title?: (i: number) => string } = {}): string[] {
  const emails: string[] = [];
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const email = `${opts.prefix ?? 'person'}${i}@bulk.example`;
    emails.push(email);
    rows.push(
      JSON.stringify({
        email,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        title: opts.title?.(i) ?? (i % 3 === 0 ? 'Sales Manager' : i % 3 === 1 ? 'Senior Engineer' : 'VP Marketing'),
        company: opts.company?.(i) ?? `Company ${i % 17}`,
        city: 'Berlin',
        country: 'Germany',
        department: 'Sales',
        company_size: '51-200',
      }),
    );
  }
  importJsonl(t, rows.join('\n'));
  return emails;
}

function importJsonl(t: TestService, text: string): void {
  const r = importDataset(text, t.services.repos.dataset, { format: 'jsonl', now: new Date(t.services.clock.now()), jobChangeWindowDays: 90 });
  expect(r.skipped).toBe(0);
  t.services.repos.cache.clear();
}

/** Starts a sync run, drains the queue with one in-process worker, and returns the run's counts (it must succeed). */
export async function runSync(t: TestService, connectionId: string, mode: SyncMode): Promise<RunCounts> {
  const { run } = t.services.runService.startRun(connectionId, mode, 'test');
  await t.services.createWorker({ concurrency: 1 }).drain();
  const r = t.services.repos.runs.get(run.id)!;
  expect(r.state, r.error ?? '').toBe('succeeded');
  return r.counts;
}

/** The job-change cohort: 20 account managers at Globex, in the dataset. Returns their emails. */
export function importJobChangeCohort(t: TestService): string[] {
  return importPeople(t, 20, { prefix: 'jc', company: () => 'Globex Corporation', title: () => 'Account Manager' });
}

/** The dataset learns that the cohort's first three moved to Initech, and that the fourth got a new title at Globex. */
export function importThreeMoves(t: TestService): void {
  importPeople(t, 4, {
    prefix: 'jc',
    company: (i) => (i < 3 ? 'Initech LLC' : 'Globex Corporation'),
    title: (i) => (i < 3 ? 'Head of Sales' : 'Senior Account Manager'),
  });
}
