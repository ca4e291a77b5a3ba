// The admin pages in a real browser (playwright-core driving Debian's chromium) against the real service and the
// local HubSpot fake: login, Connect HubSpot through the real redirects, a mapping edit applied on the next
// enrichment, a schedule edit and its next run, the credits chart, API keys, CSRF. Screenshots go to the ignored
// test/.artifacts/ (the README's pictures come from test/e2e/layout-390.test.ts: `npm run screenshots`).
// Without Chromium the suite is skipped on a developer's machine and fails in CI (test/helpers/required.ts).
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, post, startService, type TestService } from '../helpers/service.js';
import { assertAvailable, findChromium, skipWithout } from '../helpers/required.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { POLL_TIMEOUT_MS } from '../helpers/wait.js';
import { nextRun } from '../../src/sync/schedules.js';
import { freePort, launchChromium, ARTIFACTS } from '../helpers/browser.js';
import { hubspotEnv } from '../helpers/crm.js';

const CHROMIUM = findChromium();

describe.skipIf(skipWithout(CHROMIUM))('when an admin uses the admin pages in a browser', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let connectionId = '';

  const shot = async (name: string, p: Page = page) => {
    await p.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  };
  const enrichViaApi = (key: string, email: string) => post(`${base}/v1/profile/enrich`, { email }, { 'x-api-key': key });

  beforeAll(async () => {
    assertAvailable(CHROMIUM);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fake = await startHubSpotFake({ redirectUris: [`${base}/oauth/hubspot/callback`] });
    t = await startService({
      port,
      env: {
        PORT: String(port),
        PUBLIC_URL: base,
        ENRICH_PROVIDERS: 'dataset',
        API_RATE_LIMIT_PER_MINUTE: '0',
        ...hubspotEnv(fake),
      },
    });
    t.importSample();
    browser = await launchChromium(CHROMIUM.found);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Playwright's own waits (navigation, locators) get the suite's one configured timeout, like expect.poll.
    context.setDefaultTimeout(POLL_TIMEOUT_MS);
    page = await context.newPage();
    // Confirm dialogs (disconnect, revoke) are accepted as a person would.
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('then a wrong password is refused and the right one logs in', async () => {
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('Admin password').fill('definitely-wrong');
    const refused = page.waitForResponse((r) => r.url().endsWith('/admin/login') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect((await refused).status()).toBe(401);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong password');
    await shot('admin-login-refused');

    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/admin`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    const cookie = (await context.cookies()).find((c) => c.name === 'crm_enrich_admin')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('then Connect HubSpot goes through the real redirects against the fake and the connection appears', async () => {
    await page.goto(`${base}/admin/connections`);
    // Salesforce has no client id here: its button is disabled, with the reason next to it.
    const sf = page.getByRole('button', { name: 'Connect Salesforce' });
    expect(await sf.isDisabled()).toBe(true);
    expect(await page.locator('#reason-salesforce').textContent()).toContain('SALESFORCE_CLIENT_ID');

    const hops: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) hops.push(r.url());
    });
    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(/\/admin\/connections\/con_[^/?]+\?installed=1$/);
    connectionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    // Admin form → the fake's consent screen → our OAuth callback → the connection's page.
    expect(hops.some((u) => u.startsWith(fake.authorizeUrl) && u.includes(`client_id=${fake.clientId}`))).toBe(true);
    expect(hops.some((u) => u.startsWith(`${base}/oauth/hubspot/callback?code=`))).toBe(true);
    expect(await page.getByRole('status').first().textContent()).toContain('is connected');
    expect(await page.locator('#connection-status').textContent()).toContain('connected');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(String(fake.portalId));
    await shot('admin-connection');

    await page.goto(`${base}/admin/connections`);
    const row = page.locator('tbody tr', { hasText: String(fake.portalId) });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain(`hubspot-${fake.portalId}`);
    await shot('admin-connections');
  });

  it('then a mapping edit is applied on the next enrichment (and the dry run shows it without writing)', async () => {
    const contact = fake.addContact({ email: 'john.doe@acme.com', firstname: 'John' });
    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}/mapping`);
    // The job title stops being written; the company domain goes into the (previously unmapped) website property.
    const jobRow = page.locator('tbody tr', { has: page.locator('select[name$=".target"] option[value="jobtitle"][selected]') });
    await jobRow.locator('select[name$=".policy"]').selectOption('never');
    const blank = page.locator('tbody tr', { has: page.locator('select[name$=".target"] option[value=""][selected]') }).first();
    await blank.locator('select[name$=".source"]').selectOption('company_domain');
    await blank.locator('select[name$=".target"]').selectOption('website');
    await blank.locator('select[name$=".policy"]').selectOption('fill_empty');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await expect.poll(() => page.locator('.flash.ok').textContent()).toContain('Mapping saved');

    await page.getByLabel('HubSpot record id').fill(contact.id);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.locator('#preview').waitFor();
    const wouldWrite = await page.locator('#preview table').first().textContent();
    expect(wouldWrite).toContain('website');
    expect(wouldWrite).toContain('acme.com');
    expect(wouldWrite).not.toContain('jobtitle');
    expect(await page.locator('#preview').textContent()).toMatch(/jobtitle\s*policy is “never”/);
    expect(fake.getContact(contact.id)!.properties.website).toBeUndefined();
    await shot('admin-mapping-dry-run');

    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    await page.getByLabel('HubSpot record id').fill(contact.id);
    await page.getByRole('button', { name: 'Enrich', exact: true }).click();
    await expect.poll(() => page.locator('.flash.ok').textContent()).toContain('will be enriched');
    await t.services.createWorker().drain();

    const props = fake.getContact(contact.id)!.properties;
    expect(props.website).toBe('acme.com');
    expect(props.jobtitle ?? '').toBe('');
    expect(props.enrichment_seniority).toBe('VP');

    // The audit log shows the change, found by email.
    await page.goto(`${base}/admin/activity`);
    await page.getByLabel('Contact email').fill('john.doe@acme');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/email=john\.doe%40acme/);
    const audit = await page.locator('#audit table').textContent();
    expect(audit).toContain('website');
    expect(audit).toContain('acme.com');
    await shot('admin-activity');
  });

  it('then a schedule edit shows the new next run', async () => {
    await page.goto(`${base}/admin/schedules`);
    const input = page.locator(`[id="cron-${connectionId}-new"]`);
    await input.fill('61 * * * *');
    await input.locator('xpath=ancestor::form').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.flash.error').first().textContent()).toContain('not saved');
    expect(await page.locator(`[id="cron-${connectionId}-new"]`).getAttribute('aria-invalid')).toBe('true');

    const cron = '17 4 * * *';
    await page.locator(`[id="cron-${connectionId}-new"]`).fill(cron);
    await page.locator(`[id="cron-${connectionId}-new"]`).locator('xpath=ancestor::form').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/schedules#conn-/);
    const expected = nextRun(cron)!.toISOString();
    const row = page.locator('tr', { has: page.locator(`[id="cron-${connectionId}-new"]`) });
    expect(await row.locator('td.next-run time').getAttribute('datetime')).toBe(expected);
    expect(await row.locator('td.next-run').textContent()).toContain('04:17 UTC');
    expect(await page.getByRole('status').first().textContent()).toContain(expected.slice(0, 16).replace('T', ' '));
    await shot('admin-schedules');
  });

  it('then the credits chart reflects enrichments', async () => {
    const key = t.apiKey('chart-account');
    for (const email of ['john.doe@acme.com', 'maria.gonzalez@brightpath-logistics.example', 'tyler.brooks@cobaltwave.example', 'nobody@nowhere.example']) {
      expect((await enrichViaApi(key, email)).status).toBe(200);
    }
    await page.goto(`${base}/admin/credits`);
    const today = new Date().toISOString().slice(0, 10);
    const chart = page.locator('figure[data-account="chart-account"]');
    const bar = chart.locator(`rect.bar[data-day="${today}"]`);
    expect(await bar.getAttribute('data-value')).toBe('9');
    expect(Number(await bar.getAttribute('height'))).toBeGreaterThan(0);
    expect(await chart.locator('svg title').first().textContent()).toBe('Credits per day for chart-account, last 30 days');
    expect(await chart.locator('rect.bar').count()).toBe(30);
    // The connection's lookups are counted on its account: the dry run and the enrichment, 3 credits each.
    expect(await page.locator(`figure[data-account="hubspot-${fake.portalId}"] rect.bar[data-day="${today}"]`).getAttribute('data-value')).toBe('6');
    await shot('admin-credits');

    await page.getByRole('link', { name: 'Last 90 days' }).click();
    await page.waitForURL(/days=90/);
    expect(await chart.locator('rect.bar').count()).toBe(90);
    expect(await bar.getAttribute('data-value')).toBe('9');
  });

  it('then an API key is created, works, is revoked and stops working', async () => {
    await page.goto(`${base}/admin/api-keys`);
    await page.getByLabel('Account').fill('e2e-keys');
    await page.getByLabel('Label').fill('browser test');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(/^gtm_live_[A-Za-z0-9_-]{20,}$/);
    await shot('admin-api-key-created');

    expect((await enrichViaApi(key, 'john.doe@acme.com')).status).toBe(200);

    await page.goto(`${base}/admin/api-keys`);
    expect(await page.content()).not.toContain(key);
    const row = page.locator(`tr[data-key-prefix="${key.slice(0, 15)}"]`);
    expect(await row.textContent()).toContain('browser test');
    await row.getByRole('button', { name: /Revoke/ }).click();
    await expect.poll(() => page.locator(`tr[data-key-prefix="${key.slice(0, 15)}"]`).textContent()).toContain('revoked');

    const after = await enrichViaApi(key, 'john.doe@acme.com');
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Unauthorized', message: 'Invalid API key' });
  });

  it('then a form posted without its CSRF token gets 403', async () => {
    await page.goto(`${base}/admin/api-keys`);
    const before = t.services.repos.apiKeys.list().length;
    await page.getByLabel('Account').fill('csrf-attempt');
    await page.evaluate(() => {
      document.querySelectorAll('form[action="/admin/api-keys"] input[name="_csrf"]').forEach((el) => el.remove());
    });
    const response = page.waitForResponse((r) => r.url() === `${base}/admin/api-keys` && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect((await response).status()).toBe(403);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('403');
    expect(t.services.repos.apiKeys.list().length).toBe(before);
    await shot('admin-csrf-403');
  });

  it('then the dashboard shows providers, the connection, the queue and this month’s credits', async () => {
    await page.goto(`${base}/admin`);
    expect(await page.locator('#stat-providers').textContent()).toBe('1');
    expect(await page.locator('#stat-connections').textContent()).toBe('1');
    expect(Number((await page.locator('#stat-credits').textContent())!.replace(/,/g, ''))).toBeGreaterThanOrEqual(15);
    expect(await page.locator('main').textContent()).toContain(String(fake.portalId));
    await shot('admin-dashboard');

    // Readable on a phone: nothing wider than the screen but the tables, which scroll inside their box.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, storageState: await context.storageState() });
    phone.setDefaultTimeout(POLL_TIMEOUT_MS);
    const p = await phone.newPage();
    await p.goto(`${base}/admin`);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('admin-dashboard-phone', p);
    await phone.close();
  });

  it('then logging out ends the session', async () => {
    await page.goto(`${base}/admin`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/admin/login`);
    await page.goto(`${base}/admin/connections`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });
});
