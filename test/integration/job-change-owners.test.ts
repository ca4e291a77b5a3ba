// Task owners by name on the job-change inbox, its CSV and the contact view, on both CRM fakes: names come from the
// CRM (HubSpot owners, Salesforce Users) through the connection's session, are cached per connection for a few
// minutes, and a CRM that cannot answer leaves the pages working with the owner ids.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake } from '../fakes/hubspot/index.js';
import { startSalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { adminCookie } from '../helpers/admin.js';
import { hubspotEnv, installCrm, salesforceEnv } from '../helpers/crm.js';
import { fixedClock } from '../../src/lib/clock.js';
import { OWNERS_TTL_MS } from '../../src/sync/owners.js';

/** One CRM fake: a record with an owner, the owner's name and email, a way to break the owner lookup, its requests. */
interface Crm {
  crm: 'hubspot' | 'salesforce';
  env: Record<string, string>;
  objectType: 'contact';
  addOwnedRecord(email: string): { id: string; ownerId: string };
  owner: { name: string; email: string };
  breakOwners(): void;
  ownerRequests(): number;
  close(): Promise<void>;
}

async function hubspot(): Promise<Crm> {
  const fake = await startHubSpotFake();
  const o = fake.owners[1]!;
  return {
    crm: 'hubspot',
    env: hubspotEnv(fake),
    objectType: 'contact',
    addOwnedRecord: (email) => ({ id: fake.addContact({ email, firstname: 'Olga', lastname: 'Owned', hubspot_owner_id: o.id }).id, ownerId: o.id }),
    owner: { name: `${o.firstName} ${o.lastName}`, email: o.email },
    breakOwners: () => fake.inject({ method: 'GET', path: /^\/crm\/v3\/owners/, status: 403, body: { status: 'error', message: 'missing scope', category: 'MISSING_SCOPES' }, times: 1 }),
    ownerRequests: () => fake.requests.filter((r) => r.path.startsWith('/crm/v3/owners')).length,
    close: () => fake.close(),
  };
}

async function salesforce(): Promise<Crm> {
  const fake = await startSalesforceFake();
  const ownerId = fake.ownerIds[1]!;
  const user = fake.getRecord(ownerId)!;
  const isUserQuery = (q: unknown) => /FROM User/i.test(String((q as Record<string, string> | undefined)?.['q'] ?? ''));
  return {
    crm: 'salesforce',
    env: salesforceEnv(fake),
    objectType: 'contact',
    addOwnedRecord: (email) => ({ id: fake.addRecord('Contact', { FirstName: 'Olga', LastName: 'Owned', Email: email, OwnerId: ownerId }).Id as string, ownerId }),
    owner: { name: `${String(user['FirstName'])} ${String(user['LastName'])}`, email: String(user['Email']) },
    breakOwners: () => fake.inject({ method: 'GET', path: /FROM(%20|\+)User/, status: 400, body: [{ errorCode: 'INVALID_TYPE', message: 'sObject type User is not supported' }], times: 1 }),
    ownerRequests: () => fake.requests.filter((r) => r.path.endsWith('/query') && isUserQuery(r.query)).length,
    close: () => fake.close(),
  };
}

const CRMS = [
  ['HubSpot', hubspot],
  ['Salesforce', salesforce],
] as const;

for (const [_name, start] of CRMS) describeEachBackend(`task owners on ${_name}`, (backend) => {
  let crm: Crm;
  let t: TestService;
  let connectionId: string;
  let cookie: string;
  let record: { id: string; ownerId: string };
  const clock = fixedClock(Date.parse('2026-03-02T09:00:00Z'));
  const email = 'olga.owned@owners.example';
  const get = async (path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    crm = await start();
    t = await startService({ backend, env: { ...crm.env, ENRICH_PROVIDERS: 'dataset' }, clock });
    ({ connectionId } = await installCrm(t, crm.crm));
    cookie = await adminCookie(t);
    record = crm.addOwnedRecord(email);
    // A job change with its task for the record's owner, as a job-changes run records it.
    const repo = t.services.repos.contacts;
    repo.upsertSnapshot({
      connection_id: connectionId, object_type: crm.objectType, contact_id: record.id, email, linkedin_url: null, company: 'Initech LLC',
      title: 'Head of Sales', seniority: null, provider: 'dataset', confidence: 90, found: 1, job_change_flagged_at: clock.now(), at: clock.now(),
    });
    repo.addJobChange({
      connection_id: connectionId, object_type: crm.objectType, contact_id: record.id, change_key: 'globex→initech', previous_company: 'Globex Corporation',
      previous_title: 'Account Manager', new_company: 'Initech LLC', new_title: 'Head of Sales', contact_name: 'Olga Owned', owner_id: record.ownerId,
      detected_at: clock.now(), task_state: 'skipped', run_id: null, contact_email: email,
    });
  });
  afterAll(async () => {
    await t?.close();
    await crm?.close();
  });

  it('when the CRM cannot name owners, then the inbox, its CSV and the contact view still answer, with the owner id', async () => {
    crm.breakOwners();
    const inbox = await get('/admin/job-changes');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`owner <span class="mono">${record.ownerId}</span>`);
    expect(inbox.text).not.toContain(crm.owner.email);
    const contact = await get(`/admin/contacts?q=${encodeURIComponent(email)}`);
    expect(contact.status).toBe(200);
    expect(contact.text).toContain(`<span class="mono">${record.ownerId}</span>`);
    expect(contact.text).not.toContain(crm.owner.email);
    expect(crm.ownerRequests()).toBeGreaterThan(0);
  });

  it('when the CRM answers again, then the pages name the owner, and the name is read once per few minutes', async () => {
    clock.advance(60_000); // past the pause after a failed lookup
    const before = crm.ownerRequests();
    const label = `${crm.owner.name} (${crm.owner.email})`;
    const inbox = await get('/admin/job-changes');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`<span title="owner id ${record.ownerId}">${label}</span>`);
    const contact = await get(`/admin/contacts?q=${encodeURIComponent(email)}`);
    expect(contact.text).toContain(`<span title="owner id ${record.ownerId}">${label}</span>`);
    const csv = (await get('/admin/job-changes.csv')).text.trimEnd().split('\r\n');
    expect(csv[0]).toContain(',owner_id,owner_name,owner_email,run_id');
    expect(csv[1]).toContain(`,${record.ownerId},${crm.owner.name},${crm.owner.email},`);
    expect(crm.ownerRequests() - before).toBe(1);
    // Past the cache's lifetime the CRM is asked again.
    clock.advance(OWNERS_TTL_MS + 1);
    expect((await get('/admin/job-changes')).text).toContain(label);
    expect(crm.ownerRequests() - before).toBe(2);
  });
});
