// POST /v1/profile/enrich through real HTTP on 127.0.0.1: every contract body and code, credits, cache,
// single flight, the provider waterfall, limits.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeAll, afterAll, expect, it } from 'vitest';
import { FoundResponse, NotFoundResponse } from '../../src/enrichment/contract.js';
import { post, startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { openDb, openPg } from '../../src/db/open.js';
import { MEMO_TTL_MS } from '../../src/db/memo.js';
import { sleep } from '../../src/lib/clock.js';

const PDL = 'https://api.peopledatalabs.com';
const APOLLO = 'https://api.apollo.io';
const fixture = (p: string) => JSON.parse(readFileSync(new URL(`../fixtures/providers/${p}`, import.meta.url), 'utf8')) as { status: number; headers?: Record<string, string>; body: unknown };

function ledger(t: TestService) {
  return t.services.db.prepare('SELECT outcome, found, cache_hit, provider, credits, input_kind FROM credit_ledger ORDER BY id').all() as {
    outcome: string;
    found: number;
    cache_hit: number;
    provider: string | null;
    credits: number;
    input_kind: string;
  }[];
}

describeEachBackend('when only the dataset is configured', (backend) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startService({ backend, env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    t.importSample();
    key = t.apiKey();
  });
  afterAll(() => t.close());
  const enrich = (body: unknown, headers: Record<string, string> = {}) => post(`${t.url}/v1/profile/enrich`, body, { 'x-api-key': key, ...headers });

  it('then a known email answers the full profile, charges 3 and records the ledger', async () => {
    const before = ledger(t).length;
    const r = await enrich({ email: '  John.Doe@ACME.com ' });
    expect(r.status).toBe(200);
    expect(FoundResponse.parse(r.body)).toBeTruthy();
    expect(r.body).toMatchObject({ found: true, source_provider: 'dataset', credits_charged: 3, confidence: 100 });
    expect(r.body.profile).toMatchObject({ email: 'john.doe@acme.com', full_name: 'John Doe', seniority: 'VP', country_code: 'US' });
    expect(Number.isInteger(r.body.latency_ms)).toBe(true);
    expect(ledger(t).slice(before)).toEqual([{ outcome: 'found', found: 1, cache_hit: expect.any(Number), provider: 'dataset', credits: 3, input_kind: 'email' }]);
  });

  it('then a second identical request is a cache hit, still charged 3', async () => {
    await enrich({ email: 'john.doe@acme.com' });
    const r = await enrich({ email: 'john.doe@acme.com' });
    expect(r.body).toMatchObject({ found: true, cache_hit: true, credits_charged: 3 });
    const last = ledger(t).at(-1)!;
    expect(last).toMatchObject({ cache_hit: 1, credits: 3, outcome: 'found' });
  });

  it('then every LinkedIn URL variant finds the same person', async () => {
    const variants = [
      'https://www.linkedin.com/in/johndoe',
      'http://linkedin.com/in/johndoe/',
      'HTTPS://WWW.LINKEDIN.COM/IN/JohnDoe',
      'https://de.linkedin.com/in/johndoe?trk=public_profile#about',
      'linkedin.com/in/johndoe',
      'www.linkedin.com/in/johndoe/',
    ];
    for (const v of variants) {
      const r = await enrich({ linkedin_url: v });
      expect(r.status, v).toBe(200);
      expect(r.body.found, v).toBe(true);
      expect(r.body.profile.email, v).toBe('john.doe@acme.com');
    }
  });

  it('then an unknown person answers the exact not-found body and charges nothing', async () => {
    const r = await enrich({ email: 'nobody@nowhere.example' });
    expect(r.status).toBe(200);
    expect(NotFoundResponse.parse(r.body)).toBeTruthy();
    expect(Object.keys(r.body).sort()).toEqual(['cache_hit', 'confidence', 'credits_charged', 'error', 'found', 'latency_ms', 'profile']);
    expect(ledger(t).at(-1)).toMatchObject({ outcome: 'not_found', credits: 0 });
  });

  it.each([
    ['an empty object', {}],
    ['empty strings', { email: '', linkedin_url: '  ' }],
    ['a JSON array', [{ email: 'a@b.co' }]],
    ['a JSON string', '"john.doe@acme.com"'],
    ['not JSON at all', 'email=john.doe@acme.com'],
    ['broken JSON', '{"email": '],
    ['null', 'null'],
  ])('then %s is a 400 with the contract body', async (_label, body) => {
    const r = await enrich(body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'Bad Request', message: 'email or linkedin_url required' });
  });

  it('then other validation failures keep "Bad Request" with a specific message', async () => {
    const wrongType = await enrich({ email: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toEqual({ error: 'Bad Request', message: 'email must be a string' });
    const badEmail = await enrich({ email: 'not-an-email' });
    expect(badEmail.body).toEqual({ error: 'Bad Request', message: 'email is not a valid email address' });
    const badUrl = await enrich({ linkedin_url: 'https://example.com/in/x' });
    expect(badUrl.body).toEqual({ error: 'Bad Request', message: 'linkedin_url is not a LinkedIn profile URL' });
  });

  it('then a body over 16 KB is a 413 JSON error', async () => {
    const r = await enrich({ email: 'john.doe@acme.com', padding: 'x'.repeat(20_000) });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'Payload Too Large' });
  });

  it('then a missing or unknown key is a 401 with the contract body', async () => {
    const missing = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: 'Unauthorized', message: 'Invalid API key' });
    const unknown = await enrich({ email: 'john.doe@acme.com' }, { 'x-api-key': 'gtm_live_doesnotexist' });
    expect(unknown.body).toEqual({ error: 'Unauthorized', message: 'Invalid API key' });
  });

  it('then a revoked key stops working', async () => {
    const acc = t.services.repos.accounts.ensure('revoker');
    const { id, key: k } = t.services.repos.apiKeys.create(acc.id);
    expect((await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': k })).status).toBe(200);
    t.services.repos.apiKeys.revoke(id);
    expect((await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': k })).status).toBe(401);
  });

  // The server keeps recent API key principals and cache entries in memory for MEMO_TTL_MS (1 s). A change
  // committed by another connection (the CLI, a second server) is seen once that time has passed.
  it('then a key revoked, a limit set or a cache entry removed by another process takes effect within the memo window', async () => {
    const acc = t.services.repos.accounts.ensure('elsewhere');
    const { id, key: k } = t.services.repos.apiKeys.create(acc.id);
    const call = () => post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': k });
    const window = () => sleep(MEMO_TTL_MS + 50);
    expect((await call()).status).toBe(200);
    expect((await call()).body).toMatchObject({ cache_hit: true });
    const cli = t.databaseUrl ? openPg(t.databaseUrl, { migrate: false }) : openDb(t.dbPath);
    try {
      cli.prepare('UPDATE accounts SET monthly_credit_limit = 3 WHERE id = ?').run(acc.id);
      await window();
      expect((await call()).status).toBe(402);
      cli.prepare('UPDATE accounts SET monthly_credit_limit = 0 WHERE id = ?').run(acc.id);
      await window();
      expect((await call()).status).toBe(200);
      cli.prepare('DELETE FROM profile_cache').run();
      await window();
      expect((await call()).body).toMatchObject({ found: true, cache_hit: false });
      expect((await call()).body).toMatchObject({ cache_hit: true });
      cli.prepare(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`).run(Date.parse('2026-01-01T00:00:00Z'), id);
      await window();
      expect((await call()).status).toBe(401);
    } finally {
      cli.close();
    }
  });

  it('then unknown routes answer 404 JSON and health and metrics answer', async () => {
    const r = await fetch(`${t.url}/v1/nope`);
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'Not Found' });
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/v1\/profile\/enrich",method="POST",status="200"\}/);
    expect(metrics).toMatch(/credits_charged_total \d+/);
    expect(metrics).toMatch(/enrichment_cache_hits_total [1-9]/);
    expect(metrics).toMatch(/enrichments_total\{provider="dataset",outcome="found"\}/);
  });

  it('when the account is over its monthly limit, then 402 before any lookup, and 0 credits', async () => {
    const acc = t.services.repos.accounts.ensure('limited');
    const k = t.services.repos.apiKeys.create(acc.id).key;
    t.services.repos.accounts.setMonthlyLimit(acc.id, 4);
    const first = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': k });
    expect(first.body.credits_charged).toBe(3);
    const second = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': k });
    expect(second.status).toBe(402);
    expect(second.body).toEqual({ error: 'Payment Required', message: 'credit limit reached' });
    expect(t.services.repos.ledger.creditsThisMonth(acc.id, Date.now())).toBe(3);
  });
});

describeEachBackend('when the rate limit is 3 per minute', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ backend, env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '3' } });
    t.importSample();
  });
  afterAll(() => t.close());

  it('then the 4th request of a key is a 429 with Retry-After, and another key is unaffected', async () => {
    const key = t.apiKey('a');
    const codes = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key });
      codes.push(last.status);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    expect(last!.body).toEqual({ error: 'Too Many Requests', message: 'rate limit exceeded' });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': t.apiKey('b') });
    expect(other.status).toBe(200);
  });
});

describeEachBackend('when no provider is configured', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ backend, env: { ENRICH_PROVIDERS: 'peopledatalabs,apollo' } });
  });
  afterAll(() => t.close());
  it('then 503 with the contract body', async () => {
    const r = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': t.apiKey() });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: 'Service Unavailable', message: 'profile enrichment not configured' });
  });
});

describeEachBackend('when the waterfall is PDL then Apollo', (backend) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startService({
      backend,
      env: { ENRICH_PROVIDERS: 'peopledatalabs,apollo', PDL_API_KEY: 'pdl-test-key', APOLLO_API_KEY: 'apollo-test-key', PROVIDER_TIMEOUT_MS: '300', API_RATE_LIMIT_PER_MINUTE: '0' },
    });
    key = t.apiKey();
  });
  afterAll(() => t.close());
  afterEach(() => {
    nock.cleanAll();
    t.services.repos.cache.clear();
  });
  const enrich = (body: unknown) => post(`${t.url}/v1/profile/enrich`, body, { 'x-api-key': key });

  it('then a PDL hit is normalised, and free-plan booleans never appear as values', async () => {
    const f = fixture('pdl/free-plan.response.json');
    const scope = nock(PDL).get('/v5/person/enrich').query(true).reply(f.status, f.body as object);
    const r = await enrich({ linkedin_url: 'https://www.linkedin.com/in/sr49' });
    expect(scope.isDone()).toBe(true);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ found: true, source_provider: 'peopledatalabs', confidence: 60, credits_charged: 3 });
    const p = r.body.profile;
    expect(FoundResponse.parse(r.body)).toBeTruthy();
    for (const field of ['email', 'personal_email', 'mobile']) expect(p[field], field).toBeNull();
    expect(JSON.stringify(p)).not.toMatch(/:true,"(email|mobile|personal_email)"/);
    expect(p.first_name).toBe('Sarah');
    expect(p.linkedin_url).toBe('https://www.linkedin.com/in/sr49');
  });

  it('then a PDL 500 falls through to Apollo', async () => {
    nock(PDL).get('/v5/person/enrich').query(true).reply(500, { status: 500, error: { type: 'server_error', message: 'boom' } });
    const f = fixture('apollo/person-match.response.json');
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(f.status, f.body as object);
    const r = await enrich({ email: 'someone@example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ found: true, source_provider: 'apollo', credits_charged: 3 });
  });

  it('then a PDL timeout falls through to Apollo', async () => {
    // PDL's late answer is a hit: only a real timeout (300 ms, the answer comes at 600 ms) can make Apollo the
    // source; with a longer timeout PDL would win. A slow reply function, not nock's .delay(): an abort during
    // .delay() trips undici (see providers tests).
    const hit = fixture('pdl/full-record.response.json');
    let answered!: () => void;
    const late = new Promise<void>((ok) => (answered = ok));
    nock(PDL)
      .get('/v5/person/enrich')
      .query(true)
      .reply(() => new Promise((resolve) => setTimeout(() => (resolve([hit.status, JSON.stringify(hit.body)]), answered()), 600)));
    const f = fixture('apollo/person-match.response.json');
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(f.status, f.body as object);
    const r = await enrich({ email: 'someone@example.com' });
    expect(r.body).toMatchObject({ found: true, source_provider: 'apollo' });
    await late;
  });

  it('then every provider failing is a 502 with 0 credits', async () => {
    nock(PDL).get('/v5/person/enrich').query(true).reply(503, 'unavailable');
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(429, { message: 'The maximum number of api calls allowed...' });
    const before = ledger(t).length;
    const r = await enrich({ email: 'someone@example.com' });
    expect(r.status, JSON.stringify(r.body)).toBe(502);
    expect(r.body).toEqual({ error: 'Bad Gateway', message: 'enrichment provider failed' });
    expect(ledger(t).slice(before)).toEqual([expect.objectContaining({ outcome: 'failed', credits: 0 })]);
  });

  it('then a PDL 404 and an Apollo miss answer not found with 0 credits', async () => {
    const nf = fixture('pdl/not-found.response.json');
    nock(PDL).get('/v5/person/enrich').query(true).reply(nf.status, nf.body as object);
    const am = fixture('apollo/no-match.response.json');
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(am.status, am.body as object);
    const r = await enrich({ email: 'someone@example.com' });
    expect(r.body).toMatchObject({ found: false, credits_charged: 0, error: 'Profile not found' });
  });

  it('then 10 concurrent identical requests share one provider call and each is charged', async () => {
    const f = fixture('pdl/full-record.response.json');
    const scope = nock(PDL)
      .get('/v5/person/enrich')
      .query(true)
      .reply(() => new Promise((resolve) => setTimeout(() => resolve([f.status, JSON.stringify(f.body)]), 100)));
    const before = ledger(t).length;
    const all = await Promise.all(Array.from({ length: 10 }, () => enrich({ email: 'shared@example.com' })));
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
    expect(all.every((r) => r.status === 200 && r.body.found === true)).toBe(true);
    const rows = ledger(t).slice(before);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.credits === 3)).toBe(true);
  });

  // Last in this block: PDL stays paused for the rest of this service's life.
  it('when PDL answers 429 with a reset time, then it is skipped until then and Apollo answers meanwhile', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    nock(PDL)
      .get('/v5/person/enrich')
      .query(true)
      .reply(429, { status: 429, error: { type: 'rate_limit_error', message: 'slow down' } }, { 'x-ratelimit-reset': String(reset) });
    const f = fixture('apollo/person-match.response.json');
    nock(APOLLO).post('/api/v1/people/match').query(true).times(2).reply(f.status, f.body as object);
    expect((await enrich({ email: 'first@example.com' })).body).toMatchObject({ found: true, source_provider: 'apollo' });
    const pdlAgain = nock(PDL).get('/v5/person/enrich').query(true).reply(200, {});
    expect((await enrich({ email: 'second@example.com' })).body).toMatchObject({ found: true, source_provider: 'apollo' });
    expect(pdlAgain.isDone()).toBe(false);
  });
});
