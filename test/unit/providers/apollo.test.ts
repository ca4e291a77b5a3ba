// Apollo provider against recorded Apollo shapes (test/fixtures/providers/apollo), served by nock.
import { readdirSync, readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Profile } from '../../../src/enrichment/contract.js';
import { apolloConfidence, companySizeBucket, createApolloProvider, departmentLabel } from '../../../src/enrichment/providers/apollo.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from '../../../src/enrichment/providers/types.js';

const BASE = 'https://api.apollo.io';
const PATH = '/api/v1/people/match';
const KEY = 'apollo_test_key_7b2d44c1';
const FIXTURES = new URL('../../fixtures/providers/apollo/', import.meta.url);

interface ResponseFixture {
  lookup: Lookup;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
type Outcome = ProviderResult | { error: { code: string; retryAtMs?: number } };

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

const pairs = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.response.json'))
  .map((f) => f.replace('.response.json', ''))
  .sort();

function provider(): Provider {
  return createApolloProvider({ apiKey: KEY, baseUrl: BASE });
}

/** Serve one canned answer (JSON, or a string as-is) and remember the request that reached "Apollo". */
function serve(status: number, body: unknown, headers: Record<string, string> = {}): { request: () => Request } {
  let seen: Request | undefined;
  const contentType = typeof body === 'string' ? 'text/plain' : 'application/json';
  nock(BASE)
    .post(PATH).query(true)
    .reply((req: Request) => {
      seen = req;
      return [status, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': contentType, ...headers }];
    });
  return {
    request: () => {
      if (!seen) throw new Error('no request reached the mock');
      return seen;
    },
  };
}

async function outcome(p: Provider, lookup: Lookup, signal: AbortSignal = AbortSignal.timeout(5_000)): Promise<Outcome> {
  try {
    return await p.lookup(lookup, { signal });
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return { error: { code: err.code, ...(err.retryAtMs === undefined ? {} : { retryAtMs: err.retryAtMs }) } };
  }
}

async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

function recordedBody(): { person: Record<string, unknown> } {
  return structuredClone(readJson<ResponseFixture>('person-match.response.json').body) as { person: Record<string, unknown> };
}

async function hit(lookup: Lookup): Promise<Extract<ProviderResult, { found: true }>> {
  const result = await provider().lookup(lookup, { signal: AbortSignal.timeout(5_000) });
  if (!result.found) throw new Error('expected a hit');
  return result;
}

afterEach(() => {
  // why: a delayed reply still pending after an abort would otherwise land on an aborted undici request.
  nock.abortPendingRequests();
  nock.cleanAll();
  vi.useRealTimers();
});

describe('apollo: recorded fixtures', () => {
  it('has fixture pairs', () => {
    expect(pairs).toEqual(expect.arrayContaining(['person-match', 'no-match', 'unauthorized', 'rate-limited']));
  });

  it.each(pairs)('when Apollo answers %s, then the result equals the expected fixture', async (name) => {
    const fixture = readJson<ResponseFixture>(`${name}.response.json`);
    const expected = readJson<Outcome>(`${name}.expected.json`);
    serve(fixture.status, fixture.body, fixture.headers);
    const result = await outcome(provider(), fixture.lookup);
    expect(result).toStrictEqual(expected);
    if ('found' in result && result.found) expect(Profile.parse(result.profile)).toStrictEqual(result.profile);
  });
});

describe('apollo: the request', () => {
  it('when looking up an email, then it POSTs with email as a query parameter (as Apollo documents) and the key in x-api-key', async () => {
    const mock = serve(200, { person: null });
    await provider().lookup({ email: 'tim@apollo.io' }, { signal: AbortSignal.timeout(5_000) });
    const req = mock.request();
    const url = new URL(req.url);
    expect(req.method).toBe('POST');
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}${PATH}`);
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({ email: 'tim@apollo.io' });
    expect(req.headers.get('x-api-key')).toBe(KEY);
    expect(req.headers.get('cache-control')).toBe('no-cache');
    expect(await req.text()).toBe('');
    expect(req.url).not.toContain(KEY);
  });

  it('when looking up both identifiers, then both go as query parameters', async () => {
    const mock = serve(200, { person: null });
    await provider().lookup({ email: 'tim@apollo.io', linkedin_url: 'https://www.linkedin.com/in/tim-zheng-677ba010' }, { signal: AbortSignal.timeout(5_000) });
    expect(Object.fromEntries(new URL(mock.request().url).searchParams)).toStrictEqual({
      email: 'tim@apollo.io',
      linkedin_url: 'https://www.linkedin.com/in/tim-zheng-677ba010',
    });
  });

  it('when looking up several people, then one bulk_match call carries them as `details` and matches map back in order', async () => {
    let body: unknown;
    const person = recordedBody().person;
    nock(BASE)
      .post('/api/v1/people/bulk_match', (b: unknown) => ((body = b), true))
      .reply(200, { status: 'success', matches: [null, person] });
    const p = provider();
    const answers = await p.lookupMany!([{ email: 'nobody@x.io' }, { email: 'tim@apollo.io' }], { signal: AbortSignal.timeout(5_000) });
    expect(body).toStrictEqual({ details: [{ email: 'nobody@x.io' }, { email: 'tim@apollo.io' }] });
    expect(answers[0]).toStrictEqual({ found: false });
    expect(answers[1]).toMatchObject({ found: true, profile: { first_name: 'Tim' } });
    expect(p.batchSize).toBe(10);
  });

  it('when the lookup is empty, then nothing is sent and it fails as bad_request', async () => {
    const err = await caught(provider().lookup({}, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_request');
  });
});

describe('apollo: mapping', () => {
  it('when matched by LinkedIn URL, then confidence is 80', async () => {
    serve(200, recordedBody());
    const result = await hit({ linkedin_url: 'https://www.linkedin.com/in/tim-zheng-677ba010' });
    expect(result.confidence).toBe(80);
  });

  it('when the email is not verified, then confidence is 70', async () => {
    const body = recordedBody();
    body.person['email_status'] = 'extrapolated';
    serve(200, body);
    expect((await hit({ email: 'tim@apollo.io' })).confidence).toBe(70);
  });

  it('when Apollo flags the email unavailable, then the profile has no email', async () => {
    const body = recordedBody();
    body.person['email_status'] = 'unavailable';
    serve(200, body);
    expect((await hit({ email: 'tim@apollo.io' })).profile.email).toBeNull();
  });

  it('when Apollo returns the locked-email placeholder, then the profile has no email', async () => {
    const body = recordedBody();
    body.person['email'] = 'email_not_unlocked@domain.com';
    serve(200, body);
    expect((await hit({ linkedin_url: 'https://www.linkedin.com/in/tim-zheng-677ba010' })).profile.email).toBeNull();
  });

  it('never takes data from `contact` (the team’s own CRM copy, here another name and phones)', async () => {
    serve(200, recordedBody());
    const { profile } = await hit({ email: 'tim@apollo.io' });
    expect(profile.full_name).toBe('Tim Zheng');
    expect(profile.mobile).toBeNull();
    expect(JSON.stringify(profile)).not.toContain('Roy');
  });

  it('reads education rows out of employment_history', async () => {
    const body = recordedBody();
    body.person['employment_history'] = [
      { organization_name: 'Acme', title: 'Engineer', current: true, start_date: '2020-03-01', end_date: null },
      { organization_name: 'MIT', title: null, degree: 'Bachelor of Science', major: 'Computer Science', start_date: '2012-09-01', end_date: '2016-06-01', current: false },
    ];
    serve(200, body);
    const { profile } = await hit({ email: 'tim@apollo.io' });
    expect(profile.experience).toStrictEqual([{ company: 'Acme', title: 'Engineer', start_date: '2020-03', end_date: '', is_current: true }]);
    expect(profile.education).toStrictEqual([{ school: 'MIT', degree: 'Bachelor of Science', field: 'Computer Science', start_year: 2012, end_year: 2016 }]);
  });

  it('when there is no organization, then the current job names the company', async () => {
    const body = recordedBody();
    body.person['organization'] = null;
    serve(200, body);
    const { profile } = await hit({ email: 'tim@apollo.io' });
    expect([profile.company, profile.company_domain, profile.company_size, profile.industry]).toStrictEqual(['Apollo', null, null, null]);
  });

  it('when `person` is missing altogether, then it is not found', async () => {
    serve(200, { request_id: 1 });
    expect(await provider().lookup({ email: 'x@y.co' }, { signal: AbortSignal.timeout(5_000) })).toStrictEqual({ found: false });
  });

  it('departmentLabel strips master_ and names c_suite Executive', () => {
    expect(departmentLabel('master_sales')).toBe('Sales');
    expect(departmentLabel('c_suite')).toBe('Executive');
    expect(departmentLabel(null)).toBeNull();
  });

  it('companySizeBucket uses the PDL ranges', () => {
    expect([1, 10, 11, 50, 51, 200, 201, 500, 501, 1000, 1001, 5000, 5001, 10000, 10001].map(companySizeBucket)).toStrictEqual([
      '1-10', '1-10', '11-50', '11-50', '51-200', '51-200', '201-500', '201-500', '501-1000', '501-1000',
      '1001-5000', '1001-5000', '5001-10000', '5001-10000', '10001+',
    ]);
    expect([0, null, undefined, Number.NaN].map(companySizeBucket)).toStrictEqual([null, null, null, null]);
  });

  it('apolloConfidence grades the match evidence', () => {
    const person = { email: 'Tim@Apollo.io', email_status: 'verified', linkedin_url: 'http://www.linkedin.com/in/tim' };
    expect(apolloConfidence({ email: 'tim@apollo.io' }, person)).toBe(90);
    expect(apolloConfidence({ email: 'other@apollo.io' }, person)).toBe(70);
    expect(apolloConfidence({ linkedin_url: 'https://www.linkedin.com/in/tim' }, person)).toBe(80);
    expect(apolloConfidence({ linkedin_url: 'https://www.linkedin.com/in/someone-else' }, person)).toBe(70);
  });
});

describe('apollo: failures', () => {
  it.each([
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'auth'],
    [422, 'bad_request'],
    [429, 'rate_limited'],
    [500, 'upstream'],
    [502, 'upstream'],
  ])('when Apollo answers %i, then it fails with %s', async (status, code) => {
    serve(status, { error: 'failure' });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe(code);
    expect(err.provider).toBe('apollo');
  });

  it('when a 429 carries retry-after seconds, then retryAtMs is now + those seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-26T10:00:00Z'));
    serve(429, { message: 'slow down' }, { 'retry-after': '30' });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('rate_limited');
    expect(err.retryAtMs).toBe(Date.parse('2026-11-26T10:00:30Z'));
  });

  it('when a 200 body is not JSON, then it fails with bad_response', async () => {
    serve(200, 'upstream proxy error');
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_response');
  });

  it('when a 200 body is not an object, then it fails with bad_response', async () => {
    serve(200, [1, 2, 3]);
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_response');
  });

  it('when Apollo is slower than the signal, then it fails with timeout without waiting for the answer', async () => {
    // why not nock's .delay(): with nock 15 an abort during .delay() leaks an unhandled TimeoutError and trips
    // undici's `assert(!this.aborted)` when the mock socket closes; a slow reply function aborts cleanly.
    // "Without waiting" is stated as an order of events, not a duration: the error arrives while the answer is
    // still pending (a loaded machine can make 50 ms take seconds, but never reorders these two).
    let answered: Promise<void> = Promise.resolve();
    let delivered = false;
    nock(BASE)
      .post(PATH).query(true)
      .reply(() => {
        answered = new Promise((resolve) => setTimeout(() => ((delivered = true), resolve()), 600));
        return answered.then(() => [200, JSON.stringify(recordedBody())] as const);
      });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(50) }));
    expect(err.code).toBe('timeout');
    expect(delivered).toBe(false);
    await answered; // let the mock finish inside this test
  });

  it('when the connection fails, then it fails with network', async () => {
    // why an Error instance: nock 15 never settles a fetch when replyWithError is given a plain object.
    nock(BASE).post(PATH).query(true).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('never puts the API key in an error message, even when Apollo echoes it', async () => {
    serve(401, `Invalid API key ${KEY}`);
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('auth');
    expect(err.message).not.toContain(KEY);
  });
});

describe('apollo: configuration', () => {
  it('when no API key is set, then the provider is not configured and makes no call', async () => {
    const p = createApolloProvider({ baseUrl: BASE });
    expect(p.name).toBe('apollo');
    expect(p.configured).toBe(false);
    const err = await caught(p.lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('not_configured');
  });

  it('when an API key is set, then the provider is configured', () => {
    expect(provider().configured).toBe(true);
  });
});
