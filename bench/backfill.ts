// Benchmark 3: backfill of 1k / 3k / 10k contacts through the real pipeline (sync run + worker drain), against the
// HubSpot fake (its default 100 calls / 10 s limit) and the Salesforce fake, then a 10k run with 50 ms of latency
// per CRM call. The service runs on CPU 0, the fake on CPU 1. Each run is made on SQLite and, when PostgreSQL
// answers, on PostgreSQL right after it (a fresh service process and store each time).
import { startChild } from './lib/ipc.js';
import { ENGINE_LABEL, engineTarget, processCpuMs, type Engine } from './lib/engines.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { mib, round, table } from './lib/stats.js';
import type { CallKind, CallSummary } from './procs/crm-fake.js';

type Crm = 'hubspot' | 'salesforce';

/** The fewest read+write calls per 100 contacts the APIs allow (HubSpot: 100-record pages and batch updates;
 * Salesforce: 200-record query pages and 200-record collections updates). */
const MIN_CALLS_PER_100: Record<Crm, number> = { hubspot: 2, salesforce: 1 };

interface RunOut {
  state: string;
  error: string | null;
  counts: Record<string, number>;
  total: number | null;
  jobsRun: number;
  leftoverJobs: unknown[];
  /** Job attempts that did not succeed (retried after their backoff), by outcome and error. */
  failedAttempts: { outcome: string; error: string | null; n: number }[];
  wallMs: number;
  cpuMs: number;
  rssBeforeRun: number;
  peakRss: number;
  maxRssLifetime: number;
  heapBefore: number | null;
  heapAfter: number | null;
  ledgerRows: number;
}

interface Row {
  engine: Engine;
  crm: Crm;
  contacts: number;
  latencyMs: number;
  wallMs: number;
  contactsPerSec: number;
  serviceCpuPct: number;
  serviceCpuUsPerContact: number;
  /** PostgreSQL backend CPU µs per contact during the run (null on SQLite). */
  dbCpuUsPerContact: number | null;
  calls: CallSummary;
  callsPer100: Record<CallKind, number> & { total: number; readWrite: number };
  readWriteVsMinimum: number;
  written: number;
  failedAttempts: { outcome: string; error: string | null; n: number }[];
  counts: Record<string, number>;
  state: string;
  datasetImportMs: number;
  datasetRowsPerSec: number;
  rssBeforeRunMiB: number;
  peakRssMiB: number;
  maxRssLifetimeMiB: number;
  /** Heap still held after a forced GC, after the run minus before (MiB). */
  retainedHeapMiB: number | null;
  /** HubSpot: the least wall time its 100 calls / 10 s window allows for this many calls. */
  rateLimitFloorS: number | null;
}

async function one(engine: Engine, crm: Crm, contacts: number, latencyMs: number): Promise<Row> {
  const target = await engineTarget(engine, `backfill_${crm}`);
  const fake = await startChild('procs/crm-fake.ts', { cpu: 1 });
  const svc = await startChild('procs/backfill.ts', { cpu: 0, execArgv: ['--expose-gc'], env: target.env });
  try {
    const f = await fake.call<{ url: string; authorizeUrl: string; clientId: string; clientSecret: string }>('start', { crm, contacts, latencyMs });
    const s = await svc.call<{ importMs: number; imported: number; backendPid: number | null }>('start', { crm, people: contacts, fake: f });
    await fake.call('resetRequests');
    const db0 = processCpuMs(s.backendPid);
    const r = await svc.call<RunOut>('run');
    const db1 = processCpuMs(s.backendPid);
    const calls = await fake.call<CallSummary>('summary');
    const written = await fake.call<number>('written');
    if (r.state !== 'succeeded') {
      throw new Error(`${ENGINE_LABEL[engine]} ${crm} backfill of ${contacts}: run ${r.state}: ${r.error}; ${r.jobsRun} jobs run, counts ${JSON.stringify(r.counts)}, jobs left ${JSON.stringify(r.leftoverJobs)}`);
    }
    const per100 = (v: number) => round((v / contacts) * 100, 2);
    const callsPer100 = {
      ...(Object.fromEntries(Object.entries(calls.byKind).map(([k, v]) => [k, per100(v)])) as Record<CallKind, number>),
      total: per100(calls.total),
      readWrite: per100(calls.byKind.read + calls.byKind.write),
    };
    const row: Row = {
      engine,
      crm,
      contacts,
      latencyMs,
      wallMs: r.wallMs,
      contactsPerSec: Math.round((contacts / r.wallMs) * 1000),
      serviceCpuPct: Math.round((r.cpuMs / r.wallMs) * 100),
      serviceCpuUsPerContact: Math.round((r.cpuMs * 1000) / contacts),
      dbCpuUsPerContact: db0 !== null && db1 !== null ? Math.round(((db1 - db0) * 1000) / contacts) : null,
      calls,
      callsPer100,
      readWriteVsMinimum: round(callsPer100.readWrite / MIN_CALLS_PER_100[crm], 2),
      written,
      failedAttempts: r.failedAttempts,
      counts: r.counts,
      state: r.state,
      datasetImportMs: s.importMs,
      datasetRowsPerSec: Math.round((s.imported / s.importMs) * 1000),
      rssBeforeRunMiB: mib(r.rssBeforeRun),
      peakRssMiB: mib(r.peakRss),
      maxRssLifetimeMiB: mib(r.maxRssLifetime),
      retainedHeapMiB: r.heapBefore !== null && r.heapAfter !== null ? mib(r.heapAfter - r.heapBefore) : null,
      // Calls after the first 100 wait for the window: the k-th hundred can start 10 s after the (k-1)-th.
      rateLimitFloorS: crm === 'hubspot' ? Math.floor(Math.max(0, calls.total - 1) / 100) * 10 : null,
    };
    if (r.failedAttempts.length) log(`  ${ENGINE_LABEL[engine]} ${crm} ${contacts}: job attempts that failed and were retried: ${JSON.stringify(r.failedAttempts)}`);
    log(
      `  ${ENGINE_LABEL[engine]} ${crm} ${contacts} contacts, latency ${latencyMs} ms: ${r.wallMs} ms → ${row.contactsPerSec} contacts/s; calls ${JSON.stringify(calls.byKind)} (429s: ${calls.rateLimited}); written ${written}; peak RSS ${row.peakRssMiB} MiB`,
    );
    return row;
  } finally {
    await svc.call('stop').catch(() => {});
    await fake.call('stop').catch(() => {});
    await Promise.all([svc.stop(), fake.stop()]);
    await target.drop().catch((err: unknown) => log(`backfill: could not drop schema ${target.schema}: ${String(err)}`));
  }
}

export async function run(cfg: BenchConfig): Promise<Section> {
  log('backfill: service + worker on CPU 0, CRM fake on CPU 1');
  const engines = cfg.engines.engines;
  const rows: Row[] = [];
  // Engines interleaved run by run, so a change in the machine's load falls on both alike.
  for (const crm of ['hubspot', 'salesforce'] as const) {
    for (const n of cfg.backfill.sizes) for (const e of engines) rows.push(await one(e, crm, n, 0));
    for (const e of engines) rows.push(await one(e, crm, cfg.backfill.latencySize, 50));
  }
  const growth = engines.flatMap((engine) => (['hubspot', 'salesforce'] as const).map((crm) => {
    const rs = rows.filter((r) => r.engine === engine && r.crm === crm && r.latencyMs === 0).sort((a, b) => a.contacts - b.contacts);
    const a = rs[0]!;
    const z = rs[rs.length - 1]!;
    return {
      engine,
      crm,
      from: a.contacts,
      to: z.contacts,
      sizeRatio: round(z.contacts / a.contacts, 1),
      wallRatio: round(z.wallMs / a.wallMs, 2),
      contactsPerSecRatio: round(z.contactsPerSec / a.contactsPerSec, 2),
      callsPer100From: a.callsPer100.total,
      callsPer100To: z.callsPer100.total,
      peakRssFromMiB: a.peakRssMiB,
      peakRssToMiB: z.peakRssMiB,
      heapKeptFromMiB: a.retainedHeapMiB,
      heapKeptToMiB: z.retainedHeapMiB,
    };
  }));
  const text: string[] = [
    table(
      '3. Backfill through the real pipeline (startRun("backfill") + one worker drain); fakes at their default limits',
      ['engine', 'crm', 'contacts', 'CRM latency', 'wall s', 'limit floor s', 'contacts/s', 'svc CPU%', 'svc µs/contact', 'db µs/contact', 'calls/100', 'read', 'write', 'search/count', 'oauth', 'schema/other', 'rw vs min', '429s', 'written', 'RSS before MiB', 'peak RSS MiB', 'heap kept MiB'],
      rows.map((r) => [
        ENGINE_LABEL[r.engine],
        r.crm,
        r.contacts,
        `${r.latencyMs} ms`,
        round(r.wallMs / 1000, 1),
        r.rateLimitFloorS ?? '–',
        r.contactsPerSec,
        r.serviceCpuPct,
        r.serviceCpuUsPerContact,
        r.dbCpuUsPerContact ?? '–',
        r.callsPer100.total,
        r.callsPer100.read,
        r.callsPer100.write,
        r.callsPer100['search/count'],
        r.callsPer100.oauth,
        r.callsPer100['schema/other'],
        `${r.readWriteVsMinimum}×`,
        r.calls.rateLimited,
        r.written,
        r.rssBeforeRunMiB,
        r.peakRssMiB,
        r.retainedHeapMiB ?? '–',
      ]),
      [
        'calls/100 = CRM requests per 100 contacts as the fake recorded them, after the install (reset before the run); "rw vs min" = (read + write) / the API minimum',
        'API minimum per 100 contacts: HubSpot 2 (one 100-record page + one 100-record batch update), Salesforce 1 (200-record query page + 200-record collections update)',
        'HubSpot fake limit 100 calls / 10 s → at 2 calls per 100 contacts the ceiling is ≈ 500 contacts/s; "limit floor" = the least wall time that window allows for the calls made (wall ≈ floor: limit-bound, not CPU-bound). Salesforce has no short-window limit (daily allocation only)',
        'peak RSS: sampled every 100 ms in the service process during the run (dataset already imported); heap kept = heap after a forced GC, after the run minus before (what the run left behind)',
        ...rows
          .filter((r) => r.failedAttempts.length)
          .map((r) => `retried: ${ENGINE_LABEL[r.engine]} ${r.crm} ${r.contacts} (${r.latencyMs} ms): ${r.failedAttempts.map((a) => `${a.n} × ${a.outcome}${a.error ? ` "${a.error.slice(0, 120)}"` : ''}`).join('; ')} (job attempts that failed, retried after their backoff)`),
        ...(engines.length > 1 ? ['db µs/contact = CPU time of the PostgreSQL backend serving the service\'s connection during the run / contacts (from /proc; that process is not pinned)'] : []),
      ],
    ),
    table(
      '3b. Growth from the smallest to the largest backfill (latency 0)',
      ['engine', 'crm', 'contacts', '× size', '× wall', '× contacts/s', 'calls/100', 'peak RSS MiB', 'heap kept MiB'],
      growth.map((g) => [
        ENGINE_LABEL[g.engine],
        g.crm,
        `${g.from} → ${g.to}`,
        g.sizeRatio,
        g.wallRatio,
        g.contactsPerSecRatio,
        `${g.callsPer100From} → ${g.callsPer100To}`,
        `${g.peakRssFromMiB} → ${g.peakRssToMiB}`,
        `${g.heapKeptFromMiB ?? '–'} → ${g.heapKeptToMiB ?? '–'}`,
      ]),
      ['× wall ≈ × size and × contacts/s ≈ 1 means linear; calls/100 should stay flat. HubSpot runs above ~5,000 contacts (> 100 calls) wait for the 10-second window, so their wall time follows the limit floor, not the size'],
    ),
  ];
  const pairs = engines.length > 1 ? rows.filter((r) => r.engine === 'sqlite').map((a) => ({ sqlite: a, postgres: rows.find((r) => r.engine === 'postgres' && r.crm === a.crm && r.contacts === a.contacts && r.latencyMs === a.latencyMs)! })) : [];
  if (pairs.length) {
    text.push(
      table(
        '3c. SQLite vs PostgreSQL, backfill (the same runs as table 3)',
        ['crm', 'contacts', 'CRM latency', 'SQLite contacts/s', 'PG contacts/s', 'PG ÷ SQLite', 'SQLite svc µs/contact', 'PG svc µs/contact', 'PG db µs/contact', 'SQLite import rows/s', 'PG import rows/s'],
        pairs.map(({ sqlite: a, postgres: p }) => [
          a.crm,
          a.contacts,
          `${a.latencyMs} ms`,
          a.contactsPerSec,
          p.contactsPerSec,
          round(p.contactsPerSec / a.contactsPerSec, 2),
          a.serviceCpuUsPerContact,
          p.serviceCpuUsPerContact,
          p.dbCpuUsPerContact ?? '–',
          a.datasetRowsPerSec,
          p.datasetRowsPerSec,
        ]),
        ['HubSpot runs past ~5,000 contacts wait for the CRM\'s 100 calls / 10 s whenever the service could go faster than ≈ 500 contacts/s; import rows/s = the dataset import before the run (`importDataset` of the contacts\' people)'],
      ),
    );
  }
  return {
    name: 'backfill',
    text,
    results: { engines, postgresSkipped: cfg.engines.skipped, minCallsPer100: MIN_CALLS_PER_100, runs: rows, growth, sideBySide: pairs.map(({ sqlite: a, postgres: p }) => ({ crm: a.crm, contacts: a.contacts, latencyMs: a.latencyMs, sqliteContactsPerSec: a.contactsPerSec, postgresContactsPerSec: p.contactsPerSec, ratio: round(p.contactsPerSec / a.contactsPerSec, 2) })) },
  };
}
