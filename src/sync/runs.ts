// Sync runs: `backfill` (every record never enriched), `new` (records created since the high-water mark) and
// `job-changes` (re-enrich contacts whose last enrichment is older than the cache window). A run is one
// `sync.run` job that handles one page per claim, saves its checkpoint, and yields, so a restart resumes at the
// page it was on and webhook jobs of the same connection are not starved by a long backfill.
import { z } from 'zod';
import { willDie, type JobRow, type Queue } from '../jobs/queue.js';
import type { JobHandler, JobResult } from '../jobs/worker.js';
import type { ContactsRepo } from '../db/contacts.repo.js';
import { GUARD_REASONS, emptyCounts, type RunCounts, type RunRow, type SyncMode, type SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { ObjectType } from '../../connectors/types.js';
import { DAY_MS, type Clock } from '../lib/clock.js';
import { classifyError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ContextRegistry } from './context.js';
import { mappedFields, skipReason, type ConnectionContext, type ContactResult, type Pipeline } from './pipeline.js';
import { guardsOf } from './guard-settings.js';
import { fitToAllowance, monitoringAllowance } from './budget.js';
import type { TaskOutbox } from './tasks.js';
import { CONTACT_ENRICH, contactJobKey } from './handlers.js';

export const SYNC_RUN = 'sync.run';
export const SYNC_MODES = ['new', 'backfill', 'job-changes'] as const;

const RunPayload = z.object({ runId: z.string().min(1) });

const Checkpoint = z.object({
  objectIndex: z.number().int().min(0),
  cursor: z.string().nullable(),
  highWater: z.string().nullable().optional(),
  after: z.object({ at: z.number().optional(), objectType: z.string(), id: z.string() }).nullable().optional(),
  /** job-changes: contacts last checked before this (epoch ms) are due; fixed when the run starts. */
  dueBefore: z.number().optional(),
});
type Checkpoint = z.infer<typeof Checkpoint>;

/** New records are looked for from a little before the high-water mark: CRMs index and commit late. */
const NEW_OVERLAP_MS = 5 * 60_000;

export interface RunServiceDeps {
  queue: Queue;
  runs: SyncRunsRepo;
  contacts: ContactsRepo;
  registry: ContextRegistry;
  pipeline: Pipeline;
  outbox: TaskOutbox;
  clock: Clock;
  log: Logger;
  cacheTtlDays: number;
  /** Runs in the transaction that finishes a run (the job-change alert is queued there, so it is never lost). */
  afterRun?: ((run: RunRow) => void) | undefined;
}

export function createRunService(deps: RunServiceDeps) {
  const { runs, clock } = deps;

  /** Starts a run unless one of the same mode is already queued or running for the connection (returns that one). */
  function startRun(connectionId: string, mode: SyncMode, trigger: string): { run: RunRow; created: boolean; jobId: number } {
    return runs.transaction(() => {
      const active = runs.active(connectionId, mode);
      if (active) {
        const jobId = deps.queue.enqueue(SYNC_RUN, { runId: active.id }, { connectionId, dedupeKey: `sync:${active.id}` }).id;
        const job = deps.queue.get(jobId);
        if (job && job.state !== 'dead' && job.state !== 'succeeded') return { run: active, created: false, jobId };
        // The run's job died without finishing it (a lease that ran out on the last attempt, or a run recorded before
        // the handler marked such runs failed): it would stay "queued" for ever and swallow every later start.
        runs.finish(active.id, 'failed', `its job died: ${job?.last_error ?? 'no job'}`, clock.now());
      }
      const run = runs.create(connectionId, mode, trigger, clock.now());
      const { id } = deps.queue.enqueue(SYNC_RUN, { runId: run.id }, { connectionId, dedupeKey: `sync:${run.id}`, maxAttempts: 10 });
      return { run, created: true, jobId: id };
    });
  }

  /**
   * A schedule's firing: starts the run (or finds the pending one) once per schedule and minute, whatever the number of
   * worker nodes whose schedulers fire. `minuteAt` is the firing's minute (epoch ms).
   */
  function startScheduledRun(connectionId: string, mode: SyncMode, minuteAt: number): { run: RunRow; created: boolean; jobId: number } | { firedElsewhere: true } {
    return runs.transaction(() => {
      if (!runs.claimFiring(connectionId, mode, minuteAt, clock.now())) return { firedElsewhere: true as const };
      const started = startRun(connectionId, mode, 'schedule');
      runs.setFiringRun(connectionId, mode, minuteAt, started.run.id);
      return started;
    });
  }

  async function step(run: RunRow, ctx: ConnectionContext): Promise<'continue' | 'done'> {
    let cp: Checkpoint = run.checkpoint !== null ? Checkpoint.parse(run.checkpoint) : { objectIndex: 0, cursor: null };
    const now = clock.now();
    const dueBefore = cp.dueBefore ?? dueSince(ctx, now);
    const onTaskCreated = () => runs.addTasks(run.id, 1);
    let total: number | null = null;
    if (run.checkpoint === null) {
      runs.markStarted(run.id, now);
      total = await countTotal(run.mode, ctx, dueBefore);
      if (run.mode === 'job-changes') await deps.outbox.flush(ctx, { onCreated: onTaskCreated });
    }
    const objectType = ctx.session.objectTypes[cp.objectIndex];
    if (!objectType) return 'done';
    const fields = mappedFields(ctx.settings, objectType);
    const key = (ref: { objectType: string; id: string }) => `run:${run.id}:${ref.objectType}:${ref.id}`;
    let missing = 0;
    let highWater: string | null = null;

    // The page's bookkeeping commits in the transaction that records the page (processBatch's onCommit): a crash
    // after it resumes at the next page with counts that include this one; a crash before it redoes the page,
    // where the CRM write is idempotent and the ledger's idempotency keys charge nobody twice.
    const commit = (results: ContactResult[]) => {
      const counts: RunCounts = runs.get(run.id)!.counts;
      addCounts(counts, results);
      counts.skipped += missing;
      counts.checked += missing;
      // Contacts that failed transiently in a backfill or new-records page get their own queued job, so the run
      // moves on and they are retried with backoff (a job-changes failure simply stays due for the next run).
      // The job charges under this run's key: a contact the run already paid for is not charged again.
      for (const r of results) {
        if (r.status !== 'failed' || run.mode === 'job-changes') continue;
        deps.queue.enqueue(CONTACT_ENRICH, { objectType: r.ref.objectType, contactId: r.ref.id, source: `run:${run.mode}`, chargeKey: key(r.ref) }, {
          connectionId: ctx.id,
          dedupeKey: contactJobKey(ctx.id, r.ref.objectType, r.ref.id),
        });
      }
      if (highWater) runs.putState(ctx.id, `new:${objectType}:high_water`, highWater);
      runs.saveProgress(run.id, cp, counts, total);
    };
    // A wait for a provider's rate limit is written on the run at once (the CLI line and the admin page read it);
    // the page's commit clears it.
    let waited = false;
    const onWait = (w: { provider: string; resumesAt: number }) => {
      waited = true;
      runs.setWaiting(run.id, { provider: w.provider, until: w.resumesAt });
      runs.addWait(run.id, { provider: w.provider, from: clock.now(), until: w.resumesAt });
    };
    const batch = {
      idempotencyKey: key,
      runId: run.id,
      onWait,
      onCommit: (results: ContactResult[]) => {
        if (waited) runs.setWaiting(run.id, null);
        commit(results);
      },
    };

    if (run.mode === 'backfill') {
      // Two pages per claim, overlapped: the second page is read while the first is enriched, and enriched while
      // the first is written, so a provider's latency hides behind the CRM's calls. Each page commits its own
      // checkpoint, in order; a crash between the two redoes the second page (its charges replay, not repeat).
      const from = cp;
      const after = (p: { next: string | null }): Checkpoint => (p.next ? { ...from, cursor: p.next } : { objectIndex: from.objectIndex + 1, cursor: null });
      const opts = { ...batch, mode: 'backfill' as const };
      const page = await ctx.session.list(objectType, { cursor: from.cursor, fields });
      const first = deps.pipeline.startEnrichment(ctx, page.contacts, opts);
      let second: { page: typeof page; started: ReturnType<Pipeline['startEnrichment']> } | null = null;
      if (page.next) {
        // Only a read-ahead: if it fails, this claim does the first page alone and the next claim reads it again.
        const next = await ctx.session.list(objectType, { cursor: page.next, fields }).catch(() => null);
        if (next) second = { page: next, started: deps.pipeline.startEnrichment(ctx, next.contacts, opts) };
      }
      cp = after(page);
      await deps.pipeline.processBatch(ctx, objectType, page.contacts, { ...opts, started: first });
      if (second) {
        cp = after(second.page);
        await deps.pipeline.processBatch(ctx, objectType, second.page.contacts, { ...opts, started: second.started });
      }
    } else if (run.mode === 'new') {
      const stored = runs.getState(ctx.id, `new:${objectType}:high_water`);
      const since = newSince(stored);
      const page = await ctx.session.createdSince(objectType, { since, cursor: cp.cursor, fields });
      const seen = maxIso(cp.highWater ?? null, page.highWater, stored ?? null);
      if (page.next) cp = { ...cp, cursor: page.next, highWater: seen };
      else {
        highWater = seen;
        cp = { objectIndex: cp.objectIndex + 1, cursor: null, highWater: null };
      }
      await deps.pipeline.processBatch(ctx, objectType, page.contacts, { ...batch, mode: 'new' });
    } else {
      // Oldest checks first, across object types: a page is the leading run of one type.
      const oldest = deps.contacts.dueSnapshots(ctx.id, dueBefore, cp.after ?? null, 100);
      const type = oldest[0]?.object_type;
      const end = oldest.findIndex((s) => s.object_type !== type);
      let due = end === -1 ? oldest : oldest.slice(0, end);
      if (due.length === 0) {
        cp = { objectIndex: ctx.session.objectTypes.length, cursor: null, after: cp.after ?? null, dueBefore };
        runs.transaction(() => commit([]));
      } else {
        const ot = type as ObjectType;
        const page = await ctx.session.read(ot, due.map((s) => s.contact_id), mappedFields(ctx.settings, ot));
        const byId = new Map(page.map((c) => [c.id, c]));
        // The monitoring budget: the page ends before the first contact whose enrichment could pass it.
        const allowance = monitoringAllowance(runs, ctx, now);
        const guards = guardsOf(ctx.settings);
        const fit = fitToAllowance(due, allowance.contacts, (s) => {
          const c = byId.get(s.contact_id);
          return c !== undefined && skipReason(ctx, c, s, 'job-changes', guards) === null;
        });
        if (fit === 0) {
          const left = deps.contacts.countDue(ctx.id, dueBefore);
          runs.setNote(run.id, `Stopped at the monthly monitoring budget: ${allowance.spent} of ${allowance.budget} credits used this month; ${left} contacts still due.`);
          deps.log.info({ run: run.id, connection: ctx.id, budget: allowance.budget, spent: allowance.spent }, 'job-changes run stopped at the monitoring budget');
          return 'done';
        }
        due = due.slice(0, fit);
        const read = due.flatMap((s) => byId.get(s.contact_id) ?? []);
        missing = due.length - read.length;
        const last = due[due.length - 1]!;
        cp = { ...cp, after: { at: last.last_enriched_at, objectType: last.object_type, id: last.contact_id }, dueBefore };
        await deps.pipeline.processBatch(ctx, ot, read, { ...batch, mode: 'job-changes' });
        await deps.outbox.flush(ctx, { onCreated: onTaskCreated });
      }
    }
    return cp.objectIndex >= ctx.session.objectTypes.length ? 'done' : 'continue';
  }

  /**
   * job-changes: contacts whose last check is older than the connection's re-check interval are due. With the
   * profile cache off (CACHE_TTL_DAYS=0) every contact is due on every run, as before the interval existed.
   */
  function dueSince(ctx: ConnectionContext, now: number): number {
    if (deps.cacheTtlDays === 0) return now;
    return now - guardsOf(ctx.settings).recheckDays * DAY_MS;
  }

  async function countTotal(mode: SyncMode, ctx: ConnectionContext, dueBefore: number): Promise<number | null> {
    if (mode === 'job-changes') return deps.contacts.countDue(ctx.id, dueBefore);
    if (mode === 'new') return null;
    let total = 0;
    for (const ot of ctx.session.objectTypes) {
      const n = await ctx.session.count(ot as ObjectType);
      if (n === null) return null;
      total += n;
    }
    return total;
  }

  function finishRun(id: string, state: 'succeeded' | 'failed', error: string | null): void {
    runs.transaction(() => {
      runs.finish(id, state, error, clock.now());
      deps.afterRun?.(runs.get(id)!);
    });
  }

  const handler: JobHandler = {
    batchSize: 1,
    async run(jobs: JobRow[]): Promise<JobResult[]> {
      const job = jobs[0]!;
      const { runId } = RunPayload.parse(job.payload);
      const run = runs.get(runId);
      if (!run || run.state === 'succeeded' || run.state === 'failed') return [{ id: job.id, outcome: 'succeeded' }];
      try {
        const ctx = deps.registry.get(run.connection_id);
        const next = await step(run, ctx);
        if (next === 'continue') return [{ id: job.id, outcome: 'continue' }];
        await deps.outbox.flush(ctx, { onCreated: () => runs.addTasks(run.id, 1) });
        finishRun(run.id, 'succeeded', null);
        deps.log.info({ run: run.id, connection: run.connection_id, mode: run.mode, counts: runs.get(run.id)!.counts }, 'sync run finished');
        return [{ id: job.id, outcome: 'succeeded' }];
      } catch (err) {
        // The run fails with its job: after the last attempt, and at once when the queue will not retry (a missing
        // setting, a refused request) — else the run would stay queued while its job lies dead.
        if (willDie(job, classifyError(err))) finishRun(run.id, 'failed', err instanceof Error ? err.message : String(err));
        return [{ id: job.id, outcome: 'failed', error: err }];
      }
    },
  };

  return { startRun, startScheduledRun, handler, dueSince };
}
export type RunService = ReturnType<typeof createRunService>;

/** Where a `new` run looks from, given the stored high-water mark (null = from the beginning). */
export function newSince(stored: string | undefined): string | null {
  return stored ? new Date(Date.parse(stored) - NEW_OVERLAP_MS).toISOString() : null;
}

function addCounts(c: RunCounts, results: ContactResult[]): void {
  for (const r of results) {
    c.checked++;
    const guard = GUARD_REASONS.find((g) => g === r.reason);
    if (guard) c[guard]++;
    if (r.enriched) c.enriched++;
    if (r.enriched && r.status !== 'not_found') c.found++;
    if (r.status === 'written') c.written++;
    if (r.status === 'skipped') c.skipped++;
    if (r.status === 'failed') c.errors++;
    if (r.jobChange) c.changed++;
    c.credits += r.credits;
  }
}

function maxIso(...values: (string | null)[]): string | null {
  let best: string | null = null;
  for (const v of values) if (v && (!best || Date.parse(v) > Date.parse(best))) best = v;
  return best;
}

