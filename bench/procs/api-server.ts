// Child: the real crm-enrich service (createServices + serve, worker and scheduler off) with the sample dataset,
// a warm profile cache and API keys, for the enrichment API benchmark; on SQLite, or on PostgreSQL when started
// with DATABASE_URL (see lib/engines.ts).
import { readFileSync } from 'node:fs';
import { serve, type Running } from '../../src/main.js';
import { serveRpc, cpuMs } from '../lib/ipc.js';
import { apiKey, createBenchServices, importSample, SAMPLE_PROFILES, storeInfo } from '../lib/service.js';

let running: Running | undefined;
let cleanup: (() => void) | undefined;
let countLedger: (() => number) | undefined;
let pragma: ((p: string) => unknown) | undefined;

async function start(o: { rateLimitPerMinute: number; keys: number }) {
  const { services, cleanup: c } = createBenchServices('api', { API_RATE_LIMIT_PER_MINUTE: String(o.rateLimitPerMinute) });
  cleanup = c;
  const imported = importSample(services);
  const keys = Array.from({ length: o.keys }, (_, i) => apiKey(services, `bench-${i % 4}`));
  running = await serve(services, { port: 0, host: '127.0.0.1', announce: false, worker: false, scheduler: false });
  const emails = readFileSync(SAMPLE_PROFILES, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { email: string }).email);
  const enrich = (email: string, key: string) =>
    fetch(`${running!.url}/v1/profile/enrich`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ email }) });
  // Warm the cache: the first answer of each email comes from the dataset provider, every later one is a hit.
  for (const email of emails) {
    const r = await enrich(email, keys[0]!);
    if (r.status !== 200) throw new Error(`warm-up ${email}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
  const email = 'john.doe@acme.com';
  const r = await enrich(email, keys[0]!);
  const body = await r.text();
  const parsed = JSON.parse(body) as { cache_hit: boolean; found: boolean };
  if (!parsed.cache_hit || !parsed.found) throw new Error(`expected a cache hit, got ${body.slice(0, 200)}`);
  pragma = (p) => services.db.pragma(p);
  countLedger = () => (services.db.prepare('SELECT COUNT(*) AS n FROM credit_ledger').get() as { n: number }).n;
  return {
    url: running.url,
    port: Number(new URL(running.url).port),
    keys,
    email,
    emails,
    imported: imported.imported,
    body,
    contentType: r.headers.get('content-type'),
    store: storeInfo(services),
  };
}

serveRpc({
  start,
  cpu: () => cpuMs(),
  rss: () => process.memoryUsage.rss(),
  ledgerRows: () => countLedger?.() ?? 0,
  /** What-if diagnostics only (e.g. 'synchronous = NORMAL'); never part of the reported production figures. */
  pragma: (p: string) => pragma?.(p),
  async stop() {
    await running?.stop();
    cleanup?.();
  },
});
