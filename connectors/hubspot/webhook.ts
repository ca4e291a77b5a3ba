// HubSpot webhook intake helpers: v3 signature check, batch parsing, dedupe key (hubspot.md §2). No SDK here:
// the SDK's Signature.isValid defaults to v1, throws on stale v3 timestamps, accepts future ones, compares with
// `===` and does not decode the URI (§2.5), so the ~20 lines are our own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundChannel, InboundRecord } from '../types.js';
import { WebhookEventInput } from './schemas.js';

export const SIGNATURE_MAX_AGE_MS = 5 * 60_000;
export const MAX_EVENTS_PER_BATCH = 1000;

export interface HubSpotWebhookEvent {
  eventId: number | string;
  subscriptionType: string;
  portalId: number;
  objectId: number;
  occurredAt: number;
  attemptNumber?: number;
  propertyName?: string;
  propertyValue?: string;
  changeSource?: string;
  sourceId?: string;
  appId?: number;
  /** Generic `object.*` subscriptions name the object type: '0-1' is contacts. */
  objectTypeId?: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

// Only these escapes are decoded before hashing (hubspot.md §2.4); every other one (%20, %26, %3D...) stays as sent.
const DECODED: Record<string, string> = {
  '3A': ':', '2F': '/', '3F': '?', '40': '@', '21': '!', '24': '$', '27': "'", '28': '(', '29': ')', '2A': '*', '2C': ',', '3B': ';',
};

export function signatureUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m, hex: string) => DECODED[hex.toUpperCase()] ?? m);
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * X-HubSpot-Signature-v3 = base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)).
 * `url` must be the URL HubSpot called (public scheme + host + path + query), not the one a proxy forwarded.
 */
export function verifySignatureV3(p: {
  clientSecret: string;
  method: string;
  url: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
  maxAgeMs?: number;
}): Verdict {
  const maxAge = p.maxAgeMs ?? SIGNATURE_MAX_AGE_MS;
  if (!p.signature) return { ok: false, reason: 'missing X-HubSpot-Signature-v3' };
  if (!p.timestamp) return { ok: false, reason: 'missing X-HubSpot-Request-Timestamp' };
  if (!/^\d{1,16}$/.test(p.timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const age = p.now - Number(p.timestamp);
  if (age > maxAge) return { ok: false, reason: 'timestamp older than 5 minutes' };
  // HubSpot only checks the past; a timestamp far in the future would let a captured request be replayed later.
  if (age < -maxAge) return { ok: false, reason: 'timestamp in the future' };
  if (!BASE64_SHA256.test(p.signature)) return { ok: false, reason: 'malformed signature' };

  // Hash the raw bytes as received: re-serialised JSON never matches (hubspot.md §7.8).
  const expected = createHmac('sha256', p.clientSecret)
    .update(`${p.method.toUpperCase()}${signatureUri(p.url)}`, 'utf8')
    .update(p.rawBody)
    .update(p.timestamp, 'utf8')
    .digest();
  const given = Buffer.from(p.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

export type ParsedBatch = { ok: true; events: HubSpotWebhookEvent[]; malformed: number } | { ok: false; reason: string };

/**
 * A webhook body: a JSON array of at most 1000 events. An event of a shape we cannot read (an association change
 * has no objectId) is counted in `malformed` and left out: refusing the batch would make HubSpot retry it and
 * finally drop the valid events with it.
 */
export function parseWebhookBatch(rawBody: Buffer): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!Array.isArray(json)) return { ok: false, reason: 'body is not a JSON array of events' };
  if (json.length > MAX_EVENTS_PER_BATCH) return { ok: false, reason: `more than ${MAX_EVENTS_PER_BATCH} events in one batch` };
  const events: HubSpotWebhookEvent[] = [];
  let malformed = 0;
  for (const item of json) {
    const r = WebhookEventInput.safeParse(item);
    if (!r.success) {
      malformed++;
      continue;
    }
    const e = r.data;
    const out: HubSpotWebhookEvent = {
      eventId: e.eventId,
      // The refine above guarantees one of the two.
      subscriptionType: e.subscriptionType ?? e.eventType ?? '',
      portalId: e.portalId,
      objectId: e.objectId,
      occurredAt: e.occurredAt,
    };
    if (e.attemptNumber !== undefined) out.attemptNumber = e.attemptNumber;
    if (e.propertyName !== undefined) out.propertyName = e.propertyName;
    if (e.propertyValue !== undefined) out.propertyValue = e.propertyValue;
    if (e.changeSource !== undefined) out.changeSource = e.changeSource;
    if (e.sourceId !== undefined) out.sourceId = e.sourceId;
    if (e.appId !== undefined) out.appId = e.appId;
    if (e.objectTypeId !== undefined) out.objectTypeId = e.objectTypeId;
    events.push(out);
  }
  return { ok: true, events, malformed };
}

/**
 * Only creations start an enrichment: `contact.creation`, or the generic `object.creation` for the contact
 * object type ('0-1'; other types are companies, deals, custom objects). Our own writes fire propertyChange
 * events, which are skipped, so enrichment never loops.
 */
export function isContactCreation(e: HubSpotWebhookEvent): boolean {
  return e.subscriptionType === 'contact.creation' || (e.subscriptionType === 'object.creation' && e.objectTypeId === '0-1');
}

/** A HubSpot batch is at most 1000 events of well under 1 KB each. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The webhook channel of the HubSpot connector: v3 signature first, then the batch, answered in JSON. */
export function createWebhookChannel(clientSecret: string | undefined): InboundChannel {
  return {
    source: 'webhook',
    maxBodyBytes: MAX_BODY_BYTES,
    parse(req) {
      if (!clientSecret) return { ok: false, status: 401, reason: 'HubSpot is not configured' };
      const verdict = verifySignatureV3({
        clientSecret,
        method: req.method,
        url: req.url,
        rawBody: req.rawBody,
        signature: req.header('x-hubspot-signature-v3'),
        timestamp: req.header('x-hubspot-request-timestamp'),
        now: req.now,
      });
      if (!verdict.ok) return { ok: false, status: 401, reason: verdict.reason };
      const parsed = parseWebhookBatch(req.rawBody);
      if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
      const records: InboundRecord[] = [];
      for (const e of parsed.events) {
        if (isContactCreation(e)) records.push({ externalId: String(e.portalId), objectType: 'contact', id: String(e.objectId) });
      }
      const received = parsed.events.length + parsed.malformed;
      return { ok: true, records, received, skipped: received - records.length };
    },
    reply(o) {
      const body = o.ok
        ? { received: o.received, queued: o.queued, duplicates: o.duplicates, skipped: o.skipped }
        : { error: o.status === 401 ? 'Unauthorized' : o.status === 403 ? 'Forbidden' : 'Bad Request', message: o.status === 401 ? 'invalid webhook signature' : o.reason };
      return { status: o.ok ? 200 : o.status, contentType: 'application/json', body: JSON.stringify(body) };
    },
  };
}
