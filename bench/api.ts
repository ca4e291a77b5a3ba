// Benchmark 1: POST /v1/profile/enrich on cache hits, against a bare Express 5 handler that answers the same
// bytes. Servers on CPU 0, the load generator on CPU 1 (see README), same client, same concurrency.
//
// The machine is shared (other sessions run tests on it), so each concurrency level is measured in interleaved
// rounds — ours, bare, ours, bare, ... — and the median round is reported; server CPU per request (which
// interference barely changes) gives a second, steadier ratio.
import { startChild, type Child } from './lib/ipc.js';
import { ENGINE_LABEL, engineTarget, processCpuMs, type Engine, type EngineTarget } from './lib/engines.js';
import type { StoreInfo } from './lib/service.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { round, table } from './lib/stats.js';
import type { RequestSource, RunResult } from './procs/loadgen.js';

const SERVER_CPU = 0;
const CLIENT_CPU = 1;
/** Keys for the rate-limited run: 600/min each with a 600 burst, so 256 keys admit ~180k requests in a run. */
const LIMITED_KEYS = 256;

interface Started {
  port: number;
  keys: string[];
  email: string;
  body: string;
  contentType: string;
  imported: number;
  store: StoreInfo;
}

export interface Measure {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  serverCpuMs: number;
  /** CPU time of the PostgreSQL backend serving the server's connection (null on SQLite). */
  dbCpuMs: number | null;
  responses: number;
  wallMs: number;
  clientCpuPct: number;
}

export interface Row {
  server: string;
  /** The service's store (absent for the bare Express rows). */
  engine?: Engine;
  concurrency: number;
  rounds: number;
  /** Median round by req/s; its latency figures. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rpsPerRound: number[];
  statuses: Record<string, number>;
  errors: number;
  serverCpuPct: number;
  serverCpuUsPerReq: number;
  /** PostgreSQL backend CPU µs per answer (null on SQLite and for bare Express). */
  dbCpuUsPerReq: number | null;
  clientCpuPct: number;
}

/** `dbPid`: the PostgreSQL backend serving the server, whose CPU time is measured beside the server's own. */
export async function measure(loadgen: Child, server: Child, port: number, source: RequestSource, concurrency: number, warmupMs: number, durationMs: number, dbPid?: number): Promise<Measure> {
  const cpu0 = await server.call<number>('cpu');
  const db0 = processCpuMs(dbPid);
  const t0 = performance.now();
  const r = await loadgen.call<RunResult>('closed', { target: { host: '127.0.0.1', port }, source, connections: concurrency, warmupMs, durationMs });
  const wallMs = performance.now() - t0;
  const serverCpuMs = (await server.call<number>('cpu')) - cpu0;
  const db1 = processCpuMs(dbPid);
  return {
    rps: r.rps,
    ...r.latencyMs,
    statuses: r.statuses,
    errors: r.errors,
    serverCpuMs,
    dbCpuMs: db0 !== null && db1 !== null ? db1 - db0 : null,
    responses: r.totalResponses,
    wallMs,
    clientCpuPct: r.clientCpuPct,
  };
}

export function combine(server: string, concurrency: number, ms: Measure[]): Row {
  const sorted = [...ms].sort((a, b) => a.rps - b.rps);
  const med = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const statuses: Record<string, number> = {};
  for (const m of ms) for (const [k, v] of Object.entries(m.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const cpu = ms.reduce((a, m) => a + m.serverCpuMs, 0);
  const wall = ms.reduce((a, m) => a + m.wallMs, 0);
  const responses = ms.reduce((a, m) => a + m.responses, 0);
  return {
    server,
    concurrency,
    rounds: ms.length,
    rps: med.rps,
    p50: med.p50,
    p90: med.p90,
    p99: med.p99,
    max: Math.max(...ms.map((m) => m.max)),
    rpsPerRound: ms.map((m) => m.rps),
    statuses,
    errors: ms.reduce((a, m) => a + m.errors, 0),
    serverCpuPct: Math.round((cpu / wall) * 100),
    serverCpuUsPerReq: Math.round((cpu * 1000) / Math.max(1, responses)),
    dbCpuUsPerReq: ms.every((m) => m.dbCpuMs !== null) ? Math.round((ms.reduce((a, m) => a + m.dbCpuMs!, 0) * 1000) / Math.max(1, responses)) : null,
    clientCpuPct: Math.round(ms.reduce((a, m) => a + m.clientCpuPct, 0) / ms.length),
  };
}

interface EngineServers {
  engine: Engine;
  label: string;
  ours: Child;
  limited: Child;
  o: Started;
  l: Started;
  targets: EngineTarget[];
}

export async function run(cfg: BenchConfig): Promise<Section> {
  const engines = cfg.engines.engines;
  log(`api: the real service on ${engines.map((e) => ENGINE_LABEL[e]).join(' and ')} (CPU 0), the bare Express app (CPU 0) and the load generator (CPU 1)`);
  const servers: EngineServers[] = [];
  const bare = await startChild('procs/bare-server.ts', { cpu: SERVER_CPU });
  const bareJson = await startChild('procs/bare-server.ts', { cpu: SERVER_CPU });
  const loadgen = await startChild('procs/loadgen.ts', { cpu: CLIENT_CPU });
  try {
    for (const engine of engines) {
      const t1 = await engineTarget(engine, 'api');
      const t2 = await engineTarget(engine, 'api_limited');
      const ours = await startChild('procs/api-server.ts', { cpu: SERVER_CPU, env: t1.env });
      const limited = await startChild('procs/api-server.ts', { cpu: SERVER_CPU, env: t2.env });
      const srv: EngineServers = { engine, label: ENGINE_LABEL[engine], ours, limited, targets: [t1, t2], o: undefined as never, l: undefined as never };
      servers.push(srv);
      srv.o = await ours.call<Started>('start', { rateLimitPerMinute: 0, keys: 1 });
      srv.l = await limited.call<Started>('start', { rateLimitPerMinute: 600, keys: LIMITED_KEYS });
    }
    const first = servers[0]!.o;
    // Every engine must answer the same profile (latency_ms aside), or the rows would not compare like with like.
    const sameAnswer = (body: string) => JSON.stringify({ ...(JSON.parse(body) as object), latency_ms: 0 });
    for (const s of servers.slice(1)) {
      if (sameAnswer(s.o.body) !== sameAnswer(first.body)) throw new Error(`api: the ${s.label} service answered another profile than ${servers[0]!.label}: ${s.o.body.slice(0, 300)}`);
    }
    const b = await bare.call<{ port: number }>('start', { body: first.body, contentType: first.contentType });
    const bj = await bareJson.call<{ port: number }>('start', { body: first.body, contentType: first.contentType, parseJson: true });
    const body = JSON.stringify({ email: first.email });
    const source = (keys: string[]): RequestSource => ({
      kind: 'static',
      method: 'POST',
      path: '/v1/profile/enrich',
      headers: { 'Content-Type': 'application/json' },
      bodies: [body],
      variants: keys.map((k) => ({ 'X-API-Key': k })),
    });
    const { rounds, warmupMs, durationMs } = cfg.api;
    const rows: Row[] = [];
    const rerun = Math.min(500, warmupMs); // connections are new each round; the processes are already warm
    const ourLabel = (s: EngineServers) => `crm-enrich (cache hit), ${s.label}`;
    const BARE = 'bare Express, same bytes';

    for (const c of cfg.api.concurrency) {
      const mine = new Map<Engine, Measure[]>(servers.map((s) => [s.engine, []]));
      const theirs: Measure[] = [];
      // Interleaved: SQLite, PostgreSQL, bare, SQLite, PostgreSQL, bare...
      for (let i = 0; i < rounds; i++) {
        for (const s of servers) mine.get(s.engine)!.push(await measure(loadgen, s.ours, s.o.port, source(s.o.keys), c, i === 0 ? warmupMs : rerun, durationMs, s.o.store.backendPid));
        theirs.push(await measure(loadgen, bare, b.port, source(first.keys), c, i === 0 ? warmupMs : rerun, durationMs));
      }
      for (const s of servers) rows.push({ ...combine(ourLabel(s), c, mine.get(s.engine)!), engine: s.engine });
      rows.push(combine(BARE, c, theirs));
      log(`  c=${c}: ${servers.map((s) => `${s.label} ${mine.get(s.engine)!.map((m) => m.rps).join('/')}`).join(', ')} req/s, bare ${theirs.map((m) => m.rps).join('/')} req/s`);
    }
    // Rate limit on (600/min per key): many keys round-robin so no key runs out, i.e. what the limiter costs...
    const single = async (label: string, srv: Child, port: number, src: RequestSource, engine?: Engine, dbPid?: number) => {
      const r: Row = { ...combine(label, 16, [await measure(loadgen, srv, port, src, 16, warmupMs, durationMs * 2, dbPid)]), ...(engine ? { engine } : {}) };
      log(`  ${label}: ${r.rps} req/s ${JSON.stringify(r.statuses)}`);
      return r;
    };
    const extra: Row[] = [];
    for (const s of servers) extra.push(await single(`crm-enrich, limit 600/min, ${LIMITED_KEYS} keys, ${s.label}`, s.limited, s.l.port, source(s.l.keys), s.engine, s.l.store.backendPid));
    // ...and one key, throttled after its burst of 600: how fast 429s are answered.
    for (const s of servers) extra.push(await single(`crm-enrich, limit 600/min, 1 key (429s), ${s.label}`, s.limited, s.l.port, source([s.l.keys[0]!]), s.engine, s.l.store.backendPid));
    // What parsing the request body costs a bare app.
    extra.push(await single('bare Express + express.json()', bareJson, bj.port, source(first.keys)));
    const ledger: Partial<Record<Engine, number>> = {};
    for (const s of servers) ledger[s.engine] = await s.ours.call<number>('ledgerRows');

    const ratios = cfg.api.concurrency.flatMap((c) =>
      servers.map((s) => {
        const a = rows.find((r) => r.concurrency === c && r.engine === s.engine)!;
        const z = rows.find((r) => r.concurrency === c && r.server === BARE)!;
        const ratio = a.rps / z.rps;
        return {
          engine: s.engine,
          concurrency: c,
          oursRps: a.rps,
          bareRps: z.rps,
          ratio: round(ratio, 2),
          cpuCostRatio: round(z.serverCpuUsPerReq / a.serverCpuUsPerReq, 2),
          p99Ratio: round(a.p99 / z.p99, 2),
          meetsTarget: ratio >= 0.5,
        };
      }),
    );
    const fmtStatuses = (st: Record<string, number>) =>
      Object.entries(st)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
    const all = [...rows, ...extra];
    const storeNote = (s: EngineServers) =>
      s.o.store.engine === 'sqlite'
        ? `SQLite journal_mode=${s.o.store.journalMode}, synchronous=${s.o.store.synchronous} (2 = FULL) on the main handle`
        : `PostgreSQL ${s.o.store.serverVersion}, synchronous_commit=${s.o.store.synchronousCommit}, schema ${s.targets[0]!.schema}`;
    const text = [
      table(
        `1. Enrichment API, cache hits vs. bare Express: median of ${rounds} interleaved rounds of ${durationMs / 1000} s (first after ${warmupMs / 1000} s warm-up); servers on CPU 0, client on CPU 1`,
        ['server', 'conc', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'req/s per round', 'srv CPU%', 'srv µs/req', 'db µs/req', 'cli CPU%', 'answers'],
        all.map((r) => [r.server, r.concurrency, r.rps, r.p50, r.p90, r.p99, r.max, r.rpsPerRound.join(' / '), r.serverCpuPct, r.serverCpuUsPerReq, r.dbCpuUsPerReq ?? '–', r.clientCpuPct, fmtStatuses(r.statuses) + (r.errors ? ` errors:${r.errors}` : '')]),
        [
          `response body ${Buffer.byteLength(first.body)} bytes (${first.contentType}); ${servers.map(storeNote).join('; ')}`,
          `ledger rows written by the limit-off servers: ${servers.map((s) => `${s.label} ${ledger[s.engine]}`).join(', ')} (one per request)`,
          'srv µs/req = server CPU time / answers (warm-up included); srv CPU% < 100 on a saturated run means the server waited (disk, database) or was preempted',
          ...(servers.length > 1 ? ['db µs/req = CPU time of the PostgreSQL backend serving the service\'s connection / answers (from /proc; that process is not pinned)'] : []),
          ],
      ),
      table(
        '1b. Ratio crm-enrich / bare Express (issue target: req/s ratio ≥ 0.5)',
        ['engine', 'conc', 'ours req/s', 'bare req/s', 'req/s ratio', 'CPU-cost ratio', 'p99 ours/bare', 'meets 0.5'],
        ratios.map((r) => [ENGINE_LABEL[r.engine], r.concurrency, r.oursRps, r.bareRps, r.ratio, r.cpuCostRatio, r.p99Ratio, r.meetsTarget ? 'yes' : 'NO']),
        ['CPU-cost ratio = bare µs/req ÷ ours µs/req: the throughput ratio to expect when both are CPU-bound on one core; steadier than req/s on a shared machine'],
      ),
      ...(servers.length > 1 ? [engineTable(rows, cfg.api.concurrency)] : []),
    ];
    return {
      name: 'api',
      text,
      results: {
        placement: { servers: `CPU ${SERVER_CPU}`, loadgen: `CPU ${CLIENT_CPU}`, orchestrator: 'unpinned (idle during runs)', postgresBackend: 'unpinned' },
        engines: engines,
        postgresSkipped: cfg.engines.skipped,
        rounds,
        warmupMs,
        durationMs,
        responseBytes: Buffer.byteLength(first.body),
        contentType: first.contentType,
        stores: Object.fromEntries(servers.map((s) => [s.engine, { ...s.o.store, schema: s.targets[0]!.schema }])),
        datasetRows: first.imported,
        runs: all,
        ratios,
        ledgerRowsLimitOff: ledger,
      },
    };
  } finally {
    await Promise.all(servers.flatMap((s) => [s.ours.call('stop').catch(() => {}), s.limited.call('stop').catch(() => {})]));
    await Promise.all([...servers.flatMap((s) => [s.ours.stop(), s.limited.stop()]), bare.stop(), bareJson.stop(), loadgen.stop()]);
    for (const s of servers) for (const t of s.targets) await t.drop().catch((err: unknown) => log(`api: could not drop schema ${t.schema}: ${String(err)}`));
  }
}

/** 1c: the same cache-hit load on each engine, side by side. */
function engineTable(rows: Row[], concurrency: number[]): string {
  const at = (c: number, e: Engine) => rows.find((r) => r.concurrency === c && r.engine === e)!;
  return table(
    '1c. SQLite vs PostgreSQL, cache hits (same rounds as table 1)',
    ['conc', 'SQLite req/s', 'PostgreSQL req/s', 'PG ÷ SQLite', 'SQLite p99 ms', 'PG p99 ms', 'SQLite srv µs/req', 'PG srv µs/req', 'PG db µs/req'],
    concurrency.map((c) => {
      const s = at(c, 'sqlite');
      const p = at(c, 'postgres');
      return [c, s.rps, p.rps, round(p.rps / s.rps, 2), s.p99, p.p99, s.serverCpuUsPerReq, p.serverCpuUsPerReq, p.dbCpuUsPerReq ?? '–'];
    }),
    ['PostgreSQL: each statement of a request (the credit ledger row; key and cache lookups are memoized) waits for its round trip to the server while the event loop stands still'],
  );
}
