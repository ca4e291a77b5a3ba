// The run view in a real browser (Chromium) against the real service and the HubSpot fake: a backfill's counts by
// outcome and its contacts, a queued run's page following the run to its end without a reload, and "Revert this
// run": the preview (what goes back, what is kept) and the POST that puts the fields back.
// Without Chromium the suite is skipped on a developer's machine and fails in CI (test/helpers/required.ts).
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../helpers/service.js';
import { assertAvailable, findChromium, skipWithout } from '../helpers/required.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, importPeople, installCrm, runSync } from '../helpers/crm.js';
import { freePort, launchChromium, signIn, ARTIFACTS } from '../helpers/browser.js';

const CHROMIUM = findChromium();

describe.skipIf(skipWithout(CHROMIUM))('when an admin opens a run in a browser', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let base: string;
  let connectionId: string;
  let ids: string[];
  let runId: string;

  beforeAll(async () => {
    assertAvailable(CHROMIUM);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fake = await startHubSpotFake();
    t = await startService({ port, env: { PORT: String(port), PUBLIC_URL: base, ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    // Five people the dataset knows, one it does not, one record without email or LinkedIn URL.
    ids = importPeople(t, 5, { prefix: 'view' }).map((email) => fake.addContact({ email }).id);
    ids.push(fake.addContact({ email: 'nobody-known@nowhere.example' }).id);
    ids.push(fake.addContact({ firstname: 'No', lastname: 'Email' }).id);
    await runSync(t, connectionId, 'backfill');
    runId = t.services.repos.runs.recent(connectionId, 1)[0]!.id;

    browser = await launchChromium(CHROMIUM.found);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, base);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  const count = (key: string) => page.locator(`[data-count="${key}"]`).textContent();

  it('then the connection page links the run, which shows counts by outcome and the contacts of each outcome', async () => {
    await page.goto(`${base}/admin/connections/${encodeURIComponent(connectionId)}`);
    const head = await page.locator('table').filter({ hasText: 'Looked up' }).locator('thead').textContent();
    expect(head).toContain('Found');
    expect(head).not.toContain('Enriched');
    await page.locator(`a[href="/admin/runs/${runId}"]`).click();
    await page.waitForURL(`${base}/admin/runs/${runId}`);
    expect(await page.locator('#run-state').textContent()).toBe('succeeded');
    expect(await count('checked')).toBe('7');
    expect(await count('enriched')).toBe('6');
    expect(await count('found')).toBe('5');
    expect(await count('not_found')).toBe('1');
    expect(await count('skipped')).toBe('1');
    expect(await count('written')).toBe('5');
    expect(await count('credits')).toBe('15');
    // The skipped contact with its reason; the not-found one with its email and a link to the HubSpot record.
    expect(await page.getByRole('table', { name: 'Skipped and failed contacts by reason' }).textContent()).toContain('no_email_or_linkedin');
    await page.getByText('Not found (1)').click();
    const notFound = page.getByRole('table', { name: 'Not found contacts' });
    expect(await notFound.textContent()).toContain('nobody-known@nowhere.example');
    expect(await notFound.locator('a').getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${fake.portalId}/record/0-1/${ids[5]}`);
    await page.screenshot({ path: `${ARTIFACTS}admin-run-view.png`, fullPage: true });
  });

  it('then the preview shows what a revert puts back and keeps, and the revert does it', async () => {
    fake.setContactProperty(ids[0]!, 'jobtitle', 'Typed By A Person');
    await page.goto(`${base}/admin/runs/${runId}`);
    await page.getByRole('button', { name: 'Preview the revert' }).click();
    await page.waitForURL((u) => u.pathname === `/admin/runs/${runId}/revert`);
    const kept = Number(await page.locator('#preview-kept').textContent());
    const reverted = Number(await page.locator('#preview-reverted').textContent());
    expect(kept).toBe(1);
    expect(reverted).toBeGreaterThan(5);
    const row = page.getByRole('row').filter({ hasText: 'Typed By A Person' });
    expect(await row.textContent()).toContain('kept');
    await page.screenshot({ path: `${ARTIFACTS}admin-run-revert-preview.png`, fullPage: true });
    // Nothing changed yet.
    expect(fake.getContact(ids[1]!)!.properties.jobtitle).toBeTruthy();

    await page.getByRole('button', { name: 'Revert this run' }).click();
    await page.waitForURL(`${base}/admin/runs/${runId}`);
    expect(await page.getByRole('status').first().textContent()).toContain(`Reverted ${reverted} fields; kept 1 changed since; 0 failed.`);
    expect(fake.getContact(ids[1]!)!.properties.jobtitle ?? '').toBe('');
    expect(fake.getContact(ids[0]!)!.properties.jobtitle).toBe('Typed By A Person');
  });

  it('then a queued run page follows the run to its end without a reload', async () => {
    const { run } = t.services.runService.startRun(connectionId, 'job-changes', 'test');
    await page.goto(`${base}/admin/runs/${run.id}`);
    expect(await page.locator('#run-state').textContent()).toBe('queued');
    expect(await page.locator('#run-live').textContent()).toContain('updates itself');
    await t.services.createWorker({ concurrency: 1 }).drain();
    await expect.poll(() => page.locator('#run-state').textContent()).toBe('succeeded');
    expect(await count('checked')).toBe('6');
    expect(await page.locator('#run-live').count()).toBe(0);
  });
});
