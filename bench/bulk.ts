// Benchmark "bulk": profiles/s through POST /v1/profile/enrich/bulk (100 items a request) against the single
// endpoint (one profile a request), on the same server, same keep-alive client, same cache-hit profiles. The
// server on CPU 0, the load generator on CPU 1 (see README). Rounds are interleaved (single, bulk, single, bulk...)
// and the median round is reported, as in the api benchmark; server CPU per profile gives the steadier ratio.
import { startChild } from './lib/ipc.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { round, table } from './lib/stats.js';
import { combine, measure, type Measure, type Row } from './api.js';
import type { RequestSource } from './procs/loadgen.js';

const SERVER_CPU = 0;
const CLIENT_CPU = 1;

interface Started {
  port: number;
  keys: string[];
  emails: string[];
}

export async function run(cfg: BenchConfig): Promise<Section> {
  const { warmupMs, durationMs, rounds, concurrency, items } = cfg.bulk;
  log(`bulk: the real service (CPU 0) and the load generator (CPU 1); ${items} items per bulk request, all cache hits`);
  const server = await startChild('procs/api-server.ts', { cpu: SERVER_CPU });
  const loadgen = await startChild('procs/loadgen.ts', { cpu: CLIENT_CPU });
  try {
    const s = await server.call<Started>('start', { rateLimitPerMinute: 0, keys: 1 });
    const headers = { 'Content-Type': 'application/json', 'X-API-Key': s.keys[0]! };
    // Every sample person, round-robin: the single endpoint sees the same profiles as the bulk items.
    const single: RequestSource = { kind: 'static', method: 'POST', path: '/v1/profile/enrich', headers, bodies: s.emails.map((email) => JSON.stringify({ email })) };
    const bodies = Array.from({ length: s.emails.length }, (_, offset) =>
      JSON.stringify({ requests: Array.from({ length: items }, (_, i) => ({ email: s.emails[(offset + i) % s.emails.length] })) }),
    );
    const bulk: RequestSource = { kind: 'static', method: 'POST', path: '/v1/profile/enrich/bulk', headers, bodies };
    const ledgerBefore = await server.call<number>('ledgerRows');

    const rows: { concurrency: number; single: Row; bulk: Row }[] = [];
    let requestsSent = 0;
    for (const c of concurrency) {
      const a: Measure[] = [];
      const b: Measure[] = [];
      for (let i = 0; i < rounds; i++) {
        const w = i === 0 ? warmupMs : Math.min(500, warmupMs);
        a.push(await measure(loadgen, server, s.port, single, c, w, durationMs));
        b.push(await measure(loadgen, server, s.port, bulk, c, w, durationMs));
      }
      requestsSent += a.reduce((n, m) => n + m.responses, 0) + b.reduce((n, m) => n + m.responses * items, 0);
      const row = { concurrency: c, single: combine('single endpoint', c, a), bulk: combine(`bulk, ${items} items`, c, b) };
      rows.push(row);
      log(`  c=${c}: single ${a.map((m) => m.rps).join('/')} req/s, bulk ${b.map((m) => m.rps).join('/')} req/s (×${items} profiles)`);
    }
    const ledgerRows = (await server.call<number>('ledgerRows')) - ledgerBefore;

    const ratios = rows.map(({ concurrency: c, single: a, bulk: b }) => {
      const singlePps = a.rps;
      const bulkPps = b.rps * items;
      const singleCpu = a.serverCpuUsPerReq;
      const bulkCpu = b.serverCpuUsPerReq / items;
      return {
        concurrency: c,
        singleProfilesPerS: singlePps,
        bulkProfilesPerS: bulkPps,
        ratio: round(bulkPps / singlePps, 2),
        singleCpuUsPerProfile: singleCpu,
        bulkCpuUsPerProfile: round(bulkCpu, 1),
        cpuCostRatio: round(singleCpu / bulkCpu, 2),
        singleP99Ms: a.p99,
        bulkP99Ms: b.p99,
      };
    });
    const statuses = rows.flatMap((r) => [r.single, r.bulk]).map((r) => `${r.server} c=${r.concurrency}: ${JSON.stringify(r.statuses)}${r.errors ? ` errors ${r.errors}` : ''}`);
    const text = [
      table(
        `bulk. Profiles/s, POST /v1/profile/enrich/bulk (${items} items) vs. POST /v1/profile/enrich, cache hits: median of ${rounds} interleaved rounds of ${durationMs / 1000} s; server on CPU 0, client on CPU 1`,
        ['conc', 'single profiles/s', 'bulk profiles/s', 'ratio', 'single µs/profile', 'bulk µs/profile', 'CPU-cost ratio', 'single p99 ms', 'bulk p99 ms (whole request)'],
        ratios.map((r) => [r.concurrency, r.singleProfilesPerS, r.bulkProfilesPerS, r.ratio, r.singleCpuUsPerProfile, r.bulkCpuUsPerProfile, r.cpuCostRatio, r.singleP99Ms, r.bulkP99Ms]),
        [
          'ratio = bulk profiles/s ÷ single profiles/s at the same number of connections; CPU-cost ratio = single server µs per profile ÷ bulk',
          `ledger rows written: ${ledgerRows} for ${requestsSent} profiles answered (one per profile, bulk or not)`,
          ...statuses,
        ],
      ),
    ];
    return {
      name: 'bulk',
      text,
      results: { placement: { server: `CPU ${SERVER_CPU}`, loadgen: `CPU ${CLIENT_CPU}` }, items, rounds, warmupMs, durationMs, ratios, runs: rows, ledgerRows, profilesAnswered: requestsSent },
    };
  } finally {
    await server.call('stop').catch(() => {});
    await Promise.all([server.stop(), loadgen.stop()]);
  }
}
