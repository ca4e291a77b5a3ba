// The admin pages over real HTTP without a browser: login and its cookie, throttling, CSRF, logout, sessions that
// survive a restart, security headers, the CSV export, mapping validation against the HubSpot fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, post, startService, type TestService } from '../helpers/service.js';
import { fixedClock } from '../../src/lib/clock.js';
import { hashPassword } from '../../src/lib/crypto.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';

/** A tiny browser: keeps cookies (by name; paths are all under /admin here) and reads CSRF tokens from pages. */
class AdminClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, text: await res.text(), res };
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.keep(res);
    return { status: res.status, text: await res.text(), res };
  }

  /** The CSRF token of a page's forms. */
  async csrf(path = '/admin'): Promise<string> {
    const { text } = await this.get(path);
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (!m) throw new Error(`no CSRF token on ${path}`);
    return m[1]!;
  }

  async login(password = ADMIN_PASSWORD): Promise<{ status: number; res: Response }> {
    const token = await this.csrf('/admin/login');
    return this.post('/admin/login', { _csrf: token, password, next: '/admin' });
  }
}

describe('when the admin logs in (PUBLIC_URL https)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t.close());

  it('then an anonymous page view is sent to the login form', async () => {
    const r = await new AdminClient(t.url).get('/admin/credits?days=90');
    expect(r.status).toBe(303);
    expect(r.res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fcredits%3Fdays%3D90');
  });

  it('then a wrong password is refused with 401 and no session cookie', async () => {
    const c = new AdminClient(t.url);
    const r = await c.login('not-the-password');
    expect(r.status).toBe(401);
    expect(c.cookies.has('crm_enrich_admin')).toBe(false);
    expect((await c.get('/admin')).status).toBe(303);
  });

  it('then the right password sets an HttpOnly, SameSite=Lax, Secure session cookie on / (the OAuth install needs it)', async () => {
    const c = new AdminClient(t.url);
    const r = await c.login();
    expect(r.status).toBe(303);
    expect(r.res.headers.get('location')).toBe('/admin');
    const cookie = r.res.headers.getSetCookie().find((s) => s.startsWith('crm_enrich_admin='))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\/(;|$)/i);
    expect(cookie.split(';')[0]!.length).toBeGreaterThan('crm_enrich_admin='.length + 40);
    const dash = await c.get('/admin');
    expect(dash.status).toBe(200);
    expect(dash.text).toContain('<h1>Dashboard</h1>');
  });

  it('then only the hash of the session id is stored', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    const id = c.cookies.get('crm_enrich_admin')!;
    const rows = t.services.db.prepare('SELECT id_hash FROM admin_sessions').all() as { id_hash: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === id)).toBe(false);
  });

  it('then every admin page carries the security headers and is never cached', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    for (const path of ['/admin', '/admin/login', '/admin/connections', '/admin/schedules', '/admin/credits', '/admin/activity', '/admin/api-keys']) {
      const r = await c.get(path);
      expect(r.status, path).toBeLessThan(400);
      expect(r.res.headers.get('cache-control'), path).toBe('no-store');
      expect(r.res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.res.headers.get('content-security-policy'), path).toMatch(/default-src 'none'.*script-src 'self'/);
      expect(r.text, path).not.toMatch(/<script>|style="/);
    }
  });

  it('then a form posted without its CSRF token, or with a wrong one, gets 403 and changes nothing', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    const before = t.services.repos.apiKeys.list().length;
    expect((await c.post('/admin/api-keys', { account: 'csrf-test' })).status).toBe(403);
    expect((await c.post('/admin/api-keys', { account: 'csrf-test', _csrf: 'x'.repeat(43) })).status).toBe(403);
    const token = await c.csrf('/admin/api-keys');
    expect((await c.post('/admin/api-keys', { account: 'csrf-test', _csrf: token }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(t.services.repos.apiKeys.list().length).toBe(before);
    const ok = await c.post('/admin/api-keys', { account: 'csrf-test', _csrf: token });
    expect(ok.status).toBe(303);
    expect(t.services.repos.apiKeys.list().length).toBe(before + 1);
  });

  it('then creating an API key redirects (Post/Redirect/Get): the key shows once, never in the URL, and a reload creates nothing', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    const before = t.services.repos.apiKeys.list().length;
    const posted = await c.post('/admin/api-keys', { account: 'prg-test', label: 'prg', _csrf: await c.csrf('/admin/api-keys') });
    expect(posted.status).toBe(303);
    const location = posted.res.headers.get('location')!;
    expect(location).toBe('/admin/api-keys#new-key-box');
    expect(posted.text).not.toMatch(/gtm_live_/);
    const shown = await c.get(location.split('#')[0]!);
    const key = /id="new-key">(gtm_live_[A-Za-z0-9_-]+)</.exec(shown.text)?.[1];
    expect(key).toBeTruthy();
    expect(t.services.repos.apiKeys.list().length).toBe(before + 1);
    // A reload is a GET: no second key, and the first is not shown again.
    const again = await c.get('/admin/api-keys');
    expect(again.text).not.toContain(key!);
    expect(again.text).not.toMatch(/id="new-key"/);
    expect(t.services.repos.apiKeys.list().length).toBe(before + 1);
    // Another admin session never sees it.
    const other = new AdminClient(t.url);
    await other.login();
    expect((await other.get('/admin/api-keys')).text).not.toMatch(/id="new-key"/);
  });

  it('then the login form itself needs its token', async () => {
    const c = new AdminClient(t.url);
    const r = await c.post('/admin/login', { password: ADMIN_PASSWORD });
    expect(r.status).toBe(403);
    expect(c.cookies.has('crm_enrich_admin')).toBe(false);
  });

  it('then a post-login destination outside /admin is ignored', async () => {
    const c = new AdminClient(t.url);
    const token = await c.csrf('/admin/login');
    for (const next of ['//evil.example/admin', 'https://evil.example', '/admin//evil.example']) {
      const r = await c.post('/admin/login', { _csrf: token, password: ADMIN_PASSWORD, next });
      expect(r.res.headers.get('location')).toBe('/admin');
    }
  });

  it('then logging out ends the session on the server', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    const stolen = c.cookieHeader();
    const r = await c.post('/admin/logout', { _csrf: await c.csrf() });
    expect(r.status).toBe(303);
    expect(r.res.headers.get('location')).toBe('/admin/login');
    expect(r.res.headers.getSetCookie().some((s) => /^crm_enrich_admin=;/.test(s))).toBe(true);
    const replay = await fetch(`${t.url}/admin`, { headers: { cookie: stolen }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  it('then changing the admin password ends every session', async () => {
    const c = new AdminClient(t.url);
    await c.login();
    expect((await c.get('/admin')).status).toBe(200);
    const settings = t.services.repos.settings;
    const old = settings.get('admin_password_hash')!;
    settings.set('admin_password_hash', hashPassword('another-password'));
    try {
      expect((await c.get('/admin')).status).toBe(303);
    } finally {
      settings.set('admin_password_hash', old);
    }
  });

  it('then the credits CSV lists each account and day with its numbers', async () => {
    t.importSample();
    const key = t.apiKey('csv-account');
    const formula = t.apiKey('=HYPERLINK("x")');
    expect((await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key })).status).toBe(200);
    await post(`${t.url}/v1/profile/enrich`, { email: 'nobody@nowhere.example' }, { 'x-api-key': key });
    await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': formula });
    const c = new AdminClient(t.url);
    await c.login();
    const r = await c.get('/admin/credits.csv?days=90');
    expect(r.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.res.headers.get('content-disposition')).toMatch(/^attachment; filename="?crm-enrich-credits-90d-\d{4}-\d{2}-\d{2}\.csv"?$/);
    const lines = r.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('day,account,account_id,requests,found,cache_hits,credits');
    const today = new Date().toISOString().slice(0, 10);
    const accId = t.services.repos.accounts.byName('csv-account')!.id;
    const row = lines.find((l) => l.includes(',csv-account,'))!.split(',');
    expect(row).toEqual([today, 'csv-account', accId, '2', '1', expect.stringMatching(/^[01]$/), '3']);
    const f = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(f).toMatch(/^\d{4}-\d{2}-\d{2},"'=HYPERLINK\(""x""\)",/);
  });
});

describe('when PUBLIC_URL is plain http', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { PUBLIC_URL: 'http://localhost:3000' } });
  });
  afterAll(() => t.close());

  it('then the session cookie is not marked Secure (the browser would drop it)', async () => {
    const r = await new AdminClient(t.url).login();
    const cookie = r.res.headers.getSetCookie().find((s) => s.startsWith('crm_enrich_admin='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/Secure/i);
  });
});

describe('when logins keep failing from one address', () => {
  const clock = fixedClock(Date.UTC(2026, 2, 2, 12, 0, 0));
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ clock });
  });
  afterAll(() => t.close());

  it('then the fifth failure locks the address out for 15 minutes with 429, even for the right password', async () => {
    const c = new AdminClient(t.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.login('wrong-password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const locked = await c.login();
    expect(locked.status).toBe(429);
    expect(Number(locked.res.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(c.cookies.has('crm_enrich_admin')).toBe(false);
    clock.advance(14 * 60_000);
    expect((await c.login()).status).toBe(429);
    clock.advance(61_000);
    expect((await c.login()).status).toBe(303);
  });
});

describe('when the service restarts', () => {
  it('then an admin session survives (sessions live in the database)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-admin-'));
    try {
      const first = await startService({ dir });
      const c = new AdminClient(first.url);
      await c.login();
      await first.close();
      const second = await startService({ dir });
      try {
        const r = await fetch(`${second.url}/admin`, { headers: { cookie: c.cookieHeader() }, redirect: 'manual' });
        expect(r.status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('when a HubSpot portal is connected', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let c: AdminClient;
  let connId: string;
  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({
      env: {
        HUBSPOT_CLIENT_ID: fake.clientId,
        HUBSPOT_CLIENT_SECRET: fake.clientSecret,
        HUBSPOT_AUTHORIZE_URL: fake.authorizeUrl,
        HUBSPOT_API_BASE_URL: fake.url,
      },
    });
    c = new AdminClient(t.url);
    await c.login();
    // The install, following the redirects by hand: admin form → fake consent → our callback.
    const start = await c.post('/admin/connections/connect', { crm: 'hubspot', _csrf: await c.csrf('/admin/connections') });
    expect(start.status).toBe(303);
    const consent = await fetch(start.res.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    // The callback comes back to the browser that began the install: with its session cookie.
    const done = await c.get(`${callback.pathname}${callback.search}`);
    expect(done.status).toBe(302);
    connId = t.services.repos.connections.list()[0]!.id;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('then the connector says what is missing: Salesforce, unconfigured, names its variables on the page and refuses to connect', async () => {
    const list = await c.get('/admin/connections');
    expect(list.text).toContain('Not available: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (see the README) and restart.');
    expect(list.text).not.toContain('set HUBSPOT_CLIENT_ID');
    const r = await c.post('/admin/connections/connect', { crm: 'salesforce', _csrf: await c.csrf('/admin/connections') });
    expect(r.status).toBe(303);
    expect((await c.get('/admin/connections')).text).toContain('Salesforce is not configured: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET');
  });

  it('then the HubSpot connection page offers contacts only (the connector’s object types)', async () => {
    const r = await c.get(`/admin/connections/${connId}`);
    expect(r.text).toContain('<input type="hidden" name="objectType" value="contact">');
    expect(r.text).not.toContain('<option value="lead">');
  });

  it('then the mapping form offers the portal’s real, writable properties', async () => {
    const r = await c.get(`/admin/connections/${connId}/mapping`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<option value="jobtitle" selected>');
    expect(r.text).toContain('value="hs_linkedin_url"');
    expect(r.text).not.toContain('<option value="hs_object_id"');
  });

  it('then a read-only, unknown or unfitting property is refused with a clear message and nothing is saved', async () => {
    const before = t.services.repos.connections.get(connId)!.settings_json;
    const token = await c.csrf(`/admin/connections/${connId}/mapping`);
    const base = { _csrf: token, minConfidence: '0', 'm.0.objectType': 'contact', 'm.0.policy': 'overwrite' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'm.0.source': 'title', 'm.0.target': 'hs_object_id' }, /read-only/],
      [{ 'm.0.source': 'title', 'm.0.target': 'no_such_property' }, /not a contact property/],
      [{ 'm.0.source': 'title', 'm.0.target': 'lifecyclestage' }, /is a picklist/],
      [{ 'm.0.source': 'seniority', 'm.0.target': 'numemployees' }, /without the options/],
      [{ 'm.0.source': 'company', 'm.0.target': 'enrichment_confidence' }, /is a number property/],
      [{ 'm.0.source': 'title', 'm.0.target': 'jobtitle', 'm.1.objectType': 'contact', 'm.1.source': 'headline', 'm.1.target': 'jobtitle', 'm.1.policy': 'overwrite' }, /already mapped in row 1/],
      [{ 'm.0.source': 'title', 'm.0.target': 'jobtitle', minConfidence: '101' }, /Minimum confidence/],
    ];
    for (const [extra, message] of cases) {
      const r = await c.post(`/admin/connections/${connId}/mapping`, { ...base, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(422);
      expect(r.text).toMatch(message);
    }
    expect(t.services.repos.connections.get(connId)!.settings_json).toBe(before);
  });

  it('then a valid mapping is saved and shown again', async () => {
    const token = await c.csrf(`/admin/connections/${connId}/mapping`);
    const r = await c.post(`/admin/connections/${connId}/mapping`, {
      _csrf: token,
      minConfidence: '40',
      createTasks: '1',
      'm.0.objectType': 'contact', 'm.0.source': 'title', 'm.0.target': 'jobtitle', 'm.0.policy': 'never',
      'm.1.objectType': 'contact', 'm.1.source': 'seniority', 'm.1.target': 'enrichment_seniority', 'm.1.policy': 'overwrite',
      'm.2.objectType': 'contact', 'm.2.source': 'company', 'm.2.target': 'company', 'm.2.policy': 'fill_empty', 'm.2.remove': '1',
    });
    expect(r.status).toBe(303);
    const settings = JSON.parse(t.services.repos.connections.get(connId)!.settings_json);
    expect(settings).toEqual({
      minConfidence: 40,
      createTasks: true,
      clearJobChangeFlags: false,
      mappings: [
        { objectType: 'contact', source: 'title', target: 'jobtitle', policy: 'never' },
        { objectType: 'contact', source: 'seniority', target: 'enrichment_seniority', policy: 'overwrite' },
      ],
    });
    const page = await c.get(`/admin/connections/${connId}/mapping`);
    expect(page.text).toContain('Mapping saved: 2 fields');
  });

  it('then an invalid cron expression is refused and a valid one shows its next run', async () => {
    const token = await c.csrf('/admin/schedules');
    const bad = await c.post('/admin/schedules', { _csrf: token, connectionId: connId, mode: 'new', cron: '61 * * * *', enabled: '1' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('aria-invalid="true"');
    expect(t.services.repos.runs.schedulesOf(connId).find((s) => s.mode === 'new')!.cron).toBe('*/15 * * * *');
    const good = await c.post('/admin/schedules', { _csrf: token, connectionId: connId, mode: 'new', cron: '0 3 * * *', enabled: '1' });
    expect(good.status).toBe(303);
    expect(t.services.repos.runs.schedulesOf(connId).find((s) => s.mode === 'new')!.cron).toBe('0 3 * * *');
    const page = await c.get('/admin/schedules');
    expect(page.text).toContain('Every day at 03:00 (UTC)');
    expect(page.text).toContain(`aria-label="Save the New records schedule of HubSpot`);
  });

  it('then a preset replaces the typed expression, and a value that is not a preset is refused', async () => {
    const token = await c.csrf('/admin/schedules');
    const ok = await c.post('/admin/schedules', { _csrf: token, connectionId: connId, mode: 'job-changes', cron: 'ignored', preset: '0 6 * * 1', enabled: '1' });
    expect(ok.status).toBe(303);
    expect(t.services.repos.runs.schedulesOf(connId).find((s) => s.mode === 'job-changes')!.cron).toBe('0 6 * * 1');
    expect((await c.get('/admin/schedules')).text).toContain('At 06:00 on every Monday (UTC)');
    const bad = await c.post('/admin/schedules', { _csrf: token, connectionId: connId, mode: 'job-changes', cron: '0 6 * * 1', preset: '* * * * * *', enabled: '1' });
    expect(bad.status).toBe(303);
    expect(t.services.repos.runs.schedulesOf(connId).find((s) => s.mode === 'job-changes')!.cron).toBe('0 6 * * 1');
    expect((await c.get('/admin/schedules')).text).toMatch(/class="flash error"[^<]*preset: /);
  });

  it('then a sync can be run now, and the connection paused and resumed', async () => {
    const token = await c.csrf(`/admin/connections/${connId}`);
    const run = await c.post(`/admin/connections/${connId}/sync`, { _csrf: token, mode: 'backfill' });
    expect(run.status).toBe(303);
    expect(t.services.repos.runs.recent(connId, 1)[0]).toMatchObject({ mode: 'backfill', trigger: 'admin', state: 'queued' });
    await c.post(`/admin/connections/${connId}/pause`, { _csrf: token });
    expect(t.services.repos.connections.get(connId)!.status).toBe('paused');
    expect((await c.get(`/admin/connections/${connId}`)).text).toContain('Paused: no sync or enrichment runs');
    await c.post(`/admin/connections/${connId}/resume`, { _csrf: token });
    expect(t.services.repos.connections.get(connId)!.status).toBe('connected');
  });

  it('then a dead job can be retried from the activity page', async () => {
    const { id } = t.services.queue.enqueue('contact.enrich', { objectType: 'contact' }, { connectionId: connId, maxAttempts: 1 });
    await t.services.createWorker().drain({ jobId: id });
    expect(t.services.queue.get(id)!.state).toBe('dead');
    const page = await c.get('/admin/activity');
    expect(page.text).toContain(`action="/admin/activity/jobs/${id}/retry"`);
    const r = await c.post(`/admin/activity/jobs/${id}/retry`, { _csrf: await c.csrf('/admin/activity') });
    expect(r.status).toBe(303);
    expect(t.services.queue.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('then disconnecting revokes the refresh token at HubSpot and forgets the tokens, and delete removes the connection', async () => {
    const token = await c.csrf(`/admin/connections/${connId}`);
    fake.resetRequests();
    const r = await c.post(`/admin/connections/${connId}/disconnect`, { _csrf: token });
    expect(r.status).toBe(303);
    expect(fake.requests.some((q) => q.method === 'DELETE' && q.path.startsWith('/oauth/v1/refresh-tokens/'))).toBe(true);
    expect(t.services.repos.connections.get(connId)!.status).toBe('disconnected');
    expect(t.services.repos.connections.tokens(connId)).toEqual({ accessToken: '', refreshToken: '', expiresAt: null });
    const shown = await c.get(`/admin/connections/${connId}`);
    expect(shown.text).toContain('tokens were revoked and forgotten');
    await c.post(`/admin/connections/${connId}/delete`, { _csrf: token });
    expect(t.services.repos.connections.get(connId)).toBeUndefined();
  });
});

describe('when names typed by people contain markup', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    t.importSample();
  });
  afterAll(() => t.close());

  it('then every page shows them as text', async () => {
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const key = t.apiKey(evil);
    await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key });
    const c = new AdminClient(t.url);
    await c.login();
    for (const path of ['/admin', '/admin/credits', '/admin/api-keys', `/admin/activity?email=${encodeURIComponent(evil)}`]) {
      const r = await c.get(path);
      expect(r.text, path).not.toContain('<script>alert');
      expect(r.text, path).not.toContain('<img src=x');
      expect(r.text, path).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    }
  });
});
