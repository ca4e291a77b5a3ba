// Benchmark 1: POST /v1/profile/enrich on cache hits, against a bare Express 5 handler that answers the same
// bytes. Servers on CPU 0, the load generator on CPU 1 (see README), same client, same concurrency.
//
// The machine is shared (other sessions run tests on it), so each concurrency level is measured in interleaved
// rounds — ours, bare, ours, bare, ... — and the median round is reported; server CPU per request (which
// interference barely changes) gives a second, steadier ratio.
import { startChild, type Child } from './lib/ipc.js';
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
  synchronous: number;
  journalMode: string;
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
  responses: number;
  wallMs: number;
  clientCpuPct: number;
}

export interface Row {
  server: string;
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
  clientCpuPct: number;
}

export async function measure(loadgen: Child, server: Child, port: number, source: RequestSource, concurrency: number, warmupMs: number, durationMs: number): Promise<Measure> {
  const cpu0 = await server.call<number>('cpu');
  const t0 = performance.now();
  const r = await loadgen.call<RunResult>('closed', { target: { host: '127.0.0.1', port }, source, connections: concurrency, warmupMs, durationMs });
  const wallMs = performance.now() - t0;
  const serverCpuMs = (await server.call<number>('cpu')) - cpu0;
  return {
    rps: r.rps,
    ...r.latencyMs,
    statuses: r.statuses,
    errors: r.errors,
    serverCpuMs,
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
    clientCpuPct: Math.round(ms.reduce((a, m) => a + m.clientCpuPct, 0) / ms.length),
  };
}

export async function run(cfg: BenchConfig): Promise<Section> {
  log('api: starting the real service (CPU 0), the bare Express app (CPU 0) and the load generator (CPU 1)');
  const ours = await startChild('procs/api-server.ts', { cpu: SERVER_CPU });
  const limited = await startChild('procs/api-server.ts', { cpu: SERVER_CPU });
  const bare = await startChild('procs/bare-server.ts', { cpu: SERVER_CPU });
  const bareJson = await startChild('procs/bare-server.ts', { cpu: SERVER_CPU });
  const loadgen = await startChild('procs/loadgen.ts', { cpu: CLIENT_CPU });
  try {
    const o = await ours.call<Started>('start', { rateLimitPerMinute: 0, keys: 1 });
    const l = await limited.call<Started>('start', { rateLimitPerMinute: 600, keys: LIMITED_KEYS });
    const b = await bare.call<{ port: number }>('start', { body: o.body, contentType: o.contentType });
    const bj = await bareJson.call<{ port: number }>('start', { body: o.body, contentType: o.contentType, parseJson: true });
    const body = JSON.stringify({ email: o.email });
    const source = (keys: string[]): RequestSource => ({
      kind: 'static',
      method: 'POST',
      path: '/v1/profile/enrich',
      headers: { 'Content-Type': 'application/json' },
      bodies: [body],
      variants: keys.map((k) => ({ 'X-API-Key': k })),
    });
    const oneKey = source(o.keys);
    const { rounds, warmupMs, durationMs } = cfg.api;
    const rows: Row[] = [];
    const rerun = Math.min(500, warmupMs); // connections are new each round; the processes are already warm

    for (const c of cfg.api.concurrency) {
      const mine: Measure[] = [];
      const theirs: Measure[] = [];
      for (let i = 0; i < rounds; i++) {
        mine.push(await measure(loadgen, ours, o.port, oneKey, c, i === 0 ? warmupMs : rerun, durationMs));
        theirs.push(await measure(loadgen, bare, b.port, oneKey, c, i === 0 ? warmupMs : rerun, durationMs));
      }
      rows.push(combine('crm-enrich (cache hit)', c, mine), combine('bare Express, same bytes', c, theirs));
      log(`  c=${c}: ours ${mine.map((m) => m.rps).join('/')} req/s, bare ${theirs.map((m) => m.rps).join('/')} req/s`);
    }
    // Rate limit on (600/min per key): many keys round-robin so no key runs out, i.e. what the limiter costs...
    const single = async (label: string, srv: Child, port: number, src: RequestSource) => {
      const r = combine(label, 16, [await measure(loadgen, srv, port, src, 16, warmupMs, durationMs * 2)]);
      log(`  ${label}: ${r.rps} req/s ${JSON.stringify(r.statuses)}`);
      return r;
    };
    const extra: Row[] = [];
    extra.push(await single(`crm-enrich, limit 600/min, ${LIMITED_KEYS} keys`, limited, l.port, source(l.keys)));
    // ...and one key, throttled after its burst of 600: how fast 429s are answered.
    extra.push(await single('crm-enrich, limit 600/min, 1 key (429s)', limited, l.port, source([l.keys[0]!])));
    // What parsing the request body costs a bare app.
    extra.push(await single('bare Express + express.json()', bareJson, bj.port, oneKey));
    const ledger = await ours.call<number>('ledgerRows');

    const ratios = cfg.api.concurrency.map((c) => {
      const a = rows.find((r) => r.concurrency === c && r.server.startsWith('crm-enrich'))!;
      const z = rows.find((r) => r.concurrency === c && r.server.startsWith('bare'))!;
      const ratio = a.rps / z.rps;
      return {
        concurrency: c,
        oursRps: a.rps,
        bareRps: z.rps,
        ratio: round(ratio, 2),
        cpuCostRatio: round(z.serverCpuUsPerReq / a.serverCpuUsPerReq, 2),
        p99Ratio: round(a.p99 / z.p99, 2),
        meetsTarget: ratio >= 0.5,
      };
    });
    const fmtStatuses = (s: Record<string, number>) =>
      Object.entries(s)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
    const all = [...rows, ...extra];
    const text = [
      table(
        `1. Enrichment API, cache hits vs. bare Express: median of ${rounds} interleaved rounds of ${durationMs / 1000} s (first after ${warmupMs / 1000} s warm-up); servers on CPU 0, client on CPU 1`,
        ['server', 'conc', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'req/s per round', 'srv CPU%', 'srv µs/req', 'cli CPU%', 'answers'],
        all.map((r) => [r.server, r.concurrency, r.rps, r.p50, r.p90, r.p99, r.max, r.rpsPerRound.join(' / '), r.serverCpuPct, r.serverCpuUsPerReq, r.clientCpuPct, fmtStatuses(r.statuses) + (r.errors ? ` errors:${r.errors}` : '')]),
        [
          `response body ${Buffer.byteLength(o.body)} bytes (${o.contentType}); SQLite journal_mode=${o.journalMode}, synchronous=${o.synchronous} (2 = FULL) on the main handle`,
          `ledger rows written by the limit-off server: ${ledger} (one per request)`,
          'srv µs/req = server CPU time / answers (warm-up included); srv CPU% < 100 on a saturated run means the server waited (disk) or was preempted',
        ],
      ),
      table(
        '1b. Ratio crm-enrich / bare Express (issue target: req/s ratio ≥ 0.5)',
        ['conc', 'ours req/s', 'bare req/s', 'req/s ratio', 'CPU-cost ratio', 'p99 ours/bare', 'meets 0.5'],
        ratios.map((r) => [r.concurrency, r.oursRps, r.bareRps, r.ratio, r.cpuCostRatio, r.p99Ratio, r.meetsTarget ? 'yes' : 'NO']),
        ['CPU-cost ratio = bare µs/req ÷ ours µs/req: the throughput ratio to expect when both are CPU-bound on one core; steadier than req/s on a shared machine'],
      ),
    ];
    return {
      name: 'api',
      text,
      results: {
        placement: { servers: `CPU ${SERVER_CPU}`, loadgen: `CPU ${CLIENT_CPU}`, orchestrator: 'unpinned (idle during runs)' },
        rounds,
        warmupMs,
        durationMs,
        responseBytes: Buffer.byteLength(o.body),
        contentType: o.contentType,
        sqlite: { journalMode: o.journalMode, synchronous: o.synchronous },
        datasetRows: o.imported,
        runs: all,
        ratios,
        ledgerRowsLimitOff: ledger,
      },
    };
  } finally {
    await Promise.all([ours.call('stop').catch(() => {}), limited.call('stop').catch(() => {})]);
    await Promise.all([ours.stop(), limited.stop(), bare.stop(), bareJson.stop(), loadgen.stop()]);
  }
}
