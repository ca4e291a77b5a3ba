// The job-change inbox and the contact view in a real browser (playwright-core driving Debian's chromium) against
// the real service and the local HubSpot fake: after a backfill and a job-changes run that moves three people, the
// inbox lists them with their CRM records and tasks, filters by connection, date and run, exports CSV; the contact
// view shows the profile, runs, writes, credits and tasks of one of them; "Enrich one contact now" and the mapping
// dry run take an email; the dashboard's test enrichment writes nothing to the CRM. Screenshots go to test/.artifacts/.
import { readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../helpers/service.js';
import { assertAvailable, findChromium, skipWithout } from '../helpers/required.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, importJobChangeCohort, importThreeMoves, installCrm, runSync } from '../helpers/crm.js';
import { CONTACT_ENRICH } from '../../src/sync/handlers.js';
import { freePort, launchChromium, signIn, ARTIFACTS } from '../helpers/browser.js';

const CHROMIUM = findChromium();

describe.skipIf(skipWithout(CHROMIUM))('when an admin reads the job-change inbox and a contact in a browser', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let base: string;
  let connectionId: string;
  let ids: string[];
  let emails: string[];
  let jobChangesRun: string;

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const today = () => new Date().toISOString().slice(0, 10);
  const rows = () => page.locator('main tbody tr');

  beforeAll(async () => {
    assertAvailable(CHROMIUM);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fake = await startHubSpotFake({ redirectUris: [`${base}/oauth/hubspot/callback`] });
    t = await startService({ port, env: { ...hubspotEnv(fake), PORT: String(port), PUBLIC_URL: base, ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    emails = importJobChangeCohort(t);
    const owners = fake.owners.map((o) => o.id);
    ids = emails.map((email, i) => fake.addContact({ email, hubspot_owner_id: owners[i % owners.length]! }).id);
    await runSync(t, connectionId, 'backfill');
    importThreeMoves(t);
    const counts = await runSync(t, connectionId, 'job-changes');
    expect(counts).toMatchObject({ changed: 3, tasks: 3 });
    jobChangesRun = t.services.repos.runs.recent(connectionId, 1)[0]!.id;

    browser = await launchChromium(CHROMIUM.found);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
    await signIn(page, base);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('then the inbox lists the three moves with their CRM records, tasks and owners', async () => {
    await page.getByRole('link', { name: 'Job changes' }).first().click();
    await page.waitForURL(`${base}/admin/job-changes`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Job changes');
    expect(await rows().count()).toBe(3);
    expect(await page.locator('#jc-count').textContent()).toContain('1–3 of 3 job changes');
    for (const i of [0, 1, 2]) {
      const row = rows().filter({ hasText: `First${i} Last${i}` });
      expect(await row.count()).toBe(1);
      const text = (await row.textContent())!;
      expect(text).toContain('Account Manager at Globex Corporation');
      expect(text).toContain('Head of Sales at Initech LLC');
      expect(text).toContain('created');
      const owner = fake.owners.find((o) => o.id === fake.getContact(ids[i]!)!.properties.hubspot_owner_id)!;
      expect(text).toContain(`owner ${owner.firstName} ${owner.lastName} (${owner.email})`);
      const task = fake.tasks().find((x) => x.associations.some((a) => a.toObjectId === ids[i]))!;
      expect(text).toContain(task.id);
      expect(await row.getByRole('link', { name: new RegExp(`HubSpot contact ${ids[i]}`) }).getAttribute('href')).toBe(
        `https://app.hubspot.com/contacts/${fake.portalId}/record/0-1/${ids[i]}`,
      );
    }
    await shot('admin-job-changes');
  });

  it('then the filters narrow by connection and date, and the run table links to the run\'s changes', async () => {
    await page.goto(`${base}/admin/job-changes`);
    await page.getByLabel('Connection').selectOption(connectionId);
    await page.getByLabel('From').fill(today());
    await page.getByLabel('To (inclusive)').fill(today());
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/admin\/job-changes\?connection=/);
    expect(await rows().count()).toBe(3);
    // A window that ends before today holds none.
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To (inclusive)').fill('2020-12-31');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/to=2020-12-31/);
    expect(await rows().count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('No job change matches this filter.');
    // A malformed date is named, not a 500.
    const bad = await page.goto(`${base}/admin/job-changes?from=yesterday`);
    expect(bad!.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('The filter was ignored');

    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    await page.getByRole('link', { name: /3 job changes of this run/ }).click();
    await page.waitForURL(`${base}/admin/job-changes?run=${jobChangesRun}`);
    expect(await rows().count()).toBe(3);
    expect(await page.locator('#jc-run-filter').textContent()).toContain(jobChangesRun);
  });

  it('then Export CSV downloads the filtered changes', async () => {
    await page.goto(`${base}/admin/job-changes?connection=${encodeURIComponent(connectionId)}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^crm-enrich-job-changes-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('detected_at,crm,portal_or_org,object_type,record_id,name,email,previous_company,previous_title,new_company,new_title,record_url,task_state,task_id,owner_id,owner_name,owner_email,run_id');
    expect(lines).toHaveLength(4);
    const first = lines.find((l) => l.includes(`,${ids[0]},`))!;
    expect(first).toContain(`hubspot,${fake.portalId},contact,${ids[0]},First0 Last0,${emails[0]},Globex Corporation,Account Manager,Initech LLC,Head of Sales,`);
    expect(first).toContain(`,created,`);
    expect(first.endsWith(`,${jobChangesRun}`)).toBe(true);
  });

  it('then job-change alerts are set on the connection page, and only the start of the URL is shown', async () => {
    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    await page.getByLabel('Notification URL').fill('https://hooks.example.com/services/T1/B2/very-secret-token');
    await page.getByLabel('Body').selectOption('json');
    await page.getByRole('button', { name: 'Save the alert URL' }).click();
    await expect.poll(() => page.locator('.flash.ok').textContent()).toContain('Job-change alerts are on');
    const status = (await page.locator('#alert-status').textContent())!;
    expect(status).toContain('https://hooks.example.com/services/T1…');
    expect(status).toContain('JSON');
    expect(await page.content()).not.toContain('very-secret-token');
    await page.locator('#alerts').scrollIntoViewIfNeeded();
    await shot('admin-connection-alerts');
    await page.getByRole('button', { name: 'Stop alerts' }).click();
    await expect.poll(() => page.locator('.flash.ok').textContent()).toContain('Job-change alerts are off');
    expect(t.services.repos.alerts.target(connectionId)).toBeNull();
  });

  it('then the contact view shows the profile, the runs, each field written, the credits and the task', async () => {
    await page.goto(`${base}/admin/job-changes`);
    await rows().filter({ hasText: 'First0 Last0' }).getByRole('link', { name: 'First0 Last0' }).click();
    await page.waitForURL(`${base}/admin/contacts?q=${encodeURIComponent(emails[0]!)}`);
    const main = page.locator('main');
    expect(await main.getByRole('heading', { name: 'Profile we hold' }).count()).toBe(1);
    expect(await main.locator('section[aria-label="Profile from the imported dataset"]').textContent()).toContain('Initech LLC');
    const record = main.locator(`section[aria-label="HubSpot contact ${ids[0]}"]`);
    expect(await record.count()).toBe(1);
    const runs = record.locator('table', { has: page.locator('caption', { hasText: 'Runs that touched' }) });
    expect(await runs.locator('tbody tr').count()).toBe(2);
    expect(await runs.textContent()).toContain('backfill');
    expect(await runs.textContent()).toContain(jobChangesRun);
    const writes = record.locator('table', { has: page.locator('caption', { hasText: 'Fields written' }) });
    const prev = writes.locator('tbody tr', { hasText: 'enrichment_previous_company' });
    expect(await prev.count()).toBeGreaterThanOrEqual(1);
    expect(await prev.first().textContent()).toMatch(/Globex Corporation[\s\S]*overwrite[\s\S]*written/);
    const credits = record.locator('table', { has: page.locator('caption', { hasText: 'Credits charged' }) });
    expect(await credits.locator('tbody tr').count()).toBe(2);
    expect(await record.textContent()).toContain('Total: 6 credits');
    const task = fake.tasks().find((x) => x.associations.some((a) => a.toObjectId === ids[0]))!;
    expect(await record.locator('table', { has: page.locator('caption', { hasText: 'Job changes of' }) }).textContent()).toContain(task.id);
    await shot('admin-contact');

    // The same record by its CRM id, from the search form.
    await page.getByLabel('Email, LinkedIn URL or CRM record id').fill(ids[0]!);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(`${base}/admin/contacts?q=${ids[0]}`);
    expect(await page.locator(`section[aria-label="HubSpot contact ${ids[0]}"]`).count()).toBe(1);
    // Something that is none of the three is refused with a sentence.
    const bad = await page.goto(`${base}/admin/contacts?q=${encodeURIComponent('not an id!')}`);
    expect(bad!.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('Search by an email address');
  });

  it('then "Enrich one contact now" and the mapping dry run accept an email', async () => {
    // A contact enriched before (by the backfill) whose job title someone emptied since: enriching it again fills it.
    fake.setContactProperty(ids[5]!, 'jobtitle', '');
    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    await page.getByLabel('HubSpot record id or email').fill(emails[5]!.toUpperCase());
    await page.getByRole('button', { name: 'Enrich', exact: true }).click();
    await page.waitForURL(new RegExp(`/admin/contacts\\?q=${ids[5]}&job=\\d+$`));
    const queued = t.services.queue.recent(5).find((j) => j.name === CONTACT_ENRICH)!;
    expect(queued.payload).toMatchObject({ contactId: ids[5], source: 'admin' });
    expect(await page.locator('#followed-job').textContent()).toContain(`Queued: contact ${ids[5]} will be enriched (job ${queued.id}, queued)`);
    // The page follows the job (it reloads itself while the job waits) and says when it has run.
    await t.services.createWorker({ concurrency: 1 }).drain();
    await expect.poll(() => page.locator('#followed-job').getAttribute('data-state'), { timeout: 20_000 }).toBe('succeeded');
    expect(await page.locator('#followed-job').textContent()).toContain(`Job ${queued.id} has run`);
    expect(fake.getContact(ids[5]!)!.properties.jobtitle).toBe('Account Manager');
    const written = page.locator('table', { has: page.locator('caption', { hasText: 'Fields written' }) }).locator('tbody tr', { hasText: `job ${queued.id}` });
    expect(await written.filter({ hasText: 'jobtitle' }).textContent()).toMatch(/\(empty\)\s*→\s*Account Manager/);
    // An email the CRM does not know is said so.
    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    await page.getByLabel('HubSpot record id or email').fill('nobody@nowhere.example');
    await page.getByRole('button', { name: 'Enrich', exact: true }).click();
    await expect.poll(() => page.locator('.flash.error').textContent()).toContain('There is no contact with email nobody@nowhere.example');

    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}/mapping`);
    await page.getByLabel('HubSpot record id or email').fill(emails[1]!);
    await page.getByRole('button', { name: /dry run/i }).click();
    const preview = page.locator('#preview');
    await expect.poll(() => preview.textContent()).toContain(`Dry run: contact ${emails[1]}`);
    expect(await preview.textContent()).toContain('Nothing was written to the CRM.');
    expect(await preview.textContent()).toContain('Profile from');
    expect(await preview.textContent()).not.toContain('There is no');
  });

  it('then the inbox, the contact view and the test enrichment fit a 390 px phone without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const p = await phone.newPage();
    try {
      await signIn(p, base);
      for (const path of ['/admin/job-changes', `/admin/contacts?q=${encodeURIComponent(emails[0]!)}`, '/admin/test-enrichment', `/admin/connections/${encodeURIComponent(connectionId)}`]) {
        await p.goto(`${base}${path}`);
        const { scrollWidth, innerWidth } = await p.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
        expect(scrollWidth, path).toBeLessThanOrEqual(innerWidth);
      }
      await p.goto(`${base}/admin/job-changes`);
      await p.screenshot({ path: `${ARTIFACTS}admin-job-changes-390.png`, fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('then the dashboard\'s test enrichment shows a profile, says what it charged, and writes nothing to the CRM', async () => {
    const before = JSON.stringify(fake.getContact(ids[2]!)!.properties);
    await page.goto(`${base}/admin`);
    await page.getByLabel('Email or LinkedIn URL').fill(emails[2]!);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(`${base}/admin/test-enrichment`);
    const result = page.locator('#test-enrich-result');
    expect(await result.textContent()).toContain('Found.');
    expect(await result.textContent()).toContain('Initech LLC');
    expect(await page.locator('#test-enrich-credits').textContent()).toBe('3');
    expect(JSON.stringify(fake.getContact(ids[2]!)!.properties)).toBe(before);
    const account = t.services.repos.accounts.list().find((a) => a.name === 'admin-test')!;
    const charged = t.services.db.prepare('SELECT SUM(credits) FROM credit_ledger WHERE account_id = ?').pluck().get(account.id);
    expect(charged).toBe(3);
    await shot('admin-test-enrichment');
  });
});
