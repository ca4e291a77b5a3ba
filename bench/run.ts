// `npm run bench`: runs every benchmark in turn, prints the tables on stdout (progress goes to stderr) and writes
// bench/results.json with the machine, the date and every figure. BENCH_QUICK=1 for a short run;
// BENCH_ONLY=api,bulk,webhooks,backfill,micro,import,hostile,providers for a subset; BENCH_NO_PIN=1 to skip CPU pinning.
// The api, webhooks and backfill sections run on SQLite and, when PostgreSQL answers at BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), on PostgreSQL too, side by side; BENCH_ENGINES=sqlite leaves it out.
import { cpus, totalmem, release, platform, loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import { benchConfig, log, type Section } from './lib/config.js';
import { canPin, PIN } from './lib/ipc.js';
import { planEngines } from './lib/engines.js';
import * as api from './api.js';
import * as bulk from './bulk.js';
import * as webhooks from './webhooks.js';
import * as backfill from './backfill.js';
import * as micro from './micro.js';
import * as datasetImport from './import.js';
import * as hostile from './hostile.js';
import * as providers from './providers.js';

/** The sections with an engine dimension (SQLite, and PostgreSQL when it answers). */
const ENGINE_BENCHES = ['api', 'webhooks', 'backfill'];

const BENCHES: Record<string, { run(cfg: ReturnType<typeof benchConfig>): Promise<Section> }> = { api, bulk, webhooks, backfill, micro, import: datasetImport, hostile, providers };

function gitRev(): string | null {
  try {
    const rev = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src connectors', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${rev}+dirty(src)` : rev;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const cfg = benchConfig();
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const names = only.length ? only : Object.keys(BENCHES);
  for (const n of names) if (!BENCHES[n]) throw new Error(`BENCH_ONLY: unknown benchmark ${n} (known: ${Object.keys(BENCHES).join(', ')})`);

  const cpu = cpus();
  const machine = {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${platform()} ${release()}`,
    pinned: PIN && canPin(),
  };
  if (names.some((n) => ENGINE_BENCHES.includes(n))) cfg.engines = await planEngines();
  const engineLine = cfg.engines.postgres
    ? `engines (${ENGINE_BENCHES.filter((n) => names.includes(n)).join(', ')}): SQLite and PostgreSQL ${cfg.engines.postgres.version} at ${cfg.engines.postgres.url}, a fresh schema per service process`
    : `engines (${ENGINE_BENCHES.filter((n) => names.includes(n)).join(', ')}): SQLite only; the PostgreSQL column was skipped: ${cfg.engines.skipped}`;
  const started = new Date();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ${cfg.quick ? 'QUICK run' : 'full run'}; benchmarks: ${names.join(', ')}`);
  if (names.some((n) => ENGINE_BENCHES.includes(n))) log(engineLine);
  const sections: Section[] = [];
  // Other work on the machine skews every figure: the 1-minute load average before and after each benchmark is
  // kept with the results (on 2 cores, anything well above 2 during a run means it shared the CPUs).
  const load: Record<string, { before: number; after: number; seconds: number }> = {};
  for (const n of names) {
    const t0 = performance.now();
    const before = loadavg()[0]!;
    log(`=== ${n} (load average ${before.toFixed(2)}) ===`);
    const s = await BENCHES[n]!.run(cfg);
    sections.push(s);
    load[n] = { before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100, seconds: Math.round((performance.now() - t0) / 100) / 10 };
    log(`=== ${n} done in ${load[n]!.seconds} s (load average ${load[n]!.after}) ===`);
  }
  const totalS = Math.round(performance.now() / 1000);

  const header = [
    `# crm-enrich benchmarks (${cfg.quick ? 'BENCH_QUICK=1' : 'full run'})`,
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}`,
    `date: ${started.toISOString()}; commit ${gitRev() ?? 'unknown'}; CPU pinning: ${machine.pinned ? 'taskset (servers CPU 0, clients/fakes CPU 1)' : 'off'}`,
  ];
  if (names.some((n) => ENGINE_BENCHES.includes(n))) header.push(engineLine);
  const loadLine = Object.entries(load)
    .map(([n, l]) => `${n} ${l.seconds} s (load ${l.before} → ${l.after})`)
    .join(', ');
  const maxLoad = Math.max(...Object.values(load).flatMap((l) => [l.before, l.after]));
  if (maxLoad > 2.5) {
    header.push(`WARNING: 1-minute load average reached ${maxLoad} on ${machine.cores} cores: other work shared the CPUs and the disk; absolute figures are depressed (ratios measured back to back hold better)`);
  }
  process.stdout.write(`${header.join('\n')}\n${sections.flatMap((s) => s.text).join('\n')}\n\ntotal wall time ${totalS} s: ${loadLine}\n`);

  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  // A subset run (BENCH_ONLY) replaces its own sections and keeps the others' figures; `sectionRuns` says when
  // and on which commit each section was measured.
  const previous = only.length ? readPrevious(out) : undefined;
  const thisRun = { date: started.toISOString(), commit: gitRev(), quick: cfg.quick };
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        machine,
        date: started.toISOString(),
        commit: gitRev(),
        quick: cfg.quick,
        config: cfg,
        totalWallSeconds: totalS,
        loadAverage: { ...previous?.loadAverage, ...load },
        sectionRuns: {
          ...(previous?.sectionRuns ?? Object.fromEntries(Object.keys(previous?.results ?? {}).map((n) => [n, { date: previous?.date, commit: previous?.commit, quick: previous?.quick }]))),
          ...Object.fromEntries(names.map((n) => [n, thisRun])),
        },
        results: { ...previous?.results, ...Object.fromEntries(sections.map((s) => [s.name, s.results])) },
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${out}`);
}

interface PreviousResults {
  date?: string;
  commit?: string | null;
  quick?: boolean;
  loadAverage?: Record<string, unknown>;
  sectionRuns?: Record<string, unknown>;
  results?: Record<string, unknown>;
}

function readPrevious(file: string): PreviousResults | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PreviousResults;
  } catch {
    return undefined; // no earlier run: this one starts the file
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
