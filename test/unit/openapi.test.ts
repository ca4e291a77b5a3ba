// The OpenAPI document: valid OpenAPI 3.1 by a maintained validator, identical to docs/openapi.json, its examples
// valid against its own schemas, and a contract checker that really rejects what does not match.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, renderOpenApiDocument } from '../../src/http/openapi.js';
import { ERRORS, FoundResponse, NotFoundResponse } from '../../src/enrichment/contract.js';
import { seedFound, seedNotFound } from '../../src/http/openapi-examples.js';
import { createContractChecker, type RecordedResponse } from '../helpers/openapi-contract.js';

const doc = buildOpenApiDocument();
type Op = { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> };

describe('the OpenAPI document', () => {
  it('when validated by @seriousme/openapi-schema-validator, then it is valid OpenAPI 3.1', async () => {
    const v = new Validator();
    const result = await v.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(v.version).toBe('3.1');
  });

  it('when a reference is broken, then the validator refuses it (the check above can fail)', async () => {
    const broken = structuredClone(doc) as { components: { schemas: Record<string, unknown> } };
    delete broken.components.schemas.Profile;
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it('when docs/openapi.json is compared with the generated document, then it is the same (else run npm run openapi)', () => {
    const file = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    expect(file, 'docs/openapi.json is stale: run `npm run openapi`').toBe(renderOpenApiDocument());
  });

  it('then it documents every route of the public API with the X-API-Key scheme', () => {
    const paths = doc.paths as Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths).sort()).toEqual(['/healthz', '/openapi.json', '/v1/profile/enrich', '/v1/profile/enrich/bulk']);
    expect(doc.components).toMatchObject({ securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } });
    expect(Object.keys(paths['/v1/profile/enrich']!.post!.responses).sort()).toEqual(['200', '400', '401', '402', '413', '429', '500', '502', '503']);
    expect(Object.keys(paths['/v1/profile/enrich/bulk']!.post!.responses).sort()).toEqual(['200', '400', '401', '413', '429', '500', '503']);
    expect(paths['/v1/profile/enrich']!.post!.security).toEqual([{ ApiKey: [] }]);
    expect(paths['/openapi.json']!.get!.security).toEqual([]);
  });

  it('then the seed examples are what the zod schemas accept (John Doe of Acme, found by PDL; the not-found body)', () => {
    expect(FoundResponse.parse(seedFound)).toEqual(seedFound);
    expect(NotFoundResponse.parse(seedNotFound)).toEqual(seedNotFound);
    expect(seedFound.profile).toMatchObject({ full_name: 'John Doe', title: 'VP of Sales', seniority: 'VP', company: 'Acme Inc', company_size: '51-200' });
  });

  it('then every example in the document matches its response schema and carries a request id', () => {
    const checker = createContractChecker(doc);
    let seen = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, spec] of Object.entries(op.responses)) {
          for (const ex of Object.values(spec.content?.['application/json']?.examples ?? {})) {
            seen++;
            const r: RecordedResponse = {
              method: method.toUpperCase(),
              url: path,
              status: Number(status),
              headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-1', 'retry-after': '7' },
              body: JSON.stringify(ex.value),
            };
            expect(checker.check(r), `${method} ${path} ${status}`).toEqual([]);
          }
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(15);
  });
});

describe('the contract checker', () => {
  const checker = createContractChecker(doc);
  const base: RecordedResponse = {
    method: 'POST',
    url: '/v1/profile/enrich',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'abc' },
    body: JSON.stringify(seedFound),
  };

  it('when a response matches, then it has no complaint', () => {
    expect(checker.check(base)).toEqual([]);
  });

  it('when a body gains a field, loses one, changes a type or a status is undocumented, then it complains', () => {
    expect(checker.check({ ...base, body: JSON.stringify({ ...seedFound, extra: 1 }) })).toHaveLength(1);
    const { latency_ms: _, ...missing } = seedFound;
    expect(checker.check({ ...base, body: JSON.stringify(missing) })).toHaveLength(1);
    expect(checker.check({ ...base, body: JSON.stringify({ ...seedFound, profile: { ...seedFound.profile, seniority: 'Boss' } }) })).toHaveLength(1);
    expect(checker.check({ ...base, status: 418 })[0]).toMatch(/status not documented/);
    expect(checker.check({ ...base, status: 401, body: JSON.stringify({ error: 'Unauthorized', message: 'nope' }) })).toHaveLength(1);
    expect(checker.check({ ...base, status: 401, body: JSON.stringify(ERRORS.unauthorized().body) })).toEqual([]);
  });

  it('when X-Request-Id or a 429 Retry-After is missing, then it complains', () => {
    expect(checker.check({ ...base, headers: { 'content-type': 'application/json' } })[0]).toMatch(/X-Request-Id missing/);
    const limited = { ...base, status: 429, body: JSON.stringify(ERRORS.tooManyRequests().body) };
    expect(checker.check(limited)[0]).toMatch(/Retry-After missing/);
    expect(checker.check({ ...limited, headers: { ...limited.headers, 'retry-after': '3' } })).toEqual([]);
  });

  it('when a route is not in the document (admin, webhooks), then it is left alone', () => {
    expect(checker.check({ ...base, url: '/admin/login', status: 302, body: '' })).toEqual([]);
  });
});
