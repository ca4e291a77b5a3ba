// The dashboard's "Needs attention" and empty state, and the activity page's paginated, grouped audit log, over
// real HTTP against the real service (connections, dead jobs, credits and audit rows seeded through the same
// repositories and queue the service uses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCookie } from '../helpers/admin.js';
import { post, startService, type TestService } from '../helpers/service.js';

async function get(t: TestService, path: string): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(t.url + path, { headers: { cookie: await adminCookie(t) }, redirect: 'manual' });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

async function postForm(t: TestService, path: string, form: Record<string, string>): Promise<{ status: number; location: string | null }> {
  const page = await get(t, '/admin');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const res = await fetch(t.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: await adminCookie(t), origin: t.services.config.PUBLIC_URL },
    body: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location') };
}

function connect(t: TestService, externalId: string, account: string): string {
  const acc = t.services.repos.accounts.ensure(account);
  return t.services.repos.connections.upsertInstall({
    crm: 'hubspot',
    accountId: acc.id,
    externalId,
    label: null,
    userId: null,
    tokens: { accessToken: 'at', refreshToken: 'rt', expiresAt: null },
    settingsJson: '{}',
  }).row.id;
}

/** The "Needs attention" section of the dashboard. */
function attention(text: string): string {
  const m = /<section id="attention"[\s\S]*?<\/section>/.exec(text);
  return m ? m[0] : '';
}

describe('when the dashboard is opened before any CRM is connected', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset' } });
  });
  afterAll(() => t.close());

  it('then it offers both connect buttons and the setup checklist instead of empty tables', async () => {
    const page = await get(t, '/admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="getting-started"');
    expect(page.text).toMatch(/<button type="submit" disabled aria-describedby="start-reason-hubspot">Connect HubSpot<\/button>/);
    expect(page.text).toMatch(/<button type="submit" disabled aria-describedby="start-reason-salesforce">Connect Salesforce<\/button>/);
    expect(page.text).toContain('HUBSPOT_CLIENT_ID');
    expect(page.text).toMatch(/<ol class="checklist">/);
    // No API key yet: that step is still to do; after one is created it is done.
    expect(page.text).toMatch(/class="todo"><span class="sr-only">To do: <\/span>[^]*?create an API key/);
    t.apiKey('first');
    expect((await get(t, '/admin')).text).toMatch(/class="done"><span class="sr-only">Done: <\/span>[^<]*<[^]*?create an API key/);
    expect(page.text).not.toContain('id="attention"');
  });
});

describe('when something needs the admin’s attention', () => {
  let t: TestService;
  let reconnect: string;
  let gone: string;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    t.importSample();
    connect(t, '1001', 'healthy-co');
    reconnect = connect(t, '2002', 'reauth-co');
    gone = connect(t, '3003', 'gone-co');
  });
  afterAll(() => t.close());

  it('then a healthy install says nothing needs attention', async () => {
    const page = await get(t, '/admin');
    expect(attention(page.text)).toContain('id="attention-none"');
  });

  it('then connections needing reconnection or disconnected are listed, each with a Reconnect button, and stay in the table', async () => {
    t.services.repos.connections.setStatus(reconnect, 'reconnect_needed', 'HubSpot refused the refresh token');
    t.services.repos.connections.setStatus(gone, 'disconnected', null);
    const page = await get(t, '/admin');
    const a = attention(page.text);
    expect(a).toContain('HubSpot 2002 needs to be reconnected');
    expect(a).toContain('HubSpot refused the refresh token');
    expect(a).toContain('HubSpot 3003 is disconnected');
    expect(a).toMatch(/<input type="hidden" name="crm" value="hubspot"><input type="hidden" name="account" value="reauth-co"><button type="submit">Reconnect HubSpot 2002<\/button>/);
    expect(a).toContain('>Reconnect HubSpot 3003</button>');
    expect(a).not.toContain('1001');
    // The disconnected connection is still on the dashboard.
    expect(page.text).toMatch(/<td><a href="\/admin\/connections\/[^"]+">HubSpot <span class="sr-only">3003<\/span><\/a><\/td>/);
    expect(page.text).toContain('1 disconnected');
  });

  it('then dead jobs are listed with a Retry button that queues the job again and comes back to the dashboard', async () => {
    const q = t.services.queue;
    const { id } = q.enqueue('contact.enrich', { objectType: 'contact', contactId: '42' }, { maxAttempts: 1 });
    expect(q.claim({ workerId: 'w', leaseMs: 60_000, batchSize: () => 1, jobId: id }).length).toBe(1);
    expect(q.fail(id, 'w', { retry: false, reason: 'test' }, 'the CRM said no')).toBe('dead');
    const a = attention((await get(t, '/admin')).text);
    expect(a).toContain('1 job failed every attempt.');
    expect(a).toContain('the CRM said no');
    expect(a).toContain(`action="/admin/activity/jobs/${id}/retry"`);
    expect(a).toContain(`>Retry job ${id}</button>`);
    const r = await postForm(t, `/admin/activity/jobs/${id}/retry`, { back: 'dashboard' });
    expect(r).toEqual({ status: 303, location: '/admin#attention' });
    expect(q.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(attention((await get(t, '/admin')).text)).not.toContain('failed every attempt');
  });

  it('then an account at 80 % or more of its monthly limit is listed with a link to change the limit, and one over it as reached', async () => {
    const key = t.apiKey('near-co');
    const near = t.services.repos.accounts.ensure('near-co');
    t.services.repos.accounts.setMonthlyLimit(near.id, 10);
    const emails = ['john.doe@acme.com', 'maria.gonzalez@brightpath-logistics.example', 'tyler.brooks@cobaltwave.example'];
    // Two found profiles: 6 of 10 credits, under the 80 % line.
    for (const email of emails.slice(0, 2)) expect((await post(`${t.url}/v1/profile/enrich`, { email }, { 'x-api-key': key })).status).toBe(200);
    expect(attention((await get(t, '/admin')).text)).not.toContain('near-co');
    expect((await post(`${t.url}/v1/profile/enrich`, { email: emails[2] }, { 'x-api-key': key })).status).toBe(200);
    let a = attention((await get(t, '/admin')).text);
    expect(a).toContain('near-co used 90 % of its monthly credit limit (9 of 10).');
    expect(a).toContain(`href="/admin/credits#account-${near.id}"`);
    expect(a).toContain('Change the limit of near-co');
    t.services.repos.accounts.setMonthlyLimit(near.id, 9);
    a = attention((await get(t, '/admin')).text);
    expect(a).toContain('near-co reached its monthly credit limit (9 of 9)');
    // The link lands on the account's row of the credits page, which shows the shared usage scale.
    const credits = await get(t, '/admin/credits');
    expect(credits.text).toContain(`<tr id="account-${near.id}">`);
    expect(credits.text).toMatch(/<li class="usage-row over" data-account="near-co" data-used="9" data-limit="9">/);
  });
});

describe('when the audit log has more than one page', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService();
    const conn = connect(t, '4004', 'audit-co');
    // 30 contacts, each with two fields written in one run (60 rows), newest contact last.
    for (let i = 0; i < 30; i++) {
      t.services.repos.contacts.recordWrites({
        connectionId: conn,
        ref: { objectType: 'contact', id: `c${i}` },
        email: `person${i}@audit.example`,
        changes: [
          { field: 'jobtitle', old: null, new: `Title ${i}` },
          { field: 'company', old: null, new: `Company ${i}` },
        ],
        status: 'written',
        jobId: null,
        runId: 'run_abc',
        at: 1_700_000_000_000 + i * 1000,
      });
    }
  });
  afterAll(() => t.close());

  it('then the first page holds 50 changes grouped by contact and run, with a link to older ones', async () => {
    const page = await get(t, '/admin/activity');
    expect((page.text.match(/<tbody class="audit-group">/g) ?? []).length).toBe(25);
    expect(page.text).toMatch(/person29@audit\.example[\s\S]*?run <span class="mono">run_abc<\/span>[\s\S]*?· 2 fields/);
    expect(page.text).toContain('Changes 1–50, grouped by contact and run.');
    expect(page.text).toContain('href="/admin/activity?page=1#audit">Older changes</a>');
    expect(page.text).not.toContain('Newer changes');
    expect(page.text).not.toContain('person4@audit.example');
  });

  it('then the second page holds the rest, and a search keeps its term across pages', async () => {
    const page = await get(t, '/admin/activity?page=1');
    expect((page.text.match(/<tbody class="audit-group">/g) ?? []).length).toBe(5);
    expect(page.text).toContain('person4@audit.example');
    expect(page.text).toContain('person0@audit.example');
    expect(page.text).toContain('Changes 51–60');
    expect(page.text).toContain('href="/admin/activity#audit">Newer changes</a>');
    expect(page.text).not.toContain('Older changes');
    const nothing = await get(t, '/admin/activity?page=7');
    expect(nothing.text).toContain('No older change.');
    // A page number that is not one is the first page, never an error.
    expect((await get(t, '/admin/activity?page=-1')).text).toContain('Changes 1–50');
    expect((await get(t, '/admin/activity?email=audit.example&page=1')).text).toContain('href="/admin/activity?email=audit.example#audit">Newer changes</a>');
  });
});
