// The public contract of POST /v1/profile/enrich (documented in the README, "The API"), as zod schemas.
// Everything that crosses the API edge, the dataset importer and the cache is parsed with these.
import { z } from 'zod';
import { SENIORITY_LEVELS } from '../lib/seniority-levels.js';

export { SENIORITY_LEVELS };
export const Seniority = z.enum(SENIORITY_LEVELS);
export type Seniority = z.infer<typeof Seniority>;

const str = z.string().nullable();

export const Experience = z.object({
  company: z.string(),
  title: z.string(),
  department: z.string().optional(),
  location: z.string().optional(),
  start_date: z.string(),
  end_date: z.string(),
  is_current: z.boolean(),
  description: z.string().optional(),
});
export type Experience = z.infer<typeof Experience>;

export const Education = z.object({
  school: z.string(),
  degree: z.string(),
  field: z.string(),
  start_year: z.number().int().nullable(),
  end_year: z.number().int().nullable(),
});
export type Education = z.infer<typeof Education>;

/** The profile object, every field of the seed, in its types. */
export const Profile = z.object({
  first_name: str,
  last_name: str,
  full_name: str,
  email: str,
  personal_email: str,
  mobile: str,
  linkedin_url: str,
  twitter_url: str,
  profile_picture: str,
  title: str,
  headline: str,
  department: str,
  seniority: Seniority.nullable(),
  company: str,
  company_domain: str,
  company_size: str,
  industry: str,
  location: str,
  city: str,
  region: str,
  country: str,
  country_code: str,
  skills: z.array(z.string()),
  experience: z.array(Experience),
  education: z.array(Education),
  connections: z.number().int().nullable(),
  followers: z.number().int().nullable(),
  recent_job_change: z.boolean(),
  job_change_date: str,
  previous_company: str,
  previous_title: str,
});
export type Profile = z.infer<typeof Profile>;

export const PROFILE_STRING_FIELDS = [
  'first_name', 'last_name', 'full_name', 'email', 'personal_email', 'mobile', 'linkedin_url', 'twitter_url',
  'profile_picture', 'title', 'headline', 'department', 'company', 'company_domain', 'company_size', 'industry',
  'location', 'city', 'region', 'country', 'country_code', 'job_change_date', 'previous_company', 'previous_title',
] as const satisfies readonly (keyof Profile)[];

/** A profile with every field empty: the base that partial inputs are merged onto. */
export function emptyProfile(): Profile {
  const p: Record<string, unknown> = {};
  for (const k of PROFILE_STRING_FIELDS) p[k] = null;
  return {
    ...(p as Pick<Profile, (typeof PROFILE_STRING_FIELDS)[number]>),
    seniority: null,
    skills: [],
    experience: [],
    education: [],
    connections: null,
    followers: null,
    recent_job_change: false,
  };
}

const MAX_INPUT = 512;

/** Request body. Unknown fields are ignored; an empty string counts as absent. */
export const EnrichRequest = z
  .object({
    email: z
      .string()
      .max(MAX_INPUT, 'email is too long')
      .optional()
      .nullable()
      .describe('Email address to look up. Either email or linkedin_url is required.'),
    linkedin_url: z
      .string()
      .max(MAX_INPUT, 'linkedin_url is too long')
      .optional()
      .nullable()
      .describe('LinkedIn profile URL, in any usual form. Either email or linkedin_url is required.'),
  })
  .transform((b) => ({
    email: b.email?.trim() ? b.email.trim() : undefined,
    linkedin_url: b.linkedin_url?.trim() ? b.linkedin_url.trim() : undefined,
  }));
export type EnrichRequest = { email?: string | undefined; linkedin_url?: string | undefined };

// Descriptions as the seed's API reference gives them; they appear in the OpenAPI document.
const latencyMs = z.number().int().nonnegative().describe('Request time in milliseconds');
export const FoundResponse = z.object({
  profile: Profile,
  found: z.literal(true).describe('Whether a profile was found'),
  confidence: z.number().int().min(0).max(100).describe('Confidence score (0-100)'),
  source_provider: z.string().describe('Data provider that returned the result'),
  credits_charged: z.literal(3).describe('Credits charged for this request'),
  cache_hit: z.boolean().describe('Whether result was served from cache'),
  latency_ms: latencyMs,
});
export const NotFoundResponse = z.object({
  profile: z.null(),
  found: z.literal(false),
  confidence: z.literal(0),
  credits_charged: z.literal(0),
  cache_hit: z.literal(false),
  latency_ms: latencyMs,
  error: z.literal('Profile not found'),
});
export type FoundResponse = z.infer<typeof FoundResponse>;
export type NotFoundResponse = z.infer<typeof NotFoundResponse>;
export type EnrichResponse = FoundResponse | NotFoundResponse;

export const CREDITS_PER_FOUND = 3;

/** Body limits: one lookup fits in 16 KB; a bulk request of 100 items gets 256 KB (its route only). */
export const SINGLE_BODY_LIMIT = 16 * 1024;
export const BULK_BODY_LIMIT = 256 * 1024;
export const BULK_MAX_ITEMS = 100;

/** Error bodies, exactly as the contract spells them. */
export const ERRORS = {
  badRequest: (message = 'email or linkedin_url required') => ({ status: 400, body: { error: 'Bad Request', message } }),
  unauthorized: () => ({ status: 401, body: { error: 'Unauthorized', message: 'Invalid API key' } }),
  paymentRequired: () => ({ status: 402, body: { error: 'Payment Required', message: 'credit limit reached' } }),
  notFoundRoute: () => ({ status: 404, body: { error: 'Not Found', message: 'no such route' } }),
  payloadTooLarge: (limitBytes = SINGLE_BODY_LIMIT) => ({
    status: 413,
    body: { error: 'Payload Too Large', message: `request body exceeds ${Math.round(limitBytes / 1024)} KB` },
  }),
  tooManyRequests: () => ({ status: 429, body: { error: 'Too Many Requests', message: 'rate limit exceeded' } }),
  badGateway: () => ({ status: 502, body: { error: 'Bad Gateway', message: 'enrichment provider failed' } }),
  notConfigured: () => ({ status: 503, body: { error: 'Service Unavailable', message: 'profile enrichment not configured' } }),
  storageBusy: () => ({ status: 503, body: { error: 'Service Unavailable', message: 'storage is busy, retry shortly' } }),
  internal: () => ({ status: 500, body: { error: 'Internal Server Error', message: 'unexpected error' } }),
} as const;

// The error bodies as schemas, for the OpenAPI document: one per status, the literal values where the contract
// fixes them.
const errorBody = (error: string, message: z.ZodType<string> = z.string()) => z.object({ error: z.literal(error), message });
export const BadRequestBody = errorBody('Bad Request');
export const UnauthorizedBody = errorBody('Unauthorized', z.literal(ERRORS.unauthorized().body.message));
export const PaymentRequiredBody = errorBody('Payment Required', z.literal(ERRORS.paymentRequired().body.message));
export const PayloadTooLargeBody = (limitBytes: number) => errorBody('Payload Too Large', z.literal(ERRORS.payloadTooLarge(limitBytes).body.message));
export const TooManyRequestsBody = errorBody('Too Many Requests', z.literal(ERRORS.tooManyRequests().body.message));
export const BadGatewayBody = errorBody('Bad Gateway', z.literal(ERRORS.badGateway().body.message));
export const ServiceUnavailableBody = errorBody(
  'Service Unavailable',
  z.enum([ERRORS.notConfigured().body.message, ERRORS.storageBusy().body.message]),
);
export const InternalErrorBody = errorBody('Internal Server Error', z.literal(ERRORS.internal().body.message));

// POST /v1/profile/enrich/bulk. The route checks the envelope first (1-100 items), then each item on its own: an
// invalid item is answered in its slot, it does not spoil the others.
export const BulkEnrichEnvelope = z.object({
  requests: z
    .array(z.unknown(), { error: 'requests must be an array' })
    .min(1, 'requests must hold at least 1 item')
    .max(BULK_MAX_ITEMS, `requests must hold at most ${BULK_MAX_ITEMS} items`),
});
/** The documented request body: the envelope with its items spelled out. */
export const BulkEnrichRequest = BulkEnrichEnvelope.extend({
  requests: z.array(EnrichRequest).min(1).max(BULK_MAX_ITEMS),
});

/** One slot of a bulk answer: the single endpoint's body for that item plus its status. */
export const BulkItemResult = z.union([
  FoundResponse.extend({ status: z.literal(200) }),
  NotFoundResponse.extend({ status: z.literal(200) }),
  BadRequestBody.extend({ status: z.literal(400) }),
  PaymentRequiredBody.extend({ status: z.literal(402) }),
  BadGatewayBody.extend({ status: z.literal(502) }),
]);
export const BulkEnrichResponse = z.object({
  results: z.array(BulkItemResult).describe('One result per item, in request order'),
  credits_charged: z.number().int().nonnegative().describe('Credits charged for the whole request: the sum of the items\' credits'),
});
