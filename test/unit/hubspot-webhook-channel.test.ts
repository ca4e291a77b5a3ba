// The HubSpot webhook channel as the inbound route uses it: refuse before parsing (no secret, bad signature),
// then only contact creations become records, every event counted; the answers HubSpot gets. And the URI
// decoding HubSpot applies before signing, escape by escape. Found by npm run mutate -- webhook.
import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createWebhookChannel, signatureUri, verifySignatureV3 } from '../../connectors/hubspot/webhook.js';

const SECRET = 'client-secret';
const URL_ = 'https://crm-enrich.example/webhooks/hubspot';
const NOW = 1_800_000_000_000;

function request(body: unknown, opts: { secret?: string; headers?: Record<string, string>; url?: string } = {}) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const url = opts.url ?? URL_;
  const signature = createHmac('sha256', opts.secret ?? SECRET).update(`POST${url}${raw.toString()}${NOW}`).digest('base64');
  // Header names as Express hands them over: looked up case-insensitively.
  const headers: Record<string, string> = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(NOW), ...opts.headers };
  return { method: 'POST', url, rawBody: raw, now: NOW, header: (name: string) => headers[name.toLowerCase()] };
}

const event = (over: Record<string, unknown>) => ({ eventId: 1, subscriptionType: 'contact.creation', portalId: 42, objectId: 101, occurredAt: NOW, ...over });

describe('the HubSpot webhook channel', () => {
  // Built in each test, not once for the file: a channel made while the file loads would not see a planted bug.
  let channel = createWebhookChannel(SECRET);
  beforeEach(() => {
    channel = createWebhookChannel(SECRET);
  });

  it('names its source and refuses bodies over 1 MiB before reading them', () => {
    expect([channel.source, channel.maxBodyBytes]).toEqual(['webhook', 1024 * 1024]);
  });

  it('when no client secret is configured, then every delivery is refused with 401, even a well-formed one', () => {
    expect(createWebhookChannel(undefined).parse(request([event({})]))).toEqual({ ok: false, status: 401, reason: 'HubSpot is not configured' });
    expect(createWebhookChannel('').parse(request([event({})], { secret: '' }))).toMatchObject({ ok: false, status: 401 });
  });

  it('when the signature does not verify, then 401 with the reason, before the body is read', () => {
    expect(channel.parse(request('not json', { secret: 'someone-else' }))).toEqual({ ok: false, status: 401, reason: 'signature mismatch' });
    expect(channel.parse(request([event({})], { headers: { 'x-hubspot-request-timestamp': String(NOW - 10 * 60_000) } }))).toEqual({
      ok: false,
      status: 401,
      reason: 'timestamp older than 5 minutes',
    });
    expect(channel.parse(request([], { headers: { 'x-hubspot-signature-v3': '' } }))).toEqual({ ok: false, status: 401, reason: 'missing X-HubSpot-Signature-v3' });
  });

  it('when a signed body is not a batch, then 400 with the reason', () => {
    expect(channel.parse(request('{oops'))).toEqual({ ok: false, status: 400, reason: 'body is not JSON' });
    expect(channel.parse(request({ eventId: 1 }))).toEqual({ ok: false, status: 400, reason: 'body is not a JSON array of events' });
  });

  it('when a batch mixes kinds, then only contact creations become records (portal and object ids as strings); every event is counted, the rest skipped', () => {
    const batch = [
      event({ objectId: 101 }),
      event({ eventId: 2, subscriptionType: 'contact.propertyChange', propertyName: 'jobtitle', propertyValue: 'CEO', objectId: 102 }),
      event({ eventId: 3, subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: 103, portalId: 7 }),
      event({ eventId: 4, subscriptionType: 'object.creation', objectTypeId: '0-2', objectId: 104 }),
      { eventId: 5, subscriptionType: 'contact.associationChange', portalId: 42, occurredAt: NOW },
      event({ eventId: 6, subscriptionType: undefined, eventType: 'contact.creation', objectId: 106 }),
    ];
    expect(channel.parse(request(batch))).toEqual({
      ok: true,
      records: [
        { externalId: '42', objectType: 'contact', id: '101' },
        { externalId: '7', objectType: 'contact', id: '103' },
        { externalId: '42', objectType: 'contact', id: '106' },
      ],
      received: 6,
      skipped: 3,
    });
    expect(channel.parse(request([]))).toEqual({ ok: true, records: [], received: 0, skipped: 0 });
  });

  it('when our own write fires a generic object.propertyChange for a contact, then it is skipped: only creations enrich, so enrichment never loops', () => {
    const ours = [
      event({ subscriptionType: 'object.propertyChange', objectTypeId: '0-1', propertyName: 'jobtitle', propertyValue: 'VP Sales', changeSource: 'INTEGRATION' }),
      event({ eventId: 2, subscriptionType: 'object.deletion', objectTypeId: '0-1' }),
    ];
    expect(channel.parse(request(ours))).toEqual({ ok: true, records: [], received: 2, skipped: 2 });
  });

  it('answers HubSpot in JSON: the counts on success; on refusal the error name, and never the signature detail', () => {
    const json = (o: Parameters<typeof channel.reply>[0]) => {
      const r = channel.reply(o);
      expect(r.contentType).toBe('application/json');
      return [r.status, JSON.parse(r.body) as unknown];
    };
    expect(json({ ok: true, received: 6, queued: 2, duplicates: 1, skipped: 3 })).toEqual([200, { received: 6, queued: 2, duplicates: 1, skipped: 3 }]);
    expect(json({ ok: false, status: 401, reason: 'signature mismatch' })).toEqual([401, { error: 'Unauthorized', message: 'invalid webhook signature' }]);
    expect(json({ ok: false, status: 403, reason: 'connection disabled' })).toEqual([403, { error: 'Forbidden', message: 'connection disabled' }]);
    expect(json({ ok: false, status: 400, reason: 'body is not JSON' })).toEqual([400, { error: 'Bad Request', message: 'body is not JSON' }]);
  });
});

describe('signatureUri: the escapes HubSpot decodes before signing', () => {
  it('decodes each of : / ? @ ! $ \' ( ) * , ; in either case, and leaves every other escape as sent', () => {
    const decoded: [string, string][] = [
      ['3A', ':'], ['2F', '/'], ['3F', '?'], ['40', '@'], ['21', '!'], ['24', '$'],
      ['27', "'"], ['28', '('], ['29', ')'], ['2A', '*'], ['2C', ','], ['3B', ';'],
    ];
    for (const [hex, ch] of decoded) {
      expect(signatureUri(`https://h.example/p?x=a%${hex}b`), hex).toBe(`https://h.example/p?x=a${ch}b`);
      expect(signatureUri(`https://h.example/p?x=a%${hex.toLowerCase()}b`), hex.toLowerCase()).toBe(`https://h.example/p?x=a${ch}b`);
    }
    for (const kept of ['%20', '%26', '%3D', '%25', '%2B', '%23', '%5B', '%3a%3']) {
      expect(signatureUri(`https://h.example/p?x=${kept}`), kept).toBe(`https://h.example/p?x=${kept.replace('%3a%3', ':%3')}`);
    }
  });

  it('is what the signature is computed over: a URL with an escaped colon verifies against the decoded form only', () => {
    const url = 'https://h.example/hook?next=a%3Ab%2Cc';
    const body = Buffer.from('[]');
    const sig = (uri: string) => createHmac('sha256', SECRET).update(`POST${uri}[]${NOW}`).digest('base64');
    const check = (signature: string) => verifySignatureV3({ clientSecret: SECRET, method: 'POST', url, rawBody: body, signature, timestamp: String(NOW), now: NOW });
    expect(check(sig('https://h.example/hook?next=a:b,c'))).toEqual({ ok: true });
    expect(check(sig(url))).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('honours a caller-given window instead of 5 minutes', () => {
    const body = Buffer.from('[]');
    const signature = createHmac('sha256', SECRET).update(`POST${URL_}[]${NOW}`).digest('base64');
    const at = (now: number) => verifySignatureV3({ clientSecret: SECRET, method: 'POST', url: URL_, rawBody: body, signature, timestamp: String(NOW), now, maxAgeMs: 1_000 });
    expect([at(NOW + 1_000), at(NOW - 1_000)]).toEqual([{ ok: true }, { ok: true }]);
    expect(at(NOW + 1_001).ok).toBe(false);
    expect(at(NOW - 1_001).ok).toBe(false);
  });
});
