// Job changes on HubSpot: the job-changes sync flags exactly the contacts that moved, creates one task per change for
// the owner, never twice (even across a crash between the CRM write and the task), and schedules apply live.
import { getTasks } from 'node-cron';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { hubspotEnv, importJobChangeCohort, importPeople, importThreeMoves, installCrm, runSync } from '../helpers/crm.js';
import type { SyncMode } from '../../src/db/sync-runs.repo.js';

describeEachBackend('job changes on HubSpot', (backend) => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let ids: string[];
  let emails: string[];
  const drain = () => t.services.createWorker({ concurrency: 1 }).drain();
  const run = (mode: SyncMode) => runSync(t, connectionId, mode);

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ backend, env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    emails = importJobChangeCohort(t);
    const owners = fake.owners.map((o) => o.id);
    ids = emails.map((email, i) => fake.addContact({ email, hubspot_owner_id: owners[i % owners.length]! }).id);
    const counts = await run('backfill');
    expect(counts.enriched).toBe(20);
    expect(fake.getContact(ids[0]!)!.properties.enrichment_recent_job_change).toBe('false');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when 3 of 20 contacts move to another company, then exactly those 3 are flagged, with 3 tasks for their owners', async () => {
    // The dataset learns that three people moved (one with a new title at the old company: not a move).
    importThreeMoves(t);
    const counts = await run('job-changes');
    expect(counts).toMatchObject({ checked: 20, changed: 3, tasks: 3, errors: 0 });
    for (const [i, id] of ids.entries()) {
      const p = fake.getContact(id)!.properties;
      if (i < 3) {
        expect(p, `contact ${i}`).toMatchObject({
          enrichment_recent_job_change: 'true',
          enrichment_previous_company: 'Globex Corporation',
          enrichment_previous_title: 'Account Manager',
          company: 'Initech LLC',
        });
        expect(p.enrichment_job_change_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      } else {
        expect(p.enrichment_recent_job_change, `contact ${i}`).toBe('false');
      }
    }
    // The title-only change at the same company updated the title but is not a job change.
    expect(fake.getContact(ids[3]!)!.properties.jobtitle).toBe('Senior Account Manager');
    const tasks = fake.tasks();
    expect(tasks).toHaveLength(3);
    for (const [i, id] of ids.slice(0, 3).entries()) {
      const task = tasks.find((x) => x.associations.some((a) => a.toObjectId === id))!;
      expect(task, `task for contact ${i}`).toBeTruthy();
      expect(task.properties.hubspot_owner_id).toBe(fake.getContact(id)!.properties.hubspot_owner_id);
      expect(task.properties.hs_task_subject).toBe(`Job change: First${i} Last${i} is now Head of Sales at Initech LLC`);
      expect(task.properties.hs_task_body).toContain('Account Manager at Globex Corporation → Head of Sales at Initech LLC');
    }
  });

  it('when the sync runs again, then no new task and no new flag', async () => {
    const counts = await run('job-changes');
    expect(counts).toMatchObject({ changed: 0, tasks: 0 });
    expect(fake.tasks()).toHaveLength(3);
  });

  it('when the process dies after HubSpot created the task but before we recorded it, then the task exists once after resume', async () => {
    importPeople(t, 1, { prefix: 'jc', company: () => 'Umbrella Corp', title: () => 'Director of Sales' });
    const ctx = t.services.registry.get(connectionId);
    const real = ctx.session.createTask.bind(ctx.session);
    let crashes = 0;
    ctx.session.createTask = async (task) => {
      const id = await real(task);
      if (crashes++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return id;
    };
    const counts = await run('job-changes');
    expect(counts.changed).toBe(1);
    ctx.session.createTask = real;
    // Resume: the outbox finds the task by its marker instead of creating a second one.
    await run('job-changes');
    const forContact0 = fake.tasks().filter((x) => x.associations.some((a) => a.toObjectId === ids[0]));
    expect(forContact0).toHaveLength(2); // the first move (Initech) and this one (Umbrella), once each
    const states = t.services.db.prepare(`SELECT task_state FROM job_changes WHERE contact_id = ? ORDER BY detected_at`).pluck().all(ids[0]);
    expect(states).toEqual(['created', 'created']);
  });

  it('when a flag is older than the window, then a later run clears it, unless the connection switched clearing off', async () => {
    const flagged = () => ids.filter((id) => fake.getContact(id)!.properties.enrichment_recent_job_change === 'true');
    expect(flagged()).toEqual(ids.slice(0, 3));
    const ctx = t.services.registry.get(connectionId);
    // Clearing switched off: the old flags stay.
    t.services.repos.connections.setSettings(connectionId, JSON.stringify({ ...ctx.settings, clearJobChangeFlags: false }));
    const longAgo = Date.now() - 91 * 86_400_000;
    t.services.db.prepare('UPDATE contact_snapshots SET job_change_flagged_at = ? WHERE connection_id = ? AND job_change_flagged_at IS NOT NULL').run(longAgo, connectionId);
    await run('job-changes');
    expect(flagged()).toEqual(ids.slice(0, 3));
    // Switched back on: the flags, 91 days old with a 90-day window, are cleared; the previous company stays as history.
    t.services.repos.connections.setSettings(connectionId, JSON.stringify({ ...ctx.settings, clearJobChangeFlags: true }));
    await run('job-changes');
    expect(flagged()).toEqual([]);
    expect(fake.getContact(ids[1]!)!.properties.enrichment_previous_company).toBe('Globex Corporation');
    expect(fake.tasks()).toHaveLength(4);
  });

  it('when a schedule is changed at run time, then it takes effect without a restart (per-second ones refused), and two firings make one run', async () => {
    const scheduler = t.services.scheduler;
    scheduler.start();
    try {
      const scheduled = () => [...getTasks().values()].map((task) => task.name ?? "");
      // Another process (the admin page, the CLI) edits the schedule in the database: a 6-field (per-second)
      // expression is never scheduled; a 5-field one replaces the old task without a restart.
      t.services.repos.runs.putSchedule(connectionId, 'new', '* * * * * *', true, Date.now());
      scheduler.reload();
      expect(scheduled().filter((n) => n.startsWith(`${connectionId}:new:`))).toEqual([]);
      t.services.repos.runs.putSchedule(connectionId, 'new', '*/5 * * * *', true, Date.now() + 1);
      scheduler.reload();
      expect(scheduled().filter((n) => n.startsWith(`${connectionId}:new:`))).toEqual([`${connectionId}:new:*/5 * * * *`]);
      // Two firings at once: one run.
      scheduler.fire(connectionId, 'job-changes');
      scheduler.fire(connectionId, 'job-changes');
      const pending = t.services.db.prepare(`SELECT COUNT(*) FROM sync_runs WHERE connection_id = ? AND mode = 'job-changes' AND state IN ('queued','running')`).pluck().get(connectionId);
      expect(pending).toBe(1);
      await drain();
    } finally {
      scheduler.stop();
    }
  });
});
