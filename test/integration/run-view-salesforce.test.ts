// The run view on Salesforce: each contact of a run links to its record in Lightning, built from the org's instance
// URL (Contact and Lead), as the job-change inbox does; once the tokens are forgotten the ids stay, unlinked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { adminCookie } from '../helpers/admin.js';
import { importPeople, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';

describe('the run view on Salesforce', () => {
  let fake: SalesforceFake;
  let t: TestService;
  let cookie: string;
  let connectionId: string;
  let runId: string;
  let contactId: string;
  let leadId: string;
  const page = async () => {
    const res = await fetch(`${t.url}/admin/runs/${runId}`, { headers: { cookie }, redirect: 'manual' });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    fake = await startSalesforceFake();
    t = await startService({ env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'salesforce'));
    const [a, b] = importPeople(t, 2, { prefix: 'sfrun' });
    contactId = fake.addRecord('Contact', { FirstName: 'First0', LastName: 'Last0', Email: a }).Id as string;
    leadId = fake.addRecord('Lead', { FirstName: 'First1', LastName: 'Last1', Email: b, Company: 'Somewhere' }).Id as string;
    await runSync(t, connectionId, 'backfill');
    runId = t.services.repos.runs.recent(connectionId, 1)[0]!.id;
    cookie = await adminCookie(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('when the run page lists a Salesforce run, then contacts and leads link to their Lightning record on the org', async () => {
    const html = await page();
    const origin = new URL(t.services.repos.connections.tokens(connectionId).instanceUrl!).origin;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(html).toContain(`<a href="${origin}/lightning/r/Contact/${contactId}/view" rel="noopener noreferrer" target="_blank" title="Opens the CRM">contact ${contactId}</a>`);
    expect(html).toContain(`<a href="${origin}/lightning/r/Lead/${leadId}/view" rel="noopener noreferrer" target="_blank" title="Opens the CRM">lead ${leadId}</a>`);
  });

  it('when the connection is disconnected (tokens forgotten), then the page still lists the records, without links', async () => {
    await t.services.connectionOps.disconnect(connectionId, 'the admin page');
    const html = await page();
    expect(html).toContain(`<tr><td>contact ${contactId}`);
    expect(html).not.toContain('/lightning/r/');
  });
});
