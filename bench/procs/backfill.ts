// Child: the real service (no HTTP server needed) with n dataset people and a connected CRM (install flow against
// the fake in the other process); run() starts a backfill run and drains it with one worker, as `crm-enrich sync`
// does, sampling RSS every 100 ms.
import type { Services } from '../../src/main.js';
import { serveRpc, cpuMs, rssSampler } from '../lib/ipc.js';
import { createBenchServices, importJsonl, installCrm, peopleJsonl, storeInfo } from '../lib/service.js';

let services: Services | undefined;
let cleanup: (() => void) | undefined;
let connectionId = '';

async function start(o: {
  crm: 'hubspot' | 'salesforce';
  people: number;
  fake: { url: string; authorizeUrl: string; clientId: string; clientSecret: string };
  /** Diagnostics only (e.g. 'synchronous = NORMAL' on the main handle); `npm run bench` never sets it. */
  whatIfPragma?: string;
  /** Further configuration (the provider section points the service at a provider fake). */
  env?: Record<string, string>;
}) {
  const env: Record<string, string> =
    o.crm === 'hubspot'
      ? { HUBSPOT_CLIENT_ID: o.fake.clientId, HUBSPOT_CLIENT_SECRET: o.fake.clientSecret, HUBSPOT_AUTHORIZE_URL: o.fake.authorizeUrl, HUBSPOT_API_BASE_URL: o.fake.url }
      : { SALESFORCE_CLIENT_ID: o.fake.clientId, SALESFORCE_CLIENT_SECRET: o.fake.clientSecret, SALESFORCE_LOGIN_URL: o.fake.url };
  const b = createBenchServices(`backfill-${o.crm}`, { ...env, ...o.env });
  services = b.services;
  cleanup = b.cleanup;
  const t0 = performance.now();
  const report = o.people > 0 ? importJsonl(services, peopleJsonl(o.people)) : { imported: 0, skipped: 0, errors: [] };
  const importMs = performance.now() - t0;
  if (report.skipped) throw new Error(`dataset import skipped ${report.skipped} rows: ${JSON.stringify(report.errors.slice(0, 3))}`);
  connectionId = await installCrm(services, o.crm);
  if (o.whatIfPragma) services.db.pragma(o.whatIfPragma);
  return { connectionId, imported: report.imported, importMs: Math.round(importMs), rssBeforeRun: process.memoryUsage.rss(), backendPid: storeInfo(services).backendPid ?? null };
}

/** Started with --expose-gc: the heap still held after a full GC, before and after the run (a leak shows here). */
function heapAfterGc(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function run() {
  const s = services!;
  const heapBefore = heapAfterGc();
  const rss = rssSampler(100);
  const rssBefore = process.memoryUsage.rss();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const { run } = s.runService.startRun(connectionId, 'backfill', 'bench');
  const worker = s.createWorker({ concurrency: 1 });
  let jobs = await worker.drain();
  // drain() stops when no job is ready: a page that continues later (HubSpot's shared call window) or a job that
  // failed transiently waits for its run_at. A serving worker would poll again, so the bench does too (at most 5
  // times, 30 s each); attempts that failed are reported.
  for (let i = 0; i < 5 && s.repos.runs.get(run.id)!.state === 'running'; i++) {
    const next = s.db.prepare(`SELECT MIN(run_at) AS at FROM jobs WHERE state IN ('queued', 'retry')`).get() as { at: number | null };
    if (next.at === null) break;
    await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(0, next.at! - s.clock.now()) + 50)));
    jobs += await worker.drain();
  }
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  const peak = rss.stop();
  const heapAfter = heapAfterGc();
  const row = s.repos.runs.get(run.id)!;
  const leftover = s.db.prepare(`SELECT name, state, COUNT(*) AS n FROM jobs WHERE state != 'succeeded' GROUP BY name, state`).all();
  return {
    state: row.state,
    error: row.error,
    counts: row.counts,
    total: row.total,
    jobsRun: jobs,
    leftoverJobs: leftover,
    failedAttempts: s.db
      .prepare(`SELECT outcome, error, COUNT(*) AS n FROM job_attempts WHERE outcome IS NOT NULL AND outcome NOT IN ('succeeded', 'continue') GROUP BY outcome, error`)
      .all() as { outcome: string; error: string | null; n: number }[],
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpu),
    rssBeforeRun: rssBefore,
    peakRss: peak,
    maxRssLifetime: process.resourceUsage().maxRSS * 1024,
    heapBefore,
    heapAfter,
    ledgerRows: (s.db.prepare('SELECT COUNT(*) AS n FROM credit_ledger').get() as { n: number }).n,
    ledger: s.db
      .prepare(
        `SELECT COALESCE(SUM(found), 0) AS found, COALESCE(SUM(credits), 0) AS credits, COUNT(DISTINCT CASE WHEN credits > 0 THEN idempotency_key END) AS chargedKeys,
                COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0) AS failed FROM credit_ledger`,
      )
      .get() as { found: number; credits: number; chargedKeys: number; failed: number },
  };
}

serveRpc({
  start,
  run,
  async stop() {
    cleanup?.();
  },
});
