// Every admin page on a phone: a 390 px wide Chromium viewport, seeded data (a HubSpot connection with a sync,
// the audit log, long account names, credits near a limit, a dead job, a connection needing reconnection), and
// no page may scroll sideways: `document.documentElement.scrollWidth <= innerWidth`. Wide tables scroll inside
// their own box. Also, in the browser: the empty dashboard (connect buttons, checklist), the dashboard's "Needs
// attention" (a Retry that comes back), and the API-key Post/Redirect/Get (a reload creates no second key).
// Pages added later are appended to ADMIN_PAGES. Last, the README's pictures are taken at desktop width
// (README_SHOTS; `npm run screenshots` copies them to docs/). Without Chromium the suite is skipped locally and
// fails in CI.
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, post, startService, type TestService } from '../helpers/service.js';
import { assertAvailable, findChromium, skipWithout } from '../helpers/required.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { freePort, launchChromium, ARTIFACTS } from '../helpers/browser.js';
import { hubspotEnv } from '../helpers/crm.js';

const CHROMIUM = findChromium();
export const PHONE = { width: 390, height: 844 };

/** What the seeded install offers to page paths. */
export interface Seeded {
  /** The HubSpot connection made through the real OAuth flow (it has syncs, a mapping, audit rows). */
  connectionId: string;
  /** A second connection that needs to be reconnected. */
  reauthId: string;
  accountId: string;
  /** The backfill run of that connection. */
  runId: string;
}

/** Every admin page, as a name and a path on the seeded install. Helpers that add a page append it here. */
export const ADMIN_PAGES: { name: string; path: (s: Seeded) => string }[] = [
  { name: 'dashboard', path: () => '/admin' },
  { name: 'connections', path: () => '/admin/connections' },
  { name: 'connection', path: (s) => `/admin/connections/${encodeURIComponent(s.connectionId)}` },
  { name: 'connection needing reconnection', path: (s) => `/admin/connections/${encodeURIComponent(s.reauthId)}` },
  { name: 'mapping', path: (s) => `/admin/connections/${encodeURIComponent(s.connectionId)}/mapping` },
  { name: 'schedules', path: () => '/admin/schedules' },
  { name: 'credits', path: () => '/admin/credits' },
  { name: 'credits 90 days', path: () => '/admin/credits?days=90' },
  { name: 'activity', path: () => '/admin/activity' },
  { name: 'activity search', path: () => '/admin/activity?email=example' },
  { name: 'api keys', path: () => '/admin/api-keys' },
  { name: 'job-change inbox', path: () => '/admin/job-changes' },
  { name: 'job-change inbox of a run', path: (s) => `/admin/job-changes?run=${encodeURIComponent(s.runId)}` },
  { name: 'contact view', path: () => '/admin/contacts?q=john.doe%40acme.com' },
  { name: 'contact view, nothing found', path: () => '/admin/contacts?q=nobody%40example.com' },
  { name: 'test enrichment', path: () => '/admin/test-enrichment' },
  { name: 'run view', path: (s) => `/admin/runs/${encodeURIComponent(s.runId)}` },
  { name: 'revert preview', path: (s) => `/admin/runs/${encodeURIComponent(s.runId)}/revert` },
  { name: 'not found', path: () => '/admin/no-such-page' },
];

/** The README's pictures: test/.artifacts/readme-<name>.png. A page that does not exist (yet) answers 404 and is skipped. */
export const README_SHOTS: { name: string; path: (s: Seeded) => string }[] = [
  { name: 'dashboard', path: () => '/admin' },
  { name: 'job-changes', path: () => '/admin/job-changes' },
  { name: 'run', path: (s) => `/admin/runs/${encodeURIComponent(s.runId)}` },
];

/** How far the page is wider than the viewport, and the widest offenders (for the failure message). */
async function overflow(p: Page): Promise<{ scrollWidth: number; innerWidth: number; offenders: string[] }> {
  return p.evaluate((vw) => {
    const offenders: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > vw + 0.5 && offenders.length < 8) {
        // Inside a scrolling box, an element may be wider than the screen: only the box itself counts.
        let scroller: Element | null = el.parentElement;
        let clipped = false;
        while (scroller && scroller !== document.body) {
          const o = getComputedStyle(scroller).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') {
            clipped = true;
            break;
          }
          scroller = scroller.parentElement;
        }
        // An absolutely positioned element escapes a scroller that is not positioned: it widens the page.
        if (clipped && getComputedStyle(el).position === 'absolute' && getComputedStyle(scroller!).position === 'static') clipped = false;
        if (!clipped) offenders.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${String(el.className)} right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, offenders };
  }, PHONE.width);
}

/** Why a page does not fit the phone, or null. On a phone an overflowing page can also widen the layout viewport
 * (innerWidth grows past the screen's 390 px): that is a failure too. */
async function misfit(p: Page): Promise<string | null> {
  const o = await overflow(p);
  if (o.scrollWidth <= o.innerWidth && o.innerWidth === PHONE.width) return null;
  return `scrollWidth ${o.scrollWidth}, innerWidth ${o.innerWidth} (screen ${PHONE.width})\n  ${o.offenders.join('\n  ')}`;
}

describe.skipIf(skipWithout(CHROMIUM))('when the admin pages are used on a 390 px wide phone', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let browser: Browser;
  let phone: BrowserContext;
  let page: Page;
  let base: string;
  const seeded: Seeded = { connectionId: '', reauthId: '', accountId: '', runId: '' };

  const shot = (name: string, p: Page = page) => p.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

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
    phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    page = await phone.newPage();
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('then the login page fits, and logging in works', async () => {
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(await misfit(page)).toBeNull();
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/admin`);
  });

  it('then the empty dashboard offers Connect HubSpot and Connect Salesforce and a setup checklist, and Connect HubSpot connects', async () => {
    await page.goto(`${base}/admin`);
    const start = page.locator('#getting-started');
    expect(await start.getByRole('button', { name: 'Connect HubSpot' }).isEnabled()).toBe(true);
    // Salesforce is not configured here: the button is disabled and says why.
    expect(await start.getByRole('button', { name: 'Connect Salesforce' }).isDisabled()).toBe(true);
    expect(await page.locator('#start-reason-salesforce').textContent()).toContain('SALESFORCE_CLIENT_ID');
    const steps = start.locator('ol.checklist > li');
    expect(await steps.count()).toBe(5);
    expect(await steps.first().getAttribute('class')).toBe('done');
    expect(await page.locator('#attention').count()).toBe(0);
    expect(await misfit(page)).toBeNull();
    await shot('admin-dashboard-empty-phone');

    await start.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(/\/admin\/connections\/con_[^/?]+\?installed=1$/);
    seeded.connectionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.goto(`${base}/admin`);
    expect(await page.locator('#getting-started').count()).toBe(0);
    expect(await page.locator('#attention-none').count()).toBe(1);
  });

  it('then, with seeded data, no admin page scrolls sideways', async () => {
    const s = t.services;
    const conn = s.repos.connections.get(seeded.connectionId)!;
    seeded.accountId = conn.account_id;
    // A sync that writes: sample people in the portal, a backfill run to the end.
    for (const email of ['john.doe@acme.com', 'maria.gonzalez@brightpath-logistics.example', 'tyler.brooks@cobaltwave.example']) fake.addContact({ email });
    seeded.runId = s.runService.startRun(seeded.connectionId, 'backfill', 'admin').run.id;
    await s.createWorker().drain();
    // Long, unbreakable names are the usual cause of a sideways scroll.
    const long = 'enterprise-revenue-operations-account-with-a-very-long-name';
    const key = t.apiKey(long);
    const acc = s.repos.accounts.ensure(long);
    s.repos.accounts.setMonthlyLimit(acc.id, 10);
    for (const email of ['john.doe@acme.com', 'maria.gonzalez@brightpath-logistics.example', 'tyler.brooks@cobaltwave.example']) {
      expect((await post(`${base}/v1/profile/enrich`, { email }, { 'x-api-key': key })).status).toBe(200);
    }
    s.repos.contacts.recordWrites({
      connectionId: seeded.connectionId,
      ref: { objectType: 'contact', id: '987654321987654321' },
      email: 'a.really.long.email.address.for.testing.wrapping@subdomain.some-long-company-domain.example',
      changes: [{ field: 'enrichment_linkedin_url', old: null, new: 'https://www.linkedin.com/in/someone-with-a-very-long-profile-slug-1234567890' }],
      status: 'failed',
      error: 'HubSpot answered 400: PROPERTY_DOESNT_EXIST https://api.hubapi.com/crm/v3/objects/contacts/batch/update?some=long&query=string',
      jobId: null,
      runId: null,
      at: s.clock.now(),
    });
    const { id: dead } = s.queue.enqueue('contact.enrich', { objectType: 'contact', contactId: '555' }, { connectionId: seeded.connectionId, maxAttempts: 1 });
    s.queue.claim({ workerId: 'e2e', leaseMs: 60_000, batchSize: () => 1, jobId: dead });
    s.queue.fail(dead, 'e2e', { retry: false, reason: 'test' }, 'HubSpot answered 500 three times: https://api.hubapi.com/crm/v3/objects/contacts/batch/read');
    const other = s.repos.accounts.ensure('reauth-account');
    seeded.reauthId = s.repos.connections.upsertInstall({
      crm: 'hubspot', accountId: other.id, externalId: '99887766', label: 'another-portal.example', userId: null,
      tokens: { accessToken: 'x', refreshToken: 'y', expiresAt: null }, settingsJson: '{}',
    }).row.id;
    s.repos.connections.setStatus(seeded.reauthId, 'reconnect_needed', 'HubSpot refused the refresh token (invalid_grant): reconnect the portal');

    const failures: string[] = [];
    for (const p of ADMIN_PAGES) {
      const res = await page.goto(`${base}${p.path(seeded)}`);
      expect(res!.status(), p.name).toBeLessThan(p.name === 'not found' ? 500 : 400);
      const why = await misfit(page);
      if (why) failures.push(`${p.name} (${p.path(seeded)}): ${why}`);
      await shot(`phone-${p.name.replace(/\s+/g, '-')}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('then the dashboard lists what needs attention, and Retry on a dead job queues it and comes back', async () => {
    await page.goto(`${base}/admin`);
    const items = page.locator('#attention li.attention-item');
    expect(await items.count()).toBe(3);
    expect(await page.locator('#attention li[data-kind="connection"]').textContent()).toContain('HubSpot 99887766 needs to be reconnected');
    expect(await page.getByRole('button', { name: 'Reconnect HubSpot 99887766' }).isEnabled()).toBe(true);
    expect(await page.locator('#attention li[data-kind="credits"]').textContent()).toContain('90 %');
    await page.locator('#attention li[data-kind="credits"]').getByRole('link').click();
    await page.waitForURL(/\/admin\/credits#account-/);
    // The link lands on the near-limit account's row of the credits table.
    const row = page.locator(`[id="${decodeURIComponent(new URL(page.url()).hash.slice(1))}"]`);
    expect(await row.locator('th').textContent()).toBe('enterprise-revenue-operations-account-with-a-very-long-name');

    await page.goto(`${base}/admin`);
    const dead = page.locator('#attention li[data-kind="dead-jobs"]');
    expect(await dead.textContent()).toContain('1 job failed every attempt');
    await dead.getByRole('button', { name: /^Retry job \d+$/ }).click();
    await page.waitForURL(`${base}/admin#attention`);
    expect(await page.locator('.flash.ok').textContent()).toMatch(/Job \d+ is queued again/);
    expect(await page.locator('#attention li[data-kind="dead-jobs"]').count()).toBe(0);
    expect(await misfit(page)).toBeNull();
    await shot('admin-dashboard-attention-phone');
  });

  it('then creating an API key redirects, shows the key once, and a reload neither shows it again nor creates another', async () => {
    await page.goto(`${base}/admin/api-keys`);
    const before = t.services.repos.apiKeys.list().length;
    await page.getByLabel('Account').fill('phone-keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.waitForURL(`${base}/admin/api-keys#new-key-box`);
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(/^gtm_live_/);
    expect(page.url()).not.toContain(key);
    expect(t.services.repos.apiKeys.list().length).toBe(before + 1);
    await page.reload();
    expect(await page.locator('#new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    expect(t.services.repos.apiKeys.list().length).toBe(before + 1);
  });

  it('then repeated controls have distinct accessible names', async () => {
    for (const path of ['/admin/schedules', '/admin/credits', '/admin/api-keys', '/admin/activity', `/admin/connections/${encodeURIComponent(seeded.connectionId)}`, '/admin']) {
      await page.goto(`${base}${path}`);
      const names = await page.locator('main button, main a.button').evaluateAll((els) =>
        els.filter((e) => !(e as HTMLElement).hidden).map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').replace(/\s+/g, ' ').trim()),
      );
      const dupes = names.filter((n, i) => names.indexOf(n) !== i);
      expect(dupes, `${path}: ${dupes.join(', ')}`).toEqual([]);
    }
    await page.goto(`${base}/admin/connections/${encodeURIComponent(seeded.connectionId)}`);
    expect(await page.getByRole('button', { name: `Pause HubSpot ${fake.portalId}`, exact: true }).count()).toBe(1);
  });

  it('then the README pictures are taken at desktop width, skipping pages that do not exist yet', async () => {
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState: await phone.storageState() });
    try {
      const p = await desktop.newPage();
      const taken: string[] = [];
      for (const shotSpec of README_SHOTS) {
        const res = await p.goto(`${base}${shotSpec.path(seeded)}`);
        if (res!.status() === 404) continue;
        expect(res!.status(), shotSpec.name).toBe(200);
        await shot(`readme-${shotSpec.name}`, p);
        taken.push(shotSpec.name);
      }
      expect(taken).toContain('dashboard');
    } finally {
      await desktop.close();
    }
  });
});
