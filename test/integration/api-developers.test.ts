// The developer-facing surface through real HTTP: X-Request-Id on every response, the same id in the log line and
// the ledger row; GET /openapi.json without a key.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { post, startService, type TestService } from '../helpers/service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('when a developer calls the API', () => {
  let t: TestService;
  let key: string;
  const logLines: string[] = [];
  beforeAll(async () => {
    t = await startService({ env: { ENRICH_PROVIDERS: 'dataset', API_RATE_LIMIT_PER_MINUTE: '0' }, logLines });
    t.importSample();
    key = t.apiKey();
  });
  afterAll(() => t.close());

  const ledgerIds = () => (t.services.db.prepare('SELECT request_id FROM credit_ledger ORDER BY id').pluck().all() as (string | null)[]);
  const logged = (id: string) =>
    logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.req_id === id && l.msg === 'request');

  it('then a sane X-Request-Id round-trips into the response, the log line and the ledger row', async () => {
    const id = 'client-7f3a.2b:run=9';
    const r = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': key, 'x-request-id': id });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe(id);
    expect(ledgerIds().at(-1)).toBe(id);
    await expect.poll(() => logged(id)).toHaveLength(1);
    expect(logged(id)[0]).toMatchObject({ level: 'info', method: 'POST', route: '/v1/profile/enrich', status: 200 });
    expect(logLines.join('\n')).not.toContain(key);
  });

  it('then without an id, or with one that is not sane, a fresh UUID is generated and used everywhere', async () => {
    const seen = new Set<string>();
    for (const sent of [undefined, 'has spaces in it', 'x'.repeat(129), 'semi;colon', '', key]) {
      const r = await post(`${t.url}/v1/profile/enrich`, { email: 'jane.smith@globex.com' }, { 'x-api-key': key, ...(sent !== undefined ? { 'x-request-id': sent } : {}) });
      const id = r.headers.get('x-request-id')!;
      expect(id, String(sent)).toMatch(UUID);
      expect(ledgerIds().at(-1)).toBe(id);
      await expect.poll(() => logged(id)).toHaveLength(1);
      seen.add(id);
    }
    expect(seen.size).toBe(6);
    expect(logLines.join('\n')).not.toContain(key);
    expect(ledgerIds()).not.toContain(key);
  });

  it('then every kind of answer carries an id: 401, 400, 404, /healthz, /openapi.json, a bulk request', async () => {
    const answers = [
      await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }),
      await post(`${t.url}/v1/profile/enrich`, {}, { 'x-api-key': key }),
      await post(`${t.url}/no/such/route`, {}),
      await fetch(`${t.url}/healthz`),
      await fetch(`${t.url}/openapi.json`),
      await post(`${t.url}/v1/profile/enrich/bulk`, { requests: [{ email: 'john.doe@acme.com' }] }, { 'x-api-key': key }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 400, 404, 200, 200, 200]);
    for (const a of answers) expect(a.headers.get('x-request-id')).toMatch(UUID);
    const logged404 = logLines.map((l) => JSON.parse(l) as { route?: string; status?: number }).filter((l) => l.status === 404);
    expect(logged404.at(-1)).toMatchObject({ route: 'unmatched' });
  });

  it('then GET /openapi.json needs no key and serves the valid OpenAPI 3.1 document naming PUBLIC_URL', async () => {
    const r = await fetch(`${t.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await r.json()) as Record<string, unknown>;
    expect(doc).toEqual(buildOpenApiDocument({ serverUrl: 'https://crm-enrich.test' }));
    const result = await new Validator().validate(doc);
    expect(result.valid).toBe(true);
  });
});
