// The durable job queue on SQLite: an explicit state machine with an allowed-transitions table, claims inside
// an immediate transaction with a lease, every attempt recorded. A connection never has two batches running at
// once, so its CRM sees one writer and its syncs never overlap.
import type { Db } from '../db/open.js';
import { backoffMs, type RetryDecision } from '../lib/errors.js';
import { createGroupCommit } from '../db/group-commit.js';
import type { Clock } from '../lib/clock.js';
import { assertTransition, JOB_STATES, type JobState } from './states.js';

export { assertTransition, TRANSITIONS, type JobState } from './states.js';

/** A job as the code sees it: the payload parsed once, here (jobFromRow). */
export interface JobRow {
  id: number;
  name: string;
  connection_id: string | null;
  dedupe_key: string | null;
  /** The parsed payload_json; handlers validate it with their own schema. */
  payload: unknown;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  leased_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

type StoredJob = Omit<JobRow, 'payload'> & { payload_json: string };

/** A job of the admin's lists, with the CRM of its connection. */
export interface JobListRow extends JobRow {
  crm: string | null;
}

export type JobCounts = Record<JobState, number>;

/** The one place a jobs row becomes a JobRow: the JSON payload is parsed here and nowhere else. */
export function jobFromRow<R extends StoredJob>(row: R): Omit<R, 'payload_json'> & { payload: unknown } {
  const { payload_json, ...rest } = row;
  let payload: unknown;
  try {
    payload = JSON.parse(payload_json);
  } catch {
    // Not written by enqueue (which always stores JSON): the handler's schema refuses it and the job dies visibly.
    payload = undefined;
  }
  return { ...rest, payload };
}

export interface EnqueueOptions {
  connectionId?: string | null;
  /** A second enqueue with the same key is a no-op (webhook redelivery, double scheduling). */
  dedupeKey?: string;
  runAt?: number;
  maxAttempts?: number;
}

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  /** Batch size per job name (contact jobs are claimed up to 100 at a time; runs one by one). */
  batchSize: (name: string) => number;
  /** Only this job id. */
  jobId?: number;
}

export interface QueueOptions {
  clock: Clock;
  defaultMaxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
}

export type Queue = ReturnType<typeof createQueue>;

/** The attempts a failure leaves counted: a free retry (a 429 wait, a lock) gives its attempt back. */
function attemptsAfter(job: Pick<JobRow, 'attempts'>, decision: RetryDecision): number {
  return decision.free ? job.attempts - 1 : job.attempts;
}

/**
 * Whether `fail` will bury the job (dead) for this decision; false when it retries or parks it for re-authorisation.
 * The one rule: a job handler that must act before its job dies (a run marking itself failed) asks here.
 */
export function willDie(job: Pick<JobRow, 'attempts' | 'max_attempts'>, decision: RetryDecision): boolean {
  if (decision.reauth) return false;
  return !decision.retry || attemptsAfter(job, decision) >= job.max_attempts;
}

export function createQueue(db: Db, opts: QueueOptions) {
  const { clock } = opts;
  const maxAttemptsDefault = opts.defaultMaxAttempts ?? 8;
  const backoff = opts.backoff ?? { baseMs: 2_000, maxMs: 30 * 60_000 };

  // RETURNING id (portable: the PostgreSQL engine reports no inserted rowid); no row for a dedupe key that already
  // exists. A webhook batch's jobs go in as multi-row INSERTs of the same statement (one per 100 jobs): on PostgreSQL
  // every statement is a round trip. A key met twice in one statement inserts once, as two enqueue() calls would.
  const insertRows = new Map<number, ReturnType<typeof db.prepare<unknown[], { id: number }>>>();
  const insertMany = (n: number) => {
    let stmt = insertRows.get(n);
    if (!stmt) {
      stmt = db.prepare<unknown[], { id: number }>(
        `INSERT INTO jobs (name, connection_id, dedupe_key, payload_json, state, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)").join(', ')} ON CONFLICT(dedupe_key) DO NOTHING RETURNING id`,
      );
      insertRows.set(n, stmt);
    }
    return stmt;
  };
  const insert = insertMany(1);
  const byDedupe = db.prepare<[string], { id: number }>('SELECT id FROM jobs WHERE dedupe_key = ?');
  const get = db.prepare<[number], StoredJob>('SELECT * FROM jobs WHERE id = ?');
  const expired = db.prepare<[number], StoredJob>(`SELECT * FROM jobs WHERE state = 'running' AND lease_until < ?`);
  const candidate = db.prepare<[number, number], { connection_id: string | null; name: string }>(
    `SELECT j.connection_id, j.name FROM jobs j LEFT JOIN connections c ON c.id = j.connection_id
      WHERE j.state IN ('queued', 'retry') AND j.run_at <= ?
        AND (j.connection_id IS NULL OR (c.status = 'connected' AND NOT EXISTS (
              SELECT 1 FROM jobs r WHERE r.connection_id = j.connection_id AND r.state = 'running' AND r.lease_until >= ?)))
      ORDER BY j.run_at, j.id LIMIT 1`,
  );
  const candidateById = db.prepare<[number, number, number], { connection_id: string | null; name: string }>(
    `SELECT j.connection_id, j.name FROM jobs j LEFT JOIN connections c ON c.id = j.connection_id
      WHERE j.id = ? AND j.state IN ('queued', 'retry') AND j.run_at <= ?
        AND (j.connection_id IS NULL OR (c.status = 'connected' AND NOT EXISTS (
              SELECT 1 FROM jobs r WHERE r.connection_id = j.connection_id AND r.state = 'running' AND r.lease_until >= ?)))`,
  );
  // Two statements rather than `connection_id IS ?` (PostgreSQL allows IS only with NULL; IS NOT DISTINCT FROM
  // would not use its index).
  const readyOf = db.prepare<[string, string, number, number], StoredJob>(
    `SELECT * FROM jobs WHERE connection_id = ? AND name = ? AND state IN ('queued', 'retry') AND run_at <= ? ORDER BY run_at, id LIMIT ?`,
  );
  const readyOfNone = db.prepare<[string, number, number], StoredJob>(
    `SELECT * FROM jobs WHERE connection_id IS NULL AND name = ? AND state IN ('queued', 'retry') AND run_at <= ? ORDER BY run_at, id LIMIT ?`,
  );
  const setRunning = db.prepare(
    `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, leased_by = ?, updated_at = ? WHERE id = ?`,
  );
  const attemptStart = db.prepare('INSERT INTO job_attempts (job_id, attempt, started_at) VALUES (?, ?, ?)');
  const attemptEnd = db.prepare(
    `UPDATE job_attempts SET finished_at = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ? AND finished_at IS NULL`,
  );
  const extend = db.prepare(`UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND state = 'running' AND leased_by = ?`);
  const update = db.prepare(
    `UPDATE jobs SET state = ?, attempts = ?, run_at = ?, lease_until = NULL, leased_by = NULL,
       last_error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
  );

  // Read models of the admin pages and the jobs gauge of /metrics: SQL on jobs lives in this module only.
  const LIST_COLUMNS = `j.id, j.name, j.connection_id, j.dedupe_key, c.crm, j.payload_json, j.state, j.attempts, j.max_attempts,
    j.run_at, j.lease_until, j.leased_by, j.last_error, j.created_at, j.updated_at, j.finished_at`;
  const countByState = db.prepare<[], { state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state');
  const recentList = db.prepare<[number], StoredJob & { crm: string | null }>(
    `SELECT ${LIST_COLUMNS} FROM jobs j LEFT JOIN connections c ON c.id = j.connection_id ORDER BY j.updated_at DESC, j.id DESC LIMIT ?`,
  );
  const stateList = db.prepare<[string, number], StoredJob & { crm: string | null }>(
    `SELECT ${LIST_COLUMNS} FROM jobs j LEFT JOIN connections c ON c.id = j.connection_id WHERE j.state = ?
      ORDER BY j.updated_at DESC, j.id DESC LIMIT ?`,
  );

  function transition(job: StoredJob, to: JobState, fields: { attempts?: number; runAt?: number; error?: string | null; outcome: string }): void {
    assertTransition(job.state, to);
    const now = clock.now();
    update.run(
      to,
      fields.attempts ?? job.attempts,
      fields.runAt ?? job.run_at,
      fields.error === undefined ? job.last_error : fields.error,
      now,
      to === 'succeeded' || to === 'dead' ? now : null,
      job.id,
    );
    if (job.state === 'running') attemptEnd.run(now, fields.outcome, fields.error ?? null, job.id, job.attempts);
  }

  /** Re-queues jobs whose worker died (lease expired without a heartbeat). */
  function reclaimExpired(now: number): number {
    const rows = expired.all(now);
    for (const job of rows) {
      if (job.attempts >= job.max_attempts) transition(job, 'dead', { error: 'worker lease expired', outcome: 'lease_expired' });
      else transition(job, 'retry', { runAt: now, error: 'worker lease expired', outcome: 'lease_expired' });
    }
    return rows.length;
  }

  /** Only a job still leased by this worker may be finished by it (a reclaimed job belongs to someone else). */
  function owned(id: number, workerId: string): StoredJob | undefined {
    const job = get.get(id);
    return job && job.state === 'running' && job.leased_by === workerId ? job : undefined;
  }

  const queue = {
    enqueue(name: string, payload: unknown, o: EnqueueOptions = {}): { id: number; created: boolean } {
      const now = clock.now();
      const r = insert.get(name, o.connectionId ?? null, o.dedupeKey ?? null, JSON.stringify(payload), o.maxAttempts ?? maxAttemptsDefault, o.runAt ?? now, now, now);
      if (r) return { id: Number(r.id), created: true };
      return { id: byDedupe.get(o.dedupeKey!)!.id, created: false };
    },

    /**
     * Many jobs at once (a webhook batch), group-committed: the batches of all requests arriving in one event-loop
     * turn share one transaction (one disk sync), and each promise resolves only once its jobs are committed.
     * Webhook intake answers 200 after this resolves.
     */
    enqueueMany(items: { name: string; payload: unknown; opts?: EnqueueOptions }[]): Promise<{ created: number; duplicates: number }> {
      return batches.submit(items);
    },

    claim(o: ClaimOptions): JobRow[] {
      return db
        .transaction((): JobRow[] => {
          const now = clock.now();
          reclaimExpired(now);
          const c =
            o.jobId !== undefined
              ? candidateById.get(o.jobId, now, now)
              : candidate.get(now, now);
          if (!c) return [];
          const size = Math.max(1, o.batchSize(c.name));
          const rows =
            o.jobId !== undefined
              ? [get.get(o.jobId)!]
              : c.connection_id === null
                ? readyOfNone.all(c.name, now, size)
                : readyOf.all(c.connection_id, c.name, now, size);
          for (const job of rows) {
            assertTransition(job.state, 'running');
            setRunning.run(now + o.leaseMs, o.workerId, now, job.id);
            attemptStart.run(job.id, job.attempts + 1, now);
          }
          return rows.map((j) => jobFromRow({ ...j, state: 'running' as const, attempts: j.attempts + 1, lease_until: now + o.leaseMs, leased_by: o.workerId }));
        })
        .immediate();
    },

    /** Heartbeat: a long batch keeps its lease while it works. */
    extendLease(ids: number[], workerId: string, leaseMs: number): void {
      const now = clock.now();
      db.transaction(() => {
        for (const id of ids) extend.run(now + leaseMs, now, id, workerId);
      })();
    },

    succeed(id: number, workerId: string): void {
      db.transaction(() => {
        const job = owned(id, workerId);
        if (job) transition(job, 'succeeded', { error: null, outcome: 'succeeded' });
      }).immediate();
    },

    /** Applies a retry decision: backoff and retry, wait for re-auth, or dead after max attempts. */
    fail(id: number, workerId: string, decision: RetryDecision, message: string): JobState | undefined {
      return db
        .transaction((): JobState | undefined => {
          const job = owned(id, workerId);
          if (!job) return undefined;
          const now = clock.now();
          const error = message.slice(0, 2000);
          if (decision.reauth) {
            // The connection is marked reconnect_needed; its jobs wait, they are not dropped or counted.
            // A minute's pause keeps a loop from spinning if the status change has not landed yet.
            transition(job, 'queued', { attempts: job.attempts - 1, runAt: now + 60_000, error, outcome: 'reauth_needed' });
            return 'queued';
          }
          const attempts = attemptsAfter(job, decision);
          if (willDie(job, decision)) {
            transition(job, 'dead', { attempts, error, outcome: 'dead' });
            return 'dead';
          }
          const wait = decision.free ? (decision.waitMs ?? 1000) : backoffMs(attempts, { ...backoff, minMs: decision.waitMs ?? 0 });
          transition(job, 'retry', { attempts, runAt: now + wait, error, outcome: decision.reason });
          return 'retry';
        })
        .immediate();
    },

    /** Gives a job back without counting the attempt: graceful shutdown, or a run yielding between pages. */
    release(id: number, workerId: string, opts: { runAt?: number; outcome?: string } = {}): void {
      db.transaction(() => {
        const job = owned(id, workerId);
        if (job) transition(job, 'queued', { attempts: job.attempts - 1, runAt: opts.runAt ?? clock.now(), outcome: opts.outcome ?? 'released' });
      }).immediate();
    },

    retryDead(id: number): boolean {
      return db
        .transaction(() => {
          const job = get.get(id);
          if (!job || job.state !== 'dead') return false;
          transition(job, 'queued', { attempts: 0, runAt: clock.now(), error: null, outcome: 'manual_retry' });
          return true;
        })
        .immediate();
    },

    get(id: number): JobRow | undefined {
      const row = get.get(id);
      return row && jobFromRow(row);
    },
    /** The job enqueued under a dedupe key (whatever its state), if any. */
    byDedupeKey(key: string): JobRow | undefined {
      const id = byDedupe.get(key)?.id;
      return id === undefined ? undefined : queue.get(Number(id));
    },
    /** Jobs per state, every state present (the dashboard and the jobs gauge). */
    counts(): JobCounts {
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
      for (const r of countByState.all()) out[r.state] = r.n;
      return out;
    },
    /** The latest changed jobs of every connection, newest first. */
    recent: (limit = 50): JobListRow[] => recentList.all(limit).map(jobFromRow),
    inState: (state: JobState, limit = 100): JobListRow[] => stateList.all(state, limit).map(jobFromRow),
    reclaimExpired: () => db.transaction(() => reclaimExpired(clock.now())).immediate(),
  };
  // The batches of concurrent webhook deliveries share one commit (see group-commit.ts).
  const ROWS_PER_INSERT = 100;
  const batches = createGroupCommit<{ name: string; payload: unknown; opts?: EnqueueOptions }[], { created: number; duplicates: number }>(db, (groups) =>
    groups.map((items) => {
      const now = clock.now();
      let created = 0;
      for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
        const chunk = items.slice(i, i + ROWS_PER_INSERT);
        const values = chunk.flatMap((it) => {
          const o = it.opts ?? {};
          return [it.name, o.connectionId ?? null, o.dedupeKey ?? null, JSON.stringify(it.payload), o.maxAttempts ?? maxAttemptsDefault, o.runAt ?? now, now, now];
        });
        created += insertMany(chunk.length).all(values).length;
      }
      return { created, duplicates: items.length - created };
    }),
  );
  return queue;
}
