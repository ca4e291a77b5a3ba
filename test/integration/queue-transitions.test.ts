// Every state × state pair of the job state machine, on a real database (SQLite and PostgreSQL): the transition table is written out
// here on its own (not read from the code), checked against assertTransition, and then driven through the real
// queue — a job is brought into each state by the queue's own operations, every operation that could lead to each
// target state is tried, and the job must reach the target exactly when the table allows it.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { assertTransition, JOB_STATES, TRANSITIONS, type JobState } from '../../src/jobs/states.js';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachBackend, useTestDb } from '../helpers/backends.js';

/** The intended machine, row = from, columns = to. */
const EXPECTED: Record<JobState, Record<JobState, boolean>> = {
  //          queued  running  retry  succeeded  dead
  queued: { queued: false, running: true, retry: false, succeeded: false, dead: false },
  running: { queued: true, running: false, retry: true, succeeded: true, dead: true },
  retry: { queued: false, running: true, retry: false, succeeded: false, dead: false },
  succeeded: { queued: false, running: false, retry: false, succeeded: false, dead: false },
  dead: { queued: true, running: false, retry: false, succeeded: false, dead: false },
};

const WORKER = 'w1';

describeEachBackend('the job state machine', (backend) => {
  let db: Db;
  let queue: Queue;
  const clock = fixedClock(new Date('2026-11-26T06:00:00Z'));
  const store = useTestDb(backend, 'transitions');

  beforeEach(() => {
    db = store.reset();
    queue = createQueue(db, { clock, backoff: { baseMs: 1000, maxMs: 1000 } });
  });

  const claim = (id: number) => queue.claim({ workerId: WORKER, leaseMs: 60_000, batchSize: () => 1, jobId: id });

  /** A new job brought into `state` by the queue's own operations (no SQL), due now. */
  function jobIn(state: JobState): number {
    const { id } = queue.enqueue('test.job', { state }, { maxAttempts: 5 });
    if (state === 'queued') return id;
    expect(claim(id)).toHaveLength(1);
    if (state === 'succeeded') queue.succeed(id, WORKER);
    if (state === 'retry') {
      queue.fail(id, WORKER, { retry: true, reason: 'test', waitMs: 0, free: true }, 'try again');
      clock.advance(1_000);
    }
    if (state === 'dead') queue.fail(id, WORKER, { retry: false, reason: 'test' }, 'gone');
    expect(queue.get(id)!.state).toBe(state);
    return id;
  }

  /** Every queue operation whose purpose is to move a job into `to`. */
  const OPERATIONS: Record<JobState, ((id: number) => void)[]> = {
    queued: [(id) => queue.release(id, WORKER), (id) => queue.retryDead(id)],
    running: [(id) => claim(id)],
    retry: [(id) => queue.fail(id, WORKER, { retry: true, reason: 'test' }, 'transient')],
    succeeded: [(id) => queue.succeed(id, WORKER)],
    dead: [(id) => queue.fail(id, WORKER, { retry: false, reason: 'test' }, 'permanent')],
  };

  describe('the job state machine, every pair', () => {
    it('when the table in the code is read, then it lists exactly the intended transitions', () => {
      for (const from of JOB_STATES) {
        for (const to of JOB_STATES) {
          expect(TRANSITIONS[from].includes(to), `${from} → ${to}`).toBe(EXPECTED[from][to]);
          if (EXPECTED[from][to]) expect(() => assertTransition(from, to), `${from} → ${to}`).not.toThrow();
          else expect(() => assertTransition(from, to), `${from} → ${to}`).toThrow(`job state transition ${from} → ${to} is not allowed`);
        }
      }
      expect(Object.keys(TRANSITIONS).sort()).toEqual([...JOB_STATES].sort());
    });

    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        const allowed = EXPECTED[from][to];
        it(`when a ${from} job is sent toward ${to}, then it ${allowed ? 'gets there' : 'stays where it is'}`, () => {
          const results = OPERATIONS[to].map((op) => {
            const id = jobIn(from);
            op(id);
            return queue.get(id)!.state;
          });
          if (allowed) expect(results, `${from} → ${to}`).toContain(to);
          else expect(results.every((s) => s === from), `${from} → ${to}: ${results.join(', ')}`).toBe(true);
        });
      }
    }
  });
});
