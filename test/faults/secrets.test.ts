// Secrets stay secret. The flows that handle them all run against one service whose JSON logs
// are captured at debug level: HubSpot and Salesforce installs, signed and forged webhooks, Outbound Messages
// carrying a session id, token refreshes (one after a token-endpoint 500), invalid_grant on both CRMs, providers
// that echo our API keys in their error bodies, API calls with the valid key and with bad ones, admin logins with
// a wrong and the right password, and the admin pages. Then no access or refresh token, OAuth code, API key,
// client secret, provider key, admin password, session cookie or encryption key appears in a log line, in any
// response body or Location of these flows, or in clear in the database files (.db, -wal, -shm; open and closed).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { isAck, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { hubspotEnv, importPeople, outboundUrl, salesforceEnv } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';
import { post, type TestService } from '../helpers/service.js';
import { PUBLIC_URL, startFaultService } from './support.js';

const PDL = 'https://api.peopledatalabs.com';
const APOLLO = 'https://api.apollo.io';
const secret = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;

interface Seen {
  url: string;
  status: number;
  body: string;
  location: string | null;
}

describe('secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-secrets-'));
  const S = {
    hubspotClientSecret: secret('hs-client-secret'),
    salesforceClientSecret: secret('sf-client-secret'),
    pdlKey: secret('pdl-key'),
    apolloKey: secret('apollo-key'),
    adminPassword: secret('admin-password'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  /** Everything that must never leak, with what it is. Filled as the flows hand secrets out. */
  const secrets = new Map<string, string>(Object.entries(S).map(([k, v]) => [v, k]));
  const keep = (what: string, value: string | null | undefined) => {
    if (value && value.length >= 8) secrets.set(value, what);
  };
  /** Secrets the admin pages show on purpose (never in logs or in clear in the database). */
  const adminVisible = new Map<string, string>();
  const logLines: string[] = [];
  const seen: Seen[] = [];
  const realFetch = globalThis.fetch;
  let hs: HubSpotFake;
  let sf: SalesforceFake;
  let t: TestService;
  let apiKey: string;
  const connections: Record<'hubspot' | 'salesforce', string> = { hubspot: '', salesforce: '' };

  const keepTokens = (crm: 'hubspot' | 'salesforce') => {
    const tokens = t.services.repos.connections.tokens(connections[crm]) as { accessToken: string; refreshToken?: string | null };
    keep(`${crm} access token`, tokens.accessToken);
    keep(`${crm} refresh token`, tokens.refreshToken);
  };
  const drain = () => t.services.createWorker({ concurrency: 1 }).drain();

  /** The browser's install round trip, keeping the OAuth code it carries. */
  async function install(crm: 'hubspot' | 'salesforce'): Promise<void> {
    const cookie = await adminCookie(t, S.adminPassword);
    keep('admin session cookie', cookie.split('=')[1]);
    const start = await fetch(`${t.url}/oauth/${crm}/install`, { redirect: 'manual', headers: { cookie } });
    expect(start.status).toBe(302);
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    keep(`${crm} OAuth code`, callback.searchParams.get('code'));
    const done = await fetch(`${t.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie } });
    expect(done.status, await done.clone().text()).toBe(302);
    connections[crm] = decodeURIComponent(/^\/admin\/connections\/([^?]+)/.exec(done.headers.get('location')!)![1]!);
    keepTokens(crm);
    // The Outbound Message endpoint's secret is a credential too, but the admin page shows it by design: it must
    // stay out of the logs and be stored only hashed and encrypted.
    if (crm === 'salesforce') adminVisible.set(outboundUrl(t, connections[crm]).split('/').pop()!, 'salesforce Outbound Message endpoint secret');
  }

  beforeAll(async () => {
    // Every response of our server in these flows is recorded (fetch is what every helper here uses).
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (t && url.startsWith(t.url)) seen.push({ url, status: res.status, body: await res.clone().text(), location: res.headers.get('location') });
      return res;
    };
    hs = await startHubSpotFake({ clientSecret: S.hubspotClientSecret });
    sf = await startSalesforceFake({ clientSecret: S.salesforceClientSecret });
    t = await startFaultService({
      dir,
      logLines,
      env: {
        ...hubspotEnv(hs),
        ...salesforceEnv(sf),
        ENRICH_PROVIDERS: 'peopledatalabs,apollo,dataset',
        PDL_API_KEY: S.pdlKey,
        APOLLO_API_KEY: S.apolloKey,
        ADMIN_PASSWORD: S.adminPassword,
        ENCRYPTION_KEY: S.encryptionKey,
        CACHE_TTL_DAYS: '0',
      },
    });
    t.importSample();
    apiKey = t.apiKey('secrets');
    keep('API key', apiKey);
    // Providers that answer every call with an error echoing the key they were given.
    let call = 0;
    nock(PDL)
      .persist()
      .get('/v5/person/enrich')
      .query(true)
      .reply(() => {
        call++;
        return call % 2
          ? [401, { status: 401, error: { type: 'authentication_error', message: `Invalid API key ${S.pdlKey}` } }]
          : [500, `<html><body>upstream error for X-Api-Key: ${S.pdlKey}</body></html>`];
      });
    nock(APOLLO)
      .persist()
      .post('/api/v1/people/match')
      .reply(() => [422, { error: `api_key ${S.apolloKey} is not valid for this plan`, error_code: 'INVALID_KEY' }]);
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    nock.cleanAll();
    await hs?.close();
    await sf?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the HubSpot flows run (install, webhooks, refresh after a token-endpoint 500, invalid_grant), then they work', async () => {
    await install('hubspot');
    const emails = importPeople(t, 3, { prefix: 'secret' });
    const ids = emails.map((email) => hs.addContact({ email }).id);
    const deliver = (id: string, tamper?: 'signature') =>
      sendWebhook(`${t.url}/webhooks/hubspot`, [contactCreationEvent(hs.portalId, id)], { clientSecret: S.hubspotClientSecret, signedUrl: `${PUBLIC_URL}/webhooks/hubspot`, ...(tamper ? { tamper } : {}) });

    expect((await deliver(ids[0]!)).status).toBe(200);
    expect((await deliver(ids[0]!, 'signature')).status).toBe(401);
    await drain();
    expect(hs.getContact(ids[0]!)!.properties.enrichment_source).toBe('dataset');

    hs.inject({ method: 'POST', path: /^\/oauth\/v1\/token$/, status: 500, times: 1 });
    hs.expireAccessTokens();
    expect((await deliver(ids[1]!)).status).toBe(200);
    await drain();
    expect(hs.getContact(ids[1]!)!.properties.enrichment_source).toBe('dataset');
    keepTokens('hubspot');

    hs.revokeRefreshTokens();
    hs.expireAccessTokens();
    expect((await deliver(ids[2]!)).status).toBe(200);
    await drain();
    expect(t.services.repos.connections.get(connections.hubspot)!.status).toBe('reconnect_needed');

    // A callback whose code the CRM refuses (reused): an error page.
    const headers = { cookie: await adminCookie(t, S.adminPassword) };
    const start = await fetch(`${t.url}/oauth/hubspot/install`, { redirect: 'manual', headers });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const code = [...secrets].find(([, what]) => what === 'hubspot OAuth code')![0];
    const refused = await fetch(`${t.url}/oauth/hubspot/callback?code=${code}&state=${state}`, { redirect: 'manual', headers });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    // Access tokens the fake saw in token-info URLs.
    for (const q of hs.requests) if (q.path.startsWith('/oauth/v1/access-tokens/')) keep('hubspot access token (token info)', decodeURIComponent(q.path.split('/').pop()!));
  });

  it('when the Salesforce flows run (install, Outbound Messages with a session id, refresh, invalid_grant), then they work', async () => {
    await install('salesforce');
    const people = ['priya.raman@quillstack.example', 'derek.olsen@meridian-health.example', 'rachel.kim@tinsel-analytics.example'];
    const records = people.map((email, i) => sf.addRecord('Contact', { LastName: ['Raman', 'Olsen', 'Kim'][i]!, Email: email }));
    const send = async (id: string) => {
      const xml = sf.outboundMessage('Contact', [id], ['Email', 'LastName'], { sessionId: true });
      keep('salesforce Outbound Message session id', /<SessionId>([^<]+)<\/SessionId>/.exec(xml)?.[1]);
      const res = await fetch(outboundUrl(t, connections.salesforce), { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body: xml });
      const body = await res.text();
      expect(isAck(res.status, body), body).toBe(true);
    };

    await send(records[0]!.Id as string);
    await drain();
    expect(sf.getRecord(records[0]!.Id as string)!['Enrichment_Source__c']).toBe('dataset');

    sf.expireAccessTokens();
    await send(records[1]!.Id as string);
    await drain();
    expect(sf.getRecord(records[1]!.Id as string)!['Enrichment_Source__c']).toBe('dataset');
    keepTokens('salesforce');

    sf.revokeRefreshTokens();
    await send(records[2]!.Id as string);
    await drain();
    expect(t.services.repos.connections.get(connections.salesforce)!.status).toBe('reconnect_needed');
  });

  it('when the API is called with the valid key (providers echoing their keys) and with bad keys, then it answers as it should', async () => {
    const found = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': apiKey });
    expect(found.body).toMatchObject({ found: true, source_provider: 'dataset' });
    const missing = await post(`${t.url}/v1/profile/enrich`, { email: 'nobody@nowhere.example' }, { 'x-api-key': apiKey });
    expect(missing.body).toMatchObject({ found: false });
    const badKeys = [`gtm_live_${randomBytes(24).toString('base64url')}`, `sk_live_${randomBytes(24).toString('hex')}`, `${apiKey.slice(0, -3)}XYZ`];
    for (const bad of badKeys) {
      keep('a wrong API key', bad);
      const r = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': bad });
      expect(r.status).toBe(401);
    }
    const inBody = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com', api_key: apiKey });
    expect(inBody.status).toBe(401);
  });

  it('when an admin logs in with a wrong and then the right password and browses the pages, then it works', async () => {
    const cookies = new Map<string, string>();
    const keepCookies = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    };
    const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const get = async (path: string) => {
      const res = await fetch(`${t.url}${path}`, { headers: { cookie: cookie() }, redirect: 'manual' });
      keepCookies(res);
      return { status: res.status, text: await res.text() };
    };
    const login = async (password: string) => {
      const page = await get('/admin/login');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const res = await fetch(`${t.url}/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
        body: new URLSearchParams({ _csrf: csrf, password, next: '/admin' }).toString(),
        redirect: 'manual',
      });
      keepCookies(res);
      return res.status;
    };
    const wrong = `${S.adminPassword.slice(0, -2)}!!`;
    keep('a wrong admin password', wrong);
    expect(await login(wrong)).toBe(401);
    expect(await login(S.adminPassword)).toBe(303);
    keep('admin session cookie', cookies.get('crm_enrich_admin'));
    for (const path of ['/admin', '/admin/connections', `/admin/connections/${connections.hubspot}`, `/admin/connections/${connections.salesforce}`, '/admin/api-keys', '/admin/activity', '/admin/credits', '/admin/schedules']) {
      expect((await get(path)).status, path).toBe(200);
    }
  });

  it('then no secret appears in a log line, a response body or Location, or in clear in the database files', async () => {
    const kinds = new Set(secrets.values());
    for (const k of ['hubspot access token', 'hubspot refresh token', 'salesforce access token', 'salesforce refresh token', 'hubspot OAuth code', 'salesforce OAuth code', 'salesforce Outbound Message session id', 'admin session cookie']) {
      expect(kinds, `the flows handed out a ${k}`).toContain(k);
    }
    // More than one access token per CRM: the refreshes really happened.
    const distinct = (what: string) => new Set([...secrets].filter(([, w]) => w.startsWith(what)).map(([v]) => v)).size;
    expect(distinct('hubspot access token')).toBeGreaterThanOrEqual(2);
    expect(distinct('salesforce access token')).toBeGreaterThanOrEqual(2);
    // The logs under inspection were taken at debug level and cover the flows.
    expect(t.services.config.LOG_LEVEL).toBe('debug');
    for (const msg of ['CRM connected', 'webhook delivery refused', 'HubSpot rejected the access token', 'connection needs to be reconnected', 'HubSpot code exchange', 'admin login failed', 'admin logged in']) {
      expect(logLines.some((l) => l.includes(msg)), msg).toBe(true);
    }

    const leaks = (where: string, text: string) =>
      [...secrets].filter(([value]) => text.includes(value) || text.includes(encodeURIComponent(value))).map(([, what]) => `${what} in ${where}`);

    const logText = logLines.join('\n');
    expect(leaks('the logs', logText)).toEqual([]);
    expect(adminVisible.size).toBe(1);
    for (const [value, what] of adminVisible) expect(logText.includes(value), `${what} in the logs`).toBe(false);
    expect(seen.length).toBeGreaterThan(30);
    expect(seen.flatMap((r) => leaks(`the answer to ${r.url.replace(t.url, '')} (${r.status})`, `${r.body}\n${r.location ?? ''}`))).toEqual([]);

    const files = () => ['crm-enrich.db', 'crm-enrich.db-wal', 'crm-enrich.db-shm'].map((f) => join(dir, f)).filter(existsSync);
    const inFiles = (when: string) =>
      files().flatMap((f) => {
        const bytes = readFileSync(f);
        return [...secrets, ...adminVisible].filter(([value]) => bytes.includes(Buffer.from(value, 'utf8'))).map(([, what]) => `${what} in ${f.split('/').pop()} (${when})`);
      });
    expect(files().length).toBeGreaterThanOrEqual(2);
    // Positive control: plain data the flows stored is found by the same byte search.
    expect(files().some((f) => readFileSync(f).includes(Buffer.from('john.doe@acme.com')))).toBe(true);
    expect(inFiles('service running')).toEqual([]);
    await t.close();
    expect(inFiles('service stopped')).toEqual([]);
  });
});
