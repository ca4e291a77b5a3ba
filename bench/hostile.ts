// Benchmark 5: the Salesforce endpoint under attack. Four clients post hostile XML (about 1 MB of sibling
// elements, or bodies at the 256 KiB cap) while a fifth GETs /healthz every 20 ms: the /healthz latency shows
// whether the event loop stays free. Phases: idle; an unknown endpoint secret; the bare /webhooks/salesforce path;
// the connection's real secret with an oversized body (refused from Content-Length); the real secret with bodies
// at the cap that the linear scan refuses; the real secret with bodies just under the element bound, which are
// parsed in full (the worst a holder of the secret can do). Worker off. Run alone: BENCH_ONLY=hostile.
import { startChild } from './lib/ipc.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { fmt, round, table } from './lib/stats.js';
import type { HostileRun } from './procs/hostile-client.js';

const POSTERS = 4;
const P99_LIMIT_MS = 50;

interface Phase {
  name: string;
  path: 'unknown' | 'bare' | 'token' | null;
  body: 'siblings-1mb' | 'siblings-256k-scan' | 'siblings-at-bound' | null;
}

const PHASES: Phase[] = [
  { name: 'idle (no posters)', path: null, body: null },
  { name: 'unknown secret, 1 MB', path: 'unknown', body: 'siblings-1mb' },
  { name: 'bare path, 1 MB', path: 'bare', body: 'siblings-1mb' },
  { name: 'real secret, 1 MB (over the cap)', path: 'token', body: 'siblings-1mb' },
  { name: 'real secret, 256 KiB > element bound', path: 'token', body: 'siblings-256k-scan' },
  { name: 'real secret, 2,990 elements parsed', path: 'token', body: 'siblings-at-bound' },
];

export async function run(cfg: BenchConfig): Promise<Section> {
  log('hostile: service + idle Salesforce fake on CPU 0; four hostile posters and, in its own process, a /healthz prober on CPU 1');
  const server = await startChild('procs/hostile-server.ts', { cpu: 0 });
  const client = await startChild('procs/hostile-client.ts', { cpu: 1 });
  const prober = await startChild('procs/hostile-client.ts', { cpu: 1 });
  try {
    const s = await server.call<{ port: number; outboundPath: string; orgId: string }>('start');
    const paths = { unknown: `/webhooks/salesforce/${'A'.repeat(43)}`, bare: '/webhooks/salesforce', token: s.outboundPath };
    const rows: (Phase & HostileRun & { serverCpuPct: number })[] = [];
    for (const p of PHASES) {
      const cpu0 = await server.call<number>('cpu');
      const t0 = performance.now();
      const common = { port: s.port, path: p.path ? paths[p.path] : '/', orgId: s.orgId, durationMs: cfg.hostile.phaseMs };
      const [posted, probed] = await Promise.all([
        client.call<HostileRun>('run', { ...common, body: p.body, posters: POSTERS, probeEveryMs: null }),
        prober.call<HostileRun>('run', { ...common, body: null, posters: 0, probeEveryMs: 20 }),
      ]);
      const r: HostileRun = { ...posted, healthz: probed.healthz, healthzFailures: probed.healthzFailures };
      const serverCpuPct = round((((await server.call<number>('cpu')) - cpu0) / (performance.now() - t0)) * 100, 0);
      log(`  ${p.name}: /healthz p50 ${r.healthz.p50} ms, p99 ${r.healthz.p99} ms; ${r.posts} posts ${JSON.stringify(r.statuses)}; server CPU ${serverCpuPct}%`);
      rows.push({ ...p, ...r, serverCpuPct });
    }
    const queued = await server.call<number>('jobs');
    const idle = rows[0]!.healthz;
    const text = table(
      `Hostile Outbound Message posters (${POSTERS} clients) vs /healthz latency (ms)`,
      ['phase', 'healthz p50', 'p99', 'max', 'p99 / idle p99', 'posts', 'answers', 'server CPU %'],
      rows.map((r) => [
        r.name,
        fmt(r.healthz.p50),
        fmt(r.healthz.p99),
        fmt(r.healthz.max),
        r === rows[0] ? '1' : fmt(round(r.healthz.p99 / idle.p99, 1)),
        r.posts,
        Object.entries(r.statuses)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ') || '-',
        r.serverCpuPct,
      ]),
      [
        `goal: /healthz p99 under ${P99_LIMIT_MS} ms in every phase; jobs queued by all hostile posts: ${queued} (must be 0)`,
        'refused bodies are answered before they are read and then discarded unparsed (an EPIPE/ECONNRESET on a poster is a refusal too)',
      ],
    );
    return {
      name: 'hostile',
      text: [text],
      results: { posters: POSTERS, p99LimitMs: P99_LIMIT_MS, queued, pass: queued === 0 && rows.every((r) => r.healthz.p99 < P99_LIMIT_MS), phases: rows },
    };
  } finally {
    await server.call('stop').catch(() => undefined);
    await Promise.all([server.stop(), client.stop(), prober.stop()]);
  }
}
