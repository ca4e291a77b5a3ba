// Run settings shared by the benchmarks: BENCH_QUICK=1 shortens every timed window; BENCH_ONLY=api,bulk,webhooks,...
// runs a subset; BENCH_ENGINES=sqlite leaves PostgreSQL out of the api, webhooks and backfill sections.
import type { EnginePlan } from './engines.js';

export const QUICK = process.env.BENCH_QUICK === '1';

export interface BenchConfig {
  quick: boolean;
  /** Closed-loop API runs. */
  /** Each concurrency: `rounds` interleaved rounds (ours, bare, ours, bare...) of durationMs each. */
  api: { warmupMs: number; durationMs: number; rounds: number; concurrency: number[] };
  /** Bulk vs single endpoint, closed loop: interleaved rounds (single, bulk, single, bulk...) per concurrency. */
  bulk: { warmupMs: number; durationMs: number; rounds: number; concurrency: number[]; items: number };
  webhooks: { stepMs: number; maxSteps: number };
  backfill: { sizes: number[]; latencySize: number };
  micro: { datasetRows: number };
  /** `crm-enrich dataset import` of a generated file: records, and runs (each in a fresh process and database). */
  import: { records: number; runs: number };
  /** Each phase of the hostile-poster run. */
  hostile: { phaseMs: number };
  /** Backfill size of the provider section (per CRM and provider). */
  providers: { contacts: number };
  /** Engines of the api, webhooks and backfill sections (run.ts replaces it with planEngines()). */
  engines: EnginePlan;
}

const SQLITE_ONLY: EnginePlan = { engines: ['sqlite'], postgres: null, skipped: 'not planned' };

export function benchConfig(): BenchConfig {
  return QUICK
    ? {
        quick: true,
        api: { warmupMs: 1_000, durationMs: 1_500, rounds: 3, concurrency: [1, 16, 64] },
        bulk: { warmupMs: 1_000, durationMs: 1_500, rounds: 3, concurrency: [1, 4, 16], items: 100 },
        webhooks: { stepMs: 3_000, maxSteps: 8 },
        backfill: { sizes: [1_000, 3_000], latencySize: 1_000 },
        micro: { datasetRows: 10_000 },
        import: { records: 100_000, runs: 1 },
        hostile: { phaseMs: 3_000 },
        providers: { contacts: 2_000 },
        engines: SQLITE_ONLY,
      }
    : {
        quick: false,
        api: { warmupMs: 2_000, durationMs: 4_000, rounds: 3, concurrency: [1, 16, 64] },
        bulk: { warmupMs: 2_000, durationMs: 4_000, rounds: 3, concurrency: [1, 4, 16], items: 100 },
        webhooks: { stepMs: 5_000, maxSteps: 10 },
        backfill: { sizes: [1_000, 3_000, 10_000], latencySize: 10_000 },
        micro: { datasetRows: 10_000 },
        import: { records: 300_000, runs: 2 },
        hostile: { phaseMs: 6_000 },
        providers: { contacts: 10_000 },
        engines: SQLITE_ONLY,
      };
}

export interface Section {
  name: string;
  /** Pre-rendered text tables. */
  text: string[];
  results: unknown;
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
