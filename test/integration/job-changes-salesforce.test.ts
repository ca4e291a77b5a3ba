// Job changes on Salesforce: the job-changes sync flags exactly the Contacts that moved, creates one Task per change
// for the record's owner (WhoId = the contact), never twice, even across a crash between the write and the task.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSalesforceFake, type FakeRecord, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { importJobChangeCohort, importPeople, importThreeMoves, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';
import type { SyncMode } from '../../src/db/sync-runs.repo.js';

interface PicklistDescribe {
  fields: { name: string; picklistValues: { value: string; active: boolean }[] }[];
}

describeEachBackend('job changes on Salesforce', (backend) => {
  let fake: SalesforceFake;
  let t: TestService;
  let connectionId: string;
  let ids: string[];
  let owners: string[];
  const run = (mode: SyncMode) => runSync(t, connectionId, mode);
  const tasksOf = (contactId: string): FakeRecord[] => fake.records('Task').filter((x) => x['WhoId'] === contactId);

  /** What Salesforce's describe allows for the Task picklists (asked the way a client would). */
  async function taskPicklists(): Promise<Record<'Status' | 'Priority', string[]>> {
    const { accessToken } = fake.issueTokens();
    const res = await fetch(`${fake.url}/services/data/v62.0/sobjects/Task/describe`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    const d = (await res.json()) as PicklistDescribe;
    const values = (name: string) => d.fields.find((f) => f.name === name)!.picklistValues.filter((p) => p.active).map((p) => p.value);
    return { Status: values('Status'), Priority: values('Priority') };
  }

  beforeAll(async () => {
    fake = await startSalesforceFake();
    t = await startService({ backend, env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'salesforce'));
    const emails = importJobChangeCohort(t);
    owners = emails.map((_, i) => fake.ownerIds[i % fake.ownerIds.length]!);
    ids = emails.map((email, i) => fake.addRecord('Contact', { FirstName: `First${i}`, LastName: `Last${i}`, Email: email, OwnerId: owners[i] }).Id);
    const counts = await run('backfill');
    expect(counts.enriched).toBe(20);
    expect(fake.getRecord(ids[0]!)!['Enrichment_Recent_Job_Change__c']).toBe(false);
    expect(fake.getRecord(ids[0]!)!['Title']).toBe('Account Manager');
    expect(fake.records('Task')).toHaveLength(0);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when 3 of 20 contacts move to another company, then exactly those 3 are flagged, with 3 Tasks for their owners', async () => {
    // The dataset learns that three people moved, and that a fourth got a new title at the same company.
    importThreeMoves(t);
    const counts = await run('job-changes');
    expect(counts).toMatchObject({ checked: 20, changed: 3, tasks: 3, errors: 0 });
    for (const [i, id] of ids.entries()) {
      const r = fake.getRecord(id)!;
      if (i < 3) {
        expect(r, `contact ${i}`).toMatchObject({
          Enrichment_Recent_Job_Change__c: true,
          Enrichment_Previous_Company__c: 'Globex Corporation',
          Enrichment_Previous_Title__c: 'Account Manager',
          Title: 'Head of Sales',
        });
        expect(r['Enrichment_Job_Change_Date__c'], `contact ${i}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      } else {
        expect(r['Enrichment_Recent_Job_Change__c'], `contact ${i}`).toBe(false);
        expect(r['Enrichment_Previous_Company__c'] ?? null, `contact ${i}`).toBeNull();
      }
    }
    // The title-only change at the same company updated the title but is not a job change.
    expect(fake.getRecord(ids[3]!)!['Title']).toBe('Senior Account Manager');
    expect(tasksOf(ids[3]!)).toHaveLength(0);

    const allowed = await taskPicklists();
    const tasks = fake.records('Task');
    expect(tasks).toHaveLength(3);
    expect(new Set(tasks.map((x) => x['OwnerId'])).size).toBe(2); // the reps own different contacts
    for (const [i, id] of ids.slice(0, 3).entries()) {
      const [task] = tasksOf(id);
      expect(task, `task for contact ${i}`).toBeTruthy();
      expect(task!['OwnerId']).toBe(fake.getRecord(id)!['OwnerId']);
      expect(task!['OwnerId']).toBe(owners[i]);
      expect(allowed.Status).toContain(task!['Status']);
      expect(allowed.Priority).toContain(task!['Priority']);
      expect(task!['Subject']).toBe(`Job change: First${i} Last${i} is now Head of Sales at Initech LLC`);
      expect(String(task!['Description'])).toContain('Account Manager at Globex Corporation → Head of Sales at Initech LLC');
      expect(task!['ActivityDate']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const states = t.services.db.prepare(`SELECT task_state, task_id FROM job_changes WHERE connection_id = ?`).all(connectionId) as { task_state: string; task_id: string }[];
    expect(states.map((s) => s.task_state)).toEqual(['created', 'created', 'created']);
    expect(new Set(states.map((s) => s.task_id))).toEqual(new Set(tasks.map((x) => x.Id)));
  });

  it('when the sync runs again, then no new Task and no new flag', async () => {
    const counts = await run('job-changes');
    expect(counts).toMatchObject({ checked: 20, changed: 0, tasks: 0, errors: 0 });
    expect(fake.records('Task')).toHaveLength(3);
    expect(fake.getRecord(ids[0]!)!['Enrichment_Recent_Job_Change__c']).toBe(true);
    expect(fake.getRecord(ids[5]!)!['Enrichment_Recent_Job_Change__c']).toBe(false);
  });

  it('when the process dies after Salesforce created the Task but before we recorded it, then the Task exists once after resume', async () => {
    importPeople(t, 1, { prefix: 'jc', company: () => 'Umbrella Corp', title: () => 'Director of Sales' });
    const ctx = t.services.registry.get(connectionId);
    const real = ctx.session.createTask.bind(ctx.session);
    let crashes = 0;
    ctx.session.createTask = async (task) => {
      const id = await real(task);
      if (crashes++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return id;
    };
    try {
      const counts = await run('job-changes');
      expect(counts.changed).toBe(1);
    } finally {
      ctx.session.createTask = real;
    }
    expect(crashes).toBe(1);
    expect(fake.getRecord(ids[0]!)).toMatchObject({ Enrichment_Previous_Company__c: 'Initech LLC', Enrichment_Previous_Title__c: 'Head of Sales', Title: 'Director of Sales' });
    // Resume: the outbox finds the Task by its marker instead of creating a second one.
    await run('job-changes');
    const forContact0 = tasksOf(ids[0]!);
    expect(forContact0).toHaveLength(2); // the first move (Initech) and this one (Umbrella), once each
    expect(forContact0.filter((x) => String(x['Subject']).includes('Umbrella Corp'))).toHaveLength(1);
    const rows = t.services.db.prepare(`SELECT task_state, task_id FROM job_changes WHERE contact_id = ? ORDER BY detected_at`).all(ids[0]) as { task_state: string; task_id: string }[];
    expect(rows.map((r) => r.task_state)).toEqual(['created', 'created']);
    expect(new Set(rows.map((r) => r.task_id))).toEqual(new Set(forContact0.map((x) => x.Id)));
    expect(fake.records('Task')).toHaveLength(4);
  });
});
