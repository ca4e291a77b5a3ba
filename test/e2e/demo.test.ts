// The demo in a real browser (playwright-core driving Debian's chromium): a newcomer logs in with the printed
// password, sees both connections and the job-changes run, and Connect goes through the stand-in's consent and back.
// Opened on another local name than PUBLIC_URL (localhost instead of 127.0.0.1), Connect says what to do instead of
// silently doing nothing. Screenshots go to the ignored test/.artifacts/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { createLogger } from '../../src/lib/logger.js';
import { assertAvailable, findChromium, skipWithout } from '../helpers/required.js';
import { launchChromium, ARTIFACTS } from '../helpers/browser.js';

const CHROMIUM = findChromium();

describe.skipIf(skipWithout(CHROMIUM))('when a newcomer opens the demo in a browser', () => {
  let dir: string;
  let demo: Demo;
  let browser: Browser;

  async function login(base: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${base}/admin`);
    await page.getByLabel('Admin password').fill(demo.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/admin`);
    return page;
  }

  beforeAll(async () => {
    assertAvailable(CHROMIUM);
    dir = mkdtempSync(join(tmpdir(), 'crm-enrich-demo-e2e-'));
    demo = await startDemo({ port: 0, dataDir: dir, log: createLogger({ level: 'silent' }) });
    browser = await launchChromium(CHROMIUM.found);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then the printed password logs in, both CRMs are connected and the job-changes run found the move', async () => {
    const page = await login(demo.url);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    await page.screenshot({ path: `${ARTIFACTS}demo-dashboard.png`, fullPage: true });

    await page.goto(`${demo.url}/admin/connections`);
    const rows = page.locator('tbody tr', { hasText: 'connected' });
    expect(await rows.count()).toBe(2);
    expect(await page.locator('tbody').first().textContent()).toContain(String(demo.hubspot.portalId));

    await page.goto(`${demo.url}/admin/connections/${encodeURIComponent(demo.story.hubspot.connectionId)}`);
    const jobChanges = page.locator('tr', { hasText: 'job-changes' });
    expect(await jobChanges.count()).toBe(1);
    expect(await jobChanges.textContent()).toContain('succeeded');
    await page.screenshot({ path: `${ARTIFACTS}demo-hubspot-connection.png`, fullPage: true });
  });

  it('then Connect HubSpot goes to the stand-in consent screen and back to the connection', async () => {
    const page = await login(demo.url);
    await page.goto(`${demo.url}/admin/connections`);
    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(/\/admin\/connections\/con_[^/?]+\?installed=1$/);
    expect(await page.getByRole('status').first().textContent()).toContain('is connected');
  });

  it('then, opened on localhost while PUBLIC_URL says 127.0.0.1, Connect explains where to connect instead of failing silently', async () => {
    const other = demo.url.replace('127.0.0.1', 'localhost');
    const page = await login(other);
    await page.goto(`${other}/admin/connections`);
    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(`${other}/admin/connections`);
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain(`PUBLIC_URL is ${demo.url}`);
    expect(alert).toContain(`Open ${demo.url}/admin/connections`);
    await page.screenshot({ path: `${ARTIFACTS}demo-connect-other-host.png`, fullPage: true });
  });
});
