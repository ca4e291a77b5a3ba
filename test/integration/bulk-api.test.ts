// POST /v1/profile/enrich/bulk through real HTTP on 127.0.0.1: 100 mixed items answered in order with the single
// endpoint's bodies, exact credits and one ledger row per valid item; the envelope's limits; the rate limit
// counting items; 502 items from a provider that fails; 503 when nothing is configured.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoundResponse } from '../../src/enrichment/contract.js';
import { post, startService, type TestService } from '../helpers/service.js';

const BULK = '/v1/profile/enrich/bulk';
const sampleEmails = readFileSync(new URL('../../config/sample-profiles.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { email: string }).email);

type Row = { outcome: string; credits: number; cache_hit: number; request_id: string | null };
const ledger = (t: TestService, since = 0) =>
  t.services.db.prepare('SELECT outcome, credits, cache_hit, request_id FROM credit_ledger WHERE id > ? ORDER BY id').all(since) as Row[];
const lastLedgerId = (t: TestService) => (t.services.db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM credit_ledger').get() as { n: number }).n;

const NOT_FOUND = { status: 200, profile: null, found: false, confidence: 0, credits_charged: 0, cache_hit: false, error: 'Profile not found' };
const PAYMENT = { status: 402, error: 'Payment Required', message: 'credit limit reached' };
const INVALID: [unknown, string][] = [
  [{}, 'email or linkedin_url required'],
  [{ email: 'not-an-email' }, 'email is not a valid email address'],
  [{ email: 5 }, 'email must be a string'],
  ['just a string', 'email or linkedin_url required'],
  [{ linkedin_url: 'https://example.com/in/someone' }, 'linkedin_url is not a LinkedIn profile URL'],
  [null, 'email or linkedin_url required'],
  [{ email: '   ' }, 'email or linkedin_url required'],
];

describe('when only the dataset is configured', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' } });
    t.importSample();
  });
  afterAll(() => t.close());

  it('then 100 mixed items (found, cache hits, not found, invalid, over the limit) are answered in order with exact credits and one ledger row per valid item', async () => {
    const LIMIT = 3 * 40;
    const account = t.services.repos.accounts.ensure('bulk-limited');
    t.services.repos.accounts.setMonthlyLimit(account.id, LIMIT);
    const key = t.services.repos.apiKeys.create(account.id).key;
    // Six people are already cached (enriched by another account): their items are cache hits, charged all the same.
    for (const email of sampleEmails.slice(0, 6)) expect((await post(`${t.url}/v1/profile/enrich`, { email }, { 'x-api-key': t.apiKey('warm') })).status).toBe(200);

    // Found people, unknown people and invalid items, mixed. Each valid item counts 3 credits against the limit
    // from the moment it is checked (a lookup in flight may still be charged), so the limit is reached at the
    // 41st valid item and every valid item after it is refused; not-found items end up costing nothing.
    const items: unknown[] = [];
    const expected: Record<string, unknown>[] = [];
    let counted = 0;
    let found = 0;
    let invalid = 0;
    for (let i = 0; i < 100; i++) {
      const kind = i % 10 < 6 ? 'found' : i % 10 < 8 ? 'missing' : i % 10 === 8 ? 'invalid' : 'found';
      if (kind === 'invalid') {
        const [item, message] = INVALID[invalid++ % INVALID.length]!;
        items.push(item);
        expected.push({ status: 400, error: 'Bad Request', message });
        continue;
      }
      const email = kind === 'found' ? sampleEmails[found++ % 30]! : `ghost${i}@nowhere.example`;
      items.push({ email: i % 3 === 0 ? `  ${email.toUpperCase()} ` : email });
      if (counted + 3 > LIMIT) expected.push(PAYMENT);
      else {
        counted += 3;
        expected.push(kind === 'found' ? { status: 200, found: true, credits_charged: 3, profile: expect.objectContaining({ email }) } : NOT_FOUND);
      }
    }
    const charged = 3 * expected.filter((e) => e.found === true).length;
    const before = lastLedgerId(t);
    const r = await post(`${t.url}${BULK}`, { requests: items }, { 'x-api-key': key, 'x-request-id': 'bulk-mixed-1' });

    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('bulk-mixed-1');
    expect(Object.keys(r.body)).toEqual(['results', 'credits_charged']);
    expect(r.body.results).toHaveLength(100);
    r.body.results.forEach((res: Record<string, unknown>, i: number) => expect(res, `item ${i}`).toMatchObject(expected[i]!));
    expect(r.body.credits_charged).toBe(charged);
    // Each slot is exactly the single endpoint's body plus its status.
    for (const res of r.body.results.filter((x: { status: number; found?: boolean }) => x.status === 200 && x.found)) {
      const { status: _, ...body } = res;
      expect(FoundResponse.parse(body)).toEqual(body);
    }
    for (const res of r.body.results.filter((x: { status: number }) => x.status !== 200)) expect(Object.keys(res).sort()).toEqual(['error', 'message', 'status']);
    const statuses = (s: number) => expected.filter((e) => e.status === s).length;
    expect(statuses(400)).toBe(10);
    expect(statuses(402)).toBeGreaterThan(10);
    expect(expected.filter((e) => e === NOT_FOUND).length).toBeGreaterThan(5);

    const rows = ledger(t, before);
    expect(rows).toHaveLength(100 - 10);
    expect(rows.every((row) => row.request_id === 'bulk-mixed-1')).toBe(true);
    const count = (o: string) => rows.filter((row) => row.outcome === o).length;
    expect({ found: count('found'), not_found: count('not_found'), rejected: count('rejected') }).toEqual({
      found: charged / 3,
      not_found: expected.filter((e) => e === NOT_FOUND).length,
      rejected: statuses(402),
    });
    expect(rows.reduce((a, row) => a + row.credits, 0)).toBe(charged);
    expect(rows.filter((row) => row.cache_hit === 1).length).toBeGreaterThan(0);
  });

  it('then without a limit 100 items (duplicates included) are all answered and charged like 100 single requests', async () => {
    const key = t.apiKey('bulk-unlimited');
    const emails = Array.from({ length: 100 }, (_, i) => sampleEmails[i % sampleEmails.length]!);
    const before = lastLedgerId(t);
    const r = await post(`${t.url}${BULK}`, { requests: emails.map((email) => ({ email })) }, { 'x-api-key': key });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { profile: { email: string } }) => x.profile.email)).toEqual(emails);
    expect(r.body.credits_charged).toBe(300);
    const rows = ledger(t, before);
    expect(rows).toHaveLength(100);
    expect(rows.every((row) => row.outcome === 'found' && row.credits === 3)).toBe(true);
  });

  it('then a limit that exactly covers the items lets every one through, and the next item is a 402', async () => {
    const account = t.services.repos.accounts.ensure('bulk-exact');
    t.services.repos.accounts.setMonthlyLimit(account.id, 15);
    const key = t.services.repos.apiKeys.create(account.id).key;
    const emails = sampleEmails.slice(20, 25);
    const r = await post(`${t.url}${BULK}`, { requests: emails.map((email) => ({ email })) }, { 'x-api-key': key });
    expect(r.body.results.map((x: { status: number; found: boolean }) => [x.status, x.found])).toEqual(emails.map(() => [200, true]));
    expect(r.body.credits_charged).toBe(15);
    const next = await post(`${t.url}${BULK}`, { requests: [{ email: sampleEmails[0] }] }, { 'x-api-key': key });
    expect(next.body).toEqual({ results: [PAYMENT], credits_charged: 0 });
  });

  it('then a body of 1 to 100 items up to 256 KB is accepted, and 0 items, 101 items, no array or > 256 KB is refused', async () => {
    const key = t.apiKey('bulk-envelope');
    const bulk = (body: unknown) => post(`${t.url}${BULK}`, body, { 'x-api-key': key });
    const before = lastLedgerId(t);
    expect((await bulk({ requests: [] })).body).toEqual({ error: 'Bad Request', message: 'requests must hold at least 1 item' });
    const many = await bulk({ requests: Array.from({ length: 101 }, () => ({ email: 'john.doe@acme.com' })) });
    expect([many.status, many.body]).toEqual([400, { error: 'Bad Request', message: 'requests must hold at most 100 items' }]);
    for (const body of [{}, { requests: { email: 'john.doe@acme.com' } }, [{ email: 'john.doe@acme.com' }], 'null', '']) {
      const r = await bulk(body);
      expect([r.status, r.body], JSON.stringify(body)).toEqual([400, { error: 'Bad Request', message: 'requests must be an array' }]);
    }
    const notJson = await bulk('{"requests": [');
    expect([notJson.status, notJson.body]).toEqual([400, { error: 'Bad Request', message: 'request body is not valid JSON' }]);
    expect(ledger(t, before)).toEqual([]);

    // 100 items padded to ~200 KB: over the single endpoint's 16 KB, within the bulk route's 256 KB.
    const pad = 'x'.repeat(1900);
    const big = await bulk({ requests: Array.from({ length: 100 }, () => ({ email: 'john.doe@acme.com', note: pad })) });
    expect(big.status).toBe(200);
    expect(big.body.credits_charged).toBe(300);
    const tooBig = await bulk({ requests: [{ email: 'john.doe@acme.com', note: 'x'.repeat(257 * 1024) }] });
    expect([tooBig.status, tooBig.body]).toEqual([413, { error: 'Payload Too Large', message: 'request body exceeds 256 KB' }]);
    const single = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com', note: 'x'.repeat(17 * 1024) }, { 'x-api-key': key });
    expect([single.status, single.body]).toEqual([413, { error: 'Payload Too Large', message: 'request body exceeds 16 KB' }]);
  });

  it('then a missing or unknown key is a 401 before the body is read', async () => {
    const r = await post(`${t.url}${BULK}`, { requests: [{ email: 'john.doe@acme.com' }] }, { 'x-api-key': 'gtm_live_nope' });
    expect([r.status, r.body]).toEqual([401, { error: 'Unauthorized', message: 'Invalid API key' }]);
    expect((await post(`${t.url}${BULK}`, '{broken')).status).toBe(401);
  });
});

describe('when the rate limit is 10 per minute', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '10' } });
    t.importSample();
  });
  afterAll(() => t.close());

  it('then a bulk request takes one token per item: 8 items pass, 5 more are a 429 with Retry-After, a single request still passes', async () => {
    const key = t.apiKey();
    const items = (n: number) => ({ requests: Array.from({ length: n }, () => ({ email: 'john.doe@acme.com' })) });
    const before = lastLedgerId(t);
    const first = await post(`${t.url}${BULK}`, items(8), { 'x-api-key': key });
    expect(first.status).toBe(200);
    const second = await post(`${t.url}${BULK}`, items(5), { 'x-api-key': key });
    expect([second.status, second.body]).toEqual([429, { error: 'Too Many Requests', message: 'rate limit exceeded' }]);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ledger(t, before)).toHaveLength(8);
    const single = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key });
    expect(single.status).toBe(200);
  });

  it('then a bulk larger than the whole bucket passes once the bucket is full and leaves the key waiting', async () => {
    const key = t.apiKey('big-bulk');
    const r = await post(`${t.url}${BULK}`, { requests: Array.from({ length: 12 }, () => ({ email: 'john.doe@acme.com' })) }, { 'x-api-key': key });
    expect(r.status).toBe(200);
    const next = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key });
    expect(next.status).toBe(429);
  });
});

describe('when the only provider fails on every call', () => {
  let t: TestService;
  let failing: Server;
  let calls = 0;
  beforeAll(async () => {
    // A stand-in PDL that answers 500 to anything (single or bulk endpoint alike).
    failing = createServer((_req, res) => {
      calls++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":500,"error":{"type":"server_error"}}');
    });
    await new Promise<void>((ok) => failing.listen(0, '127.0.0.1', ok));
    const port = (failing.address() as { port: number }).port;
    t = await startService({
      env: { ENRICH_PROVIDERS: 'peopledatalabs', PDL_API_KEY: 'pdl-test-key', PDL_BASE_URL: `http://127.0.0.1:${port}`, API_RATE_LIMIT_PER_MINUTE: '0' },
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((ok) => failing.close(ok));
  });

  it('then each valid item is a 502 with the single endpoint body and 0 credits, and an invalid one is still a 400', async () => {
    const before = lastLedgerId(t);
    const r = await post(`${t.url}${BULK}`, { requests: [{ email: 'a@example.com' }, { email: 'nope' }, { linkedin_url: 'https://www.linkedin.com/in/b' }] }, { 'x-api-key': t.apiKey() });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      results: [
        { status: 502, error: 'Bad Gateway', message: 'enrichment provider failed' },
        { status: 400, error: 'Bad Request', message: 'email is not a valid email address' },
        { status: 502, error: 'Bad Gateway', message: 'enrichment provider failed' },
      ],
      credits_charged: 0,
    });
    expect(calls).toBeGreaterThan(0);
    expect(ledger(t, before).map((row) => [row.outcome, row.credits])).toEqual([['failed', 0], ['failed', 0]]);
  });
});

describe('when no provider is configured', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'peopledatalabs,apollo' } });
  });
  afterAll(() => t.close());
  it('then the whole bulk request is a 503 with the contract body', async () => {
    const r = await post(`${t.url}${BULK}`, { requests: [{ email: 'john.doe@acme.com' }] }, { 'x-api-key': t.apiKey() });
    expect([r.status, r.body]).toEqual([503, { error: 'Service Unavailable', message: 'profile enrichment not configured' }]);
  });
});
