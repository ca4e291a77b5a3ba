// The durable queue on a real database, SQLite and PostgreSQL: transitions, dedupe, claims per connection, leases,
// retries.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.js';
import { assertTransition, createQueue, type Queue } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';
import { fixedClock } from '../../src/lib/clock.js';
import { NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { describeEachBackend, useTestDb } from '../helpers/backends.js';

const log = createLogger({ level: 'silent' });

describeEachBackend('the queue', (backend) => {
  let db: Db;
  let queue: Queue;
  const clock = fixedClock(new Date('2026-11-26T06:00:00Z'));
  const store = useTestDb(backend, 'queue');

  function connection(id: string, status = 'connected') {
    db.prepare(`INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'acc', 0) ON CONFLICT (id) DO NOTHING`).run();
    db.prepare(
      `INSERT INTO connections (id, crm, account_id, external_id, status, tokens_enc, settings_json, created_at, updated_at)
       VALUES (?, 'hubspot', 'acc', ?, ?, 'x', '{}', 0, 0)`,
    ).run(id, id, status);
  }
  const claim = (workerId = 'w1', batch = 100) => queue.claim({ workerId, leaseMs: 30_000, batchSize: () => batch });

  beforeEach(() => {
    db = store.reset();
    queue = createQueue(db, { clock, backoff: { baseMs: 1000, maxMs: 60_000 } });
    connection('c1');
    connection('c2');
  });

  describe('the job queue', () => {
    it('allows only the transitions of its table', () => {
      expect(() => assertTransition('queued', 'running')).not.toThrow();
      expect(() => assertTransition('succeeded', 'queued')).toThrow(/not allowed/);
      expect(() => assertTransition('queued', 'dead')).toThrow(/not allowed/);
      expect(() => assertTransition('dead', 'queued')).not.toThrow();
    });

    it('when the same dedupe key is enqueued three times, then one job exists', async () => {
      const a = queue.enqueue('contact.enrich', { n: 1 }, { connectionId: 'c1', dedupeKey: 'k' });
      const b = queue.enqueue('contact.enrich', { n: 2 }, { connectionId: 'c1', dedupeKey: 'k' });
      expect(a.created).toBe(true);
      expect(b).toEqual({ id: a.id, created: false });
      expect(await queue.enqueueMany([{ name: 'contact.enrich', payload: {}, opts: { connectionId: 'c1', dedupeKey: 'k' } }])).toEqual({ created: 0, duplicates: 1 });
    });

    it('when a webhook batch of 250 jobs repeats keys within itself and with queued jobs, then each key is queued once, with its own payload', async () => {
      queue.enqueue('contact.enrich', { first: true }, { connectionId: 'c1', dedupeKey: 'm0' });
      const items = Array.from({ length: 250 }, (_, i) => ({ name: 'contact.enrich', payload: { i }, opts: { connectionId: 'c1', dedupeKey: `m${i % 200}` } }));
      expect(await queue.enqueueMany(items)).toEqual({ created: 199, duplicates: 51 });
      const keys = db.prepare("SELECT dedupe_key FROM jobs WHERE connection_id = 'c1'").pluck().all() as string[];
      expect(new Set(keys).size).toBe(200);
      expect(keys).toHaveLength(200);
      expect(queue.get(Number(db.prepare("SELECT id FROM jobs WHERE dedupe_key = 'm150'").pluck().get()))?.payload).toEqual({ i: 150 });
      expect(queue.get(Number(db.prepare("SELECT id FROM jobs WHERE dedupe_key = 'm0'").pluck().get()))?.payload).toEqual({ first: true });
    });

    it('claims a batch of one connection and job name, and never two batches of one connection at once', () => {
      for (let i = 0; i < 150; i++) queue.enqueue('contact.enrich', { i }, { connectionId: 'c1', dedupeKey: `a${i}` });
      queue.enqueue('contact.enrich', {}, { connectionId: 'c2', dedupeKey: 'b' });
      const first = claim('w1');
      expect(first).toHaveLength(100);
      expect(new Set(first.map((j) => j.connection_id))).toEqual(new Set(['c1']));
      const second = claim('w2');
      expect(second.map((j) => j.connection_id)).toEqual(['c2']);
      expect(claim('w3')).toEqual([]);
    });

    it('skips connections that are paused or need re-auth, and keeps their jobs', () => {
      connection('c3', 'reconnect_needed');
      queue.enqueue('contact.enrich', {}, { connectionId: 'c3', dedupeKey: 'x' });
      expect(claim()).toEqual([]);
      db.prepare(`UPDATE connections SET status = 'connected' WHERE id = 'c3'`).run();
      expect(claim()).toHaveLength(1);
    });

    it('when a worker dies, then its lease expires and the job is claimed again', () => {
      queue.enqueue('contact.enrich', {}, { connectionId: 'c1', dedupeKey: 'x' });
      const [job] = claim('dead-worker');
      expect(claim('w2')).toEqual([]);
      clock.advance(31_000);
      const again = claim('w2');
      expect(again.map((j) => j.id)).toEqual([job!.id]);
      expect(again[0]!.attempts).toBe(2);
      // The dead worker cannot finish a job it no longer holds.
      queue.succeed(job!.id, 'dead-worker');
      expect(queue.get(job!.id)!.state).toBe('running');
      queue.succeed(job!.id, 'w2');
      expect(queue.get(job!.id)!.state).toBe('succeeded');
    });

    it('retries with backoff, honours waits, and goes dead after max attempts; a dead job can be retried', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1', dedupeKey: 'x', maxAttempts: 2 });
      claim();
      expect(queue.fail(id, 'w1', { retry: true, reason: 'x', waitMs: 5000 }, 'boom')).toBe('retry');
      expect(queue.get(id)!.run_at).toBeGreaterThanOrEqual(clock.now() + 5000);
      expect(claim()).toEqual([]);
      clock.advance(60_000);
      claim();
      expect(queue.fail(id, 'w1', { retry: true, reason: 'x' }, 'boom')).toBe('dead');
      expect(queue.get(id)).toMatchObject({ state: 'dead', last_error: 'boom' });
      expect(queue.retryDead(id)).toBe(true);
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
      const attempts = db.prepare('SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY id').pluck().all(id);
      expect(attempts).toEqual(['x', 'dead']);
    });

    it('when a job needs re-auth, then it goes back to queued without using an attempt', () => {
      const { id } = queue.enqueue('contact.enrich', {}, { connectionId: 'c1', dedupeKey: 'x' });
      claim();
      expect(queue.fail(id, 'w1', { retry: false, reauth: true, reason: 'invalid_grant' }, 'revoked')).toBe('queued');
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    });
  });

  describe('the worker', () => {
    it('maps handler results and error types to job states', async () => {
      const ids = ['ok', 'retry', 'fatal', 'reauth'].map((k) => queue.enqueue('t', { k }, { connectionId: 'c1', dedupeKey: k }).id);
      const reauth: string[] = [];
      const worker = createWorker({
        queue,
        log,
        onReauthNeeded: (c) => reauth.push(c),
        handlers: {
          t: {
            batchSize: 10,
            async run(jobs) {
              return jobs.map((j) => {
                const k = (j.payload as { k: string }).k;
                if (k === 'ok') return { id: j.id, outcome: 'succeeded' as const };
                const error =
                  k === 'retry' ? new RetryAfterError('rate_limited', 'slow down', 1000) : k === 'fatal' ? new NonRetryableError('bad', 'bad input') : new ReauthRequiredError('invalid_grant', 'revoked');
                return { id: j.id, outcome: 'failed' as const, error };
              });
            },
          },
        },
      });
      expect(await worker.drain()).toBe(4);
      expect(ids.map((id) => queue.get(id)!.state)).toEqual(['succeeded', 'retry', 'dead', 'queued']);
      expect(reauth).toEqual(['c1']);
      // A rate-limit wait does not use up an attempt.
      expect(queue.get(ids[1]!)!.attempts).toBe(0);
    });

    it('when stopped while a batch runs past the grace period, then its jobs are released, not lost', async () => {
      const { id } = queue.enqueue('slow', {}, { connectionId: 'c1', dedupeKey: 's' });
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const worker = createWorker({
        queue,
        log,
        graceMs: 50,
        idlePollMs: 10,
        handlers: { slow: { batchSize: 1, run: () => (started(), new Promise(() => undefined)) } },
      });
      worker.start();
      await running;
      await worker.stop();
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    });
  });
});
