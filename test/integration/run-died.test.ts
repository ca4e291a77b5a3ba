// A run whose job dies is a failed run with the reason, never a run "queued" for ever that swallows every later
// start of the same mode.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { NonRetryableError } from '../../src/lib/errors.js';

describeEachBackend('a run whose job died', (backend) => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  const drain = () => t.services.createWorker({ concurrency: 1 }).drain();

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ backend, env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    importPeople(t, 3).forEach((email) => fake.addContact({ email }));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when the job fails in a way the queue never retries, then the run is failed with the reason and the next start makes a new run', async () => {
    const ctx = t.services.registry.get(connectionId);
    const real = ctx.session.list.bind(ctx.session);
    ctx.session.list = () => Promise.reject(new NonRetryableError('missing_setting', 'HUBSPOT_CLIENT_SECRET is not set'));
    let first;
    try {
      first = t.services.runService.startRun(connectionId, 'backfill', 'cli');
      await drain();
    } finally {
      ctx.session.list = real;
    }
    expect(t.services.queue.get(first.jobId)!.state).toBe('dead');
    const died = t.services.repos.runs.get(first.run.id)!;
    expect(died.state).toBe('failed');
    expect(died.error).toBe('HUBSPOT_CLIENT_SECRET is not set');
    expect(died.finished_at).not.toBeNull();

    const next = t.services.runService.startRun(connectionId, 'backfill', 'cli');
    expect(next.created).toBe(true);
    expect(next.run.id).not.toBe(first.run.id);
    await drain();
    expect(t.services.repos.runs.get(next.run.id)!.state).toBe('succeeded');
  });

  it('when a run was left queued while its job lies dead, then the next start fails it with the job error and starts afresh', async () => {
    const stuck = t.services.runService.startRun(connectionId, 'job-changes', 'cli');
    // The state an older version left behind: the job dead, the run still queued.
    t.services.db.prepare(`UPDATE jobs SET state = 'dead', last_error = 'worker lease expired', finished_at = 1 WHERE id = ?`).run(stuck.jobId);
    const next = t.services.runService.startRun(connectionId, 'job-changes', 'cli');
    expect(next.created).toBe(true);
    expect(t.services.repos.runs.get(stuck.run.id)).toMatchObject({ state: 'failed', error: 'its job died: worker lease expired' });
    await drain();
    expect(t.services.repos.runs.get(next.run.id)!.state).toBe('succeeded');
  });

  it('when the job fails transiently, then the run stays queued for its retry', async () => {
    const ctx = t.services.registry.get(connectionId);
    const real = ctx.session.list.bind(ctx.session);
    ctx.session.list = () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    try {
      const { run, jobId } = t.services.runService.startRun(connectionId, 'backfill', 'cli');
      await drain();
      expect(t.services.queue.get(jobId)!.state).toBe('retry');
      expect(t.services.repos.runs.get(run.id)!.state).not.toBe('failed');
      expect(t.services.runService.startRun(connectionId, 'backfill', 'cli')).toMatchObject({ created: false, run: { id: run.id } });
    } finally {
      ctx.session.list = real;
    }
  });
});
