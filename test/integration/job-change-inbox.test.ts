// The job-change inbox and the contact view on Salesforce, over HTTP: record links built from the org's instance
// URL (Contact and Lead), a contact named by email found with SOQL, pages of 50, and a CSV whose cells a
// spreadsheet cannot run as formulas.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { importJobChangeCohort, importThreeMoves, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';
import { CONTACT_ENRICH } from '../../src/sync/handlers.js';

describeEachBackend('the job-change inbox on Salesforce', (backend) => {
  let fake: SalesforceFake;
  let t: TestService;
  let connectionId: string;
  let ids: string[];
  let emails: string[];

  const get = async (path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: { cookie: await adminCookie(t) }, redirect: 'manual' });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const rowCount = (page: string) => (/<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '').split('<tr>').length - 1;

  beforeAll(async () => {
    fake = await startSalesforceFake();
    t = await startService({ backend, env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'salesforce'));
    emails = importJobChangeCohort(t);
    ids = emails.map((email, i) => fake.addRecord('Contact', { FirstName: `First${i}`, LastName: `Last${i}`, Email: email, OwnerId: fake.ownerIds[0] }).Id);
    await runSync(t, connectionId, 'backfill');
    importThreeMoves(t);
    await runSync(t, connectionId, 'job-changes');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('when the inbox lists Salesforce changes, then each links to the record on the org\'s instance URL', async () => {
    const page = await get('/admin/job-changes');
    expect(page.status).toBe(200);
    expect(rowCount(page.text)).toBe(3);
    const instance = t.services.repos.connections.tokens(connectionId).instanceUrl!;
    expect(instance).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const id of ids.slice(0, 3)) expect(page.text).toContain(`href="${new URL(instance).origin}/lightning/r/Contact/${id}/view"`);
  });

  it('when more than 50 changes match, then they come 50 a page with a pager, and a page past the end shows the last one', async () => {
    const detected = Date.parse('2026-01-15T12:00:00Z');
    t.services.repos.contacts.transaction(() => {
      for (let i = 0; i < 57; i++) {
        t.services.repos.contacts.addJobChange({
          connection_id: connectionId, object_type: 'lead', contact_id: `00Q${String(i).padStart(12, '0')}`, change_key: `k${i}`,
          previous_company: 'Old Co', previous_title: 'Rep', new_company: 'New Co', new_title: 'Lead Rep', contact_name: `Lead ${i}`,
          owner_id: null, detected_at: detected + i, task_state: 'skipped', run_id: null, contact_email: `lead${i}@example.com`,
        });
      }
    });
    const filter = '?from=2026-01-15&to=2026-01-15';
    const first = await get(`/admin/job-changes${filter}`);
    expect(rowCount(first.text)).toBe(50);
    expect(first.text).toContain('1–50 of 57 job changes');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('Lead 56'); // newest first
    expect(first.text).toContain('/lightning/r/Lead/00Q000000000056/view');
    const second = await get(`/admin/job-changes${filter}&page=2`);
    expect(rowCount(second.text)).toBe(7);
    expect(second.text).toContain('51–57 of 57 job changes');
    expect(second.text).toContain('Lead 0<');
    const past = await get(`/admin/job-changes${filter}&page=9`);
    expect(past.text).toContain('Page 2 of 2');
    expect((await get('/admin/job-changes?page=0')).status).toBe(400);
  });

  it('when a name or company in the CSV starts like a formula, then the cell is quoted and prefixed so it stays text', async () => {
    t.services.repos.contacts.addJobChange({
      connection_id: connectionId, object_type: 'contact', contact_id: ids[10]!, change_key: 'evil',
      previous_company: '=HYPERLINK("http://evil.example","x")', previous_title: '+1 Rep', new_company: '@SUM(A1)', new_title: '-2',
      contact_name: 'Eve, "the" hacker', owner_id: null, detected_at: Date.parse('2026-02-01T00:00:00Z'), task_state: 'skipped', run_id: null, contact_email: null,
    });
    const csv = await get('/admin/job-changes.csv?from=2026-02-01&to=2026-02-01');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const line = csv.text.trimEnd().split('\r\n')[1]!;
    expect(line).toContain(`,"Eve, ""the"" hacker",,"'=HYPERLINK(""http://evil.example"",""x"")","'+1 Rep","'@SUM(A1)","'-2",`);
    expect((await get('/admin/job-changes.csv?to=tomorrow')).status).toBe(400);
  });

  it('when an admin enriches a Salesforce contact named by email, then SOQL finds it and the job is queued for its id', async () => {
    const page = await get(`/admin/connections/${connectionId}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await fetch(`${t.url}/admin/connections/${connectionId}/enrich`, {
      method: 'POST',
      headers: { cookie: await adminCookie(t), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, objectType: 'contact', contactId: ` ${emails[7]!.toUpperCase()} ` }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const job = t.services.queue.recent(5).find((j) => j.name === CONTACT_ENRICH)!;
    expect(res.headers.get('location')).toBe(`/admin/contacts?q=${ids[7]}&job=${job.id}`);
    expect(job.payload).toMatchObject({ objectType: 'contact', contactId: ids[7] });
    // The contact view by email shows the Salesforce record with its link.
    const view = await get(`/admin/contacts?q=${encodeURIComponent(emails[7]!)}`);
    expect(view.text).toContain(`Salesforce contact ${ids[7]}`);
    expect(view.text).toContain(`/lightning/r/Contact/${ids[7]}/view`);
  });
});
