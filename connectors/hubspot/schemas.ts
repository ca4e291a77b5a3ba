// Zod schemas for what HubSpot sends us: token responses (as the SDK maps them), access-token info, error
// bodies and webhook events. All objects are loose: HubSpot adds fields over time and that must not break us.
import { z } from 'zod';

/** `tokensApi.create` result (the SDK camel-cases the v1 token response; docs/hubspot.md §1.2). */
export const TokenResponse = z.looseObject({
  accessToken: z.string().min(1),
  // A refresh response may omit it; the caller then keeps the old one.
  refreshToken: z.string().min(1).optional(),
  expiresIn: z.number().positive(),
  tokenType: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** `accessTokensApi.get(token)` result: the portal a token belongs to (docs/hubspot.md §1.4). */
export const AccessTokenInfo = z.looseObject({
  hubId: z.number().int().positive(),
  userId: z.number().int().optional(),
  user: z.string().optional(),
  hubDomain: z.string().optional(),
  appId: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});
export type AccessTokenInfo = z.infer<typeof AccessTokenInfo>;

/**
 * Error bodies. CRM APIs answer `{status:'error', message, category, correlationId, ...}`, rate limits add
 * `policyName`/`errorType`, and the v1 OAuth endpoints answer `{status:'BAD_REFRESH_TOKEN', error:'invalid_grant', ...}`.
 */
export const ErrorBody = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  correlationId: z.string().optional(),
  policyName: z.string().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One entry of a batch response's `errors[]` (207 Multi-Status). */
export const BatchError = z.looseObject({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});
export type BatchError = z.infer<typeof BatchError>;

// Webhook payloads carry JSON numbers, but a numeric string is accepted too: it costs nothing and a proxy or a
// future payload version that stringifies ids must not make us drop events.
const Int = z.union([z.number().int(), z.string().regex(/^-?\d{1,18}$/).transform(Number)]);
/** HubSpot ids (portal, object) are positive integers that fit a double exactly. */
const Id = z.union([z.number(), z.string().regex(/^\d{1,16}$/).transform(Number)]).pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
const Text = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** One webhook event (docs/hubspot.md §2.2). Old docs name the type `eventType`, real payloads `subscriptionType`. */
export const WebhookEventInput = z
  .looseObject({
    eventId: z.union([z.number(), z.string().min(1)]),
    subscriptionType: z.string().min(1).optional(),
    eventType: z.string().min(1).optional(),
    portalId: Id,
    objectId: Id,
    occurredAt: Int,
    attemptNumber: Int.optional(),
    propertyName: z.string().optional(),
    propertyValue: Text.optional(),
    changeSource: z.string().optional(),
    sourceId: z.string().optional(),
    appId: Int.optional(),
    objectTypeId: z.string().max(40).optional(),
  })
  .refine((e) => e.subscriptionType !== undefined || e.eventType !== undefined, {
    message: 'subscriptionType (or eventType) is required',
    path: ['subscriptionType'],
  });
