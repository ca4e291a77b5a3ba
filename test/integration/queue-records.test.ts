// What the queue records and hands back, on a real database (SQLite and PostgreSQL) with a fixed clock: the attempt history of each
// job, leases that run out (and heartbeats that keep them), free retries and backoff bounds, releases, the
// admin's read models, and only a lease holder finishing its job. Found by npm run mutate -- queue: the
// transition tests cover which moves are allowed, not what each move writes.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachBackend, useTestDb } from '../helpers/backends.js';

const T0 = Date.parse('2026-11-26T06:00:00Z');

describeEachBackend('the queue records', (backend) => {
  const store = useTestDb(backend, 'queue_records');
  let db: Db;
  let queue: Queue;
  let clock: ReturnType<typeof fixedClock>;

  function connection(id: string, crm = 'hubspot') {
    db.prepare(`INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'acc', 0) ON CONFLICT (id) DO NOTHING`).run();
    db.prepare(
      `INSERT INTO connections (id, crm, account_id, external_id, status, tokens_enc, settings_json, created_at, updated_at)
       VALUES (?, ?, 'acc', ?, 'connected', 'x', '{}', 0, 0)`,
    ).run(id, crm, id);
  }
  const claim = (workerId = 'w1', leaseMs = 30_000, batch = 100) => queue.claim({ workerId, leaseMs, batchSize: () => batch });
  const attempts = (id: number) =>
    db.prepare('SELECT attempt, started_at AS started, finished_at AS finished, outcome, error FROM job_attempts WHERE job_id = ? ORDER BY id').all(id);

  beforeEach(() => {
    db = store.reset();
    clock = fixedClock(T0);
    queue = createQueue(db, { clock, backoff: { baseMs: 1_000, maxMs: 60_000 } });
    connection('c1');
    connection('c2', 'salesforce');
  });

  describe('a job and its attempts', () => {
    it('when a job is enqueued, then it is queued now with the default 8 attempts and its payload round-trips', () => {
      const { id } = queue.enqueue('contact.enrich', { contactId: '101', tags: ['a'] }, { connectionId: 'c1' });
      expect(queue.get(id)).toEqual({
        id, name: 'contact.enrich', connection_id: 'c1', dedupe_key: null, payload: { contactId: '101', tags: ['a'] }, state: 'queued', attempts: 0,
        max_attempts: 8, run_at: T0, lease_until: null, leased_by: null, last_error: null, created_at: T0, updated_at: T0, finished_at: null,
      });
      expect(queue.get(id + 1)).toBeUndefined();
    });

    it('when a job is enqueued to run later, then nobody claims it before then', () => {
      const { id } = queue.enqueue('sync.run', {}, { connectionId: 'c1', runAt: T0 + 5_000 });
      expect(claim()).toEqual([]);
      clock.advance(5_000);
      expect(claim().map((j) => j.id)).toEqual([id]);
    });

    it('when a job is claimed and succeeds, then its attempt is opened and closed, and the job is finished', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      const [job] = claim('w1', 30_000);
      expect(job).toMatchObject({ id, state: 'running', attempts: 1, lease_until: T0 + 30_000, leased_by: 'w1' });
      expect(queue.get(id)).toMatchObject({ state: 'running', attempts: 1, lease_until: T0 + 30_000, leased_by: 'w1' });
      expect(attempts(id)).toEqual([{ attempt: 1, started: T0, finished: null, outcome: null, error: null }]);
      clock.advance(1_500);
      queue.succeed(id, 'w1');
      expect(queue.get(id)).toMatchObject({ state: 'succeeded', lease_until: null, leased_by: null, last_error: null, updated_at: T0 + 1_500, finished_at: T0 + 1_500 });
      expect(attempts(id)).toEqual([{ attempt: 1, started: T0, finished: T0 + 1_500, outcome: 'succeeded', error: null }]);
    });

    it('when an attempt fails and is retried, then the attempt keeps the reason and the error, the job the error, and it is not finished', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      clock.advance(100);
      expect(queue.fail(id, 'w1', { retry: true, reason: 'network_econnreset' }, 'socket hang up')).toBe('retry');
      expect(queue.get(id)).toMatchObject({ state: 'retry', attempts: 1, last_error: 'socket hang up', finished_at: null, lease_until: null, leased_by: null });
      expect(attempts(id)).toEqual([{ attempt: 1, started: T0, finished: T0 + 100, outcome: 'network_econnreset', error: 'socket hang up' }]);
    });

    it('when an error message is huge, then at most 2,000 characters of it are kept', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      queue.fail(id, 'w1', { retry: true, reason: 'x' }, 'e'.repeat(5_000));
      expect(queue.get(id)!.last_error).toBe('e'.repeat(2_000));
    });

    it('when a retry is due, then it waits the backoff for its attempt: between half and all of base × 2^(attempt-1)', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1', maxAttempts: 5 });
      for (const full of [1_000, 2_000, 4_000]) {
        claim();
        queue.fail(id, 'w1', { retry: true, reason: 'x' }, 'boom');
        const wait = queue.get(id)!.run_at - clock.now();
        expect(wait).toBeGreaterThanOrEqual(full / 2);
        expect(wait).toBeLessThanOrEqual(full);
        clock.advance(wait);
      }
    });

    it('when the queue has no backoff of its own, then the first retry waits 1 to 2 s and the later ones grow from there', () => {
      const plain = createQueue(db, { clock });
      const { id } = plain.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      plain.claim({ workerId: 'w1', leaseMs: 30_000, batchSize: () => 1 });
      plain.fail(id, 'w1', { retry: true, reason: 'x' }, 'boom');
      const wait = plain.get(id)!.run_at - clock.now();
      expect(wait).toBeGreaterThanOrEqual(1_000);
      expect(wait).toBeLessThanOrEqual(2_000);
    });

    it('when a retry is free (a rate limit or a budget pause), then it does not use an attempt and waits what it was told, else 1 s', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1', maxAttempts: 1 });
      claim();
      expect(queue.fail(id, 'w1', { retry: true, free: true, reason: 'rate_limited', waitMs: 42_000 }, '429')).toBe('retry');
      expect(queue.get(id)).toMatchObject({ state: 'retry', attempts: 0, run_at: T0 + 42_000 });
      clock.advance(42_000);
      claim();
      expect(queue.fail(id, 'w1', { retry: true, free: true, reason: 'budget_exhausted' }, 'budget')).toBe('retry');
      expect(queue.get(id)).toMatchObject({ state: 'retry', attempts: 0, run_at: T0 + 43_000 });
      // Its one counted attempt is still there to use.
      clock.advance(1_000);
      claim();
      expect(queue.fail(id, 'w1', { retry: true, reason: 'x' }, 'boom')).toBe('dead');
    });

    it('when an error is not retryable, then the job is dead at once with its attempt counted and a finish time', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      clock.advance(10);
      expect(queue.fail(id, 'w1', { retry: false, reason: 'INVALID_FIELD' }, 'No such column')).toBe('dead');
      expect(queue.get(id)).toMatchObject({ state: 'dead', attempts: 1, last_error: 'No such column', finished_at: T0 + 10 });
      expect(attempts(id)).toEqual([{ attempt: 1, started: T0, finished: T0 + 10, outcome: 'dead', error: 'No such column' }]);
    });

    it('when a job waits for re-auth, then it comes back in a minute with its error kept and its attempt not counted', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      queue.fail(id, 'w1', { retry: false, reauth: true, reason: 'invalid_grant' }, 'revoked');
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: 0, run_at: T0 + 60_000, last_error: 'revoked', finished_at: null });
      expect(attempts(id)).toEqual([{ attempt: 1, started: T0, finished: T0, outcome: 'reauth_needed', error: 'revoked' }]);
    });

    it('when a dead job is retried by an admin, then it is queued now with a clean slate; other jobs are not "retried"', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      queue.fail(id, 'w1', { retry: false, reason: 'x' }, 'boom');
      clock.advance(5_000);
      expect(queue.retryDead(id)).toBe(true);
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: 0, run_at: T0 + 5_000, last_error: null, finished_at: null });
      expect(queue.retryDead(id)).toBe(false); // queued now, not dead
      expect(queue.retryDead(9_999)).toBe(false);
      expect(attempts(id).map((a) => (a as { outcome: string }).outcome)).toEqual(['dead']);
    });
  });

  describe('leases', () => {
    it('when a worker stops renewing its lease, then the job is reclaimed for a retry at once, or dead when it used its last attempt', () => {
      const a = queue.enqueue('contact.enrich', {}, { connectionId: 'c1', maxAttempts: 3 }).id;
      const b = queue.enqueue('contact.enrich', {}, { connectionId: 'c2', maxAttempts: 1 }).id;
      claim('gone', 1_000);
      claim('gone', 1_000);
      clock.advance(1_000);
      expect(queue.reclaimExpired()).toBe(0); // the lease's last millisecond still holds
      clock.advance(1);
      expect(queue.reclaimExpired()).toBe(2);
      expect(queue.get(a)).toMatchObject({ state: 'retry', attempts: 1, run_at: T0 + 1_001, last_error: 'worker lease expired', leased_by: null });
      expect(queue.get(b)).toMatchObject({ state: 'dead', attempts: 1, last_error: 'worker lease expired', finished_at: T0 + 1_001 });
      expect(attempts(a)).toEqual([{ attempt: 1, started: T0, finished: T0 + 1_001, outcome: 'lease_expired', error: 'worker lease expired' }]);
      expect(attempts(b)).toEqual([{ attempt: 1, started: T0, finished: T0 + 1_001, outcome: 'lease_expired', error: 'worker lease expired' }]);
      expect(queue.reclaimExpired()).toBe(0);
    });

    it('when the worker renews its lease, then the job stays its own; another worker cannot renew it', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim('w1', 1_000);
      clock.advance(900);
      queue.extendLease([id], 'w1', 1_000);
      queue.extendLease([id], 'intruder', 60_000);
      expect(queue.get(id)).toMatchObject({ lease_until: T0 + 1_900, leased_by: 'w1', updated_at: T0 + 900 });
      clock.advance(900);
      expect(queue.reclaimExpired()).toBe(0);
      expect(claim('w2')).toEqual([]); // c1 has a running batch
      clock.advance(101);
      expect(queue.reclaimExpired()).toBe(1);
    });

    it('when a job is not leased by the caller, then it can neither succeed, fail nor release it', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim('w1');
      queue.succeed(id, 'w2');
      expect(queue.fail(id, 'w2', { retry: false, reason: 'x' }, 'no')).toBeUndefined();
      queue.release(id, 'w2');
      expect(queue.get(id)).toMatchObject({ state: 'running', leased_by: 'w1' });
      queue.succeed(id, 'w1');
      // Finished: nobody can fail it any more, not even its last holder.
      expect(queue.fail(id, 'w1', { retry: true, reason: 'x' }, 'late')).toBeUndefined();
      expect(queue.get(id)!.state).toBe('succeeded');
    });

    it('when a worker gives a job back (shutdown, or a run yielding between pages), then it is queued without using an attempt, now or when asked', () => {
      const a = queue.enqueue('sync.run', {}, { connectionId: 'c1' }).id;
      claim();
      queue.release(a, 'w1');
      expect(queue.get(a)).toMatchObject({ state: 'queued', attempts: 0, run_at: T0, leased_by: null });
      claim();
      queue.release(a, 'w1', { runAt: T0 + 7_000, outcome: 'yielded' });
      expect(queue.get(a)).toMatchObject({ state: 'queued', attempts: 0, run_at: T0 + 7_000 });
      expect(attempts(a).map((x) => (x as { outcome: string }).outcome)).toEqual(['released', 'yielded']);
    });

    it('when a retried job is given back, then the error of its last failed attempt stays visible', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      claim();
      queue.fail(id, 'w1', { retry: true, free: true, reason: 'rate_limited', waitMs: 1 }, 'HTTP 429');
      clock.advance(1);
      claim();
      queue.release(id, 'w1');
      expect(queue.get(id)).toMatchObject({ state: 'queued', last_error: 'HTTP 429' });
    });

    it('when a job id does not exist, then finishing, failing or releasing it does nothing', () => {
      queue.succeed(9_999, 'w1');
      expect(queue.fail(9_999, 'w1', { retry: true, reason: 'x' }, 'boom')).toBeUndefined();
      queue.release(9_999, 'w1');
      expect(queue.counts()).toEqual({ queued: 0, running: 0, retry: 0, succeeded: 0, dead: 0 });
    });
  });

  describe('claims', () => {
    it('when a claim asks for a batch size of 0, then it still gets one job; batches come oldest first', () => {
      const ids = [3, 1, 2].map((k) => queue.enqueue('contact.enrich', { k }, { connectionId: 'c1', runAt: T0 - k * 1_000 }).id);
      const one = claim('w1', 30_000, 0);
      expect(one.map((j) => j.payload)).toEqual([{ k: 3 }]);
      queue.succeed(one[0]!.id, 'w1');
      expect(claim('w1', 30_000, 10).map((j) => j.payload)).toEqual([{ k: 2 }, { k: 1 }]);
      expect(ids).toHaveLength(3);
    });

    it('when a claim names a job, then only that job is claimed, and not while its connection has a batch running', () => {
      const a = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' }).id;
      const b = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' }).id;
      const c = queue.enqueue('contact.enrich', {}, { connectionId: 'c2', runAt: T0 + 60_000 }).id;
      expect(queue.claim({ workerId: 'w1', leaseMs: 1_000, batchSize: () => 100, jobId: b }).map((j) => j.id)).toEqual([b]);
      expect(queue.get(a)!.state).toBe('queued');
      expect(queue.claim({ workerId: 'w2', leaseMs: 1_000, batchSize: () => 100, jobId: a })).toEqual([]);
      expect(queue.claim({ workerId: 'w2', leaseMs: 1_000, batchSize: () => 100, jobId: c })).toEqual([]); // not due yet
      // ... even while another job is due: naming a job never claims it early.
      queue.enqueue('sync.run', {});
      expect(queue.claim({ workerId: 'w2', leaseMs: 1_000, batchSize: () => 100, jobId: c })).toEqual([]);
      expect(queue.get(c)!.state).toBe('queued');
      expect(queue.claim({ workerId: 'w2', leaseMs: 1_000, batchSize: () => 100, jobId: 9_999 })).toEqual([]);
    });

    it('when a row holds a payload that is not JSON (not written by enqueue), then the job is handed over with no payload, for its handler to refuse', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      db.prepare(`UPDATE jobs SET payload_json = '{broken' WHERE id = ?`).run(id);
      expect(claim()[0]!.payload).toBeUndefined();
    });
  });

  describe('read models', () => {
    it('counts jobs per state with every state present', () => {
      expect(queue.counts()).toEqual({ queued: 0, running: 0, retry: 0, succeeded: 0, dead: 0 });
      queue.enqueue('contact.enrich', {}, { connectionId: 'c1' });
      queue.enqueue('contact.enrich', {}, { connectionId: 'c2' });
      queue.enqueue('contact.enrich', {}, { connectionId: 'c2' });
      claim();
      expect(queue.counts()).toEqual({ queued: 2, running: 1, retry: 0, succeeded: 0, dead: 0 });
    });

    it('lists the latest changed jobs first, with their CRM, at most the limit; and the jobs of one state', () => {
      const a = queue.enqueue('contact.enrich', { n: 'a' }, { connectionId: 'c1' }).id;
      clock.advance(1);
      const b = queue.enqueue('contact.enrich', { n: 'b' }, { connectionId: 'c2' }).id;
      clock.advance(1);
      const c = queue.enqueue('sync.run', { n: 'c' }).id;
      clock.advance(1);
      const [claimed] = claim(); // the oldest: a
      expect(claimed!.id).toBe(a);
      clock.advance(1);
      queue.fail(a, 'w1', { retry: false, reason: 'x' }, 'boom');
      const recent = queue.recent();
      expect(recent.map((j) => [j.id, j.crm, j.payload])).toEqual([
        [a, 'hubspot', { n: 'a' }],
        [c, null, { n: 'c' }],
        [b, 'salesforce', { n: 'b' }],
      ]);
      expect(queue.recent(2).map((j) => j.id)).toEqual([a, c]);
      expect(queue.inState('dead').map((j) => [j.id, j.state, j.last_error])).toEqual([[a, 'dead', 'boom']]);
      expect(queue.inState('queued').map((j) => j.id)).toEqual([c, b]);
      expect(queue.inState('queued', 1)).toHaveLength(1);
    });

    it('when webhook batches are enqueued together, then each learns how many of its jobs were new and how many duplicates', async () => {
      const item = (key: string) => ({ name: 'contact.enrich', payload: { key }, opts: { connectionId: 'c1', dedupeKey: key } });
      const [first, second] = await Promise.all([queue.enqueueMany([item('a'), item('b'), item('a')]), queue.enqueueMany([item('b'), item('c')])]);
      expect(first).toEqual({ created: 2, duplicates: 1 });
      expect(second).toEqual({ created: 1, duplicates: 1 });
      expect(queue.counts().queued).toBe(3);
    });
  });
});
