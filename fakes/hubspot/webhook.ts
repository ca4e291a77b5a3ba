// Webhook delivery helpers (docs/hubspot.md §2): v3 signature, a signed POST of an event batch, realistic events.
import { createHash, createHmac, randomInt } from 'node:crypto';

/** Percent-encodings HubSpot decodes in the URI before hashing (docs/hubspot.md §2.4); all others stay encoded. */
const DECODE: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function decodeSignatureUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()] ?? m);
}

/** X-HubSpot-Signature-v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)). */
export function signWebhookV3(opts: { clientSecret: string; method: string; url: string; body: string; timestamp: number }): string {
  const source = `${opts.method}${decodeSignatureUri(opts.url)}${opts.body}${opts.timestamp}`;
  return createHmac('sha256', opts.clientSecret).update(source, 'utf8').digest('base64');
}

/** Legacy X-HubSpot-Signature (v1): hex SHA-256 of clientSecret + body. */
export function signWebhookV1(clientSecret: string, body: string): string {
  return createHash('sha256').update(clientSecret + body, 'utf8').digest('hex');
}

export type WebhookTamper =
  /** signature header altered */
  | 'signature'
  /** body changed after signing */
  | 'body'
  /** timestamp header differs from the signed one */
  | 'timestamp'
  /** correctly signed, but the timestamp is 6 minutes old */
  | 'stale'
  /** X-HubSpot-Signature-v3 header omitted */
  | 'missing-signature';

export interface SendWebhookOptions {
  clientSecret: string;
  /** Epoch ms for X-HubSpot-Request-Timestamp; default now. */
  timestamp?: number;
  tamper?: WebhookTamper;
  /** The URL HubSpot believes it called (e.g. PUBLIC_URL + path); signed instead of targetUrl when set. */
  signedUrl?: string;
  /** Value of X-HubSpot-Signature-Version; default 'v3' (see report: real CRM subscriptions may send 'v1'). */
  signatureVersion?: string;
  /** Exact body to send instead of JSON.stringify(events). */
  rawBody?: string;
}

/** POSTs a JSON array of events with HubSpot's signature headers. */
export async function sendWebhook(targetUrl: string, events: object[], opts: SendWebhookOptions): Promise<Response> {
  const body = opts.rawBody ?? JSON.stringify(events);
  const timestamp = opts.tamper === 'stale' ? Date.now() - 6 * 60_000 : (opts.timestamp ?? Date.now());
  const signature = signWebhookV3({
    clientSecret: opts.clientSecret,
    method: 'POST',
    url: opts.signedUrl ?? targetUrl,
    body,
    timestamp,
  });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
    'X-HubSpot-Signature': signWebhookV1(opts.clientSecret, body),
    'X-HubSpot-Signature-Version': opts.signatureVersion ?? 'v3',
    'X-HubSpot-Signature-v3': signature,
    'X-HubSpot-Request-Timestamp': String(opts.tamper === 'timestamp' ? timestamp + 1 : timestamp),
  };
  if (opts.tamper === 'signature') {
    const first = signature[0] === 'A' ? 'B' : 'A';
    headers['X-HubSpot-Signature-v3'] = first + signature.slice(1);
  }
  if (opts.tamper === 'missing-signature') delete headers['X-HubSpot-Signature-v3'];
  const sent = opts.tamper === 'body' ? body.replace(/}\s*]\s*$/, ',"tampered":true}]') : body;
  return fetch(targetUrl, { method: 'POST', headers, body: sent });
}

export const DEFAULT_APP_ID = 1_234_567;

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeFlag?: string;
  changeSource: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
  [extra: string]: unknown;
}

export function contactCreationEvent(portalId: number, objectId: number | string, overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    eventId: randomInt(1, 2 ** 31),
    subscriptionId: 2_410_001,
    portalId,
    appId: DEFAULT_APP_ID,
    occurredAt: Date.now(),
    subscriptionType: 'contact.creation',
    attemptNumber: 0,
    objectId: Number(objectId),
    changeFlag: 'NEW',
    changeSource: 'CRM',
    ...overrides,
  };
}

export function contactPropertyChangeEvent(
  portalId: number,
  objectId: number | string,
  propertyName: string,
  propertyValue: string,
  overrides: Partial<WebhookEvent> = {},
): WebhookEvent {
  return {
    eventId: randomInt(1, 2 ** 31),
    subscriptionId: 2_410_002,
    portalId,
    appId: DEFAULT_APP_ID,
    occurredAt: Date.now(),
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: Number(objectId),
    propertyName,
    propertyValue,
    changeSource: 'CRM',
    ...overrides,
  };
}
