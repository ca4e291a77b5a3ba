// The HubSpot connector's call policy against the fake: per-portal sliding-window limiting, 429 / 423 / 5xx /
// timeout handling, error messages, independence from the SDK's global decorators, and the search ceiling.
import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotConnector, type HubSpotConnectorOptions } from '../../connectors/hubspot/index.js';
import type { Connector, CrmSession, TokenSet, TokenStore } from '../../connectors/types.js';
import { NonRetryableError, RetryAfterError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { type HubSpotFake, type HubSpotFakeOptions, startHubSpotFake } from '../fakes/hubspot/index.js';

const REDIRECT = 'http://localhost:3000/oauth/hubspot/callback';
const log = createLogger({ level: 'silent' });

let fake: HubSpotFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function memoryTokens(initial: TokenSet): TokenStore {
  let current = initial;
  return {
    load: () => current,
    save: (t) => {
      current = t;
    },
    withRefreshLock: async (refresh) => (current = await refresh(current)),
  };
}

interface Setup {
  fake: HubSpotFake;
  connector: Connector;
  session: CrmSession;
  calls: string[];
  /** Another session of the same portal (a second worker). */
  second: () => CrmSession;
}

async function setup(fakeOpts: HubSpotFakeOptions = {}, opts: Partial<HubSpotConnectorOptions> = {}): Promise<Setup> {
  const f = await startHubSpotFake(fakeOpts);
  fake = f;
  const calls: string[] = [];
  const connector = createHubSpotConnector({
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    scopes: 'oauth crm.objects.contacts.read',
    authorizeUrl: f.authorizeUrl,
    apiBaseUrl: f.url,
    log,
    onCall: (op, status) => calls.push(`${op} ${status}`),
    ...opts,
  });
  const installed = await connector.exchangeCode({ code: f.issueAuthCode(REDIRECT), redirectUri: REDIRECT });
  const handle = (id: string) => ({ id, externalId: installed.externalId, userId: installed.userId, tokens: memoryTokens(installed.tokens) });
  return { fake: f, connector, session: connector.session(handle('c1')), calls, second: () => connector.session(handle('c2')) };
}

const apiStatuses = (f: HubSpotFake, path: RegExp) => f.requests.filter((r) => path.test(r.path)).map((r) => r.status);

describe('rate limiting', () => {
  it('when two sessions of one portal fire 250 calls at once, then HubSpot never sees more than the limit in any window', async () => {
    // 50 per second on both sides keeps the test short; the code path is the one of 100 per 10 s.
    const s = await setup({ rateLimit: { max: 50, windowMs: 1000 } }, { rateLimit: { max: 50, windowMs: 1000 } });
    const [c] = s.fake.addContacts(1);
    const other = s.second();
    s.fake.resetRequests();
    const started = Date.now();
    const reads = await Promise.all(Array.from({ length: 250 }, (_, i) => (i % 2 ? other : s.session).read('contact', [c!.id], [])));
    expect(reads.every((r) => r.length === 1)).toBe(true);
    expect(s.fake.requests.filter((r) => r.kind === 'api')).toHaveLength(252); // 250 reads + one describe per session
    expect(s.fake.maxRequestsInWindow(1000)).toBeLessThanOrEqual(50);
    expect(s.fake.requests.some((r) => r.status === 429)).toBe(false);
    // 252 requests at 50 per rolling second cannot take less than 5 full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 1000 - 50);
  });

  it('when HubSpot answers five TEN_SECONDLY_ROLLING 429s, then the writes wait for the window and all land', async () => {
    const s = await setup({}, { rateLimit: { max: 100, windowMs: 200 } });
    const cs = s.fake.addContacts(150);
    s.fake.inject({ method: 'POST', path: /\/batch\/update$/, status: 429, times: 5 });
    const outcomes = await s.session.write('contact', cs.map((c, i) => ({ ref: { objectType: 'contact', id: c.id }, values: { jobtitle: `T${i}` } })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(cs.every((c, i) => s.fake.getContact(c.id)?.properties.jobtitle === `T${i}`)).toBe(true);
    expect(apiStatuses(s.fake, /\/batch\/update$/)).toEqual([429, 429, 429, 429, 429, 200, 200]);
  });

  it('when search answers SECONDLY 429s, then it waits a second and retries', async () => {
    const s = await setup();
    s.fake.addContacts(3);
    s.fake.inject({ path: /\/search$/, status: 429, times: 1, body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' } });
    const started = Date.now();
    expect(await s.session.count('contact')).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('when the DAILY limit is reached, then the call is parked until the next UTC midnight', async () => {
    const s = await setup();
    s.fake.inject({ path: /\/search$/, status: 429, times: 1, body: { status: 'error', message: 'You have reached your daily limit.', policyName: 'DAILY' } });
    const err = await s.session.count('contact').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    expect((err as RetryAfterError).code).toBe('rate_limited');
    expect(Math.abs(Date.now() + (err as RetryAfterError).waitMs - midnight)).toBeLessThan(5_000);
  });
});

describe('transient failures', () => {
  it('when HubSpot fails with 502 twice, then the call is retried with backoff and succeeds', async () => {
    const s = await setup();
    const [c] = s.fake.addContacts(1);
    s.fake.inject({ path: /\/batch\/read$/, status: 502, times: 2 });
    expect(await s.session.read('contact', [c!.id], [])).toHaveLength(1);
    expect(s.calls.filter((x) => x.startsWith('contacts.batch_read'))).toEqual(['contacts.batch_read 502', 'contacts.batch_read 502', 'contacts.batch_read ok']);
  });

  it('when HubSpot keeps failing, then after four retries the call gives up with a RetryAfterError', async () => {
    const s = await setup();
    s.fake.inject({ path: /\/batch\/read$/, status: 503, times: 10 });
    const err = await s.session.read('contact', ['101'], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).message).toContain('HTTP 503');
    expect(apiStatuses(s.fake, /\/batch\/read$/)).toEqual([503, 503, 503, 503, 503]);
  });

  it('when a call hangs, then it times out and the retry succeeds', async () => {
    const s = await setup({}, { callTimeoutMs: 300 });
    const [c] = s.fake.addContacts(1);
    s.fake.inject({ path: /\/batch\/read$/, status: 200, times: 1, hang: true });
    expect(await s.session.read('contact', [c!.id], [])).toHaveLength(1);
    expect(s.calls).toContain('contacts.batch_read timeout');
  });

  it('when the token endpoint fails once during a refresh, then the refresh is retried and a rotated refresh token is kept', async () => {
    const s = await setup({ rotateRefreshTokens: true });
    await s.session.describe('contact');
    s.fake.expireAccessTokens();
    s.fake.inject({ method: 'POST', path: /^\/oauth\/v1\/token$/, status: 502, times: 1 });
    s.fake.addContacts(2);
    expect(await s.session.count('contact')).toBe(2);
    expect(apiStatuses(s.fake, /^\/oauth\/v1\/token$/)).toEqual([200, 502, 200]); // install, failed refresh, refresh
    // The rotated token was stored: the old one is revoked at the fake, so a second refresh only works with the new one.
    s.fake.expireAccessTokens();
    expect(await s.session.count('contact')).toBe(2);
  });

  it('when an error page is not JSON, then it is retried like a 5xx', async () => {
    const s = await setup();
    const [c] = s.fake.addContacts(1);
    s.fake.inject({ path: /\/batch\/read$/, status: 502, times: 1, body: '<html>Bad gateway</html>' });
    expect(await s.session.read('contact', [c!.id], [])).toHaveLength(1);
    expect(s.calls).toContain('contacts.batch_read bad_response');
  });

  it('when a record is locked (423), then the call waits at least 2 s before retrying', async () => {
    const s = await setup();
    const [c] = s.fake.addContacts(1);
    s.fake.inject({ path: /\/batch\/update$/, status: 423, times: 1, body: { status: 'error', message: 'locked', category: 'LOCKED' } });
    const started = Date.now();
    const [o] = await s.session.write('contact', [{ ref: { objectType: 'contact', id: c!.id }, values: { jobtitle: 'x' } }]);
    expect(o?.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
  });
});

describe('errors', () => {
  it('when HubSpot refuses for good, then a NonRetryableError carries the category, and its message no header or token', async () => {
    const s = await setup();
    await s.session.describe('contact');
    s.fake.inject({ path: /\/batch\/read$/, status: 403, times: 1, body: { status: 'error', message: 'This app hasn’t been granted all required scopes', category: 'MISSING_SCOPES', correlationId: 'c-1' } });
    const err = await s.session.read('contact', ['101'], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err).toMatchObject({ code: 'MISSING_SCOPES', message: 'HubSpot contacts.batch_read: HTTP 403 MISSING_SCOPES: This app hasn’t been granted all required scopes' });
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toMatch(/Bearer|Headers|x-hubspot-correlation-id/i);
  });

  it('when another part of the process built an SDK Client with retries and a limiter, then our calls are not affected', async () => {
    const s = await setup();
    const [c] = s.fake.addContacts(1);
    // The SDK keeps decorators process-wide (docs/hubspot.md §7.1): this Client would make every later one retry 5xx
    // itself and run through a 1-call-per-2-s Bottleneck if our client picked its decorators up.
    const polluter = new Client({ accessToken: 'x', numberOfApiCallRetries: 3, limiterOptions: { maxConcurrent: 1, minTime: 2_000 } });
    expect(polluter).toBeDefined();
    s.fake.inject({ path: /\/batch\/read$/, status: 500, times: 1 });
    await Promise.all([s.session.read('contact', [c!.id], []), s.session.read('contact', [c!.id], [])]);
    expect(s.calls.filter((x) => x.startsWith('contacts.batch_read'))).toContain('contacts.batch_read 500');
    // The two reads went out together: under the polluter's limiter the second could only reach HubSpot 2 s after
    // the first. Measured between the fake's arrival stamps, not around the calls, so a slow retry or a loaded
    // machine does not count against it.
    const [first, second] = s.fake.requests.filter((r) => r.path.endsWith('/batch/read'));
    expect(second!.at - first!.at).toBeLessThan(2_000);
  });
});

describe('search ceiling', () => {
  it('when 10,050 contacts were created (7 per millisecond), then createdSince pages past the 10,000-result ceiling without gaps or duplicates', async () => {
    const s = await setup({ searchPerSecond: 500 }, { searchPerSecond: 500 });
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    for (let i = 0; i < 10_050; i++) s.fake.addContact({ email: `c${i}@example.com` }, { createdAt: new Date(t0 + Math.floor(i / 7)) });
    const ids: string[] = [];
    let last = -Infinity;
    let ordered = true;
    let highWater: string | null = null;
    let cursor: string | null = null;
    do {
      const page = await s.session.createdSince('contact', { since: null, cursor, fields: [] });
      for (const c of page.contacts) {
        const t = Date.parse(c.createdAt ?? '');
        ordered &&= t >= last;
        last = t;
        ids.push(c.id);
      }
      highWater = page.highWater ?? highWater;
      cursor = page.next;
    } while (cursor);
    expect(ordered).toBe(true);
    expect(ids).toHaveLength(10_050);
    expect(new Set(ids).size).toBe(10_050);
    expect(highWater).toBe(new Date(t0 + Math.floor(10_049 / 7)).toISOString());
    const searches = s.fake.requests.filter((r) => r.kind === 'search');
    expect(searches.every((r) => r.status === 200)).toBe(true);
  });
});
