// HubSpot webhook intake helpers: v3 signature (documented vector, tampering, URL, timestamps; a real signed POST
// over HTTP from the fake), batch parsing, dedupe keys.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Signature } from '@hubspot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { isContactCreation, parseWebhookBatch, verifySignatureV3 } from '../../connectors/hubspot/webhook.js';
import { contactCreationEvent, contactPropertyChangeEvent, sendWebhook } from '../fakes/hubspot/index.js';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const URL_ = 'https://www.example.com/webhook_uri';
const BODY = Buffer.from('{"example_field":"example_value"}');
const TS = 1_700_000_000_000;
const VECTOR = 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=';

const check = (over: Partial<Parameters<typeof verifySignatureV3>[0]> = {}) =>
  verifySignatureV3({ clientSecret: SECRET, method: 'POST', url: URL_, rawBody: BODY, signature: VECTOR, timestamp: String(TS), now: TS + 1_000, ...over });

describe('v3 signature', () => {
  it('when given the documented vector, then it verifies (and the SDK agrees)', () => {
    expect(check()).toEqual({ ok: true });
    expect(Signature.getSignature('POST', 'v3', { signature: '', clientSecret: SECRET, requestBody: BODY.toString(), url: URL_, timestamp: TS })).toBe(VECTOR);
  });

  it('when the body, URL, secret or signature differ, then it is rejected', () => {
    expect(check({ rawBody: Buffer.from('{"example_field":"example_value" }') })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ url: 'http://www.example.com/webhook_uri' }).ok).toBe(false);
    expect(check({ url: `${URL_}/` }).ok).toBe(false);
    expect(check({ url: `${URL_}?a=1` }).ok).toBe(false);
    expect(check({ clientSecret: 'other' }).ok).toBe(false);
    expect(check({ signature: `A${VECTOR.slice(1)}` }).ok).toBe(false);
    expect(check({ signature: 'abc' })).toEqual({ ok: false, reason: 'malformed signature' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing X-HubSpot-Signature-v3' });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing X-HubSpot-Request-Timestamp' });
  });

  it('when the timestamp is more than 5 minutes old or ahead, then it is rejected; the signed timestamp must match', () => {
    expect(check({ now: TS + 5 * 60_000 }).ok).toBe(true);
    expect(check({ now: TS + 5 * 60_000 + 1 })).toEqual({ ok: false, reason: 'timestamp older than 5 minutes' });
    expect(check({ now: TS - 5 * 60_000 - 1 })).toEqual({ ok: false, reason: 'timestamp in the future' });
    expect(check({ timestamp: String(TS + 1) })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ timestamp: '17e11' })).toEqual({ ok: false, reason: 'malformed timestamp' });
  });

  it('when the URI has percent-encodings, then only the listed ones are decoded before hashing', () => {
    const url = 'https://hooks.example.com/hubspot%3Fx?tenant=a%3Ab%2Cc&q=a%20b%26c';
    // Computed here, independently of the code under test and of the fake's signer.
    const sig = (source: string) => createHmac('sha256', SECRET).update(`POST${source}${BODY.toString()}${TS}`, 'utf8').digest('base64');
    expect(check({ url, signature: sig('https://hooks.example.com/hubspot?x?tenant=a:b,c&q=a%20b%26c') })).toEqual({ ok: true });
    expect(check({ url, signature: sig(url) }).ok).toBe(false);
    expect(check({ url, signature: sig('https://hooks.example.com/hubspot?x?tenant=a:b,c&q=a b&c') }).ok).toBe(false);
  });

  describe('over HTTP', () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => close?.());

    it('when the fake POSTs a signed batch through a proxy-like public URL, then the raw bytes verify and tampering does not', async () => {
      const verdicts: unknown[] = [];
      const server = createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const header = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
          verdicts.push(
            verifySignatureV3({
              clientSecret: SECRET,
              method: req.method ?? '',
              url: `https://crm-enrich.example.com${req.url ?? ''}`,
              rawBody: Buffer.concat(chunks),
              signature: header('x-hubspot-signature-v3'),
              timestamp: header('x-hubspot-request-timestamp'),
              now: Date.now(),
            }),
          );
          res.end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      close = () => new Promise<void>((r) => server.close(() => r()));
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hubspot?src=hs`;
      const signedUrl = 'https://crm-enrich.example.com/webhooks/hubspot?src=hs';
      const events = [contactCreationEvent(4242, 101), contactPropertyChangeEvent(4242, 101, 'jobtitle', 'CTO – “Ops” ✓')];
      await sendWebhook(target, events, { clientSecret: SECRET, signedUrl });
      await sendWebhook(target, events, { clientSecret: SECRET, signedUrl, tamper: 'body' });
      await sendWebhook(target, events, { clientSecret: SECRET, signedUrl, tamper: 'stale' });
      await sendWebhook(target, events, { clientSecret: SECRET, signedUrl, tamper: 'timestamp' });
      await sendWebhook(target, events, { clientSecret: SECRET, signedUrl, tamper: 'missing-signature' });
      expect(verdicts).toEqual([
        { ok: true },
        { ok: false, reason: 'signature mismatch' },
        { ok: false, reason: 'timestamp older than 5 minutes' },
        { ok: false, reason: 'signature mismatch' },
        { ok: false, reason: 'missing X-HubSpot-Signature-v3' },
      ]);
    });
  });
});

describe('batch parsing', () => {
  it('when a realistic batch arrives, then every event is parsed with unknown fields ignored and both type keys accepted', () => {
    const raw = JSON.stringify([
      { ...contactCreationEvent(4242, 101, { eventId: 1, occurredAt: 1_764_000_000_000 }), objectTypeId: '0-1', isSensitive: false },
      contactPropertyChangeEvent(4242, 102, 'jobtitle', 'CTO', { eventId: 2, occurredAt: 1_764_000_000_001, sourceId: 'userId:9', attemptNumber: 3 }),
      { eventId: 3, subscriptionId: 7, portalId: 4242, appId: 1234567, occurredAt: 1_764_000_000_002, subscriptionType: 'contact.merge', attemptNumber: 0, objectId: 103, changeSource: 'CRM_UI', primaryObjectId: 103, mergedObjectIds: [104], newObjectId: 103, numberOfPropertiesMoved: 12 },
      { eventId: '4', eventType: 'contact.deletion', portalId: '4242', objectId: '105', occurredAt: '1764000000003' },
    ]);
    const parsed = parseWebhookBatch(Buffer.from(raw));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.events).toEqual([
      { eventId: 1, subscriptionType: 'contact.creation', portalId: 4242, objectId: 101, occurredAt: 1_764_000_000_000, attemptNumber: 0, changeSource: 'CRM', appId: 1234567, objectTypeId: '0-1' },
      { eventId: 2, subscriptionType: 'contact.propertyChange', portalId: 4242, objectId: 102, occurredAt: 1_764_000_000_001, attemptNumber: 3, propertyName: 'jobtitle', propertyValue: 'CTO', changeSource: 'CRM', sourceId: 'userId:9', appId: 1234567 },
      { eventId: 3, subscriptionType: 'contact.merge', portalId: 4242, objectId: 103, occurredAt: 1_764_000_000_002, attemptNumber: 0, changeSource: 'CRM_UI', appId: 1234567 },
      { eventId: '4', subscriptionType: 'contact.deletion', portalId: 4242, objectId: 105, occurredAt: 1_764_000_000_003 },
    ]);
  });

  it('when the body is not a batch, then it is refused with a reason; odd events inside a batch are counted, not fatal', () => {
    const parse = (s: string) => parseWebhookBatch(Buffer.from(s));
    expect(parse('not json')).toEqual({ ok: false, reason: 'body is not JSON' });
    expect(parse('{"eventId":1}')).toEqual({ ok: false, reason: 'body is not a JSON array of events' });
    expect(parse(JSON.stringify(Array.from({ length: 1001 }, (_, i) => contactCreationEvent(1, i))))).toEqual({ ok: false, reason: 'more than 1000 events in one batch' });
    expect(parse('[]')).toEqual({ ok: true, events: [], malformed: 0 });
    const mixed = parse(
      JSON.stringify([
        { eventId: 1, subscriptionType: 'contact.creation', portalId: 1, occurredAt: 1 },
        { eventId: 2, portalId: 1, objectId: 2, occurredAt: 1 },
        contactCreationEvent(1, 3),
        null,
        'x',
      ]),
    );
    expect(mixed).toMatchObject({ ok: true, malformed: 4, events: [{ objectId: 3, subscriptionType: 'contact.creation' }] });
  });

  it('when object.creation events arrive, then only the contact object type (0-1) counts as a contact creation', () => {
    const base = { eventId: 1, portalId: 1, objectId: 5, occurredAt: 1, subscriptionType: 'object.creation' };
    expect(isContactCreation({ ...base, objectTypeId: '0-1' })).toBe(true);
    expect(isContactCreation({ ...base, objectTypeId: '0-2' })).toBe(false);
    expect(isContactCreation(base)).toBe(false);
    expect(isContactCreation({ ...base, subscriptionType: 'contact.creation' })).toBe(true);
    expect(isContactCreation({ ...base, subscriptionType: 'contact.propertyChange' })).toBe(false);
  });
});
