// Benchmark 2: HubSpot webhook intake. Signed v3 batches of 100 contact.creation events at a fixed offered rate
// (open loop, at most 10 requests in flight: HubSpot's default maxConcurrentRequests), stepped up until the p99
// acknowledgement passes 100 ms; then two bisection steps. Worker off: intake only. At the end every acknowledged
// event must be a queued contact.enrich job.
import { startChild } from './lib/ipc.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { round, table } from './lib/stats.js';
import type { RunResult } from './procs/loadgen.js';

const BATCH = 100;
const CONNECTIONS = 10;
const P99_LIMIT_MS = 100;

interface Step {
  offeredEventsPerSec: number;
  achievedEventsPerSec: number;
  batches: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  serviceP50: number;
  serviceP99: number;
  statuses: Record<string, number>;
  errors: number;
  unsent: number;
  queued: number;
  serverCpuPct: number;
  serverCpuUsPerBatch: number | null;
  clientCpuPct: number;
  pass: boolean;
}

export async function run(cfg: BenchConfig): Promise<Section> {
  log('webhooks: service + idle HubSpot fake on CPU 0, signed-batch load generator on CPU 1');
  const server = await startChild('procs/webhook-server.ts', { cpu: 0 });
  const loadgen = await startChild('procs/loadgen.ts', { cpu: 1 });
  try {
    const s = await server.call<{ port: number; portalId: number; clientSecret: string; signedUrl: string; synchronous: number }>('start');
    let nextId = 1_000_000;
    const steps: Step[] = [];
    const step = async (batchesPerSec: number): Promise<Step> => {
      const cpu0 = await server.call<number>('cpu');
      const t0 = performance.now();
      const r = await loadgen.call<RunResult>('open', {
        target: { host: '127.0.0.1', port: s.port },
        source: { kind: 'hubspot-webhook', path: '/webhooks/hubspot', signedUrl: s.signedUrl, clientSecret: s.clientSecret, portalId: s.portalId, batch: BATCH, firstId: nextId },
        connections: CONNECTIONS,
        rate: batchesPerSec,
        durationMs: cfg.webhooks.stepMs,
        graceMs: 5_000,
        sumField: 'queued',
      });
      const wall = performance.now() - t0;
      const cpu = (await server.call<number>('cpu')) - cpu0;
      nextId = r.nextId ?? nextId + 1_000_000;
      const ok200 = r.statuses['200'] ?? 0;
      const achieved = (ok200 * BATCH) / (cfg.webhooks.stepMs / 1000);
      const offered = batchesPerSec * BATCH;
      const st: Step = {
        offeredEventsPerSec: offered,
        achievedEventsPerSec: Math.round(achieved),
        batches: r.requests,
        p50: r.latencyMs.p50,
        p90: r.latencyMs.p90,
        p99: r.latencyMs.p99,
        max: r.latencyMs.max,
        serviceP50: r.serviceMs?.p50 ?? NaN,
        serviceP99: r.serviceMs?.p99 ?? NaN,
        statuses: r.statuses,
        errors: r.errors,
        unsent: r.unsent ?? 0,
        queued: r.summed ?? 0,
        serverCpuPct: round((cpu / wall) * 100, 0),
        serverCpuUsPerBatch: r.requests ? round((cpu * 1000) / r.requests, 0) : null,
        clientCpuPct: r.clientCpuPct,
        pass: r.latencyMs.p99 < P99_LIMIT_MS && r.errors === 0 && (r.unsent ?? 0) === 0 && ok200 === r.requests && achieved >= offered * 0.95,
      };
      log(`  offered ${offered} ev/s: acked ${st.achievedEventsPerSec} ev/s, p50 ${st.p50} ms, p99 ${st.p99} ms, ${st.pass ? 'PASS' : 'FAIL'}`);
      steps.push(st);
      return st;
    };

    // Doubling ladder, then bisect (geometric) between the last pass and the first failure.
    let rate = 5;
    let lastPass = 0;
    let firstFail = 0;
    for (let i = 0; i < cfg.webhooks.maxSteps - 2; i++) {
      const st = await step(rate);
      if (st.pass) lastPass = rate;
      else {
        firstFail = rate;
        break;
      }
      rate *= 2;
    }
    if (firstFail && lastPass) {
      for (let i = 0; i < 2; i++) {
        const mid = Math.round(Math.sqrt(lastPass * firstFail));
        if (mid <= lastPass || mid >= firstFail) break;
        const st = await step(mid);
        if (st.pass) lastPass = mid;
        else firstFail = mid;
      }
    }
    const jobs = await server.call<Record<string, number>>('jobs');
    const queuedJobs = jobs['contact.enrich:queued'] ?? 0;
    const acked = steps.reduce((a, st) => a + (st.statuses['200'] ?? 0) * BATCH, 0);
    const reportedQueued = steps.reduce((a, st) => a + st.queued, 0);
    const best = steps.filter((st) => st.pass).sort((a, b) => b.achievedEventsPerSec - a.achievedEventsPerSec)[0];
    const rss = await server.call<number>('rss');

    const text = [
      table(
        `2. HubSpot webhook intake: signed v3 batches of ${BATCH} contact.creation events, open loop, ≤ ${CONNECTIONS} in flight, ${cfg.webhooks.stepMs / 1000} s per step, worker off`,
        ['offered ev/s', 'acked ev/s', 'batches', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'svc p99', 'srv CPU%', 'srv µs/batch', 'non-200/err', `p99<${P99_LIMIT_MS}`],
        steps.map((st) => [
          st.offeredEventsPerSec,
          st.achievedEventsPerSec,
          st.batches,
          st.p50,
          st.p90,
          st.p99,
          st.max,
          st.serviceP99,
          st.serverCpuPct,
          st.serverCpuUsPerBatch ?? '–',
          String(st.batches - (st.statuses['200'] ?? 0) + st.errors + st.unsent),
          st.pass ? 'pass' : 'FAIL',
        ]),
        [
          `sustained: ${best ? `${best.achievedEventsPerSec} events/s (${best.achievedEventsPerSec / BATCH} batches/s) with p50 ${best.p50} ms, p99 ${best.p99} ms` : 'no step passed'}`,
          `latency counts from the scheduled send time (queueing behind the ${CONNECTIONS} in-flight requests included); "svc" = from the actual send`,
          `durability: ${acked} events acknowledged with 200, responses said queued=${reportedQueued}, contact.enrich jobs in state queued: ${queuedJobs} → ${queuedJobs === acked ? 'every acknowledged event is queued' : 'MISMATCH'}`,
          `SQLite synchronous=${s.synchronous} (2 = FULL: each batch is one transaction, fsynced before the 200); server RSS at the end ${Math.round(rss / 1024 / 1024)} MiB`,
        ],
      ),
    ];
    return {
      name: 'webhooks',
      text,
      results: {
        batchSize: BATCH,
        maxInFlight: CONNECTIONS,
        p99LimitMs: P99_LIMIT_MS,
        stepMs: cfg.webhooks.stepMs,
        steps,
        sustained: best ? { eventsPerSec: best.achievedEventsPerSec, p50Ms: best.p50, p99Ms: best.p99 } : null,
        durability: { acknowledgedEvents: acked, reportedQueued, jobs, allQueued: queuedJobs === acked },
        serverRssBytes: rss,
      },
    };
  } finally {
    await server.call('stop').catch(() => {});
    await Promise.all([server.stop(), loadgen.stop()]);
  }
}
