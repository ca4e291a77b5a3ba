// The OpenAPI 3.1 document of the public API, generated from the zod schemas that validate the requests and
// describe the responses (contract.ts) with zod's own JSON Schema output: the document cannot say one thing while
// the code checks another. Paths, statuses and headers are assembled here; every schema comes from zod.
// `npm run openapi` writes it to docs/openapi.json; GET /openapi.json serves it.
import { z } from 'zod';
import {
  BULK_BODY_LIMIT, BULK_MAX_ITEMS, BadGatewayBody, BadRequestBody, BulkEnrichRequest, BulkEnrichResponse, BulkItemResult,
  CREDITS_PER_FOUND, ERRORS, Education, EnrichRequest, Experience, FoundResponse, InternalErrorBody, NotFoundResponse,
  PayloadTooLargeBody, PaymentRequiredBody, Profile, SINGLE_BODY_LIMIT, ServiceUnavailableBody, TooManyRequestsBody,
  UnauthorizedBody,
} from '../enrichment/contract.js';
import { BULK_PATH, ENRICH_PATH } from './enrich.routes.js';
import { seedBulkRequest, seedBulkResponse, seedFound, seedNotFound, seedRequest } from './openapi-examples.js';

export const OPENAPI_PATH = '/openapi.json';
const VERSION = '1.0.0';

type Json = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Every named schema, by the direction it travels: requests are described as clients may send them (input). */
const INPUT_SCHEMAS = { EnrichRequest, BulkEnrichRequest } as const;
const OUTPUT_SCHEMAS = {
  Profile, Experience, Education, FoundResponse, NotFoundResponse, BulkItemResult, BulkEnrichResponse,
  BadRequestError: BadRequestBody, UnauthorizedError: UnauthorizedBody, PaymentRequiredError: PaymentRequiredBody,
  PayloadTooLargeError: PayloadTooLargeBody(SINGLE_BODY_LIMIT), BulkPayloadTooLargeError: PayloadTooLargeBody(BULK_BODY_LIMIT),
  TooManyRequestsError: TooManyRequestsBody, BadGatewayError: BadGatewayBody, ServiceUnavailableError: ServiceUnavailableBody,
  InternalServerError: InternalErrorBody, Health: z.object({ status: z.enum(['ok', 'unavailable']) }),
} as const;

function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'throw' }) as {
    schemas: Record<string, Json>;
  };
  // Each entry is a component of one document, not a standalone schema resource.
  for (const s of Object.values(out)) {
    delete s.$schema;
    delete s.$id;
  }
  return out;
}

const json = (schema: Json, examples?: Record<string, { summary: string; value: unknown }>) => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});
const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
const retryAfterHeader = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } };
const response = (description: string, schema: Json, extra: { examples?: Record<string, { summary: string; value: unknown }>; retryAfter?: boolean } = {}) => ({
  description,
  headers: { ...requestIdHeader, ...(extra.retryAfter ? retryAfterHeader : {}) },
  content: json(schema, extra.examples),
});
const example = (summary: string, value: unknown) => ({ summary, value });

/** The answers both enrichment routes share (auth, limits, availability, our own failures). */
function commonErrors(tooLarge: string, limitBytes: number) {
  return {
    '400': response('The body is not JSON or not a valid request; `message` says what is wrong.', ref('BadRequestError'), {
      examples: { missing: example('Neither field given', ERRORS.badRequest().body) },
    }),
    '401': response('Missing or unknown API key.', ref('UnauthorizedError'), { examples: { unauthorized: example('Invalid API key', ERRORS.unauthorized().body) } }),
    '413': response(`The body is larger than ${Math.round(limitBytes / 1024)} KB.`, ref(tooLarge)),
    '429': response('The key used up its requests for now (`API_RATE_LIMIT_PER_MINUTE`); retry after `Retry-After` seconds.', ref('TooManyRequestsError'), {
      retryAfter: true,
      examples: { limited: example('Rate limit exceeded', ERRORS.tooManyRequests().body) },
    }),
    '500': response('A bug of ours (never a client mistake); the request id is in our log line.', ref('InternalServerError')),
    '503': response(
      'No provider is configured (`profile enrichment not configured`), or storage stayed locked (`storage is busy, retry shortly`, with `Retry-After`).',
      ref('ServiceUnavailableError'),
      { examples: { notConfigured: example('No provider configured', ERRORS.notConfigured().body), busy: example('Storage busy', ERRORS.storageBusy().body) } },
    ),
  };
}

export interface OpenApiOptions {
  /** The base URL to name in `servers` (the running service's PUBLIC_URL); the repository copy names none. */
  serverUrl?: string | undefined;
}

export function buildOpenApiDocument(opts: OpenApiOptions = {}): Json {
  const schemas = { ...componentSchemas(INPUT_SCHEMAS, 'input'), ...componentSchemas(OUTPUT_SCHEMAS, 'output') };
  const apiKey = [{ ApiKey: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'crm-enrich profile enrichment API',
      version: VERSION,
      description:
        `Enrich a contact from an email address or a LinkedIn URL. A found profile costs ${CREDITS_PER_FOUND} credits (cache hits ` +
        'included); not found and failures cost 0. Every request is written to the account\'s credit ledger with its X-Request-Id.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    paths: {
      [ENRICH_PATH]: {
        post: {
          operationId: 'enrichProfile',
          summary: 'Enrich one contact',
          security: apiKey,
          requestBody: {
            required: true,
            description: 'At least one of `email` and `linkedin_url` (an empty string counts as absent).',
            content: json(ref('EnrichRequest'), { email: example('By email', seedRequest) }),
          },
          responses: {
            '200': response('Found (3 credits) or not found (0 credits).', { oneOf: [ref('FoundResponse'), ref('NotFoundResponse')] }, {
              examples: { found: example('Found', seedFound), notFound: example('Not found', seedNotFound) },
            }),
            '402': response('The account reached its monthly credit limit.', ref('PaymentRequiredError'), {
              examples: { limit: example('Credit limit reached', ERRORS.paymentRequired().body) },
            }),
            '502': response('Every provider failed; nothing charged.', ref('BadGatewayError'), {
              examples: { failed: example('Providers failed', ERRORS.badGateway().body) },
            }),
            ...commonErrors('PayloadTooLargeError', SINGLE_BODY_LIMIT),
          },
        },
      },
      [BULK_PATH]: {
        post: {
          operationId: 'enrichProfiles',
          summary: `Enrich 1 to ${BULK_MAX_ITEMS} contacts in one request`,
          description:
            'Each result is, in request order, exactly the body the single endpoint would answer for that item plus its `status` ' +
            '(200 found or not found, 400 invalid item, 402 credit limit reached at that item, 502 every provider failed). ' +
            'Same cache, ledger rows and credits as single requests; the rate limit counts one request per item.',
          security: apiKey,
          requestBody: { required: true, content: json(ref('BulkEnrichRequest'), { mixed: example('Three items', seedBulkRequest) }) },
          responses: {
            '200': response('One result per item, in order; `credits_charged` is their sum.', ref('BulkEnrichResponse'), {
              examples: { mixed: example('Found, not found, invalid', seedBulkResponse) },
            }),
            ...commonErrors('BulkPayloadTooLargeError', BULK_BODY_LIMIT),
          },
        },
      },
      [OPENAPI_PATH]: {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: { '200': response('The OpenAPI 3.1 document.', { type: 'object' }) },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness: the service and its database answer',
          security: [],
          responses: {
            '200': response('Healthy.', ref('Health'), { examples: { ok: example('Healthy', { status: 'ok' }) } }),
            '503': response('The database does not answer.', ref('Health')),
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A key from `npx crm-enrich api-keys create --account <name>` (`gtm_live_…`).' },
      },
      headers: {
        RequestId: {
          description: 'The request id: the client\'s own X-Request-Id when it sent a sane one (1-128 of A-Z a-z 0-9 . _ : = + / @ -, not an API key), else a generated UUID. Also in our log line and the ledger row.',
          required: true,
          schema: { type: 'string', minLength: 1, maxLength: 128 },
        },
        RetryAfter: { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
      },
    },
  };
}

/** The document as docs/openapi.json holds it: two-space indent and a final newline. */
export function renderOpenApiDocument(opts: OpenApiOptions = {}): string {
  return `${JSON.stringify(buildOpenApiDocument(opts), null, 2)}\n`;
}
