// People Data Labs provider against recorded PDL shapes (test/fixtures/providers/pdl), served by nock.
import { readdirSync, readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { Profile } from '../../../src/enrichment/contract.js';
import { createPeopleDataLabsProvider, pdlProfileParam } from '../../../src/enrichment/providers/peopledatalabs.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from '../../../src/enrichment/providers/types.js';

const BASE = 'https://api.peopledatalabs.com';
const PATH = '/v5/person/enrich';
const KEY = 'pdl_test_key_1f0c9a7e';
const FIXTURES = new URL('../../fixtures/providers/pdl/', import.meta.url);

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

function provider(extra: { minLikelihood?: number } = {}): Provider {
  return createPeopleDataLabsProvider({ apiKey: KEY, baseUrl: BASE, ...extra });
}

/** Serve one canned answer and remember the request that reached "PDL". */
function serve(status: number, body: unknown, headers: Record<string, string> = {}): { request: () => Request } {
  let seen: Request | undefined;
  nock(BASE)
    .get(PATH)
    .query(true)
    .reply((req: Request) => {
      seen = req;
      return [status, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers }];
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

function record(): Record<string, unknown> {
  const fixture = readJson<ResponseFixture>('full-record.response.json');
  return structuredClone((fixture.body as { data: Record<string, unknown> }).data);
}

/** Every path in a value that holds the boolean `true`. */
function truePaths(value: unknown, path = ''): string[] {
  if (value === true) return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => truePaths(v, path ? `${path}.${k}` : k));
}

afterEach(() => {
  // why: a delayed reply still pending after an abort would otherwise land on an aborted undici request.
  nock.abortPendingRequests();
  nock.cleanAll();
});

describe('peopledatalabs: recorded fixtures', () => {
  it('has fixture pairs', () => {
    expect(pairs).toEqual(expect.arrayContaining(['full-record', 'free-plan', 'not-found', 'unauthorized', 'payment-required', 'rate-limited']));
  });

  it.each(pairs)('when PDL answers %s, then the result equals the expected fixture', async (name) => {
    const fixture = readJson<ResponseFixture>(`${name}.response.json`);
    const expected = readJson<Outcome>(`${name}.expected.json`);
    serve(fixture.status, fixture.body, fixture.headers);
    const result = await outcome(provider(), fixture.lookup);
    expect(result).toStrictEqual(expected);
    if ('found' in result && result.found) expect(Profile.parse(result.profile)).toStrictEqual(result.profile);
  });
});

describe('peopledatalabs: the request', () => {
  it('when looking up an email, then it GETs /v5/person/enrich with the key in X-Api-Key only', async () => {
    const mock = serve(404, { status: 404, error: { type: 'not_found', message: 'No records were found matching your request' } });
    await provider().lookup({ email: 'sean@peopledatalabs.com' }, { signal: AbortSignal.timeout(5_000) });
    const req = mock.request();
    const url = new URL(req.url);
    expect(req.method).toBe('GET');
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}${PATH}`);
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({ email: 'sean@peopledatalabs.com', min_likelihood: '2' });
    expect(req.headers.get('x-api-key')).toBe(KEY);
    expect(req.url).not.toContain(KEY);
    expect(url.searchParams.has('api_key')).toBe(false);
    expect(url.searchParams.has('titlecase')).toBe(false);
  });

  it('when looking up a LinkedIn URL, then `profile` carries the bare linkedin.com/in/<slug> form', async () => {
    const mock = serve(404, {});
    await provider({ minLikelihood: 6 }).lookup({ linkedin_url: 'https://www.linkedin.com/in/seanthorne' }, { signal: AbortSignal.timeout(5_000) });
    const params = Object.fromEntries(new URL(mock.request().url).searchParams);
    expect(params).toStrictEqual({ profile: 'linkedin.com/in/seanthorne', min_likelihood: '6' });
  });

  it('when both identifiers are known, then both are sent', async () => {
    const mock = serve(404, {});
    await provider().lookup({ email: 'a@b.co', linkedin_url: 'https://www.linkedin.com/in/x' }, { signal: AbortSignal.timeout(5_000) });
    const params = new URL(mock.request().url).searchParams;
    expect(params.get('email')).toBe('a@b.co');
    expect(params.get('profile')).toBe('linkedin.com/in/x');
  });

  it('when the lookup is empty, then nothing is sent and it fails as bad_request', async () => {
    const err = await caught(provider().lookup({}, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_request');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('pdlProfileParam strips scheme, www. and a trailing slash', () => {
    expect(pdlProfileParam('https://www.linkedin.com/in/sr49/')).toBe('linkedin.com/in/sr49');
    expect(pdlProfileParam('http://linkedin.com/in/sr49')).toBe('linkedin.com/in/sr49');
  });

  it('rejects a min_likelihood outside 1..10 at construction', () => {
    expect(() => createPeopleDataLabsProvider({ apiKey: KEY, baseUrl: BASE, minLikelihood: 11 })).toThrow(RangeError);
    expect(() => createPeopleDataLabsProvider({ apiKey: KEY, baseUrl: BASE, minLikelihood: 0 })).toThrow(RangeError);
  });
});

describe('peopledatalabs: mapping', () => {
  it('when the plan hides contact data (booleans), then no field is ever `true` and hidden values are null', async () => {
    const fixture = readJson<ResponseFixture>('free-plan.response.json');
    serve(fixture.status, fixture.body);
    const result = await provider().lookup(fixture.lookup, { signal: AbortSignal.timeout(5_000) });
    if (!result.found) throw new Error('expected a hit');
    const p = result.profile;
    expect([p.email, p.personal_email, p.mobile]).toStrictEqual([null, null, null]);
    // The only booleans a profile may hold are the real flags.
    expect(truePaths(p).filter((path) => !/(^recent_job_change|\.is_current)$/.test(path))).toStrictEqual([]);
  });

  it('when location fields are hidden as booleans too, then location, city and region are null', async () => {
    const data = { ...record(), location_name: true, location_locality: true, location_region: false };
    serve(200, { status: 200, likelihood: 8, data });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    if (!result.found) throw new Error('expected a hit');
    expect([result.profile.location, result.profile.city, result.profile.region]).toStrictEqual([null, null, null]);
    expect(result.profile.country).toBe('Canada');
  });

  it('when a work email is licensed, then it is the profile email', async () => {
    serve(200, { status: 200, likelihood: 10, data: { ...record(), work_email: 'sarah@chang-fisher.com' } });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    expect(result.found && result.profile.email).toBe('sarah@chang-fisher.com');
  });

  it('maps job_title_role codes to department labels', async () => {
    serve(200, { status: 200, likelihood: 7, data: { ...record(), job_title_role: 'human_resources' } });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    expect(result.found && result.profile.department).toBe('Human Resources');
  });

  it('when the primary job has no start date, then job_start_date fills it', async () => {
    const data = record();
    const experience = data['experience'] as Record<string, unknown>[];
    data['experience'] = experience.map((e) => (e['is_primary'] === true ? { ...e, start_date: null } : e));
    serve(200, { status: 200, likelihood: 9, data });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    if (!result.found) throw new Error('expected a hit');
    const current = result.profile.experience.filter((e) => e.is_current);
    expect(current).toHaveLength(1);
    expect(current[0]?.start_date).toBe('2019-11-24');
  });

  it('when no entry is primary, then the latest open-ended entry is the current one', async () => {
    const data = record();
    data['experience'] = [
      { company: { name: 'old co' }, title: { name: 'analyst' }, start_date: '2015-01', end_date: '2018-06', is_primary: false },
      { company: { name: 'new co' }, title: { name: 'manager' }, start_date: '2021-03', end_date: null, is_primary: false },
    ];
    serve(200, { status: 200, likelihood: 9, data });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    if (!result.found) throw new Error('expected a hit');
    expect(result.profile.experience.map((e) => [e.start_date, e.end_date, e.is_current])).toStrictEqual([
      ['2015-01', '2018-06', false],
      ['2021-03', '', true],
    ]);
  });

  it('when the experience array is empty, then the top-level job becomes the current entry', async () => {
    serve(200, { status: 200, likelihood: 9, data: { ...record(), experience: [] } });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    if (!result.found) throw new Error('expected a hit');
    expect(result.profile.experience).toHaveLength(1);
    expect(result.profile.experience[0]).toMatchObject({ start_date: '2019-11-24', end_date: '', is_current: true });
  });

  it('confidence is likelihood × 10', async () => {
    serve(200, { status: 200, likelihood: 3, data: record() });
    const result = await provider().lookup({ email: 'sr49@icloud.com' }, { signal: AbortSignal.timeout(5_000) });
    expect(result.found && result.confidence).toBe(30);
  });
});

describe('peopledatalabs: failures', () => {
  it.each([
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'auth'],
    [402, 'quota'],
    [405, 'bad_request'],
    [429, 'rate_limited'],
    [500, 'upstream'],
    [503, 'upstream'],
  ])('when PDL answers %i, then it fails with %s', async (status, code) => {
    serve(status, { status, error: { type: 'x', message: 'failure' } });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe(code);
    expect(err.provider).toBe('peopledatalabs');
  });

  it('when the 429 reset is a UTC timestamp string, then retryAtMs is that instant', async () => {
    serve(429, { status: 429, error: { type: 'rate_limit_error', message: 'slow down' } }, { 'x-ratelimit-reset': '2026-11-26 10:31:00' });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.retryAtMs).toBe(Date.UTC(2026, 10, 26, 10, 31, 0));
  });

  it('when the 429 reset is an ISO timestamp, then retryAtMs is that instant', async () => {
    serve(429, {}, { 'x-ratelimit-reset': '2026-11-26T10:31:00+00:00' });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.retryAtMs).toBe(Date.UTC(2026, 10, 26, 10, 31, 0));
  });

  it('when the 429 reset is epoch seconds, then retryAtMs is those seconds in ms', async () => {
    serve(429, {}, { 'x-ratelimit-reset': '1795689060' });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.retryAtMs).toBe(1_795_689_060_000);
  });

  it('when a 200 has no `data`, then it fails with bad_response', async () => {
    serve(200, { status: 200, likelihood: 9 });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_response');
  });

  it('when a 200 body is not JSON, then it fails with bad_response', async () => {
    serve(200, '<html>gateway hiccup</html>');
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('bad_response');
  });

  it('when PDL is slower than the signal, then it fails with timeout without waiting for the answer', async () => {
    // why not nock's .delay(): with nock 15 an abort during .delay() leaks an unhandled TimeoutError and trips
    // undici's `assert(!this.aborted)` when the mock socket closes; a slow reply function aborts cleanly.
    // "Without waiting" is stated as an order of events, not a duration: the error arrives while the answer is
    // still pending (a loaded machine can make 50 ms take seconds, but never reorders these two).
    let answered: Promise<void> = Promise.resolve();
    let delivered = false;
    nock(BASE)
      .get(PATH).query(true)
      .reply(() => {
        answered = new Promise((resolve) => setTimeout(() => ((delivered = true), resolve()), 600));
        return answered.then(() => [200, JSON.stringify({ status: 200, likelihood: 9, data: record() })] as const);
      });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(50) }));
    expect(err.code).toBe('timeout');
    expect(delivered).toBe(false);
    await answered; // let the mock finish inside this test
  });

  it('when the connection fails, then it fails with network', async () => {
    // why an Error instance: nock 15 never settles a fetch when replyWithError is given a plain object.
    nock(BASE).get(PATH).query(true).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('network');
    expect(err.message).toContain('ECONNRESET');
  });

  it('never puts the API key in an error message, even when PDL echoes it', async () => {
    serve(401, { status: 401, error: { type: 'authentication_error', message: `Invalid API key ${KEY}` } });
    const err = await caught(provider().lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('auth');
    expect(err.message).not.toContain(KEY);
  });
});

describe('peopledatalabs: configuration', () => {
  it('when no API key is set, then the provider is not configured and makes no call', async () => {
    const p = createPeopleDataLabsProvider({ baseUrl: BASE });
    expect(p.name).toBe('peopledatalabs');
    expect(p.configured).toBe(false);
    const err = await caught(p.lookup({ email: 'a@b.co' }, { signal: AbortSignal.timeout(5_000) }));
    expect(err.code).toBe('not_configured');
  });

  it('when an API key is set, then the provider is configured', () => {
    expect(provider().configured).toBe(true);
  });
});
