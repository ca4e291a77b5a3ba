// Benchmark 4: cheap in-process figures (one child on CPU 0): seniority classification, dataset import, the cost of
// a commit on this disk, and enricher.enrich() on a cache hit with and without a monthly credit limit.
import { startChild } from './lib/ipc.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { table } from './lib/stats.js';

interface EnrichRun {
  inflight: number;
  monthlyLimit: number;
  calls: number;
  cacheHits: number;
  perSec: number;
  usPerCall: number;
  ledgerRows?: number;
}

export async function run(cfg: BenchConfig): Promise<Section> {
  log('micro: one child on CPU 0');
  const c = await startChild('procs/micro.ts', { cpu: 0 });
  try {
    const sen = await c.call<{ titles: number; agreeWithFixture: number; perSec: number; usPerTitle: number; classified: number }>('seniority', { ms: cfg.quick ? 500 : 1500 });
    log(`  seniority: ${sen.perSec} titles/s`);
    const imp = await c.call<{ rows: number; bytes: number; insertRowsPerSec: number; updateRowsPerSec: number; insertMs: number; updateMs: number; skipped: number }>('datasetImport', {
      rows: cfg.micro.datasetRows,
    });
    log(`  dataset import: ${imp.insertRowsPerSec} rows/s`);
    const commit = await c.call<Record<'FULL' | 'NORMAL', { p50us: number; p99us: number; meanUs: number }>>('commitLatency', { n: cfg.quick ? 200 : 500 });
    log(`  commit latency: FULL p50 ${commit.FULL.p50us} µs, NORMAL p50 ${commit.NORMAL.p50us} µs`);
    const enrich = await c.call<{ runs: EnrichRun[]; ledgerRowsForLimitRun: number }>('enrichHit', { ms: cfg.quick ? 1000 : 2000, ledgerRows: 100_000 });
    log(`  enrich cache hit: ${enrich.runs.map((r) => `${r.perSec}/s`).join(', ')}`);
    const text = [
      table(
        '4. Micro benchmarks (in-process, CPU 0)',
        ['what', 'figure', 'unit', 'detail'],
        [
          [`seniority classification (${sen.titles}-title fixture)`, sen.perSec, 'titles/s', `${sen.usPerTitle} µs/title; ${sen.agreeWithFixture}/${sen.titles} agree with the fixture`],
          [`dataset import, ${imp.rows} new rows (JSONL, ${Math.round(imp.bytes / 1024)} KiB)`, imp.insertRowsPerSec, 'rows/s', `${imp.insertMs} ms, one transaction`],
          [`dataset re-import, ${imp.rows} rows (upserts)`, imp.updateRowsPerSec, 'rows/s', `${imp.updateMs} ms`],
          ['SQLite autocommit INSERT, WAL, synchronous=FULL', commit.FULL.p50us, 'µs p50', `p99 ${commit.FULL.p99us} µs (an fsync on this disk)`],
          ['SQLite autocommit INSERT, WAL, synchronous=NORMAL', commit.NORMAL.p50us, 'µs p50', `p99 ${commit.NORMAL.p99us} µs`],
          ...enrich.runs.map((r): (string | number)[] => [
            `enricher.enrich() cache hit, ${r.inflight} in flight, ${r.monthlyLimit ? `monthly limit set, ledger ${r.ledgerRows} rows` : `no monthly limit${r.ledgerRows ? `, ledger ${r.ledgerRows} rows` : ''}`}`,
            r.perSec,
            'calls/s',
            `${r.usPerCall} µs/call; ${r.cacheHits}/${r.calls} cache hits`,
          ]),
        ],
      ),
    ];
    return { name: 'micro', text, results: { seniority: sen, datasetImport: imp, sqliteCommitLatency: commit, enrichCacheHit: enrich } };
  } finally {
    await c.stop();
  }
}
