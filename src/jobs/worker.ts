// The worker loop: claim a batch, run its handler, record each job's outcome. Stopping lets in-flight batches
// finish within a grace period and releases the leases of the rest, so nothing is lost or run twice at once.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { classifyError } from '../lib/errors.js';
import { sleep } from '../lib/clock.js';
import type { JobRow, Queue } from './queue.js';

export type JobResult =
  | { id: number; outcome: 'succeeded' }
  | { id: number; outcome: 'failed'; error: unknown }
  /** Give the job back to the queue without counting an attempt (a run yielding between pages). */
  | { id: number; outcome: 'continue'; runAt?: number };

export interface HandlerContext {
  signal: AbortSignal;
  workerId: string;
}

export interface JobHandler {
  batchSize: number;
  /** Returns one result per job; jobs without a result succeed. A thrown error fails the whole batch. */
  run(jobs: JobRow[], ctx: HandlerContext): Promise<JobResult[] | void>;
}

export interface WorkerOptions {
  queue: Queue;
  handlers: Record<string, JobHandler>;
  log: Logger;
  concurrency?: number;
  leaseMs?: number;
  idlePollMs?: number;
  /** How long stop() waits for in-flight batches before releasing them. */
  graceMs?: number;
  onJobFinished?: (name: string, outcome: string) => void;
  onReauthNeeded?: (connectionId: string, reason: string) => void;
}

export interface Worker {
  readonly id: string;
  start(): void;
  stop(): Promise<void>;
  /** Claims and runs batches until none is ready (tests, the CLI). Returns the number of jobs run. */
  drain(opts?: { jobId?: number; signal?: AbortSignal }): Promise<number>;
  /** Wakes idle loops (something was just enqueued). */
  poke(): void;
}

export function createWorker(o: WorkerOptions): Worker {
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseMs = o.leaseMs ?? 30_000;
  const idlePollMs = o.idlePollMs ?? 1_000;
  const stopCtl = new AbortController();
  const loops: Promise<void>[] = [];
  const inflight = new Set<number>();
  let wake: AbortController = new AbortController();

  async function runBatch(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    const name = jobs[0]!.name;
    const handler = o.handlers[name];
    const ids = jobs.map((j) => j.id);
    for (const j of ids) inflight.add(j);
    const heartbeat = setInterval(() => {
      try {
        o.queue.extendLease(ids.filter((j) => inflight.has(j)), id, leaseMs);
      } catch (err) {
        // A missed heartbeat (database busy) is not fatal: the next one extends the lease, and if the lease runs out
        // another worker takes the batch over, which the idempotent pipeline allows.
        o.log.warn({ err }, 'could not extend job leases');
      }
    }, Math.max(250, leaseMs / 3));
    try {
      if (!handler) {
        for (const job of jobs) finish(job, { id: job.id, outcome: 'failed', error: new Error(`no handler for job ${name}`) });
        return;
      }
      let results: JobResult[] | void;
      try {
        results = await handler.run(jobs, { signal, workerId: id });
      } catch (err) {
        results = jobs.map((j) => ({ id: j.id, outcome: 'failed' as const, error: err }));
      }
      const byId = new Map((results ?? []).map((r) => [r.id, r]));
      for (const job of jobs) finish(job, byId.get(job.id) ?? { id: job.id, outcome: 'succeeded' });
    } finally {
      clearInterval(heartbeat);
      for (const j of ids) inflight.delete(j);
    }
  }

  function finish(job: JobRow, r: JobResult): void {
    if (r.outcome === 'succeeded') {
      o.queue.succeed(job.id, id);
      o.onJobFinished?.(job.name, 'succeeded');
    } else if (r.outcome === 'continue') {
      o.queue.release(job.id, id, { runAt: r.runAt, outcome: 'continue' });
    } else {
      const decision = classifyError(r.error);
      const message = r.error instanceof Error ? `${r.error.name}: ${r.error.message}` : String(r.error);
      const state = o.queue.fail(job.id, id, decision, message);
      o.onJobFinished?.(job.name, state ?? 'lost_lease');
      if (decision.reauth && job.connection_id) o.onReauthNeeded?.(job.connection_id, decision.reason);
      const level = state === 'dead' ? 'error' : 'warn';
      o.log[level]({ job: job.id, name: job.name, attempt: job.attempts, state, reason: decision.reason, err: r.error }, 'job attempt failed');
    }
  }

  function claim(jobId?: number): JobRow[] {
    return o.queue.claim({
      workerId: id,
      leaseMs,
      batchSize: (name) => o.handlers[name]?.batchSize ?? 1,
      ...(jobId !== undefined ? { jobId } : {}),
    });
  }

  async function loop(): Promise<void> {
    while (!stopCtl.signal.aborted) {
      let jobs: JobRow[] = [];
      try {
        jobs = claim();
      } catch (err) {
        o.log.warn({ err }, 'claiming jobs failed; retrying');
      }
      if (jobs.length === 0) {
        await sleep(idlePollMs, AbortSignal.any([stopCtl.signal, wake.signal]));
        continue;
      }
      try {
        await runBatch(jobs, stopCtl.signal);
      } catch (err) {
        // Recording an outcome failed (the database stayed locked past busy_timeout). The loop must survive: the
        // unrecorded jobs keep their lease until it runs out, then they are claimed again (the pipeline is idempotent).
        o.log.error({ err, jobs: jobs.map((j) => j.id) }, 'could not record job outcomes; they run again when their lease ends');
      }
    }
  }

  return {
    id,
    start() {
      for (let i = 0; i < (o.concurrency ?? 1); i++) loops.push(loop());
    },
    async stop() {
      stopCtl.abort();
      const all = Promise.all(loops);
      // The grace timer is cancelled once the loops are done: a pending timer would keep the process alive.
      const grace = new AbortController();
      const timedOut = await Promise.race([all.then(() => false), sleep(o.graceMs ?? 10_000, grace.signal).then(() => !grace.signal.aborted)]);
      grace.abort();
      if (timedOut) {
        for (const jobId of inflight) o.queue.release(jobId, id, { outcome: 'shutdown' });
        o.log.warn({ released: inflight.size }, 'released unfinished jobs at shutdown');
      }
    },
    async drain(d = {}) {
      let n = 0;
      for (;;) {
        if (d.signal?.aborted) return n;
        const jobs = claim(d.jobId);
        if (jobs.length === 0) return n;
        n += jobs.length;
        await runBatch(jobs, d.signal ?? stopCtl.signal);
      }
    },
    poke() {
      const w = wake;
      wake = new AbortController();
      w.abort();
    },
  };
}
