// The guarantees of issue 14 on both CRM fakes: a profile naming someone else is not written (and is audited),
// role and throwaway mailboxes cost nothing, a monitoring budget stops a job-changes run at the budget (oldest
// checks first), and the estimate of a run is what the run then charges. On SQLite and on PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { connectionLedger, hubspotEnv, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';
import { runCli } from '../helpers/cli.js';
import { describeEachBackend } from '../helpers/backends.js';
import { importDataset } from '../../src/enrichment/dataset-import.js';
import { guardsOf, type GuardSettings } from '../../src/sync/guard-settings.js';
import type { SyncMode } from '../../src/db/sync-runs.repo.js';

interface Person {
  email?: string;
  first?: string;
  last?: string;
  linkedin?: string;
}

/** One CRM fake behind the few operations these tests need. */
interface Crm {
  env: Record<string, string>;
  add(p: Person): string;
  /** Salesforce only: a Lead (the other object type; runs go through both). */
  addLead?: (p: Person) => string;
  title(id: string): unknown;
  source(id: string): unknown;
  close(): Promise<void>;
}

async function hubspot(): Promise<Crm> {
  const fake: HubSpotFake = await startHubSpotFake();
  const prop = (id: string, name: string) => fake.getContact(id)!.properties[name] ?? null;
  return {
    env: hubspotEnv(fake),
    add: (p) =>
      fake.addContact({
        ...(p.email ? { email: p.email } : {}),
        ...(p.first ? { firstname: p.first } : {}),
        ...(p.last ? { lastname: p.last } : {}),
        ...(p.linkedin ? { hs_linkedin_url: p.linkedin } : {}),
      }).id,
    title: (id) => prop(id, 'jobtitle'),
    source: (id) => prop(id, 'enrichment_source'),
    close: () => fake.close(),
  };
}

async function salesforce(): Promise<Crm> {
  const fake: SalesforceFake = await startSalesforceFake();
  const field = (id: string, name: string) => fake.getRecord(id)![name] ?? null;
  return {
    env: salesforceEnv(fake),
    add: (p) =>
      fake.addRecord('Contact', {
        LastName: p.last ?? 'Unknown',
        ...(p.email ? { Email: p.email } : {}),
        ...(p.first ? { FirstName: p.first } : {}),
        ...(p.linkedin ? { Enrichment_LinkedIn_URL__c: p.linkedin } : {}),
      }).Id as string,
    addLead: (p) => fake.addRecord('Lead', { LastName: p.last ?? 'Unknown', Company: 'Guardian Ltd', ...(p.email ? { Email: p.email } : {}), ...(p.first ? { FirstName: p.first } : {}) }).Id as string,
    title: (id) => field(id, 'Title'),
    source: (id) => field(id, 'Enrichment_Source__c'),
    close: () => fake.close(),
  };
}

const CRMS = [
  ['HubSpot', hubspot],
  ['Salesforce', salesforce],
] as const;

for (const [_name, start] of CRMS) describeEachBackend(`guarantees on ${_name}`, (backend) => {
  let crm: Crm;
  let t: TestService;
  let connectionId: string;
  const run = (mode: SyncMode) => runSync(t, connectionId, mode);
  const lastRun = () => t.services.repos.runs.recent(connectionId, 1)[0]!;
  const estimate = (mode: SyncMode) => t.services.estimator.estimate(connectionId, mode);
  const setGuards = (over: Partial<GuardSettings>) =>
    t.services.connectionOps.saveGuards(connectionId, { ...guardsOf(t.services.registry.get(connectionId).settings), ...over });
  /** Dataset profiles (found by the `dataset` provider): email, first and last name, title; a LinkedIn URL if given. */
  const profiles = (rows: { email: string; first: string; last: string; title: string; linkedin?: string }[]) => {
    const text = rows
      .map((r) => JSON.stringify({ email: r.email, first_name: r.first, last_name: r.last, title: r.title, company: 'Guardian Ltd', ...(r.linkedin ? { linkedin_url: r.linkedin } : {}) }))
      .join('\n');
    const report = importDataset(text, t.services.repos.dataset, { format: 'jsonl', now: new Date(t.services.clock.now()), jobChangeWindowDays: 90 });
    expect(report.skipped).toBe(0);
    t.services.repos.cache.clear();
  };
  const chargedFor = (id: string) => connectionLedger(t, connectionId).filter((r) => r.idempotency_key?.endsWith(`:${id}`));

  beforeAll(async () => {
    crm = await start();
    t = await startService({ backend, env: { ...crm.env, ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, _name === 'HubSpot' ? 'hubspot' : 'salesforce'));
  });
  afterAll(async () => {
    await t.close();
    await crm.close();
  });

  it('when the profile found names someone else, then nothing is written, the run counts name_mismatch and the audit log says why', async () => {
    profiles([
      { email: 'ana.garcia@guard.example', first: 'Ana', last: 'García López', title: 'Head of Sales' },
      { email: 'recycled@guard.example', first: 'Peter', last: 'Meyer', title: 'Chief Executive Officer' },
      { email: 'bob.mueller@guard.example', first: 'Robert', last: 'Müller', title: 'Account Executive' },
    ]);
    const same = crm.add({ email: 'ana.garcia@guard.example', first: 'ana', last: 'Garcia' });
    const stranger = crm.add({ email: 'recycled@guard.example', first: 'Rachel', last: 'Stone' });
    const nickname = crm.add({ email: 'bob.mueller@guard.example', first: 'Bob', last: 'Mueller' });

    const counts = await run('backfill');
    expect(counts).toMatchObject({ enriched: 3, written: 2, name_mismatch: 1, errors: 0 });
    expect(crm.title(same)).toBe('Head of Sales');
    expect(crm.title(nickname)).toBe('Account Executive');
    expect(crm.title(stranger)).toBeNull();
    expect(crm.source(stranger)).toBeNull();
    const audit = t.services.db
      .prepare('SELECT field, old_value, new_value, status, error, run_id FROM audit_log WHERE connection_id = ? AND contact_id = ?')
      .all(connectionId, stranger);
    expect(audit).toEqual([
      { field: 'name', old_value: 'Rachel Stone', new_value: 'Peter Meyer', status: 'failed', error: expect.stringMatching(/^name_mismatch/), run_id: lastRun().id },
    ]);
  });

  it('when the guard is turned off for the connection, then such a profile is written', async () => {
    setGuards({ nameGuard: false });
    try {
      profiles([{ email: 'shared@guard.example', first: 'Paul', last: 'Young', title: 'Head of Operations' }]);
      const id = crm.add({ email: 'shared@guard.example', first: 'Emma', last: 'Old' });
      const counts = await run('backfill');
      expect(counts).toMatchObject({ enriched: 1, name_mismatch: 0 });
      expect(crm.title(id)).toBe('Head of Operations');
    } finally {
      setGuards({ nameGuard: true });
    }
  });

  it('when contacts have a role or disposable mailbox and no LinkedIn URL, then no provider is asked and nothing is charged', async () => {
    setGuards({ roleMailboxes: ['events'] });
    profiles([
      { email: 'info@rolecorp.example', first: 'Info', last: 'Desk', title: 'Receptionist' },
      { email: 'events@rolecorp.example', first: 'Eve', last: 'Events', title: 'Event Manager' },
      { email: 'jane.roe@mailinator.com', first: 'Jane', last: 'Roe', title: 'Designer' },
      { email: 'sales@rolecorp.example', first: 'Sam', last: 'Seller', title: 'Sales Director', linkedin: 'https://www.linkedin.com/in/sam-seller-guard' },
    ]);
    const info = crm.add({ email: 'info@rolecorp.example' });
    const events = crm.add({ email: 'events@rolecorp.example' });
    const throwaway = crm.add({ email: 'jane.roe@mailinator.com', first: 'Jane', last: 'Roe' });
    const withLinkedIn = crm.add({ email: 'sales@rolecorp.example', first: 'Sam', last: 'Seller', linkedin: 'https://www.linkedin.com/in/sam-seller-guard' });

    const counts = await run('backfill');
    expect(counts).toMatchObject({ role_mailbox: 2, disposable_email: 1, enriched: 1, credits: 3, errors: 0 });
    for (const id of [info, events, throwaway]) {
      expect(chargedFor(id), id).toEqual([]);
      expect(crm.source(id), id).toBeNull();
    }
    // A LinkedIn URL names a person: that contact is enriched even with a role address.
    expect(chargedFor(withLinkedIn).map((r) => r.credits)).toEqual([3]);
    expect(crm.title(withLinkedIn)).toBe('Sales Director');
  });

  it('when a backfill is estimated and then run with nothing changed in between, then it charges exactly the estimate', async () => {
    const people = Array.from({ length: 5 }, (_, i) => ({ email: `est${i}@estimate.example`, first: `Esti${i}`, last: `Mate${i}`, title: 'Engineer' }));
    profiles(people);
    // On Salesforce one of them is a Lead: the runs and the estimate go through both object types.
    for (const [i, p] of people.entries()) (i === 0 && crm.addLead ? crm.addLead : crm.add)({ email: p.email, first: p.first, last: p.last });
    crm.add({ email: 'support@estimate.example' }); // a role mailbox: not enriched
    crm.add({ first: 'No', last: 'Email' }); // nothing to look up

    const ledgerBefore = connectionLedger(t, connectionId).length;
    const e = await estimate('backfill');
    expect(e).toMatchObject({ to_enrich: 5, max_credits: 15 });
    expect(e.contacts).toBeGreaterThan(5);
    // The command line prints the same, on the same database.
    const cli = await runCli(['sync', connectionId, '--mode', 'backfill', '--estimate'], {
      ...crm.env, ...t.storeEnv, LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0',
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(e);
    expect(connectionLedger(t, connectionId)).toHaveLength(ledgerBefore); // nothing enriched, nothing charged

    const counts = await run('backfill');
    expect(counts.credits).toBe(e.max_credits);
    expect(counts.enriched).toBe(e.to_enrich);
  });

  it('when a new-records run is estimated and then run, then it charges exactly the estimate', async () => {
    const people = Array.from({ length: 2 }, (_, i) => ({ email: `fresh${i}@estimate.example`, first: `Fresh${i}`, last: `Person${i}`, title: 'Analyst' }));
    profiles(people);
    for (const p of people) crm.add({ email: p.email, first: p.first, last: p.last });
    const e = await estimate('new');
    expect(e).toMatchObject({ to_enrich: 2, max_credits: 6 });
    const counts = await run('new');
    expect(counts.credits).toBe(e.max_credits);
  });

  it('when a monthly monitoring budget is set, then a job-changes run checks the oldest first and stops at the budget, as estimated', async () => {
    // Every enriched contact is due (CACHE_TTL_DAYS=0); give them distinct ages so "oldest first" is observable.
    const snaps = t.services.db
      .prepare('SELECT contact_id, found FROM contact_snapshots WHERE connection_id = ? ORDER BY contact_id')
      .all(connectionId) as { contact_id: string; found: number }[];
    const found = snaps.filter((s) => s.found === 1).map((s) => s.contact_id);
    expect(found.length).toBeGreaterThan(6);
    // Ordered by id, a Salesforce Lead (00Q…) comes after the Contacts (003…): the oldest page is of another type.
    const oldest = found.slice(-4);
    if (crm.addLead) expect(oldest.filter((id) => id.startsWith('00Q'))).toHaveLength(1);
    const now = t.services.clock.now();
    const age = t.services.db.prepare('UPDATE contact_snapshots SET last_enriched_at = ? WHERE connection_id = ? AND contact_id = ?');
    snaps.forEach((s, i) => age.run(now - 86_400_000 * (oldest.includes(s.contact_id) ? 100 + i : 10 + i), connectionId, s.contact_id));
    setGuards({ monitoringBudget: 12 });

    const e = await estimate('job-changes');
    expect(e).toEqual({ contacts: snaps.length, to_enrich: 4, max_credits: 12 });
    const counts = await run('job-changes');
    expect(counts.credits).toBe(e.max_credits);
    expect(counts.enriched).toBe(4);
    expect(lastRun().note).toMatch(/^Stopped at the monthly monitoring budget: 12 of 12 credits used this month; \d+ contacts still due\.$/);
    const checked = t.services.db
      .prepare('SELECT contact_id FROM contact_snapshots WHERE connection_id = ? AND last_enriched_at >= ?')
      .all(connectionId, now) as { contact_id: string }[];
    expect(checked.map((c) => c.contact_id).sort()).toEqual([...oldest].sort());

    // The month's budget is spent: the next run stops before any provider call, and the estimate says so.
    expect(await estimate('job-changes')).toMatchObject({ to_enrich: 0, max_credits: 0 });
    const again = await run('job-changes');
    expect(again).toMatchObject({ credits: 0, enriched: 0 });
    expect(lastRun().note).toMatch(/^Stopped at the monthly monitoring budget/);
  });
});
