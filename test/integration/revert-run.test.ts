// Undo a run, on both CRM fakes: a backfill writes, a person edits one field, the revert puts back every other field
// and keeps the edited one, a second revert changes nothing; a job-changes run's tasks are removed only when nobody
// completed them; the audit log records the revert; the CLI prints the summary line.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { hubspotEnv, importJobChangeCohort, importPeople, importThreeMoves, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';
import { runCli } from '../helpers/cli.js';
import type { SyncMode } from '../../src/db/sync-runs.repo.js';

/** What the tests need from a CRM fake, the same for both. */
interface Crm {
  name: 'hubspot' | 'salesforce';
  env: Record<string, string>;
  /** The field a person edits (the job title). */
  titleField: string;
  addContact(email: string, i: number): string;
  value(id: string, field: string): unknown;
  edit(id: string, field: string, value: string): void;
  /** Live tasks with the contact they belong to. */
  tasks(): { id: string; contactId: string }[];
  completeTask(id: string): void;
  /** The record is deleted in the CRM. */
  remove(id: string): void;
  /** The CRM refuses the next write to this record (Salesforce fake only). */
  refuseNextWrite?(id: string): void;
  close(): Promise<void>;
}

async function hubspot(): Promise<Crm> {
  const fake: HubSpotFake = await startHubSpotFake();
  return {
    name: 'hubspot',
    env: hubspotEnv(fake),
    titleField: 'jobtitle',
    addContact: (email, i) => fake.addContact({ email, hubspot_owner_id: fake.owners[i % fake.owners.length]!.id }).id,
    value: (id, field) => fake.getContact(id)!.properties[field],
    edit: (id, field, value) => fake.setContactProperty(id, field, value),
    tasks: () => fake.tasks().map((t) => ({ id: t.id, contactId: t.associations[0]!.toObjectId })),
    completeTask: (id) => fake.setTaskProperty(id, 'hs_task_status', 'COMPLETED'),
    remove: (id) => fake.archiveContact(id),
    close: () => fake.close(),
  };
}

async function salesforce(): Promise<Crm> {
  const fake: SalesforceFake = await startSalesforceFake();
  return {
    name: 'salesforce',
    env: salesforceEnv(fake),
    titleField: 'Title',
    addContact: (email, i) => fake.addRecord('Contact', { FirstName: `First${i}`, LastName: `Last${i}`, Email: email, OwnerId: fake.ownerIds[i % fake.ownerIds.length] }).Id,
    value: (id, field) => fake.getRecord(id)![field],
    edit: (id, field, value) => fake.updateRecord(id, { [field]: value }),
    tasks: () => fake.records('Task').filter((t) => t['IsDeleted'] !== true).map((t) => ({ id: t.Id, contactId: String(t['WhoId']) })),
    completeTask: (id) => fake.updateRecord(id, { Status: 'Completed' }),
    remove: (id) => fake.deleteRecord(id),
    refuseNextWrite: (id) => fake.injectRecordError(id, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 1),
    close: () => fake.close(),
  };
}

/** Equal as field values: empty is empty, timestamps by instant, everything else as text. */
function sameText(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));
  const x = norm(a);
  const y = norm(b);
  if (x === null || y === null) return x === y;
  const iso = /^\d{4}-\d{2}-\d{2}T/;
  if (iso.test(x) && iso.test(y)) return Date.parse(x) === Date.parse(y);
  return x === y;
}

interface AuditWrite {
  object_type: string;
  contact_id: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  status: string;
  action: string;
  run_id: string;
}

for (const make of [hubspot, salesforce]) {
  describeEachBackend(`undo a run on ${make === hubspot ? 'HubSpot' : 'Salesforce'}`, (backend) => {
    let crm: Crm;
    let t: TestService;
    let connectionId: string;
    let ids: string[];
    let backfillRun: string;

    const latestRun = () => t.services.repos.runs.recent(connectionId, 1)[0]!.id;
    const run = async (mode: SyncMode) => {
      await runSync(t, connectionId, mode);
      return latestRun();
    };
    const audit = (runId: string, action: 'write' | 'revert') =>
      t.services.db.prepare(`SELECT * FROM audit_log WHERE run_id = ? AND action = ? ORDER BY id`).all(runId, action) as AuditWrite[];

    beforeAll(async () => {
      crm = await make();
      t = await startService({ backend, env: { ...crm.env, ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
      ({ connectionId } = await installCrm(t, crm.name));
      const emails = importJobChangeCohort(t);
      ids = emails.map((email, i) => crm.addContact(email, i));
      backfillRun = await run('backfill');
    });
    afterAll(async () => {
      await t?.close();
      await crm?.close();
    });

    it('when a person edited one field after a backfill, then a revert puts back every other field the run wrote and keeps the edited one', async () => {
      const writes = audit(backfillRun, 'write').filter((w) => w.status === 'written');
      expect(writes.length).toBeGreaterThan(ids.length); // several fields per contact
      expect(crm.value(ids[0]!, crm.titleField)).toBe('Account Manager');
      crm.edit(ids[0]!, crm.titleField, 'Chief Happiness Officer');

      // The preview says the same and changes nothing.
      const preview = await t.services.revert.preview(backfillRun);
      expect(preview).toMatchObject({ reverted: writes.length - 1, kept: 1, failed: 0, dryRun: true });
      expect(crm.value(ids[1]!, crm.titleField)).toBe('Account Manager');

      const report = await t.services.revert.revert(backfillRun);
      expect(report).toMatchObject({ reverted: writes.length - 1, kept: 1, failed: 0, tasks_removed: 0 });
      expect(report.fields.find((f) => f.outcome === 'kept')).toMatchObject({
        contactId: ids[0],
        field: crm.titleField,
        reason: 'changed_since',
        current: 'Chief Happiness Officer',
      });
      for (const w of writes) {
        const now = crm.value(w.contact_id, w.field);
        if (w.contact_id === ids[0] && w.field === crm.titleField) expect(now).toBe('Chief Happiness Officer');
        else expect(sameText(now, w.old_value), `${w.contact_id} ${w.field}: ${String(now)} vs ${w.old_value}`).toBe(true);
      }
      // Each field put back is in the audit log, with the run's id and the revert marker.
      const reverts = audit(backfillRun, 'revert');
      expect(reverts).toHaveLength(writes.length - 1);
      expect(reverts.every((r) => r.status === 'written' && r.run_id === backfillRun)).toBe(true);
    });

    it('when the run is reverted again, then nothing changes', async () => {
      const again = await t.services.revert.revert(backfillRun);
      expect(again).toMatchObject({ reverted: 0, kept: 1, failed: 0, tasks_removed: 0 });
      expect(crm.value(ids[0]!, crm.titleField)).toBe('Chief Happiness Officer');
      expect(audit(backfillRun, 'revert')).toHaveLength(audit(backfillRun, 'write').length - 1);
    });

    it('when another run of the connection is queued, then a revert is refused until it has finished', async () => {
      const { run: other } = t.services.runService.startRun(connectionId, 'new', 'test');
      await expect(t.services.revert.revert(backfillRun)).rejects.toThrow(`a new run of this connection is queued; revert once it has finished`);
      await t.services.createWorker({ concurrency: 1 }).drain();
      expect(t.services.repos.runs.get(other.id)!.state).toBe('succeeded');
      expect((await t.services.revert.revert(backfillRun)).reverted).toBe(0);
    });

    it('when the CLI lists runs and reverts one, then it prints the runs and exactly the summary line', async () => {
      const env = { ...crm.env, ...t.storeEnv, LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' };
      const list = await runCli(['runs', 'list', connectionId, '--json'], env);
      expect(list.code, list.stderr).toBe(0);
      const rows = JSON.parse(list.stdout) as { id: string; mode: string; state: string; enriched: number; found: number }[];
      expect(rows.map((r) => r.id)).toContain(backfillRun);
      expect(rows.find((r) => r.id === backfillRun)).toMatchObject({ mode: 'backfill', state: 'succeeded', enriched: 20, found: 20 });

      const table = await runCli(['runs', 'list', connectionId], env);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^run +created \(UTC\) +mode +state +looked up +found +written +job changes +credits +errors$/);
      expect(table.stdout).toMatch(new RegExp(`^${backfillRun} .* backfill +succeeded +20 +20 `, 'm'));

      const r = await runCli(['runs', 'revert', backfillRun, '--tasks', '--dry-run'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('{"reverted":0,"kept":1,"failed":0,"tasks_removed":0}\n');
      expect(r.stderr).toContain(`kept: contact ${ids[0]} ${crm.titleField} (changed_since; now "Chief Happiness Officer")`);

      const missing = await runCli(['runs', 'revert', 'run_nope'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('crm-enrich: no run "run_nope"\n');
      const bad = await runCli(['runs', 'revert'], env);
      expect(bad.code).toBe(2);
    });
    it('when a job-changes run is reverted with tasks, then its tasks are removed unless someone completed them', async () => {
      // Enrich again (the revert emptied the fields), then three people move and get a task each.
      importPeople(t, 20, { prefix: 'jc', company: () => 'Globex Corporation', title: () => 'Account Manager' });
      await run('job-changes');
      importThreeMoves(t);
      const jobChanges = await run('job-changes');
      const tasks = crm.tasks();
      expect(tasks).toHaveLength(3);
      const done = tasks[0]!;
      crm.completeTask(done.id);

      const preview = await t.services.revert.preview(jobChanges, { tasks: true });
      expect(preview.tasks_removed).toBe(2);
      expect(crm.tasks()).toHaveLength(3);

      // A record the run wrote is deleted since: its fields are kept and reported, not failed.
      const movers = new Set(tasks.map((x) => x.contactId));
      const gone = audit(jobChanges, 'write').find((w) => !movers.has(w.contact_id) && w.contact_id !== ids[0])!.contact_id;
      crm.remove(gone);

      const report = await t.services.revert.revert(jobChanges, { tasks: true });
      expect(report.failed).toBe(0);
      const goneFields = report.fields.filter((f) => f.contactId === gone);
      expect(goneFields.length).toBeGreaterThan(0);
      expect(goneFields.every((f) => f.outcome === 'kept' && f.reason === 'record_deleted')).toBe(true);
      expect(report.tasks_removed).toBe(2);
      expect(report.tasks.find((x) => x.taskId === done.id)?.outcome).toBe('kept_completed');
      expect(crm.tasks().map((x) => x.id)).toEqual([done.id]);
      // The movers have their old company and title back.
      // (The first of them keeps the title a person typed: the sync never overwrote it.)
      for (const id of movers) expect(crm.value(id, crm.titleField)).toBe(id === ids[0] ? 'Chief Happiness Officer' : 'Account Manager');

      const again = await t.services.revert.revert(jobChanges, { tasks: true });
      expect(again).toMatchObject({ reverted: 0, failed: 0, tasks_removed: 0 });
      expect(crm.tasks()).toHaveLength(1);
    });


    it('when a task of the run is still waiting in the outbox, then a revert with tasks cancels it and it is never created', async () => {
      importPeople(t, 3, { prefix: 'jc', company: () => 'Umbrella Corp', title: () => 'Director of Sales' });
      const ctx = t.services.registry.get(connectionId);
      const real = ctx.session.createTask.bind(ctx.session);
      ctx.session.createTask = () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      let runId: string;
      try {
        runId = await run('job-changes');
      } finally {
        ctx.session.createTask = real;
      }
      const before = crm.tasks().length;
      const waiting = t.services.db.prepare(`SELECT task_state FROM job_changes WHERE run_id = ?`).all(runId) as { task_state: string }[];
      expect(waiting.map((w) => w.task_state)).toEqual(['creating', 'creating', 'creating']);

      const report = await t.services.revert.revert(runId, { tasks: true });
      expect(report.tasks.map((x) => x.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect(report.tasks_removed).toBe(0);
      // The outbox runs again (at the end of any run): nothing is created for the reverted run.
      await run('new');
      expect(crm.tasks()).toHaveLength(before);
      expect((await t.services.revert.revert(runId, { tasks: true })).tasks).toEqual([]);
    });

    // Salesforce only: its collections answer per record, so one refused record is a partial success to report (no
    // skipped test on HubSpot: the case is simply not defined there).
    if (make === salesforce) it('when the CRM refuses one record, then its fields count as failed and a later revert puts them back', async () => {
      importPeople(t, 13, { prefix: 'jc', company: () => 'Globex Corporation', title: (i) => (i >= 10 ? 'Team Lead' : 'Account Manager') });
      const runId = await run('job-changes');
      const mine = audit(runId, 'write').filter((w) => w.contact_id === ids[10] && w.status === 'written');
      expect(mine.map((w) => w.field)).toContain(crm.titleField);
      crm.refuseNextWrite!(ids[10]!);

      const first = await t.services.revert.revert(runId);
      expect(first.failed).toBe(mine.length);
      expect(first.fields.filter((f) => f.outcome === 'failed').every((f) => f.contactId === ids[10] && f.reason!.startsWith('FIELD_CUSTOM_VALIDATION_EXCEPTION'))).toBe(true);
      expect(crm.value(ids[10]!, crm.titleField)).toBe('Team Lead');
      expect(crm.value(ids[11]!, crm.titleField)).toBe('Account Manager');
      expect(audit(runId, 'revert').filter((r) => r.status === 'failed')).toHaveLength(mine.length);

      // A failed field is not done: the next revert tries it again, and only it.
      const second = await t.services.revert.revert(runId);
      expect(second).toMatchObject({ reverted: mine.length, failed: 0 });
      expect(crm.value(ids[10]!, crm.titleField)).toBe('Account Manager');
    });
  });
}
