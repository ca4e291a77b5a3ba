// Child: in-process micro benchmarks (no HTTP): seniority classification, dataset import, SQLite commit latency on
// this disk, and the enricher's cache-hit path with and without a monthly credit limit over a large ledger.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { seniorityOf } from '../../src/enrichment/seniority.js';
import { serveRpc } from '../lib/ipc.js';
import { apiKey, createBenchServices, freshDir, importJsonl, importSample, peopleJsonl } from '../lib/service.js';

const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const r2 = (v: number) => Math.round(v * 100) / 100;

function seniority(o: { ms: number }) {
  const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/seniority-titles.json', import.meta.url), 'utf8')) as { title: string; seniority: string | null }[];
  let agree = 0;
  for (const f of fixture) if (seniorityOf(f.title) === f.seniority) agree++;
  // warm-up, then as many passes as fit in o.ms
  for (let i = 0; i < 20; i++) for (const f of fixture) seniorityOf(f.title);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < o.ms) {
    for (const f of fixture) seniorityOf(f.title);
    n += fixture.length;
  }
  const ms = performance.now() - t0;
  return { titles: fixture.length, agreeWithFixture: agree, classified: n, perSec: Math.round((n / ms) * 1000), usPerTitle: r2((ms * 1000) / n) };
}

function datasetImport(o: { rows: number }) {
  const b = createBenchServices('micro-import');
  try {
    const text = peopleJsonl(o.rows, 'import');
    const t0 = performance.now();
    const first = importJsonl(b.services, text);
    const insertMs = performance.now() - t0;
    const t1 = performance.now();
    const again = importJsonl(b.services, text);
    const updateMs = performance.now() - t1;
    return {
      rows: o.rows,
      bytes: Buffer.byteLength(text),
      imported: first.imported,
      skipped: first.skipped + again.skipped,
      insertRowsPerSec: Math.round((first.imported / insertMs) * 1000),
      updateRowsPerSec: Math.round((again.imported / updateMs) * 1000),
      insertMs: Math.round(insertMs),
      updateMs: Math.round(updateMs),
    };
  } finally {
    b.cleanup();
  }
}

/** Latency of one small autocommit INSERT in WAL mode, FULL vs NORMAL: what an fsync costs on this disk. */
function commitLatency(o: { n: number }) {
  const dir = freshDir('micro-fsync');
  const out: Record<string, { p50us: number; p99us: number; meanUs: number }> = {};
  try {
    for (const sync of ['FULL', 'NORMAL'] as const) {
      const db = new Database(join(dir, `${sync}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${sync}`);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER NOT NULL)');
      const ins = db.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
      for (let i = 0; i < 20; i++) ins.run('warm', i);
      const lat: number[] = [];
      for (let i = 0; i < o.n; i++) {
        const t0 = performance.now();
        ins.run('x'.repeat(100), i);
        lat.push((performance.now() - t0) * 1000);
      }
      db.close();
      out[sync] = { p50us: Math.round(pct(lat, 50)), p99us: Math.round(pct(lat, 99)), meanUs: Math.round(lat.reduce((a, b) => a + b, 0) / lat.length) };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** enricher.enrich() on a cache hit, sequential and 16 in flight; then with a monthly limit over a big ledger. */
async function enrichHit(o: { ms: number; ledgerRows: number }) {
  const b = createBenchServices('micro-enrich');
  try {
    const s = b.services;
    importSample(s);
    apiKey(s);
    const acc = s.repos.accounts.ensure('bench');
    const req = { email: 'john.doe@acme.com' };
    const first = await s.enricher.enrich(req, { accountId: acc.id, monthlyLimit: 0 });
    if (first.status !== 200) throw new Error(`enrich: ${first.status}`);
    const measure = async (monthlyLimit: number, inflight: number) => {
      const ctx = { accountId: acc.id, monthlyLimit };
      for (let i = 0; i < 200; i++) await s.enricher.enrich(req, ctx);
      let n = 0;
      let hits = 0;
      const t0 = performance.now();
      const end = t0 + o.ms;
      await Promise.all(
        Array.from({ length: inflight }, async () => {
          while (performance.now() < end) {
            const r = await s.enricher.enrich(req, ctx);
            n++;
            if (r.status === 200 && (r.body as { cache_hit?: boolean }).cache_hit) hits++;
          }
        }),
      );
      const ms = performance.now() - t0;
      return { inflight, monthlyLimit, calls: n, cacheHits: hits, perSec: Math.round((n / ms) * 1000), usPerCall: r2((ms * 1000) / n) };
    };
    const noLimit1 = await measure(0, 1);
    const noLimit16 = await measure(0, 16);
    // A big ledger for this account this month (rows as the API writes them), then the same with a limit.
    const now = Date.now();
    const ins = s.db.prepare(
      `INSERT INTO credit_ledger (account_id, api_key_id, connection_id, input_kind, outcome, found, cache_hit, provider, credits, latency_ms, idempotency_key, created_at)
       VALUES (?, NULL, NULL, 'email', 'found', 1, 1, 'dataset', 3, 1, NULL, ?)`,
    );
    s.db.transaction(() => {
      for (let i = 0; i < o.ledgerRows; i++) ins.run(acc.id, now - (i % 1000));
    })();
    const ledgerTotal = (s.db.prepare('SELECT COUNT(*) AS n FROM credit_ledger').get() as { n: number }).n;
    const withLimit1 = await measure(1_000_000_000, 1);
    const withLimit16 = await measure(1_000_000_000, 16);
    const after0 = await measure(0, 16);
    return { ledgerRowsForLimitRun: ledgerTotal, runs: [noLimit1, noLimit16, { ...withLimit1, ledgerRows: ledgerTotal }, { ...withLimit16, ledgerRows: ledgerTotal }, { ...after0, ledgerRows: ledgerTotal }] };
  } finally {
    b.cleanup();
  }
}

serveRpc({ seniority, datasetImport, commitLatency, enrichHit });
